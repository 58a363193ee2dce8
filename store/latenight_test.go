package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
	"github.com/overtime-project/overtime/worktime"
)

// TestLateNightEndIsWorktimes plants events on both sides of
// worktime.LateNightEnd and checks that the SQL calls late night exactly
// what worktime.Rules.Classify does, per event and in person_days: a change
// of the Go constant must reach the SQL.
func TestLateNightEndIsWorktimes(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	rules := worktime.Rules{Location: time.UTC, Workdays: [7]bool{false, true, true, true, true, true, false}, Start: 9 * 60, End: 18 * 60}
	end := worktime.LateNightEnd * 60
	var events []store.Event
	var at []time.Time
	wantLate := 0
	// One event per minute offset around the end, each on its own day, plus
	// midnight and the last minute of the day.
	for i, minute := range []int{0, end - 2, end - 1, end, end + 1, 23*60 + 59} {
		x := time.Date(2026, 3, 2+i, 0, minute, 0, 0, time.UTC)
		at = append(at, x)
		events = append(events, store.Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("c%d", i), Identity: "email:ana@example.com", At: x, Scope: "r"})
		if rules.Classify(x, nil).LateNight {
			wantLate++
		}
	}
	if wantLate == 0 || wantLate == len(at) {
		t.Fatalf("fixture does not straddle worktime.LateNightEnd: %d of %d late", wantLate, len(at))
	}
	if _, err := db.Write(t.Context(), store.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	snap := store.PeopleSnapshot{
		People:     []store.PersonRow{{ID: "ana", Name: "Ana", Configured: true}},
		Identities: map[string]string{"email:ana@example.com": "ana"},
		Rules:      []store.RulesRow{{PersonID: "ana", Zone: "UTC", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: rules.Start, EndMinute: rules.End}},
	}
	for _, tr := range worktime.Transitions(time.UTC, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		snap.Transitions = append(snap.Transitions, store.TransitionRow{Zone: "UTC", ValidFrom: tr.From, OffsetSeconds: tr.OffsetSeconds})
	}
	if err := db.ReplacePeople(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	if err := db.MaterializePersonDays(t.Context()); err != nil {
		t.Fatal(err)
	}

	local, err := db.LocalEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != len(at) {
		t.Fatalf("%d local events, want %d", len(local), len(at))
	}
	for i, e := range local {
		if want := rules.Classify(at[i], nil).LateNight; e.LateNight != want {
			t.Errorf("%s: SQL late night %v, worktime %v", e.Local.Format("2006-01-02 15:04"), e.LateNight, want)
		}
	}
	days, err := db.PersonDays(t.Context(), at[0], at[len(at)-1])
	if err != nil {
		t.Fatal(err)
	}
	gotLate := 0
	for _, d := range days {
		gotLate += d.LateNightEvents
	}
	if gotLate != wantLate {
		t.Errorf("person_days counts %d late-night events, worktime %d", gotLate, wantLate)
	}
}
