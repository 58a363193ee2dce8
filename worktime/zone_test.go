package worktime

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestZoneFor(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	tokyo := mustLoad(t, "Asia/Tokyo")
	tests := []struct {
		name               string
		configured         *time.Location
		recorded, inferred *int
		fallback           *time.Location
		want               string // zone name
		offset             int
	}{
		{"configured wins over everything", berlin, new(0), new(3600), tokyo, "Europe/Berlin", 7200},
		{"recorded offset", nil, new(-4 * 3600), new(3600), tokyo, "UTC-04:00", -4 * 3600},
		{"recorded utc is still recorded", nil, new(0), new(3600), tokyo, "UTC", 0},
		{"recorded kathmandu", nil, new(5*3600 + 45*60), nil, nil, "UTC+05:45", 5*3600 + 45*60},
		{"recorded marquesas", nil, new(-(9*3600 + 30*60)), nil, nil, "UTC-09:30", -(9*3600 + 30*60)},
		{"inferred when nothing recorded", nil, nil, new(19800), tokyo, "UTC+05:30", 19800},
		{"fallback when nothing known", nil, nil, nil, tokyo, "Asia/Tokyo", 9 * 3600},
		{"utc when no fallback", nil, nil, nil, nil, "UTC", 0},
		{"corrupt recorded offset is ignored", nil, new(50 * 3600), new(3600), nil, "UTC+01:00", 3600},
		{"corrupt inferred offset is ignored", nil, nil, new(-19 * 3600), tokyo, "Asia/Tokyo", 9 * 3600},
		{"seconds offset", nil, new(-(3*3600 + 30*60 + 15)), nil, nil, "UTC-03:30:15", -(3*3600 + 30*60 + 15)},
	}
	instant := utc("2025-06-02 12:00:00")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := ZoneFor(tt.configured, tt.recorded, tt.inferred, tt.fallback)
			if loc.String() != tt.want {
				t.Errorf("ZoneFor = %q, want %q", loc, tt.want)
			}
			if _, off := instant.In(loc).Zone(); off != tt.offset {
				t.Errorf("offset = %d, want %d", off, tt.offset)
			}
		})
	}
}

func TestFixedZoneShared(t *testing.T) {
	t.Parallel()
	if FixedZone(20700) != FixedZone(20700) {
		t.Error("FixedZone allocates a new zone per call")
	}
	if FixedZone(0) != time.UTC {
		t.Error("FixedZone(0) is not time.UTC")
	}
}

func TestLoadLocation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"UTC", "Europe/Berlin", "Asia/Kathmandu", "Pacific/Marquesas", "America/Argentina/Buenos_Aires"} {
		loc, err := LoadLocation(name)
		if err != nil || loc.String() != name {
			t.Errorf("LoadLocation(%q) = %v, %v", name, loc, err)
		}
	}
	tests := []struct{ in, err string }{
		{"Europe/Berln", `unknown time zone "Europe/Berln"`},
		{"Local", `time zone "Local" is the server's zone`},
		{"", `empty time zone`},
		{"../../etc/passwd", `unknown time zone "../../etc/passwd"`},
	}
	for _, tt := range tests {
		if _, err := LoadLocation(tt.in); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("LoadLocation(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestTransitionsBerlin2025(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	got := Transitions(berlin, utc("2025-01-01 00:00:00"), utc("2025-12-31 23:59:59"))
	want := []Transition{
		{From: utc("2024-10-27 01:00:00"), OffsetSeconds: 3600},
		{From: utc("2025-03-30 01:00:00"), OffsetSeconds: 7200},
		{From: utc("2025-10-26 01:00:00"), OffsetSeconds: 3600},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Transitions mismatch (-want +got):\n%s", diff)
	}
}

func TestTransitionsFixed(t *testing.T) {
	t.Parallel()
	from, to := utc("2025-01-01 00:00:00"), utc("2026-01-01 00:00:00")
	tests := []struct {
		name string
		loc  *time.Location
		want []Transition
	}{
		{"utc", time.UTC, []Transition{{From: from, OffsetSeconds: 0}}},
		{"nil is utc", nil, []Transition{{From: from, OffsetSeconds: 0}}},
		{"fixed", FixedZone(-34200), []Transition{{From: from, OffsetSeconds: -34200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Transitions(tt.loc, from, to)); diff != "" {
				t.Errorf("Transitions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTransitionsWallClock checks what the SQL relies on: for every instant in
// range, utc + the offset of the last transition at or before it is the same
// wall clock as time.In gives.
func TestTransitionsWallClock(t *testing.T) {
	t.Parallel()
	from, to := utc("2024-01-01 00:00:00"), utc("2026-12-31 23:59:59")
	for _, name := range []string{
		"Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Pacific/Marquesas", "Asia/Kolkata",
		"Asia/Jerusalem", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "Europe/Dublin",
		"Africa/Casablanca", "UTC",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, name)
			trs := Transitions(loc, from, to)
			if len(trs) == 0 || trs[0].From.After(from) {
				t.Fatalf("first transition %v starts after %v", trs, from)
			}
			for i := 1; i < len(trs); i++ {
				if !trs[i].From.After(trs[i-1].From) {
					t.Fatalf("transitions not increasing at %d: %v", i, trs)
				}
				if trs[i].OffsetSeconds == trs[i-1].OffsetSeconds {
					t.Fatalf("transition %d does not change the offset: %v", i, trs)
				}
				if trs[i].From.Location() != time.UTC {
					t.Fatalf("transition %d not in UTC: %v", i, trs[i].From)
				}
			}
			checked := 0
			check := func(instant time.Time) {
				i, found := slices.BinarySearchFunc(trs, instant, func(tr Transition, t time.Time) int { return tr.From.Compare(t) })
				if !found {
					i--
				}
				wall := instant.Add(time.Duration(trs[i].OffsetSeconds) * time.Second).Format(time.DateTime)
				if want := instant.In(loc).Format(time.DateTime); wall != want {
					t.Fatalf("at %v: utc+offset gives %s, time.In gives %s", instant, wall, want)
				}
				checked++
			}
			// An odd step walks through every minute-of-hour over the range.
			for instant := from; !instant.After(to); instant = instant.Add(37*time.Minute + 13*time.Second) {
				check(instant)
			}
			// And the seconds on either side of each transition.
			for _, tr := range trs[1:] {
				check(tr.From.Add(-time.Second))
				check(tr.From)
			}
			check(to)
			if checked < 40000 {
				t.Errorf("checked only %d instants", checked)
			}
		})
	}
}
