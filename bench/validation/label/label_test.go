package label

import (
	"testing"
	"time"
)

// TestLabels: the label reads time outside the person's own block against
// their usual, from raw commits.
func TestLabels(t *testing.T) {
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC) // a Sunday
	plus9 := time.FixedZone("", 9*3600)
	// commits makes a commit every 30 minutes from..to (local hours) on each
	// weekday of weeks back (0 = the week ending asOf).
	commits := func(weeks []int, from, to int, weekend bool) []Commit {
		var out []Commit
		for _, back := range weeks {
			for d := 0; d < 7; d++ {
				day := asOf.AddDate(0, 0, -7*back-d)
				wd := day.Weekday()
				if (wd == time.Saturday || wd == time.Sunday) != weekend {
					continue
				}
				for m := from * 60; m < to*60; m += 30 {
					at := time.Date(day.Year(), day.Month(), day.Day(), 0, m, 0, 0, plus9)
					out = append(out, Commit{at, 9 * 3600})
				}
			}
		}
		return out
	}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	office := commits(all, 10, 17, false)

	// Evenings only in the judged weeks: plausible.
	rising := append(append([]Commit{}, office...), commits([]int{0, 1, 2, 3}, 20, 22, false)...)
	if p := ProfileOf(rising, asOf); Of(p) != "plausible" || p.UsualStart != 9 && p.UsualStart != 10 && p.UsualStart != 8 {
		t.Errorf("rising evenings: %s (%s)", Of(p), p)
	}
	// The same evenings every week for months: a habit, a false alarm.
	always := append(append([]Commit{}, office...), commits(all, 20, 22, false)...)
	if p := ProfileOf(always, asOf); Of(p) != "false alarm" {
		t.Errorf("evenings for months: %s (%s)", Of(p), p)
	}
	// A person whose whole day is 18:00-03:00: their evenings are their day.
	if p := ProfileOf(commits(all, 18, 23, false), asOf); Of(p) != "false alarm" || p.UsualStart < 14 || p.UsualStart > 18 {
		t.Errorf("an evening person: %s (%s)", Of(p), p)
	}
	// One week of evenings: more than usual, but not for weeks: unclear.
	some := append(append([]Commit{}, office...), commits([]int{0}, 20, 22, false)...)
	if p := ProfileOf(some, asOf); Of(p) != "unclear" {
		t.Errorf("one week of evenings: %s (%s)", Of(p), p)
	}
}

func TestShortID(t *testing.T) {
	if got := ShortID("ana@example.com", "Ana María López"); len(got) != 8 || got[:4] != "AML-" {
		t.Errorf("shortID %q, want AML- and 4 hex digits", got)
	}
	if ShortID("a@x", "Ana") == ShortID("b@x", "Ana") {
		t.Errorf("two addresses of one name share a short id")
	}
}
