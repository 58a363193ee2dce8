package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestContradictedClockDays checks the rule of person_clock_days case by
// case, and that forgetting a person erases their rows.
func TestContradictedClockDays(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "overtime.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := func(day, hh, mm int, off string) time.Time {
		t, err := time.Parse("2006-01-02 15:04 -0700", fmt.Sprintf("2026-01-%02d %02d:%02d %s", day, hh, mm, off))
		if err != nil {
			panic(err)
		}
		return t
	}
	type stamp struct {
		at  time.Time
		off int
	}
	people := map[string][]stamp{
		// +0900, a +0000 stamp between (read at +0900), and one 4 days
		// after the last +0900 stamp with nothing after it (left alone).
		"tokyo": {{at(5, 10, 0, "+0900"), 9 * 3600}, {at(5, 14, 0, "+0900"), 0}, {at(6, 10, 0, "+0900"), 9 * 3600},
			{at(10, 10, 0, "+0900"), 0}},
		// +0100 before and +0200 after (a DST change between): read at the
		// nearer one's offset, +0200.
		"dst": {{at(12, 9, 0, "+0100"), 3600}, {at(14, 9, 0, "+0200"), 0}, {at(14, 10, 0, "+0200"), 2 * 3600}},
		// +0200 before, -0400 after: travel, not a second machine.
		"travel": {{at(12, 9, 0, "+0200"), 2 * 3600}, {at(13, 9, 0, "+0200"), 0}, {at(14, 9, 0, "-0400"), -4 * 3600}},
		// +0100 on the days around, not on the +0000 stamp's day: London
		// and a day in Paris; the same day holding +0100: read at +0100.
		"london": {{at(19, 9, 0, "+0100"), 3600}, {at(20, 9, 0, "+0000"), 0}, {at(21, 9, 0, "+0100"), 3600},
			{at(21, 15, 0, "+0100"), 0}, {at(21, 17, 0, "+0100"), 3600}},
		// -0500 all around, but more than 3 days away on one side.
		"far": {{at(1, 9, 0, "-0500"), -5 * 3600}, {at(2, 9, 0, "-0500"), 0}, {at(6, 9, 0, "-0500"), -5 * 3600}},
	}
	var events []Event
	snap := PeopleSnapshot{Identities: map[string]string{}}
	for id, stamps := range people {
		snap.People = append(snap.People, PersonRow{ID: id, Name: id})
		snap.Identities["email:"+id+"@example.com"] = id
		snap.Rules = append(snap.Rules, RulesRow{PersonID: id, FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 540, EndMinute: 1080})
		for i, s := range stamps {
			events = append(events, Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("%s%d", id, i), Identity: "email:" + id + "@example.com",
				At: s.at.UTC(), HasOffset: true, Offset: s.off, Scope: "r"})
		}
	}
	// A configured zone is never checked.
	snap.People = append(snap.People, PersonRow{ID: "zoned", Name: "zoned", Configured: true})
	snap.Identities["email:zoned@example.com"] = "zoned"
	snap.Rules = append(snap.Rules, RulesRow{PersonID: "zoned", Zone: "Asia/Tokyo", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 540, EndMinute: 1080})
	for i, s := range people["tokyo"] {
		events = append(events, Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("z%d", i), Identity: "email:zoned@example.com",
			At: s.at.UTC(), HasOffset: true, Offset: s.off, Scope: "r"})
	}
	if _, err := db.Write(ctx, Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplacePeople(ctx, snap); err != nil {
		t.Fatal(err)
	}
	read := func() map[string]string {
		rows, err := db.sql.QueryContext(ctx, `SELECT person_id, utc_day, read_as, stamps FROM person_clock_days ORDER BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id string
			var day, readAs, n int
			if err := rows.Scan(&id, &day, &readAs, &n); err != nil {
				t.Fatal(err)
			}
			out[id] = fmt.Sprintf("%s %+d h, %d stamps", time.Unix(int64(day)*86400, 0).UTC().Format("01-02"), readAs/3600, n)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := map[string]string{"tokyo": "01-05 +9 h, 1 stamps", "dst": "01-14 +2 h, 1 stamps", "london": "01-21 +1 h, 1 stamps"}
	if diff := cmp.Diff(want, read()); diff != "" {
		t.Errorf("person_clock_days (-want +got):\n%s", diff)
	}
	clocks, err := db.PersonClocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := clocks["tokyo"]; c.Stamped != 4 || c.StampedUTC != 2 || c.UTCReread != 1 || c.UTCReadAs != 9*3600 {
		t.Errorf("tokyo's clock %+v, want 4 stamped, 2 at +0000, 1 read at +0900", c)
	}
	if c := clocks["zoned"]; c.UTCReread != 0 {
		t.Errorf("a configured zone's stamps were re-read: %+v", c)
	}
	if _, err := db.Forget(ctx, "tokyo", []string{"email:tokyo@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := read()["tokyo"]; ok {
		t.Errorf("person_clock_days keeps a forgotten person's rows")
	}
}
