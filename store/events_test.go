package store_test

import (
	"os"
	"path/filepath"
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

// TestEventTxIsAllOrNothing: a git log loaded in an EventTx, with its
// identities and cursor, is seen whole after Commit and not at all after
// Rollback; loading a log again adds no copy.
func TestEventTxIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := t.Context()
	log := filepath.Join(t.TempDir(), "log")
	lines := "aaaa\x1fAda\x1fada@example.com\x1f1767261600 +0100\x1fada@example.com\n" +
		"bbbb\x1fAda\x1fada@example.com\x1f1767265200 -0930\x1fnoreply@github.com\n" +
		"cccc\x1fNo Mail\x1f\x1f1767268800 +0545\x1fx@example.com\n"
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	first, last := time.Unix(1767261600, 0), time.Unix(1767268800, 0)
	load := func(cursor string, commit bool) int {
		t.Helper()
		tx, err := db.BeginEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		n, err := tx.LoadGitLog(ctx, log, "r")
		if err != nil {
			t.Fatal(err)
		}
		if n, err = tx.DropCopiesOfStoredCommits(ctx, n, first, last); err != nil {
			t.Fatal(err)
		}
		if err := tx.NoteIdentities(ctx, []store.Event{{Identity: "email:ada@example.com", Name: "Ada", At: first}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetCursor(ctx, store.Cursor{Source: "git", Scope: "/r", Position: cursor}); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	state := func() (int, string, int) {
		t.Helper()
		n, err := db.EventCount(ctx, "git")
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := db.GetCursor(ctx, "git", "/r")
		if err != nil {
			t.Fatal(err)
		}
		ids, err := db.Identities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n, c.Position, len(ids)
	}
	load("head1", false)
	if n, pos, ids := state(); n != 0 || pos != "" || ids != 0 {
		t.Errorf("after a rollback: %d events, cursor %q, %d identities; want none", n, pos, ids)
	}
	if n := load("head2", true); n != 3 {
		t.Errorf("first load inserted %d, want 3", n)
	}
	if n, pos, ids := state(); n != 3 || pos != "head2" || ids != 1 {
		t.Errorf("after a commit: %d events, cursor %q, %d identities; want 3, head2, 1", n, pos, ids)
	}
	if n := load("head3", true); n != 0 {
		t.Errorf("loading the same log again inserted %d, want 0", n)
	}
	events, err := db.Events(ctx, "git")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Event{
		{Source: "git", Kind: "commit", ID: "aaaa", Identity: "email:ada@example.com", At: first.UTC(), Offset: 3600, HasOffset: true, Scope: "r"},
		{Source: "git", Kind: "commit", ID: "bbbb", Identity: "email:ada@example.com", At: time.Unix(1767265200, 0).UTC(), Offset: -(9*3600 + 30*60), HasOffset: true, Scope: "r", NotCounted: true},
		{Source: "git", Kind: "commit", ID: "cccc", Identity: "name:No Mail", At: last.UTC(), Offset: 5*3600 + 45*60, HasOffset: true, Scope: "r"},
	}
	if len(events) != len(want) {
		t.Fatalf("events %+v, want %+v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, events[i], want[i])
		}
	}
}
