package git_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gitcollector "github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

var pullHeads = []string{"HEAD", "refs/pull/*/head"}

// counted lists the SHAs of the stored counted commits, sorted.
func counted(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	for sha, r := range storedCommits(t, db) {
		if r.Counted {
			out = append(out, sha)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s ...[]string) []string {
	out := slices.Concat(s...)
	slices.Sort(out)
	return out
}

func collect(t *testing.T, db *store.DB, repos ...gitcollector.Repository) (read, inserted int) {
	t.Helper()
	c := &gitcollector.Collector{Repositories: repos}
	s, err := c.Collect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s.Read, s.Inserted
}

// squashHistory plants what a squash-merging organisation has: a default
// branch of web-flow squash commits, one per pull request, at the click,
// and the people's own commits, with their own times and offsets, only on
// the pull requests' heads. It returns the heads' commits.
func squashHistory(t *testing.T, repo *gittest.Repo) (heads []string) {
	t.Helper()
	ada := func(at time.Time) gittest.Commit {
		return gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: at}
	}
	raj := func(at time.Time) gittest.Commit {
		return gittest.Commit{AuthorName: "Raj", AuthorEmail: "raj@example.com", When: at}
	}
	root := repo.CommitOn("refs/heads/main", "", gittest.WebFlow(ada(gittest.At(2026, 3, 2, 9, 0, "+0000"))))[0]
	// PR 1: Ada late on a Saturday in Berlin; PR 2: Raj on a Sunday morning
	// in Bangalore, off PR 1's branch point.
	heads = append(heads, repo.PullRequest(1, root,
		ada(gittest.At(2026, 3, 7, 22, 15, "+0100")), ada(gittest.At(2026, 3, 7, 23, 40, "+0100")))...)
	heads = append(heads, repo.PullRequest(2, root,
		raj(gittest.At(2026, 3, 8, 8, 5, "+0530")), raj(gittest.At(2026, 3, 8, 9, 0, "+0530")), raj(gittest.At(2026, 3, 8, 9, 30, "+0530")))...)
	// Both squashed into main on Monday by web-flow.
	repo.CommitOn("refs/heads/main", "",
		gittest.WebFlow(ada(gittest.At(2026, 3, 9, 10, 0, "+0000"))),
		gittest.WebFlow(raj(gittest.At(2026, 3, 9, 10, 5, "+0000"))))
	return heads
}

// TestSquashMergeHistoryIsReadFromPullRequestHeads: on HEAD alone a
// squash-merge history counts nothing for anyone; with the pull requests'
// heads every person's own commits count, with their offsets, and the
// web-flow squash commits still do not.
func TestSquashMergeHistoryIsReadFromPullRequestHeads(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	heads := squashHistory(t, repo)

	headOnly := storetest.Open(t)
	if r, i := collect(t, headOnly, gitcollector.Repository{Path: repo.Dir}); r != 3 || i != 3 {
		t.Errorf("HEAD only: read %d inserted %d, want 3/3 (the squash commits)", r, i)
	}
	if got := counted(t, headOnly); len(got) != 0 {
		t.Errorf("HEAD only: %d commits counted, want none (all by web-flow)", len(got))
	}

	db := storetest.Open(t)
	if r, i := collect(t, db, gitcollector.Repository{Path: repo.Dir, Refs: pullHeads}); r != 8 || i != 8 {
		t.Errorf("with pull heads: read %d inserted %d, want 8/8", r, i)
	}
	if got, want := counted(t, db), sorted(heads); !slices.Equal(got, want) {
		t.Errorf("counted %v, want the pull requests' commits %v", got, want)
	}
	stored := storedCommits(t, db)
	if r := stored[heads[0]]; r.Offset != 3600 || !r.At.Equal(gittest.At(2026, 3, 7, 22, 15, "+0100")) {
		t.Errorf("Ada's first commit stored as %+v, want 22:15 +01:00", r)
	}
	if r := stored[heads[2]]; r.Offset != 5*3600+30*60 {
		t.Errorf("Raj's first commit stored with offset %d, want +05:30", r.Offset)
	}
}

// TestRebaseMergeIsCountedOnce: "Rebase and merge" puts a copy of each
// commit on main (same author and author date, web-flow committer, new
// SHA); a person's own cherry-pick onto a release branch is a counted copy.
// Each piece of work is counted once, whichever copy is read first.
func TestRebaseMergeIsCountedOnce(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	root := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: gittest.At(2026, 4, 1, 9, 0, "+0200")})[0]
	work := []gittest.Commit{
		{AuthorName: "Bo", AuthorEmail: "bo@example.com", When: gittest.At(2026, 4, 4, 21, 0, "-0700")},
		{AuthorName: "Bo", AuthorEmail: "Bo@Example.com", When: gittest.At(2026, 4, 4, 22, 30, "-0700")},
	}
	originals := repo.PullRequest(7, root, work...)
	var copies []gittest.Commit
	for _, c := range work {
		copies = append(copies, gittest.WebFlow(c))
	}
	rebased := repo.CommitOn("refs/heads/main", "", copies...)
	// Bo cherry-picks the second commit onto a release branch himself.
	picked := repo.CommitOn("refs/heads/release", root, work[1])

	for _, order := range []struct {
		name  string
		first []string // refs read by a first run; the second reads them all
	}{
		{"all refs at once", nil},
		{"main first, then the pull request and the release branch", []string{"HEAD"}},
		{"release first", []string{"refs/heads/release"}},
	} {
		t.Run(order.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			all := []string{"HEAD", "refs/heads/*", "refs/pull/*/head"}
			if order.first != nil {
				collect(t, db, gitcollector.Repository{Path: repo.Dir, Refs: order.first})
			}
			collect(t, db, gitcollector.Repository{Path: repo.Dir, Refs: all})
			stored := storedCommits(t, db)
			var bo []string
			for _, sha := range counted(t, db) {
				if stored[sha].Identity == "email:bo@example.com" {
					bo = append(bo, sha)
				}
			}
			if len(bo) != 2 {
				t.Fatalf("Bo's counted commits %v, want 2: one per piece of work", bo)
			}
			// The first piece of work has one counted copy, the pull
			// request's; the second two, of which one is counted.
			if !slices.Contains(bo, originals[0]) {
				t.Errorf("the pull request's first commit (%s) is not counted: %v", originals[0], bo)
			}
			if slices.Contains(bo, originals[1]) == slices.Contains(bo, picked[0]) {
				t.Errorf("of the second piece of work's counted copies %s and %s, not exactly one is counted: %v", originals[1], picked[0], bo)
			}
			for _, sha := range rebased {
				if r, ok := stored[sha]; ok && r.Counted {
					t.Errorf("web-flow copy %s counted", sha)
				}
			}
			if order.first != nil && order.first[0] == "refs/heads/release" && !slices.Contains(bo, picked[0]) {
				t.Errorf("the cherry-pick read first (%s) should stay the counted copy: %v", picked[0], bo)
			}
		})
	}
}

// TestForcePushedPullRequestLosesNothing: a pull request rebased and
// force-pushed keeps its work counted once, a commit dropped from it stays
// stored (the work was done), a deleted pull request ref loses nothing, and
// each run reads only the new commits.
func TestForcePushedPullRequestLosesNothing(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	main := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: gittest.At(2026, 5, 1, 9, 0, "+0000")})
	c := func(h int) gittest.Commit {
		return gittest.Commit{AuthorName: "Cy", AuthorEmail: "cy@example.com", When: gittest.At(2026, 5, 2, h, 0, "+0900")}
	}
	first := repo.PullRequest(3, main[0], c(20), c(21), c(22))
	db := storetest.Open(t)
	r := gitcollector.Repository{Path: repo.Dir, Refs: pullHeads}
	if read, ins := collect(t, db, r); read != 4 || ins != 4 {
		t.Fatalf("first run read %d inserted %d, want 4/4", read, ins)
	}
	// main moves on; the pull request is rebased onto it, its last commit
	// dropped and a new one added, and force-pushed.
	newMain := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: gittest.At(2026, 5, 3, 9, 0, "+0000")})
	second := repo.PullRequest(3, newMain[0], c(20), c(21), c(23))
	read, ins := collect(t, db, r)
	if read != 4 || ins != 2 {
		t.Errorf("after force-push read %d inserted %d, want 4 read (main's new commit and the 3 rebased), 2 new (main's and c(23))", read, ins)
	}
	want := sorted(main, newMain, first, second[2:])
	if got := counted(t, db); !slices.Equal(got, want) {
		t.Errorf("counted %v\nwant    %v", got, want)
	}
	// The pull request's ref is deleted: nothing is lost, nothing read.
	repo.Git(nil, "update-ref", "-d", "refs/pull/3/head")
	if read, ins := collect(t, db, r); read != 0 || ins != 0 {
		t.Errorf("after deleting the ref read %d inserted %d, want 0/0", read, ins)
	}
	if got := counted(t, db); !slices.Equal(got, want) {
		t.Errorf("after deleting the ref counted %v, want %v", got, want)
	}
	// A ref set back onto history read before reads it again and stores
	// nothing twice.
	repo.Git(nil, "update-ref", "refs/pull/9/head", first[2])
	if read, ins := collect(t, db, r); ins != 0 {
		t.Errorf("ref onto old history: read %d inserted %d, want 0 inserted", read, ins)
	}
	if n, err := db.EventCount(t.Context(), gitcollector.Source); err != nil || n != len(want) {
		t.Errorf("%d commits stored (err %v), want %d", n, err, len(want))
	}
}

// TestIncrementalRunAfterNewPullRequests: a run reads only the commits of
// the new and moved pull requests, and a run with nothing new reads nothing.
func TestIncrementalRunAfterNewPullRequests(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	root := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: gittest.At(2026, 6, 1, 9, 0, "+0000")})[0]
	at := gittest.At(2026, 6, 2, 9, 0, "-0300")
	n := 0
	next := func() gittest.Commit {
		n++
		return gittest.Commit{AuthorName: "Di", AuthorEmail: "di@example.com", When: at.Add(time.Duration(n) * time.Minute)}
	}
	for pr := 1; pr <= 40; pr++ {
		repo.PullRequest(pr, root, next(), next())
	}
	db := storetest.Open(t)
	r := gitcollector.Repository{Path: repo.Dir, Refs: pullHeads}
	if read, ins := collect(t, db, r); read != 81 || ins != 81 {
		t.Fatalf("first run read %d inserted %d, want 81/81", read, ins)
	}
	if read, ins := collect(t, db, r); read != 0 || ins != 0 {
		t.Fatalf("nothing new: read %d inserted %d, want 0/0", read, ins)
	}
	repo.PullRequest(41, root, next(), next(), next())
	repo.PullRequest(42, root, next())
	repo.CommitOn("refs/pull/5/head", "", next())                        // one more commit pushed to pull request 5
	repo.Git(nil, "update-ref", "refs/pull/43/head", "refs/pull/6/head") // a new ref onto stored history
	if read, ins := collect(t, db, r); read != 5 || ins != 5 {
		t.Errorf("after new pull requests read %d inserted %d, want 5/5", read, ins)
	}
	if got, err := db.EventCount(t.Context(), gitcollector.Source); err != nil || got != 86 {
		t.Errorf("%d commits stored (err %v), want 86", got, err)
	}
}

// TestRefsNamesAndPatterns: a name that resolves to nothing is an error
// naming it; a pattern may match nothing; an annotated tag is read through
// to its commit; HEAD of a repository without commits reads nothing.
func TestRefsNamesAndPatterns(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	a := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: gittest.At(2026, 7, 1, 9, 0, "+0000")})
	b := repo.CommitOn("refs/heads/topic/x", a[0], gittest.Commit{AuthorName: "B", AuthorEmail: "b@example.com", When: gittest.At(2026, 7, 2, 9, 0, "+0000")})
	tagged := repo.CommitTree(a[0], gittest.Commit{AuthorName: "T", AuthorEmail: "t@example.com", When: gittest.At(2026, 7, 3, 9, 0, "+0000")})
	repo.Git([]string{"GIT_COMMITTER_DATE=1767261600 +0000"}, "tag", "-a", "-m", "v1", "v1", tagged)

	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: repo.Dir, Refs: []string{"main", "no-such-branch"}}}}
	if _, err := c.Collect(t.Context(), db); err == nil || !strings.Contains(err.Error(), `"no-such-branch"`) {
		t.Errorf("error %v, want one naming the ref no-such-branch", err)
	}
	// Patterns read as git log --glob does: * matches a slash too.
	for _, tc := range []struct {
		refs []string
		want []string
	}{
		{[]string{"refs/heads/main"}, a},
		{[]string{"refs/heads/*"}, sorted(a, b)},
		{[]string{"refs/heads/topic/?"}, sorted(a, b)},
		{[]string{"refs/tags/*", "refs/pull/*/head"}, sorted(a, []string{tagged})},
	} {
		db := storetest.Open(t)
		collect(t, db, gitcollector.Repository{Path: repo.Dir, Refs: tc.refs})
		if got := counted(t, db); !slices.Equal(got, tc.want) {
			t.Errorf("refs %v: read %v, want %v", tc.refs, got, tc.want)
		}
	}
	empty := gittest.New(t)
	if read, _ := collect(t, db, gitcollector.Repository{Path: empty.Dir, Refs: pullHeads}); read != 0 {
		t.Errorf("empty repository: read %d", read)
	}
	_ = fmt.Sprint()
}

// TestStoredCopiesStay: a database written before copies were counted
// once may hold two counted copies of one piece of work; a later load
// drops its own copy and never deletes a row stored before, so the
// figures already stored do not change.
func TestStoredCopiesStay(t *testing.T) {
	t.Parallel()
	when := gittest.At(2026, 9, 1, 21, 0, "+0200")
	db := storetest.Open(t)
	old := []store.Event{
		{Source: "git", Kind: "commit", ID: strings.Repeat("a", 40), Identity: "email:eve@example.com", At: when.UTC(), Offset: 7200, HasOffset: true, Scope: "old"},
		{Source: "git", Kind: "commit", ID: strings.Repeat("b", 40), Identity: "email:eve@example.com", At: when.UTC(), Offset: 7200, HasOffset: true, Scope: "old"},
	}
	if _, err := db.Write(t.Context(), store.Batch{Events: old}); err != nil {
		t.Fatal(err)
	}
	repo := gittest.New(t)
	third := repo.CommitOn("refs/heads/main", "", gittest.Commit{AuthorName: "Eve", AuthorEmail: "eve@example.com", When: when})
	if read, ins := collect(t, db, gitcollector.Repository{Path: repo.Dir}); read != 1 || ins != 0 {
		t.Errorf("read %d inserted %d, want 1 read, 0 inserted (a third copy)", read, ins)
	}
	if got, want := counted(t, db), []string{old[0].ID, old[1].ID}; !slices.Equal(got, want) {
		t.Errorf("counted %v, want the two stored before, not %s", got, third[0])
	}
}
