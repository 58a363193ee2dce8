package git_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/collectors"
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
	// Force-push: drop the last 5 commits and add 2 others. Only the 2 new
	// commits are read: the rest is reachable from the old tip, read before.
	repo.Git(nil, "reset", "-q", "--hard", "HEAD~6")
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(200 * time.Hour)})
	repo.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: base.Add(201 * time.Hour)})
	if r, i := mustCollect(); r != 2 || i != 2 {
		t.Fatalf("run after force-push read %d inserted %d, want 2/2", r, i)
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

// TestMalformedCommitIsLeftOutTheRestStored plants commit objects a broken
// tool could write (`git hash-object --literally`) among good ones: each
// malformed one is mended (a carriage return in a name or email) or left
// out and named in a warning by its SHA, counted as read and as skipped;
// every other commit of the repository is stored.
func TestMalformedCommitIsLeftOutTheRestStored(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	good := func(n int) string { return fmt.Sprintf("Good <good@example.com> %d +0100", 1767261600+n*60) }
	parent := ""
	var goodSHAs []string
	add := func(author string) string {
		parent = repo.RawCommit(parent, author)
		return parent
	}
	goodSHAs = append(goodSHAs, add(good(0)))
	bad := map[string]string{ // SHA → what the warning says
		add("Uni\x1fSep <us@example.com> 1767261600 +0000"): "unit separator",
		add("Us <us\x1f@example.com> 1767261600 +0000"):     "unit separator",
		add("A <a@example.com> 1767261600 +0099"):           "no valid UTC offset",
		add("A <a@example.com> 1767261600 +9999"):           "no valid UTC offset",
		add("A <a@example.com> 99999999999999999999 +0000"): "out of range",
		add("A <a@example.com> 9999999999999 +0000"):        "malformed author date",
		add("A <a@example.com> 253402300800 +0000"):         "out of range",
		add("A <a@example.com>"):                            "no author date",
		add("A <a@example.com> yesterday"):                  "no author date",
	}
	goodSHAs = append(goodSHAs, add(good(1)))
	mended := add("Car\rRiage <car\riage@example.com> 1767265200 +0000")
	goodSHAs = append(goodSHAs, add(good(2)))
	repo.Git(nil, "update-ref", "refs/heads/main", parent)

	var logged bytes.Buffer
	db := storetest.Open(t)
	c := &gitcollector.Collector{Repositories: []gitcollector.Repository{{Path: repo.Dir}},
		Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	s, err := c.Collect(t.Context(), db)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if want := (collectors.Stats{Read: 13, Inserted: 4, Skipped: 9}); s != want {
		t.Errorf("stats %+v, want %+v", s, want)
	}
	got := storedCommits(t, db)
	for _, sha := range append(goodSHAs, mended) {
		if _, ok := got[sha]; !ok {
			t.Errorf("good commit %s not stored", sha)
		}
	}
	if r := got[mended]; r.Identity != "email:car\uFFFDiage@example.com" {
		t.Errorf("mended commit stored as %+v", r)
	}
	for sha, says := range bad {
		if _, ok := got[sha]; ok {
			t.Errorf("malformed commit %s (%s) stored", sha, says)
		}
		line := ""
		for l := range strings.Lines(logged.String()) {
			if strings.Contains(l, "commit="+sha) {
				line = l
			}
		}
		if !strings.Contains(line, says) || !strings.Contains(line, "level=WARN") {
			t.Errorf("no warning naming %s and saying %q in:\n%s", sha, says, logged.String())
		}
	}
	if !strings.Contains(logged.String(), "commit="+mended) {
		t.Errorf("the mended commit %s is not named in:\n%s", mended, logged.String())
	}
	// The cursor moved: the next run reads nothing again.
	if s, err := c.Collect(t.Context(), db); err != nil || s.Read != 0 {
		t.Errorf("second run: %+v, %v; want nothing read", s, err)
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
