package store

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkWriteGitHubPage measures the transactions the GitHub collector
// writes for one repository on a first run — a page of four pull requests
// with their openings, merges and reviews, a page of review comments, one
// of issue comments, one of commit links — and, on a later run, the
// cursor-only transactions of its unchanged lists, in a store that already
// holds 200 repositories' worth. Each op is one repository.
//
//	go test ./store -run '^$' -bench WriteGitHubPage -benchtime 200x
func BenchmarkWriteGitHubPage(b *testing.B) {
	ctx := b.Context()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "x.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	day := func(d int) time.Time { return time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	repo := 0
	firstRun := func(b *testing.B) {
		repo++
		scope := fmt.Sprintf("big/service-%04d", repo)
		n := int64(repo * 100)
		ev := func(kind string, id int64, who string, at time.Time) Event {
			return Event{Source: "github", Kind: kind, ID: strconv.FormatInt(id, 10), Identity: "github:" + who, Name: who, At: at, Scope: scope}
		}
		var events []Event
		var prs []PullRequest
		for i := range int64(4) {
			prs = append(prs, PullRequest{ID: n + i, Repo: scope, Number: int(i + 1), Author: "github:alice",
				CreatedAt: day(int(i)), UpdatedAt: day(int(i) + 1)})
			events = append(events, ev("pr_opened", n+i, "alice", day(int(i))), ev("review", n+i, "bob", day(int(i)+1)))
			if i < 2 {
				prs[i].MergedAt, prs[i].ClosedAt, prs[i].MergedBy = day(int(i)+1), day(int(i)+1), "github:bob"
				events = append(events, ev("pr_merged", n+i, "bob", day(int(i)+1)))
			}
		}
		cursor := func(what string) []Cursor {
			return []Cursor{{Source: "github", Scope: scope + "/" + what, Position: day(9).Format(time.RFC3339), ETag: `W/"e"`}}
		}
		pages := []struct {
			events []Event
			prs    []PullRequest
			links  []IdentityLink
			cursor []Cursor
		}{
			{events, prs, nil, cursor("pulls")},
			{[]Event{ev("review_comment", n, "bob", day(1)), ev("review_comment", n+1, "bob", day(2)), ev("review_comment", n+2, "bob", day(3))}, nil, nil, cursor("pulls/comments")},
			{[]Event{ev("issue_comment", n, "carol", day(1)), ev("issue_comment", n+1, "carol", day(2)), ev("issue_comment", n+2, "carol", day(3)),
				ev("issue_comment", n+3, "carol", day(4)), ev("issue_comment", n+4, "carol", day(5))}, nil, nil, cursor("issues/comments")},
			{nil, nil, []IdentityLink{{Email: "email:alice@acme.test", Login: "github:alice"}}, append(cursor("commits"), cursor("done")...)},
		}
		for _, p := range pages {
			if _, err := db.WriteGitHubPage(ctx, p.events, p.prs, p.links, p.cursor); err != nil {
				b.Fatal(err)
			}
		}
	}
	for range 200 {
		firstRun(b)
	}
	b.Run("first run", func(b *testing.B) {
		for b.Loop() {
			firstRun(b)
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			scope := fmt.Sprintf("big/service-%04d", 1+b.N%repo)
			for _, what := range []string{"pulls", "pulls/comments", "issues/comments", "done"} {
				c := []Cursor{{Source: "github", Scope: scope + "/" + what, Position: day(9).Format(time.RFC3339), ETag: `W/"e"`}}
				if _, err := db.WriteGitHubPage(ctx, nil, nil, nil, c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
