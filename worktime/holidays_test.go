package worktime

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func dates(ss ...string) []time.Time {
	out := make([]time.Time, len(ss))
	for i, s := range ss {
		out[i] = utc(s + " 00:00:00")
	}
	return out
}

func TestNewHolidaySetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, calendar string
		dates          []string
		err            string
	}{
		{"unknown calendar", "xx", nil, `unknown holiday calendar "xx": want a country code (ar, at, au, `},
		{"lists regions", "zz", nil, `or a region code (au-act, `},
		{"uk hint", "UK", nil, `unknown holiday calendar "UK"; the United Kingdom is "gb"`},
		{"aa is not a country", "aa", nil, `unknown holiday calendar "aa"`},
		{"ecb is not a country", "ecb", nil, `unknown holiday calendar "ecb"`},
		{"bad date", "", []string{"2025-01-01", "2025-13-01"}, `malformed date "2025-13-01"`},
		{"empty date", "us", []string{""}, `malformed date ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewHolidaySet(tt.calendar, tt.dates)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NewHolidaySet(%q, %q) error = %v, want %q", tt.calendar, tt.dates, err, tt.err)
			}
		})
	}
}

func TestCalendars(t *testing.T) {
	t.Parallel()
	got := Calendars()
	for _, c := range strings.Fields("ar at au be bg br ca ch cz de dk es fr gb gr hr ie it jp lt lv mw nl no nz pl ro ru se si sk ua us za au-nsw ch-zh de-by") {
		h, err := NewHolidaySet(strings.ToUpper(c), nil)
		if err != nil {
			t.Errorf("calendar %q: %v", c, err)
			continue
		}
		if len(h.Dates(2025, 2025)) < 5 {
			t.Errorf("calendar %q has %d holidays in 2025", c, len(h.Dates(2025, 2025)))
		}
		found := false
		for _, g := range got {
			found = found || g == c
		}
		if !found {
			t.Errorf("Calendars() lacks %q", c)
		}
	}
}

func TestHolidaySetDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		calendar string
		dates    []string
		from, to int
		want     []time.Time
	}{
		{"empty", "", nil, 2025, 2025, []time.Time{}},
		{"explicit dates sorted and deduped, out of range dropped", "", []string{"2025-12-31", "2025-12-24", "2025-12-24", "2024-12-24", "2026-01-02"}, 2025, 2025,
			dates("2025-12-24", "2025-12-31")},
		{"us 2025", "us", nil, 2025, 2025, dates(
			"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
			"2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25")},
		// 2021-12-31 is New Year's Day 2022 observed; 2021-12-24 Christmas observed;
		// 2021-07-05 Independence Day observed; June 19 2021 was a Saturday.
		{"us 2021 includes observed dates", "us", nil, 2021, 2021, dates(
			"2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-06-19", "2021-07-04", "2021-07-05",
			"2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-25", "2021-12-31")},
		{"de 2025 with explicit date", "de", []string{"2025-12-24"}, 2025, 2025, dates(
			"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09",
			"2025-10-03", "2025-12-24", "2025-12-25", "2025-12-26")},
		{"de-by adds regional days", "de-by", nil, 2025, 2025, dates(
			"2025-01-01", "2025-01-06", "2025-04-18", "2025-04-21", "2025-05-01", "2025-05-29", "2025-06-09",
			"2025-06-19", "2025-10-03", "2025-11-01", "2025-12-25", "2025-12-26")},
		{"gb 2027 substitute days", "gb", nil, 2027, 2027, dates(
			"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
			"2027-12-25", "2027-12-26", "2027-12-27", "2027-12-28")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := mustHolidays(t, tt.calendar, tt.dates...)
			got := h.Dates(tt.from, tt.to)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Dates(%d, %d) mismatch (-want +got):\n%s", tt.from, tt.to, diff)
			}
			for _, d := range got {
				if d.Location() != time.UTC {
					t.Errorf("date %v not in UTC", d)
				}
				if !h.IsHoliday(d.Date()) {
					t.Errorf("IsHoliday(%v) = false for a date Dates listed", d)
				}
			}
		})
	}
}

func TestHolidaySetIsHoliday(t *testing.T) {
	t.Parallel()
	us := mustHolidays(t, "us")
	de := mustHolidays(t, "de", "2025-12-24")
	tests := []struct {
		name string
		h    *HolidaySet
		date string
		want bool
	}{
		{"us july 4 2025", us, "2025-07-04", true},
		{"us july 3 2025", us, "2025-07-03", false},
		{"us july 4 2026 saturday", us, "2026-07-04", true},
		{"us july 3 2026 observed", us, "2026-07-03", true},
		{"us new year 2022 observed in 2021", us, "2021-12-31", true},
		{"us thanksgiving 2030", us, "2030-11-28", true},
		{"de unity day", de, "2025-10-03", true},
		{"de explicit date", de, "2025-12-24", true},
		{"de explicit date is not yearly", de, "2026-12-24", false},
		{"de ordinary day", de, "2025-10-02", false},
		{"nil set", nil, "2025-12-25", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := utc(tt.date + " 00:00:00")
			if got := tt.h.IsHoliday(d.Date()); got != tt.want {
				t.Errorf("IsHoliday(%s) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestHolidaySetMerge(t *testing.T) {
	t.Parallel()
	team := mustHolidays(t, "us", "2025-12-24")
	person := mustHolidays(t, "de", "2025-12-24", "2025-08-15")
	merged := team.Merge(person)
	for _, d := range []string{"2025-07-04", "2025-10-03", "2025-12-24", "2025-08-15"} {
		if !merged.IsHoliday(utc(d + " 00:00:00").Date()) {
			t.Errorf("merged set lacks %s", d)
		}
	}
	if team.IsHoliday(2025, time.October, 3) || person.IsHoliday(2025, time.July, 4) {
		t.Error("Merge changed its inputs")
	}
	// Both calendars list Christmas; the union lists it once.
	want := len(team.Dates(2025, 2025)) + len(person.Dates(2025, 2025)) - 3 // 01-01, 12-24, 12-25
	if got := len(merged.Dates(2025, 2025)); got != want {
		t.Errorf("merged has %d dates in 2025, want %d: %v", got, want, merged.Dates(2025, 2025))
	}
	if got, want := merged.String(), "us + de + 2 dates"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"us", "de"}, merged.Calendars()); diff != "" {
		t.Errorf("Calendars() mismatch (-want +got):\n%s", diff)
	}
	var none *HolidaySet
	if got := none.Merge(person).Dates(2025, 2025); !cmp.Equal(got, person.Dates(2025, 2025)) {
		t.Errorf("nil.Merge(person) = %v", got)
	}
	if got := person.Merge(nil).Dates(2025, 2025); !cmp.Equal(got, person.Dates(2025, 2025)) {
		t.Errorf("person.Merge(nil) = %v", got)
	}
	if got := none.String(); got != "no holidays" {
		t.Errorf("nil String() = %q", got)
	}
}

func TestHolidaySetConcurrent(t *testing.T) {
	t.Parallel()
	h := mustHolidays(t, "gb")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for y := 2000; y < 2040; y++ {
				h.IsHoliday(y, time.December, 25-i%2)
				h.Dates(y, y+1)
			}
		})
	}
	wg.Wait()
}
