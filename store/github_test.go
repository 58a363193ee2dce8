package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openGitHubTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "overtime.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestWriteGitHubPage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openGitHubTestDB(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }

	events := []Event{
		{Source: "github", Kind: "pr_opened", ID: "100", Identity: "github:alice", Name: "alice", At: day(1), Scope: "acme/api"},
		{Source: "github", Kind: "pr_merged", ID: "100", Identity: "github:bob", Name: "bob", At: day(3), Scope: "acme/api"},
		{Source: "github", Kind: "pr_opened", ID: "101", Identity: "github:alice", Name: "alice", At: day(2), Scope: "acme/api"},
	}
	prs := []PullRequest{
		{ID: 100, Repo: "acme/api", Number: 1, Author: "github:alice", CreatedAt: day(1), ClosedAt: day(3), MergedAt: day(3), MergedBy: "github:bob", UpdatedAt: day(3)},
		{ID: 101, Repo: "acme/api", Number: 2, Author: "github:alice", CreatedAt: day(2), UpdatedAt: day(2)},
	}
	links := []IdentityLink{{Email: "email:alice@acme.test", Login: "github:alice"}, {Email: "email:alice@acme.test", Login: "github:alice"}}
	cursor := Cursor{Source: "github", Scope: "acme/api/pulls", Position: day(3).Format(time.RFC3339), ETag: `W/"abc"`}

	n, err := db.WriteGitHubPage(ctx, events, prs, links, []Cursor{cursor})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("inserted %d events, want 3", n)
	}
	// The same page again changes nothing.
	if n, err := db.WriteGitHubPage(ctx, events, prs, links, []Cursor{cursor}); err != nil || n != 0 {
		t.Errorf("rewrite: inserted %d, err %v; want 0, nil", n, err)
	}

	// A later listing of #1 without its merger (the list endpoint has none)
	// keeps the merger; an older listing of #2 does not undo a newer one.
	later := prs[0]
	later.MergedBy, later.UpdatedAt = "", day(4)
	older := prs[1]
	older.UpdatedAt, older.ClosedAt = day(1), day(1)
	if _, err := db.WriteGitHubPage(ctx, nil, []PullRequest{later, older}, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.PullRequestsByID(ctx, []int64{100, 101, 999})
	if err != nil {
		t.Fatal(err)
	}
	wantFirst := prs[0]
	wantFirst.UpdatedAt = day(4)
	want := map[int64]PullRequest{100: wantFirst, 101: prs[1]}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}

	gotLinks, err := db.IdentityLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(links[:1], gotLinks); diff != "" {
		t.Errorf("identity links (-want +got):\n%s", diff)
	}
	c, ok, err := db.GetCursor(ctx, "github", "acme/api/pulls")
	if err != nil || !ok || c != cursor {
		t.Errorf("cursor = %+v, %v, %v; want %+v", c, ok, err, cursor)
	}
	counts, err := db.EventCountsByIdentity(ctx, "github")
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]map[string]int{"github:alice": {"pr_opened": 2}, "github:bob": {"pr_merged": 1}}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("event counts (-want +got):\n%s", diff)
	}
}

// A page that fails halfway leaves nothing behind: no events, no pull
// requests, no cursor.
// TestWriteGitHubPageListsAPullRequestTwice: a pull request that moved
// while its list was paged comes twice in one page. Its pull requests are
// upserted in one statement, where DuckDB refuses to update a row twice:
// the newer listing is stored once, with the merger the other one knew.
func TestWriteGitHubPageListsAPullRequestTwice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openGitHubTestDB(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	merged := PullRequest{ID: 7, Repo: "acme/api", Number: 7, Author: "github:alice", CreatedAt: day(1),
		ClosedAt: day(2), MergedAt: day(2), MergedBy: "github:bob", UpdatedAt: day(2)}
	later := merged
	later.MergedBy, later.UpdatedAt = "", day(5)
	other := PullRequest{ID: 8, Repo: "acme/api", Number: 8, Author: "github:carol", CreatedAt: day(3), UpdatedAt: day(3)}
	if _, err := db.WriteGitHubPage(ctx, nil, []PullRequest{merged, other, later}, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.PullRequestsByID(ctx, []int64{7, 8})
	if err != nil {
		t.Fatal(err)
	}
	want := later
	want.MergedBy = "github:bob"
	if diff := cmp.Diff(map[int64]PullRequest{7: want, 8: other}, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
}

func TestWriteGitHubPageAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openGitHubTestDB(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	events := []Event{{Source: "github", Kind: "review", ID: "7", Identity: "github:bob", At: at, Scope: "acme/api"}}
	prs := []PullRequest{{ID: 1, Repo: "acme/api", Number: 1, Author: "github:alice", CreatedAt: at, UpdatedAt: at}}
	cursor := Cursor{Source: "github", Scope: "acme/api/pulls", Position: "x"}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.WriteGitHubPage(cancelled, events, prs, nil, []Cursor{cursor}); err == nil {
		t.Fatal("write with a cancelled context succeeded")
	}
	if n, _ := db.EventCount(ctx, "github"); n != 0 {
		t.Errorf("%d events stored, want 0", n)
	}
	if got, _ := db.PullRequestsByID(ctx, []int64{1}); len(got) != 0 {
		t.Errorf("pull requests stored: %v", got)
	}
	if _, ok, _ := db.GetCursor(ctx, "github", "acme/api/pulls"); ok {
		t.Error("cursor stored")
	}
}

func TestOpenPullRequestsAt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openGitHubTestDB(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	prs := []PullRequest{
		{ID: 1, Repo: "acme/api", Number: 1, Author: "github:alice", CreatedAt: day(1), UpdatedAt: day(1)},                                     // open
		{ID: 2, Repo: "acme/api", Number: 2, Author: "github:alice", CreatedAt: day(2), ClosedAt: day(9), UpdatedAt: day(9)},                   // open on the 5th
		{ID: 3, Repo: "acme/api", Number: 3, Author: "github:alice", CreatedAt: day(1), ClosedAt: day(4), MergedAt: day(4), UpdatedAt: day(4)}, // closed before
		{ID: 4, Repo: "acme/web", Number: 1, Author: "github:bob", CreatedAt: day(6), UpdatedAt: day(6)},                                       // not yet opened
		{ID: 5, Repo: "acme/web", Number: 2, Author: "github:carol", CreatedAt: day(1), UpdatedAt: day(1)},                                     // carol is nobody the analysis knows
		{ID: 6, Repo: "acme/web", Number: 3, Author: "github:alice-work", CreatedAt: day(3), UpdatedAt: day(3)},                                // alice's second login
	}
	if _, err := db.WriteGitHubPage(ctx, nil, prs, nil, nil); err != nil {
		t.Fatal(err)
	}
	err := db.ReplacePeople(ctx, PeopleSnapshot{
		People:     []PersonRow{{ID: "alice", Name: "Alice"}, {ID: "bob", Name: "Bob"}},
		Identities: map[string]string{"github:alice": "alice", "github:alice-work": "alice", "github:bob": "bob"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenPullRequestsAt(ctx, day(5))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"alice": 3}, got); diff != "" {
		t.Errorf("open pull requests (-want +got):\n%s", diff)
	}
}

func TestGitHubRepositories(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openGitHubTestDB(t)
	pushed := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	page := []GitHubRepository{
		{FullName: "acme/api", CloneURL: "https://github.com/acme/api.git", DefaultBranch: "main", PushedAt: pushed},
		{FullName: "acme/empty", CloneURL: "https://github.com/acme/empty.git", DefaultBranch: "main"},
	}
	cursor := Cursor{Source: "github", Scope: "orgs/acme/repos#1", ETag: `"1"`}
	if err := db.ReplaceGitHubRepositories(ctx, cursor.Scope, page, cursor); err != nil {
		t.Fatal(err)
	}
	// Replacing with an overlapping set, in one transaction.
	page = append(page[:1], GitHubRepository{FullName: "acme/web", CloneURL: "https://github.com/acme/web.git", DefaultBranch: "trunk", Archived: true})
	cursor.ETag = `"2"`
	if err := db.ReplaceGitHubRepositories(ctx, cursor.Scope, page, cursor); err != nil {
		t.Fatal(err)
	}
	got, err := db.GitHubRepositories(ctx, cursor.Scope)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(page, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if c, _, _ := db.GetCursor(ctx, "github", cursor.Scope); c.ETag != `"2"` {
		t.Errorf("etag = %q, want \"2\"", c.ETag)
	}
}
