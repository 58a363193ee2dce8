package git_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	gitcollector "github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

type row struct {
	ID, Identity, Name string
	At                 time.Time
	Offset             int
	Counted            bool
}

func storedCommits(t *testing.T, db *store.DB) map[string]row {
	t.Helper()
	evs, err := db.Events(t.Context(), gitcollector.Source)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]row{}
	for _, e := range evs {
		out[e.ID] = row{e.ID, e.Identity, "", e.At, e.Offset, !e.NotCounted}
	}
	return out
}

func TestCollectKeepsAuthorOffsetMailmapAndWebFlow(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	berlin := gittest.At(2026, 3, 7, 22, 15, "+0100")  // a Saturday night in Berlin
	kathmandu := gittest.At(2026, 3, 9, 9, 5, "+0545") // Monday morning, +05:45
	a := repo.Commit(gittest.Commit{AuthorName: "Alice", AuthorEmail: "Alice@Example.com", When: berlin})
	// Committer date differs from the author date: the author date counts.
	b := repo.Commit(gittest.Commit{AuthorName: "Bob", AuthorEmail: "bob@old.example", When: kathmandu})
	web := repo.Commit(gittest.Commit{AuthorName: "Alice", AuthorEmail: "alice@example.com",
		When: gittest.At(2026, 3, 10, 3, 0, "+0000"), CommitterEmail: "noreply@github.com", CommitterName: "GitHub"})
	repo.Git(nil, "checkout", "-q", "-b", "side")
	side := repo.Commit(gittest.Commit{AuthorName: "Carol", AuthorEmail: "carol@example.com", When: gittest.At(2026, 3, 11, 12, 0, "-0930")})
	repo.Git(nil, "checkout", "-q", "main")
	repo.Commit(gittest.Commit{AuthorName: "Dan", AuthorEmail: "dan@example.com", When: gittest.At(2026, 3, 11, 13, 0, "+0530")})
	merge := repo.Merge("side", gittest.At(2026, 3, 12, 10, 0, "+0000"))
	repo.WriteFile(".mailmap", "Bob Builder <bob@example.com> <bob@old.example>\n")

	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: repo.Dir}}}
	stats, err := c.Collect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Read != 5 || stats.Inserted != 5 {
		t.Errorf("stats = %+v, want 5 read, 5 inserted (merge left out)", stats)
	}
	got := storedCommits(t, db)
	if _, ok := got[merge]; ok {
		t.Errorf("merge commit %s was stored", merge)
	}
	want := map[string]row{
		a:    {a, "email:alice@example.com", "", berlin.UTC(), 3600, true},
		b:    {b, "email:bob@example.com", "", kathmandu.UTC(), 5*3600 + 45*60, true},
		web:  {web, "email:alice@example.com", "", gittest.At(2026, 3, 10, 3, 0, "+0000").UTC(), 0, false},
		side: {side, "email:carol@example.com", "", gittest.At(2026, 3, 11, 12, 0, "-0930").UTC(), -(9*3600 + 30*60), true},
	}
	for sha, w := range want {
		if diff := cmp.Diff(w, got[sha]); diff != "" {
			t.Errorf("commit %s (-want +got):\n%s", sha, diff)
		}
	}
	ids, err := db.Identities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, i := range ids {
		names[i.Identity] = i.DisplayName
	}
	if names["email:bob@example.com"] != "Bob Builder" {
		t.Errorf(".mailmap not honoured: identities %v", names)
	}
}

func TestCollectIsIncrementalAndSurvivesForcePush(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	base := gittest.At(2026, 1, 5, 10, 0, "+0000")
	var commits []gittest.Commit
	for i := range 30 {
		commits = append(commits, gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(time.Duration(i) * time.Hour)})
	}
	repo.FastImport(commits)
	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: repo.Dir}}}
	ctx := t.Context()
	mustCollect := func() (read, inserted int) {
		t.Helper()
		s, err := c.Collect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return s.Read, s.Inserted
	}
	if r, i := mustCollect(); r != 30 || i != 30 {
		t.Fatalf("first run read %d inserted %d, want 30/30", r, i)
	}
	if r, i := mustCollect(); r != 0 || i != 0 {
		t.Fatalf("unchanged second run read %d inserted %d, want 0/0", r, i)
	}
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(100 * time.Hour)})
	if r, i := mustCollect(); r != 1 || i != 1 {
		t.Fatalf("run after one new commit read %d inserted %d, want 1/1", r, i)
	}
	// Force-push: drop the last 5 commits and add 2 others. The stored
	// cursor is no longer in the history: everything is read again, and only
	// the 2 new commits are inserted.
	repo.Git(nil, "reset", "-q", "--hard", "HEAD~6")
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(200 * time.Hour)})
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(201 * time.Hour)})
	if r, i := mustCollect(); r != 27 || i != 2 {
		t.Fatalf("run after force-push read %d inserted %d, want 27/2", r, i)
	}
	n, err := db.EventCount(ctx, gitcollector.Source)
	if err != nil {
		t.Fatal(err)
	}
	if n != 33 {
		t.Errorf("stored %d commits, want 33 (31 first seen + 2 new; rewritten-away commits stay stored)", n)
	}
}

func TestCollectBareRepositoryAndEmptyRepository(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: gittest.At(2026, 2, 2, 9, 30, "-0500")})
	bare := filepath.Join(t.TempDir(), "bare.git")
	repo.Git(nil, "clone", "-q", "--bare", repo.Dir, bare)
	empty := gittest.New(t)
	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: bare}, {Path: empty.Dir}}}
	s, err := c.Collect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if s.Inserted != 1 {
		t.Errorf("inserted %d, want 1", s.Inserted)
	}
}

func TestCollectMissingRepositoryNamesIt(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	missing := filepath.Join(t.TempDir(), "nope")
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: missing}}}
	_, err := c.Collect(context.Background(), db)
	if err == nil {
		t.Fatal("no error for a missing repository")
	}
	if want := missing; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

// TestCommitsInTwoClonesAreStoredOnce: a fork, a second clone, or a clone
// moved to a new path (its cursor is keyed by path, so it is read again
// whole) holds commits already stored; each is stored once.
func TestCommitsInTwoClonesAreStoredOnce(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	base := gittest.At(2026, 1, 5, 10, 0, "+0100")
	var commits []gittest.Commit
	for i := range 20 {
		commits = append(commits, gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(time.Duration(i) * time.Hour)})
	}
	repo.FastImport(commits)
	forked := repo.Clone()
	fork := forked.Dir
	forked.Commit(gittest.Commit{AuthorName: "B", AuthorEmail: "b@example.com", When: base.Add(50 * time.Hour)})
	forked.Commit(gittest.Commit{AuthorName: "B", AuthorEmail: "b@example.com", When: base.Add(51 * time.Hour)})

	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: repo.Dir}, {Path: fork}}}
	s, err := c.Collect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if s.Read != 42 || s.Inserted != 22 {
		t.Errorf("read %d, inserted %d; want 42 read, 22 inserted", s.Read, s.Inserted)
	}
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(fork, moved); err != nil {
		t.Fatal(err)
	}
	c.Repositories = []gitcollector.Repository{{Path: moved}}
	if s, err := c.Collect(t.Context(), db); err != nil || s.Read != 22 || s.Inserted != 0 {
		t.Errorf("moved clone: %+v, err %v; want 22 read again, 0 inserted", s, err)
	}
	if n, err := db.EventCount(t.Context(), gitcollector.Source); err != nil || n != 22 {
		t.Errorf("%d commits stored (err %v), want 22", n, err)
	}
	// The copy stored first stays: the 20 shared commits keep the first
	// repository's scope, the fork's own 2 the fork's.
	events, err := db.Events(t.Context(), gitcollector.Source)
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]int{}
	for _, e := range events {
		scopes[e.Scope]++
	}
	if want := map[string]int{filepath.Base(repo.Dir): 20, filepath.Base(fork): 2}; !maps.Equal(scopes, want) {
		t.Errorf("commits by scope %v, want %v", scopes, want)
	}
}

// TestMalformedGitLogStoresNothing runs the collector against a stand-in
// git whose log has one bad line among good ones: the error names it, and
// nothing of the repository is stored, nor its cursor moved.
func TestMalformedGitLogStoresNothing(t *testing.T) {
	t.Parallel()
	good := "1111111111111111111111111111111111111111\x1fA\x1fa@example.com\x1f1767261600 +0100\x1fa@example.com\n"
	for _, tc := range []struct {
		name, line, says string
		more             int // good lines after the bad one
	}{
		{"bad date", "2222222222222222222222222222222222222222\x1fB\x1fb@example.com\x1fyesterday +0000\x1fb@example.com\n",
			`commit 2222222222222222222222222222222222222222: malformed author date "yesterday +0000"`, 0},
		{"bad offset", "2222222222222222222222222222222222222222\x1fB\x1fb@example.com\x1f1767261600 +0575\x1fb@example.com\n",
			`malformed author date "1767261600 +0575"`, 0},
		{"missing field", "2222222222222222222222222222222222222222\x1fB\x1f1767261600 +0000\x1fb@example.com\n",
			"CSV Error on Line: 2", 0},
		// DuckDB stops at once while git still has megabytes to write: the
		// load's error comes back, and nothing waits on a full pipe.
		{"missing field, long log", "2222222222222222222222222222222222222222\x1fB\x1f1767261600 +0000\x1fb@example.com\n",
			"CSV Error on Line: 2", 60000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			logFile := filepath.Join(dir, "log")
			if err := os.WriteFile(logFile, []byte(good+tc.line+strings.Repeat(good, 1+tc.more)), 0o644); err != nil {
				t.Fatal(err)
			}
			fakeGit := standInGit(t, dir, logFile)
			db := storetest.Open(t)
			c := &gitcollector.Collector{GitBinary: fakeGit, Repositories: []gitcollector.Repository{{Path: dir}}}
			_, err := c.Collect(t.Context(), db)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %v, want one saying %q", err, tc.says)
			}
			if n, err := db.EventCount(t.Context(), ""); err != nil || n != 0 {
				t.Errorf("%d events stored after a failed load (err %v), want 0", n, err)
			}
			if _, ok, err := db.GetCursor(t.Context(), gitcollector.Source, dir); err != nil || ok {
				t.Errorf("cursor stored after a failed load (err %v)", err)
			}
		})
	}
}

// standInGit writes a script that answers rev-parse with a fixed SHA and
// log with the file at logFile, and returns its path.
func standInGit(t *testing.T, dir, logFile string) string {
	t.Helper()
	path := filepath.Join(dir, "git")
	script := "#!/bin/sh\ncase \" $* \" in\n*\" rev-parse \"*) echo 3333333333333333333333333333333333333333 ;;\n*\" log \"*) cat " + logFile + " ;;\nesac\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNameThatIsNotUTF8 collects a log whose author name holds a Latin-1
// byte under a UTF-8 header, as old commits can: the commit is stored, and
// the name keeps its readable part.
func TestNameThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "log")
	line := "1111111111111111111111111111111111111111\x1fRen\xe9\x1frene@example.com\x1f1767261600 +0100\x1frene@example.com\n"
	if err := os.WriteFile(logFile, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	c := &gitcollector.Collector{GitBinary: standInGit(t, dir, logFile), Repositories: []gitcollector.Repository{{Path: dir}}}
	if s, err := c.Collect(t.Context(), db); err != nil || s.Inserted != 1 {
		t.Fatalf("collect: %+v, %v; want 1 inserted", s, err)
	}
	ids, err := db.Identities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].Identity != "email:rene@example.com" || ids[0].DisplayName != "Ren\uFFFD" || ids[0].Events != 1 {
		t.Errorf("identities %+v, want rene@example.com named \"Ren\uFFFD\" with 1 event", ids)
	}
}

// TestNothingNewButMerges: a range with only merges gives git log nothing
// to print; the empty load is no error, and the cursor moves to HEAD.
func TestNothingNewButMerges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "log")
	if err := os.WriteFile(logFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	c := &gitcollector.Collector{GitBinary: standInGit(t, dir, logFile), Repositories: []gitcollector.Repository{{Path: dir}}}
	if s, err := c.Collect(t.Context(), db); err != nil || s.Read != 0 || s.Inserted != 0 {
		t.Fatalf("collect: %+v, %v; want nothing read, no error", s, err)
	}
	if cur, ok, err := db.GetCursor(t.Context(), gitcollector.Source, dir); err != nil || !ok || cur.Position != "3333333333333333333333333333333333333333" {
		t.Errorf("cursor %+v (stored %v, err %v), want HEAD", cur, ok, err)
	}
}
