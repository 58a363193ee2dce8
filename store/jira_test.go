package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// ticketFixture: alice has PAY-1 from its creation, moves it to In Progress
// on the 3rd and to Done on the 10th; PAY-2 is bob's until the 5th, then
// alice's, in progress from the 6th; PAY-3 is never assigned.
func ticketFixture() []store.JiraTicket {
	alice, bob := "jira:alice-1", "jira:Bob-2"
	return []store.JiraTicket{
		{
			ID: "10001", Key: "PAY-1", Project: "PAY", Type: "Story", Priority: "High",
			Status: "Done", StatusCategory: store.JiraCategoryDone, Assignee: alice, Reporter: alice,
			Created: ts("2026-02-01T09:00:00Z"), Updated: ts("2026-02-10T09:00:00Z"), Resolved: ts("2026-02-10T09:00:00Z"),
			StoryPoints: 3, HasStoryPoints: true,
			Intervals: []store.JiraInterval{
				{Field: store.JiraFieldAssignee, Value: alice, From: ts("2026-02-01T09:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "To Do", Category: "new", From: ts("2026-02-01T09:00:00Z"), To: ts("2026-02-03T09:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "In Progress", Category: "indeterminate", From: ts("2026-02-03T09:00:00Z"), To: ts("2026-02-10T09:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "Done", Category: "done", From: ts("2026-02-10T09:00:00Z")},
			},
		},
		{
			ID: "10002", Key: "PAY-2", Project: "PAY", Type: "Bug", Priority: "",
			Status: "In Progress", StatusCategory: store.JiraCategoryInProgress, Assignee: alice, Reporter: bob,
			Created: ts("2026-02-02T09:00:00Z"), Updated: ts("2026-02-06T09:00:00Z"),
			Intervals: []store.JiraInterval{
				{Field: store.JiraFieldAssignee, Value: bob, From: ts("2026-02-02T09:00:00Z"), To: ts("2026-02-05T09:00:00Z")},
				{Field: store.JiraFieldAssignee, Value: alice, From: ts("2026-02-05T09:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "To Do", Category: "new", From: ts("2026-02-02T09:00:00Z"), To: ts("2026-02-06T09:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "In Progress", Category: "indeterminate", From: ts("2026-02-06T09:00:00Z")},
			},
		},
		{
			ID: "10003", Key: "PAY-3", Project: "PAY", Type: "Task", Priority: "Low",
			Status: "To Do", StatusCategory: store.JiraCategoryToDo, Reporter: bob,
			Created: ts("2026-02-02T10:00:00Z"), Updated: ts("2026-02-02T10:00:00Z"),
			Intervals: []store.JiraInterval{
				{Field: store.JiraFieldAssignee, From: ts("2026-02-02T10:00:00Z")},
				{Field: store.JiraFieldStatus, Value: "To Do", Category: "new", From: ts("2026-02-02T10:00:00Z")},
			},
		},
	}
}

func TestJiraTicketLoad(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.Open(t)
	cursor := store.Cursor{Source: "jira", Scope: "https://jira.example.com project = PAY", Position: "2026-02-10T09:00:00Z"}
	events := []store.Event{
		{Source: "jira", Kind: "ticket_created", ID: "10001", Identity: "jira:alice-1", Name: "Alice", At: ts("2026-02-01T09:00:00Z"), Scope: "PAY"},
		{Source: "jira", Kind: "worklog", ID: "500", Identity: "jira:alice-1", At: ts("2026-02-07T22:30:00Z"), Scope: "PAY", Size: 3600, HasSize: true},
	}
	page := store.JiraPage{
		Tickets: ticketFixture(), Events: events, Cursor: &cursor,
		Users: []store.JiraUser{{Identity: "jira:alice-1", TimeZone: "Europe/Berlin"}, {Identity: "jira:Bob-2", TimeZone: "America/New_York"}},
	}
	n, err := db.WriteJiraTickets(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("inserted %d events, want 2", n)
	}
	// The same page again changes nothing: no duplicate events or history.
	if n, err := db.WriteJiraTickets(ctx, page); err != nil || n != 0 {
		t.Fatalf("rewrite: inserted %d, err %v; want 0, nil", n, err)
	}
	got, err := db.JiraTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ticketFixture(), got); diff != "" {
		t.Errorf("stored tickets (-want +got):\n%s", diff)
	}
	c, ok, err := db.GetCursor(ctx, "jira", cursor.Scope)
	if err != nil || !ok || c.Position != cursor.Position {
		t.Errorf("cursor = %+v, %v, %v; want %q", c, ok, err, cursor.Position)
	}
	zones, err := db.JiraTimeZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"jira:alice-1": "Europe/Berlin", "jira:Bob-2": "America/New_York"}, zones); diff != "" {
		t.Errorf("time zones (-want +got):\n%s", diff)
	}

	if err := db.ReplacePeople(ctx, store.PeopleSnapshot{
		People:     []store.PersonRow{{ID: "alice", Name: "Alice"}, {ID: "bob", Name: "Bob"}},
		Identities: map[string]string{"jira:alice-1": "alice", "jira:Bob-2": "bob"},
	}); err != nil {
		t.Fatal(err)
	}
	load := func(at string) (open, inProgress map[string]int) {
		t.Helper()
		open, err := db.OpenTicketsAt(ctx, ts(at))
		if err != nil {
			t.Fatal(err)
		}
		inProgress, err = db.InProgressTicketsAt(ctx, ts(at))
		if err != nil {
			t.Fatal(err)
		}
		return open, inProgress
	}
	for _, tc := range []struct {
		at               string
		open, inProgress map[string]int
	}{
		{"2026-01-31T00:00:00Z", map[string]int{}, map[string]int{}},
		{"2026-02-01T09:00:00Z", map[string]int{"alice": 1}, map[string]int{}},
		{"2026-02-04T00:00:00Z", map[string]int{"alice": 1, "bob": 1}, map[string]int{"alice": 1}},
		{"2026-02-05T09:00:00Z", map[string]int{"alice": 2}, map[string]int{"alice": 1}},
		{"2026-02-07T00:00:00Z", map[string]int{"alice": 2}, map[string]int{"alice": 2}},
		{"2026-02-11T00:00:00Z", map[string]int{"alice": 1}, map[string]int{"alice": 1}},
	} {
		open, inProgress := load(tc.at)
		if diff := cmp.Diff(tc.open, open); diff != "" {
			t.Errorf("open tickets at %s (-want +got):\n%s", tc.at, diff)
		}
		if diff := cmp.Diff(tc.inProgress, inProgress); diff != "" {
			t.Errorf("in-progress tickets at %s (-want +got):\n%s", tc.at, diff)
		}
	}
	assigned, err := db.TicketsAssignedBetween(ctx, ts("2026-02-01T00:00:00Z"), ts("2026-02-08T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"alice": 2, "bob": 1}, assigned); diff != "" {
		t.Errorf("tickets assigned (-want +got):\n%s", diff)
	}

	// PAY-2 disappears from Jira: it leaves the load from then on, but the
	// load before stays what it was.
	gone, back, err := db.ReconcileJiraTickets(ctx, []string{"10001", "10003"}, ts("2026-02-08T00:00:00Z"))
	if err != nil || gone != 1 || back != 0 {
		t.Fatalf("reconcile: gone %d, back %d, err %v; want 1, 0, nil", gone, back, err)
	}
	if open, _ := load("2026-02-09T00:00:00Z"); !cmp.Equal(open, map[string]int{"alice": 1}) {
		t.Errorf("open tickets after PAY-2 is gone = %v, want alice 1", open)
	}
	if open, _ := load("2026-02-07T00:00:00Z"); !cmp.Equal(open, map[string]int{"alice": 2}) {
		t.Errorf("open tickets before PAY-2 was gone = %v, want alice 2", open)
	}
	// It comes back when a listing shows it again, and when it is written again.
	if gone, back, err := db.ReconcileJiraTickets(ctx, []string{"10001", "10002", "10003"}, ts("2026-02-09T00:00:00Z")); err != nil || gone != 0 || back != 1 {
		t.Fatalf("reconcile again: gone %d, back %d, err %v; want 0, 1, nil", gone, back, err)
	}
	if _, _, err := db.ReconcileJiraTickets(ctx, []string{"10001", "10003"}, ts("2026-02-09T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriteJiraTickets(ctx, store.JiraPage{Tickets: ticketFixture()[1:2]}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.JiraTickets(ctx)
	for _, tk := range got {
		if !tk.Gone.IsZero() {
			t.Errorf("%s still gone after it was written again", tk.Key)
		}
	}
	oldest, ok, err := db.JiraOldestUpdated(ctx)
	if err != nil || !ok || !oldest.Equal(ts("2026-02-02T10:00:00Z")) {
		t.Errorf("oldest updated = %v, %v, %v", oldest, ok, err)
	}
}

func TestWriteJiraTicketsReplacesHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.Open(t)
	tickets := ticketFixture()
	if _, err := db.WriteJiraTickets(ctx, store.JiraPage{Tickets: tickets}); err != nil {
		t.Fatal(err)
	}
	// PAY-3 is assigned to bob: the new history replaces the old one.
	pay3 := tickets[2]
	pay3.Assignee = "jira:Bob-2"
	pay3.Updated = ts("2026-02-04T10:00:00Z")
	pay3.Intervals = []store.JiraInterval{
		{Field: store.JiraFieldAssignee, From: ts("2026-02-02T10:00:00Z"), To: ts("2026-02-04T10:00:00Z")},
		{Field: store.JiraFieldAssignee, Value: "jira:Bob-2", From: ts("2026-02-04T10:00:00Z")},
		{Field: store.JiraFieldStatus, Value: "To Do", Category: "new", From: ts("2026-02-02T10:00:00Z")},
	}
	// Twice in one page (an overlapping pager): the last copy wins.
	stale := tickets[2]
	if _, err := db.WriteJiraTickets(ctx, store.JiraPage{Tickets: []store.JiraTicket{stale, pay3}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.JiraTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pay3, got[2]); diff != "" {
		t.Errorf("PAY-3 (-want +got):\n%s", diff)
	}

	// A page with an invalid ticket is refused whole: nothing of it is stored.
	bad := store.JiraPage{
		Tickets: []store.JiraTicket{{ID: "10009", Key: "PAY-9", Created: ts("2026-02-02T10:00:00Z"), Updated: ts("2026-02-02T10:00:00Z")},
			{ID: "10010", Key: "PAY-10"}},
		Events: []store.Event{{Source: "jira", Kind: "ticket_created", ID: "10009", Identity: "jira:x", At: ts("2026-02-02T10:00:00Z"), Scope: "PAY"}},
		Cursor: &store.Cursor{Source: "jira", Scope: "s", Position: "p"},
	}
	if _, err := db.WriteJiraTickets(ctx, bad); err == nil {
		t.Fatal("a page with a ticket lacking created/updated was accepted")
	}
	if n, _ := db.EventCount(ctx, "jira"); n != 0 {
		t.Errorf("%d events stored from a refused page", n)
	}
	if _, ok, _ := db.GetCursor(ctx, "jira", "s"); ok {
		t.Error("cursor stored from a refused page")
	}
}
