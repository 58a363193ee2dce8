package git_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gitcollector "github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
)

// TestFetchBringsAStaleCloneUpToDate: a clone that is never fetched sees
// nothing new; with Fetch it reads what was pushed to its remote since.
func TestFetchBringsAStaleCloneUpToDate(t *testing.T) {
	t.Parallel()
	remote := gittest.New(t)
	remote.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: gittest.At(2026, 8, 3, 9, 0, "+0200")})
	clone := remote.Clone()
	refs := []string{"HEAD", "refs/remotes/origin/*"}
	db := storetest.Open(t)
	if read, _ := collect(t, db, gitcollector.Repository{Path: clone.Dir, Refs: refs}); read != 1 {
		t.Fatalf("first run read %d, want 1", read)
	}
	remote.Commit(gittest.Commit{AuthorName: "B", AuthorEmail: "b@example.com", When: gittest.At(2026, 8, 4, 23, 0, "+0200")})
	if read, _ := collect(t, db, gitcollector.Repository{Path: clone.Dir, Refs: refs}); read != 0 {
		t.Errorf("without fetch read %d, want 0: the clone is stale", read)
	}
	if read, ins := collect(t, db, gitcollector.Repository{Path: clone.Dir, Refs: refs, Fetch: true}); read != 1 || ins != 1 {
		t.Errorf("with fetch read %d inserted %d, want 1/1", read, ins)
	}
}

// TestFailedFetchFailsThatRepositoryOnly: a fetch that fails, or does not
// answer within the timeout, fails its repository with an error naming it;
// the other repositories are read.
func TestFailedFetchFailsThatRepositoryOnly(t *testing.T) {
	t.Parallel()
	other := gittest.New(t)
	other.Commit(gittest.Commit{AuthorName: "O", AuthorEmail: "o@example.com", When: gittest.At(2026, 8, 3, 9, 0, "+0000")})

	gone := gittest.New(t)
	gone.Commit(gittest.Commit{AuthorName: "A", AuthorEmail: "a@example.com", When: gittest.At(2026, 8, 3, 10, 0, "+0000")})
	orphan := gone.Clone()
	if err := os.RemoveAll(gone.Dir); err != nil {
		t.Fatal(err)
	}

	// A git whose fetch hangs (a server that never answers); the rest is git.
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hanging := filepath.Join(dir, "git")
	script := "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = fetch ] && exec sleep 60; done\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(hanging, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, git, says string
		timeout         time.Duration
	}{
		// A generous timeout: a loaded machine must not turn "gone" into "no answer".
		{"remote gone", "", "git fetch: exit status", time.Minute},
		{"no answer", hanging, "git fetch: no answer within 300ms", 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			c := &gitcollector.Collector{GitBinary: tc.git, FetchTimeout: tc.timeout,
				Repositories: []gitcollector.Repository{{Path: orphan.Dir, Fetch: true}, {Path: other.Dir, Fetch: false}}}
			start := time.Now()
			s, err := c.Collect(t.Context(), db)
			if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), orphan.Dir) {
				t.Errorf("error %v, want one naming %s and saying %q", err, orphan.Dir, tc.says)
			}
			if s.Inserted != 1 {
				t.Errorf("inserted %d, want the other repository's 1 commit", s.Inserted)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %s: the hanging fetch was not ended", d)
			}
		})
	}
}
