package worktime

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustHolidays(t *testing.T, calendar string, dates ...string) *HolidaySet {
	t.Helper()
	h, err := NewHolidaySet(calendar, dates)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func utc(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

var monFri = [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}

func TestParseHours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		start, end int
		err        string
	}{
		{in: "09:00-18:00", start: 540, end: 1080},
		{in: "9:30-17:45", start: 570, end: 1065},
		{in: " 08:00 - 16:30 ", start: 480, end: 990},
		{in: "00:00-24:00", start: 0, end: 1440},
		{in: "22:00-24:00", start: 1320, end: 1440},
		{in: "", err: `malformed hours "": want HH:MM-HH:MM`},
		{in: "9-18", err: `malformed hours "9-18": want HH:MM-HH:MM`},
		{in: "09:00", err: `malformed hours "09:00": want HH:MM-HH:MM`},
		{in: "09:00-18:00-19:00", err: `want HH:MM-HH:MM`},
		{in: "9h00-18h00", err: `want HH:MM-HH:MM`},
		{in: "+9:00-18:00", err: `want HH:MM-HH:MM`},
		{in: "25:00-18:00", err: `malformed hours "25:00-18:00": hour 25 out of range`},
		{in: "09:60-18:00", err: `minute 60 out of range`},
		{in: "09:00-24:30", err: `"24:30" is past 24:00`},
		{in: "24:00-24:00", err: `24:00 is allowed only as the end`},
		{in: "18:00-09:00", err: `malformed hours "18:00-09:00": end 09:00 is not after start 18:00; overnight shifts are not supported`},
		{in: "09:00-09:00", err: `overnight shifts are not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			start, end, err := ParseHours(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseHours(%q) error = %v, want it to contain %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if start != tt.start || end != tt.end {
				t.Errorf("ParseHours(%q) = %d, %d, want %d, %d", tt.in, start, end, tt.start, tt.end)
			}
		})
	}
}

func TestFormatHours(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"09:00-18:00", "00:00-24:00", "07:15-15:45"} {
		start, end, err := ParseHours(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatHours(start, end); got != s {
			t.Errorf("FormatHours(ParseHours(%q)) = %q", s, got)
		}
	}
}

func TestParseWeekday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Weekday
		err  string
	}{
		{in: "mon", want: time.Monday},
		{in: "Tue", want: time.Tuesday},
		{in: "WEDNESDAY", want: time.Wednesday},
		{in: "thursday", want: time.Thursday},
		{in: "fri", want: time.Friday},
		{in: "Saturday", want: time.Saturday},
		{in: "sun", want: time.Sunday},
		{in: "funday", err: `unknown weekday "funday": want one of mon, tue, wed, thu, fri, sat, sun`},
		{in: "mo", err: `unknown weekday "mo"`},
		{in: "", err: `unknown weekday ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWeekday(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseWeekday(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseWeekday(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseWorkdays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []string
		want [7]bool
		err  string
	}{
		{name: "mon-fri", in: []string{"mon", "tue", "wed", "thu", "fri"}, want: monFri},
		{name: "sun-thu", in: []string{"Sunday", "mon", "tue", "wed", "thu"},
			want: [7]bool{time.Sunday: true, time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true}},
		{name: "one day", in: []string{"sat"}, want: [7]bool{time.Saturday: true}},
		{name: "empty", in: []string{}, err: "no workdays"},
		{name: "nil", in: nil, err: "no workdays"},
		{name: "unknown", in: []string{"mon", "moon"}, err: `unknown weekday "moon"`},
		{name: "duplicate", in: []string{"mon", "Monday"}, err: `duplicate weekday "Monday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWorkdays(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseWorkdays(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseWorkdays(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	got, err := ParseDate("2025-10-03")
	if err != nil || !got.Equal(utc("2025-10-03 00:00:00")) || got.Location() != time.UTC {
		t.Errorf("ParseDate = %v, %v", got, err)
	}
	for _, bad := range []string{"", "2025-13-01", "2025-02-30", "2025-1-5", "03.10.2025", "2025-10-03T00:00:00Z"} {
		if _, err := ParseDate(bad); err == nil || !strings.Contains(err.Error(), `malformed date "`+bad+`"`) {
			t.Errorf("ParseDate(%q) error = %v", bad, err)
		}
	}
}

// facts is Facts with the local time written out, so that a table shows the
// wall clock and zone offset an instant was judged in.
type facts struct {
	Local      string // "2006-01-02 15:04:05 Mon -07:00"
	Date       string
	Hour       int
	WorkingDay bool
	AfterHours bool
	LateNight  bool
}

func toFacts(f Facts) facts {
	if f.Date.Location() != time.UTC || f.Date.Hour() != 0 || f.Date.Minute() != 0 {
		panic("Date is not 00:00 UTC: " + f.Date.String())
	}
	return facts{
		Local:      f.Local.Format("2006-01-02 15:04:05 Mon -07:00"),
		Date:       f.Date.Format(time.DateOnly),
		Hour:       f.Hour,
		WorkingDay: f.WorkingDay,
		AfterHours: f.AfterHours,
		LateNight:  f.LateNight,
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	newYork := mustLoad(t, "America/New_York")
	kathmandu := mustLoad(t, "Asia/Kathmandu")
	marquesas := mustLoad(t, "Pacific/Marquesas")
	kolkata := mustLoad(t, "Asia/Kolkata")
	jerusalem := mustLoad(t, "Asia/Jerusalem")
	none := mustHolidays(t, "")
	office := Rules{Workdays: monFri, Start: 9 * 60, End: 18 * 60, Holidays: none}
	in := func(loc *time.Location) Rules { r := office; r.Location = loc; return r }
	sunThu := in(jerusalem)
	sunThu.Workdays = [7]bool{time.Sunday: true, time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true}
	usRules := in(newYork)
	usRules.Holidays = mustHolidays(t, "us")
	deRules := in(berlin)
	deRules.Holidays = mustHolidays(t, "DE", "2025-12-24")

	tests := []struct {
		name    string
		rules   Rules
		instant time.Time
		zone    *time.Location // nil: the rules' own
		want    facts
	}{
		// Exact boundaries, in UTC.
		{"before start", office, utc("2025-06-02 08:59:59"), time.UTC,
			facts{"2025-06-02 08:59:59 Mon +00:00", "2025-06-02", 8, true, true, false}},
		{"start", office, utc("2025-06-02 09:00:00"), time.UTC,
			facts{"2025-06-02 09:00:00 Mon +00:00", "2025-06-02", 9, true, false, false}},
		{"last second", office, utc("2025-06-02 17:59:59"), time.UTC,
			facts{"2025-06-02 17:59:59 Mon +00:00", "2025-06-02", 17, true, false, false}},
		{"end", office, utc("2025-06-02 18:00:00"), time.UTC,
			facts{"2025-06-02 18:00:00 Mon +00:00", "2025-06-02", 18, true, true, false}},
		{"midnight is late night", office, utc("2025-06-03 00:00:00"), time.UTC,
			facts{"2025-06-03 00:00:00 Tue +00:00", "2025-06-03", 0, true, true, true}},
		{"late night last second", office, utc("2025-06-03 04:59:59"), time.UTC,
			facts{"2025-06-03 04:59:59 Tue +00:00", "2025-06-03", 4, true, true, true}},
		{"late night over", office, utc("2025-06-03 05:00:00"), time.UTC,
			facts{"2025-06-03 05:00:00 Tue +00:00", "2025-06-03", 5, true, true, false}},
		{"saturday midday", office, utc("2025-06-07 12:00:00"), time.UTC,
			facts{"2025-06-07 12:00:00 Sat +00:00", "2025-06-07", 12, false, true, false}},
		{"nil zone and no location is utc", office, utc("2025-06-02 12:00:00"), nil,
			facts{"2025-06-02 12:00:00 Mon +00:00", "2025-06-02", 12, true, false, false}},
		{"nil zone uses rules location", in(berlin), utc("2025-06-02 07:30:00"), nil,
			facts{"2025-06-02 09:30:00 Mon +02:00", "2025-06-02", 9, true, false, false}},

		// Europe/Berlin, spring forward on Sunday 2025-03-30: 02:00-03:00 does not exist.
		{"berlin last second of winter time", in(berlin), utc("2025-03-30 00:59:59"), berlin,
			facts{"2025-03-30 01:59:59 Sun +01:00", "2025-03-30", 1, false, true, true}},
		{"berlin skips 02:00", in(berlin), utc("2025-03-30 01:00:00"), berlin,
			facts{"2025-03-30 03:00:00 Sun +02:00", "2025-03-30", 3, false, true, true}},
		{"berlin 07:00 utc friday before is 08:00", in(berlin), utc("2025-03-28 07:00:00"), berlin,
			facts{"2025-03-28 08:00:00 Fri +01:00", "2025-03-28", 8, true, true, false}},
		{"berlin 07:00 utc monday after is 09:00", in(berlin), utc("2025-03-31 07:00:00"), berlin,
			facts{"2025-03-31 09:00:00 Mon +02:00", "2025-03-31", 9, true, false, false}},
		// Europe/Berlin, fall back on Sunday 2025-10-26: 02:00-03:00 happens twice.
		{"berlin repeated hour, first", in(berlin), utc("2025-10-26 00:30:00"), berlin,
			facts{"2025-10-26 02:30:00 Sun +02:00", "2025-10-26", 2, false, true, true}},
		{"berlin repeated hour, second", in(berlin), utc("2025-10-26 01:30:00"), berlin,
			facts{"2025-10-26 02:30:00 Sun +01:00", "2025-10-26", 2, false, true, true}},
		{"berlin monday after fall back 17:59", in(berlin), utc("2025-10-27 16:59:59"), berlin,
			facts{"2025-10-27 17:59:59 Mon +01:00", "2025-10-27", 17, true, false, false}},
		{"berlin monday after fall back 18:00", in(berlin), utc("2025-10-27 17:00:00"), berlin,
			facts{"2025-10-27 18:00:00 Mon +01:00", "2025-10-27", 18, true, true, false}},

		// America/New_York, spring forward on Sunday 2025-03-09.
		{"new york before skip", in(newYork), utc("2025-03-09 06:59:59"), newYork,
			facts{"2025-03-09 01:59:59 Sun -05:00", "2025-03-09", 1, false, true, true}},
		{"new york skips 02:00", in(newYork), utc("2025-03-09 07:00:00"), newYork,
			facts{"2025-03-09 03:00:00 Sun -04:00", "2025-03-09", 3, false, true, true}},
		{"new york monday 13:00 utc is 09:00 edt", in(newYork), utc("2025-03-10 13:00:00"), newYork,
			facts{"2025-03-10 09:00:00 Mon -04:00", "2025-03-10", 9, true, false, false}},
		// America/New_York, fall back on Sunday 2025-11-02.
		{"new york repeated hour, first", in(newYork), utc("2025-11-02 05:30:00"), newYork,
			facts{"2025-11-02 01:30:00 Sun -04:00", "2025-11-02", 1, false, true, true}},
		{"new york repeated hour, second", in(newYork), utc("2025-11-02 06:30:00"), newYork,
			facts{"2025-11-02 01:30:00 Sun -05:00", "2025-11-02", 1, false, true, true}},
		{"new york monday 13:00 utc is 08:00 est", in(newYork), utc("2025-11-03 13:00:00"), newYork,
			facts{"2025-11-03 08:00:00 Mon -05:00", "2025-11-03", 8, true, true, false}},
		{"new york utc date is tomorrow", in(newYork), utc("2025-11-04 02:00:00"), newYork,
			facts{"2025-11-03 21:00:00 Mon -05:00", "2025-11-03", 21, true, true, false}},

		// Asia/Kathmandu, +05:45.
		{"kathmandu before start", in(kathmandu), utc("2025-06-02 03:14:59"), kathmandu,
			facts{"2025-06-02 08:59:59 Mon +05:45", "2025-06-02", 8, true, true, false}},
		{"kathmandu start", in(kathmandu), utc("2025-06-02 03:15:00"), kathmandu,
			facts{"2025-06-02 09:00:00 Mon +05:45", "2025-06-02", 9, true, false, false}},
		{"kathmandu last second", in(kathmandu), utc("2025-06-02 12:14:59"), kathmandu,
			facts{"2025-06-02 17:59:59 Mon +05:45", "2025-06-02", 17, true, false, false}},
		{"kathmandu end", in(kathmandu), utc("2025-06-02 12:15:00"), kathmandu,
			facts{"2025-06-02 18:00:00 Mon +05:45", "2025-06-02", 18, true, true, false}},
		{"kathmandu sunday evening utc is monday late night", in(kathmandu), utc("2025-06-01 20:00:00"), kathmandu,
			facts{"2025-06-02 01:45:00 Mon +05:45", "2025-06-02", 1, true, true, true}},

		// Pacific/Marquesas, -09:30.
		{"marquesas start", in(marquesas), utc("2025-06-02 18:30:00"), marquesas,
			facts{"2025-06-02 09:00:00 Mon -09:30", "2025-06-02", 9, true, false, false}},
		{"marquesas last second is next utc day", in(marquesas), utc("2025-06-03 03:29:59"), marquesas,
			facts{"2025-06-02 17:59:59 Mon -09:30", "2025-06-02", 17, true, false, false}},
		{"marquesas end", in(marquesas), utc("2025-06-03 03:30:00"), marquesas,
			facts{"2025-06-02 18:00:00 Mon -09:30", "2025-06-02", 18, true, true, false}},
		{"marquesas saturday utc is friday", in(marquesas), utc("2025-06-07 02:00:00"), marquesas,
			facts{"2025-06-06 16:30:00 Fri -09:30", "2025-06-06", 16, true, false, false}},

		// Asia/Kolkata, +05:30.
		{"kolkata late night last second", in(kolkata), utc("2025-06-02 23:29:59"), kolkata,
			facts{"2025-06-03 04:59:59 Tue +05:30", "2025-06-03", 4, true, true, true}},
		{"kolkata late night over", in(kolkata), utc("2025-06-02 23:30:00"), kolkata,
			facts{"2025-06-03 05:00:00 Tue +05:30", "2025-06-03", 5, true, true, false}},
		{"kolkata start", in(kolkata), utc("2025-06-03 03:30:00"), kolkata,
			facts{"2025-06-03 09:00:00 Tue +05:30", "2025-06-03", 9, true, false, false}},

		// Sunday to Thursday week.
		{"jerusalem sunday is a workday", sunThu, utc("2025-06-01 06:00:00"), jerusalem,
			facts{"2025-06-01 09:00:00 Sun +03:00", "2025-06-01", 9, true, false, false}},
		{"jerusalem thursday", sunThu, utc("2025-06-05 14:59:59"), jerusalem,
			facts{"2025-06-05 17:59:59 Thu +03:00", "2025-06-05", 17, true, false, false}},
		{"jerusalem friday is off", sunThu, utc("2025-06-06 07:00:00"), jerusalem,
			facts{"2025-06-06 10:00:00 Fri +03:00", "2025-06-06", 10, false, true, false}},
		{"jerusalem saturday is off", sunThu, utc("2025-06-07 07:00:00"), jerusalem,
			facts{"2025-06-07 10:00:00 Sat +03:00", "2025-06-07", 10, false, true, false}},

		// Configured zone wins over the offset the machine recorded.
		{"configured berlin, commit recorded in utc", in(berlin), utc("2025-06-02 07:30:00"), ZoneFor(berlin, new(0), nil, time.UTC),
			facts{"2025-06-02 09:30:00 Mon +02:00", "2025-06-02", 9, true, false, false}},
		{"unconfigured, commit recorded in utc", office, utc("2025-06-02 07:30:00"), ZoneFor(nil, new(0), new(7200), berlin),
			facts{"2025-06-02 07:30:00 Mon +00:00", "2025-06-02", 7, true, true, false}},
		{"unconfigured api event uses inferred offset", office, utc("2025-06-02 07:30:00"), ZoneFor(nil, nil, new(19800), berlin),
			facts{"2025-06-02 13:00:00 Mon +05:30", "2025-06-02", 13, true, false, false}},

		// Holidays.
		{"us independence day 2025", usRules, utc("2025-07-04 15:00:00"), newYork,
			facts{"2025-07-04 11:00:00 Fri -04:00", "2025-07-04", 11, false, true, false}},
		{"us day after independence day", usRules, utc("2025-07-03 15:00:00"), newYork,
			facts{"2025-07-03 11:00:00 Thu -04:00", "2025-07-03", 11, true, false, false}},
		{"us independence day 2026 observed on friday", usRules, utc("2026-07-03 15:00:00"), newYork,
			facts{"2026-07-03 11:00:00 Fri -04:00", "2026-07-03", 11, false, true, false}},
		{"us new year 2022 observed on friday 2021-12-31", usRules, utc("2021-12-31 15:00:00"), newYork,
			facts{"2021-12-31 10:00:00 Fri -05:00", "2021-12-31", 10, false, true, false}},
		{"de unity day", deRules, utc("2025-10-03 08:00:00"), berlin,
			facts{"2025-10-03 10:00:00 Fri +02:00", "2025-10-03", 10, false, true, false}},
		{"de explicit christmas eve", deRules, utc("2025-12-24 09:00:00"), berlin,
			facts{"2025-12-24 10:00:00 Wed +01:00", "2025-12-24", 10, false, true, false}},
		{"de holiday judged by local date, not utc date", deRules, utc("2025-10-02 22:30:00"), berlin,
			facts{"2025-10-03 00:30:00 Fri +02:00", "2025-10-03", 0, false, true, true}},
		{"de ordinary day", deRules, utc("2025-10-02 08:00:00"), berlin,
			facts{"2025-10-02 10:00:00 Thu +02:00", "2025-10-02", 10, true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.rules.Classify(tt.instant, tt.zone)
			if !got.Local.Equal(tt.instant) {
				t.Errorf("Local = %v is not the same instant as %v", got.Local, tt.instant)
			}
			if diff := cmp.Diff(tt.want, toFacts(got)); diff != "" {
				t.Errorf("Classify(%v) mismatch (-want +got):\n%s", tt.instant, diff)
			}
		})
	}
}

func TestClassifyNilHolidays(t *testing.T) {
	t.Parallel()
	r := Rules{Workdays: monFri, Start: 0, End: 1440}
	if f := r.Classify(utc("2025-12-25 12:00:00"), nil); !f.WorkingDay || f.AfterHours {
		t.Errorf("Classify with nil Holidays = %+v", f)
	}
}

func TestWorkingDay(t *testing.T) {
	t.Parallel()
	r := Rules{Workdays: monFri, Start: 540, End: 1080, Holidays: mustHolidays(t, "us")}
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want bool
	}{
		{2025, time.July, 3, true},
		{2025, time.July, 4, false},
		{2025, time.July, 5, false},
		{2025, time.November, 27, false}, // Thanksgiving
		{2025, time.November, 28, true},
	}
	for _, tt := range tests {
		if got := r.WorkingDay(tt.y, tt.m, tt.d); got != tt.want {
			t.Errorf("WorkingDay(%d-%02d-%02d) = %v, want %v", tt.y, tt.m, tt.d, got, tt.want)
		}
	}
}
