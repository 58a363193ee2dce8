package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/worktime"
)

// TestZoneDaysFollowTheEvents: the zone offsets local_time.sql spreads over
// days cover the days of the stored events and no more. Without events
// there are none: a span without bounds once spread every zone period to
// 9999-01-01, 2.9 M rows a period, which made analysing an empty database
// take seconds and hundreds of megabytes.
func TestZoneDaysFollowTheEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "o.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	snap := PeopleSnapshot{
		People:     []PersonRow{{ID: "ana", Name: "Ana", Configured: true}},
		Identities: map[string]string{"email:ana@example.com": "ana"},
		Rules:      []RulesRow{{PersonID: "ana", Zone: "Europe/Berlin", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 540, EndMinute: 1080}},
	}
	for _, tr := range worktime.Transitions(berlin, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		snap.Transitions = append(snap.Transitions, TransitionRow{Zone: "Europe/Berlin", ValidFrom: tr.From, OffsetSeconds: tr.OffsetSeconds})
	}
	if err := db.ReplacePeople(ctx, snap); err != nil {
		t.Fatal(err)
	}
	local := strings.ReplaceAll(readQuery(t, "local_time.sql"), "{{event_filter}}", "")
	zoneDays := func() (n int, first, last time.Time) {
		t.Helper()
		var f, l *time.Time
		if err := db.sql.QueryRowContext(ctx, `WITH `+local+` SELECT count(*), min(to_timestamp(zone_day % 100000000 * 86400)), max(to_timestamp(zone_day % 100000000 * 86400)) FROM zone_days`).Scan(&n, &f, &l); err != nil {
			t.Fatal(err)
		}
		if f != nil {
			first, last = f.UTC(), l.UTC()
		}
		return n, first, last
	}
	if n, _, _ := zoneDays(); n != 0 {
		t.Errorf("no events: %d zone days, want none", n)
	}
	// One event on Saturday 2026-03-28; Berlin moves its clocks on the 29th.
	if _, err := db.Write(ctx, Batch{Events: []Event{{Source: "git", Kind: "commit", ID: "c1", Identity: "email:ana@example.com",
		At: time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC), Scope: "r"}}}); err != nil {
		t.Fatal(err)
	}
	n, first, last := zoneDays()
	// The span is the event's day ± 2: 03-26 to 03-30, the 29th once in
	// each period.
	wantFirst, wantLast := time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	if n != 6 || !first.Equal(wantFirst) || !last.Equal(wantLast) {
		t.Errorf("one event on 2026-03-28: %d zone days from %s to %s, want 6 from %s to %s", n,
			first.Format(time.DateOnly), last.Format(time.DateOnly), wantFirst.Format(time.DateOnly), wantLast.Format(time.DateOnly))
	}
}

func readQuery(t *testing.T, name string) string {
	t.Helper()
	b, err := queryFiles.ReadFile("queries/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
