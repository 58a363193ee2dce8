package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/overtime-project/overtime/store"
)

// TestWeeklyBaselineSkipsGaps: a week's usual window is learned from the
// baseline weeks wk-J-B+1 .. wk-J by their dates, not by the person's
// active weeks counted back: weeks without activity in between are
// baseline weeks that add nothing, in the stored history and in
// WeeksEndingAt alike, and WeeksEndingAt works on a read-only database
// (the report commands open it so).
func TestWeeklyBaselineSkipsGaps(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "overtime.duckdb")
	db, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	monday := day("2025-01-06")
	active := []int{0, 1, 5, 6, 7, 13, 14, 20, 30} // weeks from monday with one Monday 10:00 commit
	var events []store.Event
	for i, w := range active {
		at := monday.AddDate(0, 0, 7*w).Add(10 * time.Hour)
		events = append(events, store.Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("g%02d", i), Identity: "email:dee@example.com", At: at, Scope: "r"})
	}
	if _, err = db.Write(t.Context(), store.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	analyseUTCPerson(t, db, store.PersonRow{ID: "dee", Name: "Dee", Team: "core", Configured: true}, "email:dee@example.com", day("2024-01-01"), day("2026-01-01"))
	// The window starts at the baseline's count of working days, in half
	// hours; a histogram that is not that many Mondays at 10:00 starts at
	// 23:30.
	const J, B = 2, 3
	judge := store.WeekJudge{JudgedWeeks: J, BaselineWeeks: B, HeavyHours: 3,
		Usual: func(_, _ int, _ bool, n int, hist [48]float64) (int, int, int) {
			sum := 0.0
			for _, c := range hist {
				sum += c
			}
			if hist[20] != float64(n) || sum != float64(n) {
				return 47, 1, store.UsualLearned
			}
			return n, 1, store.UsualLearned
		}}
	if err := db.MaterializePersonWeeks(t.Context(), judge); err != nil {
		t.Fatal(err)
	}
	stored, err := db.PersonWeeks(t.Context(), monday, monday.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	last := active[len(active)-1]
	ending, err := db.WeeksEndingAt(t.Context(), monday.AddDate(0, 0, 7*last+6), last+1, judge)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := store.Open(t.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	readOnly, err := ro.WeeksEndingAt(t.Context(), monday.AddDate(0, 0, 7*last+6), last+1, judge)
	if err != nil {
		t.Fatalf("WeeksEndingAt on a read-only database: %v", err)
	}
	want := map[time.Time]int{}
	for _, w := range active {
		n := 0
		for _, b := range active {
			if b >= w-J-B+1 && b <= w-J {
				n++
			}
		}
		want[monday.AddDate(0, 0, 7*w)] = n * 30
	}
	for name, got := range map[string][]store.PersonWeek{"stored": stored, "WeeksEndingAt": ending, "WeeksEndingAt, read-only": readOnly} {
		if len(got) != len(active) {
			t.Errorf("%s: %d weeks, want %d", name, len(got), len(active))
		}
		for _, w := range got {
			if m, ok := want[w.WeekStart]; !ok || w.UsualStart != m {
				t.Errorf("%s, week %s: usual window from minute %d, want %d (baseline days)", name, w.WeekStart.Format("2006-01-02"), w.UsualStart, m)
			}
		}
	}
}
