// Package worktime decides, for one person's working-time rules, whether an
// instant is working time, judged in that person's local time: their time
// zone, working days, working hours and holidays, never the server's.
//
// It also carries the small pieces of the time model that other packages
// need in the same terms: which zone an event is judged in (ZoneFor), a
// zone's UTC offsets over a range of instants for SQL (Transitions), and the
// holiday dates of a person (HolidaySet).
package worktime

import (
	"errors"
	"fmt"
	"strings"
	"time"

	// Embedded so that zones resolve the same on every machine, including
	// minimal containers without /usr/share/zoneinfo: a missing zone database
	// would otherwise make a valid config fail to load.
	_ "time/tzdata"
)

// Rules are one person's resolved working-time rules.
type Rules struct {
	Location   *time.Location // configured zone (person, else team); nil when none is configured
	Workdays   [7]bool        // indexed by time.Weekday
	Start, End int            // working hours [Start, End) in minutes after local midnight; 0 <= Start < End <= 1440
	Holidays   *HolidaySet    // never nil after config resolution (may be empty)
}

// Facts about one instant in a person's local time.
type Facts struct {
	Local      time.Time // the instant in the resolved local zone
	Date       time.Time // the local calendar date as 00:00 UTC
	Hour       int       // local clock hour 0..23
	WorkingDay bool      // a workday and not a holiday
	AfterHours bool      // !WorkingDay, or local minute-of-day outside [Start, End)
	LateNight  bool      // local time in [00:00, 05:00)
}

// LateNightEnd is the local hour at which late night ends: late night is
// [00:00, 05:00).
const LateNightEnd = 5

// Classify reports the facts about instant in zone. zone is normally the
// result of ZoneFor; when it is nil, r.Location is used, and UTC when that is
// nil too.
//
// The wall clock decides: in a repeated hour (DST ending) both instants get
// the same local hour, and an instant is never in a skipped hour. Seconds are
// ignored for working hours, so with hours 09:00-18:00, 17:59:59 is working
// time and 18:00:00 is not.
func (r Rules) Classify(instant time.Time, zone *time.Location) Facts {
	if zone == nil {
		zone = r.Location
	}
	if zone == nil {
		zone = time.UTC
	}
	local := instant.In(zone)
	y, m, d := local.Date()
	hour, minute := local.Hour(), local.Minute()
	minuteOfDay := hour*60 + minute
	working := r.Workdays[local.Weekday()] && !r.Holidays.IsHoliday(y, m, d)
	return Facts{
		Local:      local,
		Date:       time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		Hour:       hour,
		WorkingDay: working,
		AfterHours: !working || minuteOfDay < r.Start || minuteOfDay >= r.End,
		LateNight:  hour < LateNightEnd,
	}
}

// WorkingDay reports whether the local calendar date y-m-d is a workday and
// not a holiday.
func (r Rules) WorkingDay(y int, m time.Month, d int) bool {
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	return r.Workdays[wd] && !r.Holidays.IsHoliday(y, m, d)
}

// ParseHours parses working hours written as "HH:MM-HH:MM", for example
// "09:00-18:00", into minutes after local midnight. "24:00" is allowed as the
// end only. The end must be after the start: overnight shifts are not
// supported.
func ParseHours(s string) (start, end int, err error) {
	fail := func(reason string) (int, int, error) {
		return 0, 0, fmt.Errorf("malformed hours %q: %s", s, reason)
	}
	const want = `want HH:MM-HH:MM, e.g. "09:00-18:00"`
	from, to, ok := strings.Cut(s, "-")
	if !ok || strings.Contains(to, "-") {
		return fail(want)
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	start, err = parseClock(from)
	if err == errNotClock {
		return fail(want)
	}
	if err != nil {
		return fail(err.Error())
	}
	if start == 24*60 {
		return fail("24:00 is allowed only as the end")
	}
	end, err = parseClock(to)
	if err == errNotClock {
		return fail(want)
	}
	if err != nil {
		return fail(err.Error())
	}
	if end <= start {
		return fail(fmt.Sprintf("end %s is not after start %s; overnight shifts are not supported", to, from))
	}
	return start, end, nil
}

var errNotClock = errors.New("not a clock time")

// parseClock parses "H:MM" or "HH:MM" (00:00 to 24:00) into minutes after
// midnight.
func parseClock(s string) (int, error) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, errNotClock
	}
	h := atoi(hs)
	m := atoi(ms)
	switch {
	case h > 24:
		return 0, fmt.Errorf("hour %d out of range 0-24", h)
	case m > 59:
		return 0, fmt.Errorf("minute %d out of range 0-59", m)
	case h == 24 && m != 0:
		return 0, fmt.Errorf("%q is past 24:00", s)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// atoi converts a string of at most two ASCII digits.
func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// FormatHours is the inverse of ParseHours.
func FormatHours(start, end int) string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", start/60, start%60, end/60, end%60)
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// ParseWeekday parses a day name: mon, tue, wed, thu, fri, sat, sun or the
// full English name, in any case.
func ParseWeekday(s string) (time.Weekday, error) {
	wd, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, fmt.Errorf("unknown weekday %q: want one of mon, tue, wed, thu, fri, sat, sun", s)
	}
	return wd, nil
}

// ParseWorkdays parses a list of day names (see ParseWeekday) into a set
// indexed by time.Weekday. The list must name at least one day, each once.
func ParseWorkdays(days []string) ([7]bool, error) {
	var set [7]bool
	if len(days) == 0 {
		return set, fmt.Errorf("no workdays: name at least one day, e.g. [mon, tue, wed, thu, fri]")
	}
	for _, s := range days {
		wd, err := ParseWeekday(s)
		if err != nil {
			return [7]bool{}, err
		}
		if set[wd] {
			return [7]bool{}, fmt.Errorf("duplicate weekday %q", s)
		}
		set[wd] = true
	}
	return set, nil
}

// ParseDate parses a calendar date written as YYYY-MM-DD into 00:00 UTC of
// that date.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed date %q: want a real date as YYYY-MM-DD", s)
	}
	return t, nil
}
