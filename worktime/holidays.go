package worktime

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// calendars maps a holiday calendar code to its holidays: an ISO 3166-1
// country code for the country's national public holidays, or an ISO 3166-2
// region code ("de-by", "ch-zh", "au-nsw") where github.com/rickar/cal/v2
// defines regional lists.
var calendars = map[string][]*cal.Holiday{
	"ar": ar.Holidays,
	"at": at.Holidays,
	// rickar/cal has no national list for Australia, only per-state ones;
	// "au" is the holidays every state keeps.
	"au": {au.NewYear, au.AustraliaDay, au.GoodFriday, au.EasterMonday, au.AnzacDay, au.ChristmasDay, au.BoxingDay},
	"be": be.Holidays,
	"bg": bg.Holidays,
	"br": br.Holidays,
	"ca": ca.Holidays,
	"ch": ch.Holidays,
	"cz": cz.Holidays,
	"de": de.Holidays,
	"dk": dk.Holidays,
	"es": es.Holidays,
	"fr": fr.Holidays,
	"gb": gb.Holidays,
	"gr": gr.Holidays,
	"hr": hr.Holidays,
	"ie": ie.Holidays,
	"it": it.Holidays,
	"jp": jp.Holidays,
	"lt": lt.Holidays,
	"lv": lv.Holidays,
	"mw": mw.Holidays,
	"nc": nc.Holidays,
	"nl": nl.Holidays,
	"no": no.Holidays,
	"nz": nz.Holidays,
	"pl": pl.Holidays,
	"ro": ro.Holidays,
	"ru": ru.Holidays,
	"se": se.Holidays,
	"si": si.Holidays,
	"sk": sk.Holidays,
	"ua": ua.Holidays,
	"us": us.Holidays,
	"za": za.Holidays,

	"au-act": au.HolidaysACT,
	"au-nsw": au.HolidaysNSW,
	"au-nt":  au.HolidaysNT,
	"au-qld": au.HolidaysQLD,
	"au-sa":  au.HolidaysSA,
	"au-tas": au.HolidaysTAS,
	"au-vic": au.HolidaysVIC,
	"au-wa":  au.HolidaysWA,

	"ch-ag": ch.HolidaysAG,
	"ch-ai": ch.HolidaysAI,
	"ch-ar": ch.HolidaysAR,
	"ch-be": ch.HolidaysBE,
	"ch-bl": ch.HolidaysBL,
	"ch-bs": ch.HolidaysBS,
	"ch-fr": ch.HolidaysFR,
	"ch-ge": ch.HolidaysGE,
	"ch-gl": ch.HolidaysGL,
	"ch-gr": ch.HolidaysGR,
	"ch-ju": ch.HolidaysJU,
	"ch-lu": ch.HolidaysLU,
	"ch-ne": ch.HolidaysNE,
	"ch-nw": ch.HolidaysNW,
	"ch-ow": ch.HolidaysOW,
	"ch-sg": ch.HolidaysSG,
	"ch-sh": ch.HolidaysSH,
	"ch-so": ch.HolidaysSO,
	"ch-sz": ch.HolidaysSZ,
	"ch-tg": ch.HolidaysTG,
	"ch-ti": ch.HolidaysTI,
	"ch-ur": ch.HolidaysUR,
	"ch-vd": ch.HolidaysVD,
	"ch-vs": ch.HolidaysVS,
	"ch-zg": ch.HolidaysZG,
	"ch-zh": ch.HolidaysZH,

	"de-bb": de.HolidaysBB,
	"de-be": de.HolidaysBE,
	"de-bw": de.HolidaysBW,
	"de-by": de.HolidaysBY,
	"de-hb": de.HolidaysHB,
	"de-he": de.HolidaysHE,
	"de-hh": de.HolidaysHH,
	"de-mv": de.HolidaysMV,
	"de-ni": de.HolidaysNI,
	"de-nw": de.HolidaysNW,
	"de-rp": de.HolidaysRP,
	"de-sh": de.HolidaysSH,
	"de-sl": de.HolidaysSL,
	"de-sn": de.HolidaysSN,
	"de-st": de.HolidaysST,
	"de-th": de.HolidaysTH,
}

// Calendars lists the valid holiday calendar codes, sorted: country codes
// such as "us" and region codes such as "de-by".
func Calendars() []string {
	return slices.Sorted(maps.Keys(calendars))
}

// date is a local calendar date.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// HolidaySet is the set of one person's holidays: those of zero or more
// calendars plus explicit dates. A calendar holiday counts on its actual date
// and on its observed (substitute) date, as rickar/cal's own IsHoliday does.
//
// A nil *HolidaySet is an empty set. A HolidaySet is safe for concurrent use.
type HolidaySet struct {
	calendars []string       // codes, for String
	holidays  []*cal.Holiday // from calendars, deduplicated
	dates     map[date]bool  // explicit dates

	mu    sync.Mutex
	years map[int]map[date]bool // calendar holidays by year, computed on demand
}

// NewHolidaySet returns the holidays of calendar ("" for none, else a code
// from Calendars, in any case) plus the explicit dates, each YYYY-MM-DD.
func NewHolidaySet(calendar string, dates []string) (*HolidaySet, error) {
	h := &HolidaySet{dates: make(map[date]bool, len(dates))}
	if calendar != "" {
		code := strings.ToLower(calendar)
		hols, ok := calendars[code]
		if !ok {
			return nil, unknownCalendar(calendar)
		}
		h.calendars = []string{code}
		h.holidays = hols
	}
	for _, s := range dates {
		t, err := ParseDate(s)
		if err != nil {
			return nil, err
		}
		h.dates[dateOf(t)] = true
	}
	return h, nil
}

func unknownCalendar(code string) error {
	var countries, regions []string
	for _, c := range Calendars() {
		if strings.Contains(c, "-") {
			regions = append(regions, c)
		} else {
			countries = append(countries, c)
		}
	}
	hint := ""
	if strings.EqualFold(code, "uk") {
		hint = `; the United Kingdom is "gb"`
	}
	return fmt.Errorf("unknown holiday calendar %q%s: want a country code (%s) or a region code (%s)",
		code, hint, strings.Join(countries, ", "), strings.Join(regions, ", "))
}

// IsHoliday reports whether the local calendar date y-m-d is a holiday.
func (h *HolidaySet) IsHoliday(y int, m time.Month, d int) bool {
	if h == nil {
		return false
	}
	// Normalise out-of-range input the way time.Date does.
	k := dateOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
	return h.dates[k] || h.year(k.y)[k]
}

// year returns the calendar holidays falling in year y. A holiday of the
// previous or next year may be observed in y (New Year's Day on a Saturday is
// observed on the Friday before), so those years are computed too.
func (h *HolidaySet) year(y int) map[date]bool {
	if len(h.holidays) == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if set, ok := h.years[y]; ok {
		return set
	}
	set := make(map[date]bool)
	for _, hol := range h.holidays {
		for cy := y - 1; cy <= y+1; cy++ {
			actual, observed := hol.Calc(cy)
			for _, t := range []time.Time{actual, observed} {
				if !t.IsZero() && t.Year() == y {
					set[dateOf(t)] = true
				}
			}
		}
	}
	if h.years == nil {
		h.years = make(map[int]map[date]bool)
	}
	h.years[y] = set
	return set
}

// Dates lists every holiday in the years fromYear through toYear, as 00:00
// UTC of each date, sorted and without duplicates.
func (h *HolidaySet) Dates(fromYear, toYear int) []time.Time {
	if h == nil {
		return nil
	}
	seen := make(map[date]bool)
	for y := fromYear; y <= toYear; y++ {
		for k := range h.year(y) {
			seen[k] = true
		}
	}
	for k := range h.dates {
		if k.y >= fromYear && k.y <= toYear {
			seen[k] = true
		}
	}
	out := make([]time.Time, 0, len(seen))
	for k := range seen {
		out = append(out, time.Date(k.y, k.m, k.d, 0, 0, 0, 0, time.UTC))
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// Merge returns the union of h and other (team holidays plus a person's own,
// say). Neither is changed; either may be nil.
func (h *HolidaySet) Merge(other *HolidaySet) *HolidaySet {
	out := &HolidaySet{dates: make(map[date]bool)}
	for _, s := range []*HolidaySet{h, other} {
		if s == nil {
			continue
		}
		for _, c := range s.calendars {
			if !slices.Contains(out.calendars, c) {
				out.calendars = append(out.calendars, c)
			}
		}
		for _, hol := range s.holidays {
			if !slices.Contains(out.holidays, hol) {
				out.holidays = append(out.holidays, hol)
			}
		}
		maps.Copy(out.dates, s.dates)
	}
	return out
}

// Calendars lists the calendar codes in the set.
func (h *HolidaySet) Calendars() []string {
	if h == nil {
		return nil
	}
	return slices.Clone(h.calendars)
}

// String describes the set, e.g. "us + 2 dates".
func (h *HolidaySet) String() string {
	if h == nil || (len(h.calendars) == 0 && len(h.dates) == 0) {
		return "no holidays"
	}
	parts := slices.Clone(h.calendars)
	switch n := len(h.dates); n {
	case 0:
	case 1:
		parts = append(parts, "1 date")
	default:
		parts = append(parts, fmt.Sprintf("%d dates", n))
	}
	return strings.Join(parts, " + ")
}
