package store_test

import (
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

// TestWriteStoresEachEventOnce: the events table has no key; every write
// skips what is stored already under the same source, kind and id, and
// what a batch holds twice.
func TestWriteStoresEachEventOnce(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := t.Context()
	at := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	ev := func(source, kind, id string) store.Event {
		return store.Event{Source: source, Kind: kind, ID: id, Identity: "email:a@x.com", Name: "A", At: at, Scope: "r"}
	}
	first := []store.Event{ev("git", "commit", "1"), ev("git", "commit", "2"), ev("git", "commit", "1")}
	if n, err := db.Write(ctx, store.Batch{Events: first}); err != nil || n != 2 {
		t.Fatalf("first write: inserted %d, err %v; want 2 (one event twice in the batch)", n, err)
	}
	// The same id under another kind or source is another event; a worklog
	// whose start was edited in Jira is still the same event.
	moved := ev("jira", "worklog", "1")
	moved.At = at.Add(time.Hour)
	second := []store.Event{ev("git", "commit", "2"), ev("git", "commit", "3"), ev("github", "commit", "1"),
		ev("jira", "worklog", "1"), ev("git", "review", "1")}
	if n, err := db.Write(ctx, store.Batch{Events: second}); err != nil || n != 4 {
		t.Fatalf("second write: inserted %d, err %v; want 4", n, err)
	}
	if n, err := db.Write(ctx, store.Batch{Events: []store.Event{moved}}); err != nil || n != 0 {
		t.Fatalf("writing a stored worklog with a new time: inserted %d, err %v; want 0", n, err)
	}
	n, err := db.EventCount(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d events stored, want 6", n)
	}
}

// TestEventTxIsAllOrNothing: batches and the cursor written in one EventTx
// are seen together after Commit, and not at all after Rollback.
func TestEventTxIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := t.Context()
	at := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	batch := func(ids ...string) []store.Event {
		var out []store.Event
		for _, id := range ids {
			out = append(out, store.Event{Source: "git", Kind: "commit", ID: id, Identity: "email:a@x.com", At: at, Scope: "r"})
		}
		return out
	}
	write := func(cursor string, commit bool) {
		t.Helper()
		tx, err := db.BeginEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for _, b := range [][]store.Event{batch("a", "b"), batch("c"), batch("b", "d")} {
			if _, err := tx.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.SetCursor(ctx, store.Cursor{Source: "git", Scope: "/r", Position: cursor}); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	state := func() (int, string) {
		t.Helper()
		n, err := db.EventCount(ctx, "git")
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := db.GetCursor(ctx, "git", "/r")
		if err != nil {
			t.Fatal(err)
		}
		return n, c.Position
	}
	write("head1", false)
	if n, pos := state(); n != 0 || pos != "" {
		t.Errorf("after a rollback: %d events, cursor %q; want none", n, pos)
	}
	write("head2", true)
	if n, pos := state(); n != 4 || pos != "head2" {
		t.Errorf("after a commit: %d events, cursor %q; want 4 and head2", n, pos)
	}
	if users, err := db.Identities(ctx); err != nil || len(users) != 1 {
		t.Errorf("identities %v, err %v; want the one author", users, err)
	}
}
