package github

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/store"
)

// TestClonesReadPullRequestHeads: the clone also fetches every pull
// request's head, keeping the partial-clone filter, and the commits only
// there (squash-merged or not merged yet) are stored with their own times.
// A pull request from a fork moves its head without moving pushed_at: the
// updated pull request makes the next run fetch it.
func TestClonesReadPullRequestHeads(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	src := gittest.Open(t, fx.apiDir)
	bob := func(when string) gittest.Commit {
		return gittest.Commit{AuthorName: "Bob", AuthorEmail: "bob@acme.test", When: at(when)}
	}
	head := src.PullRequest(2, "main", bob("2026-02-16T22:40:00-05:00"))
	if _, err := fx.collect(t); err != nil {
		t.Fatalf("first run: %v", err)
	}
	clone := filepath.Join(fx.opts.CacheDir, "127.0.0.1", "acme", "api.git")
	if got := runGit(t, clone, nil, "rev-parse", "refs/pull/2/head"); got != head[0] {
		t.Errorf("clone's refs/pull/2/head = %q, want %s", got, head[0])
	}
	if _, err := os.Stat(filepath.Join(clone, "refs", "pull", "2", "head")); err == nil {
		t.Error("refs/pull/2/head is a file of its own: the clone's refs were not packed")
	}
	if got := runGit(t, clone, nil, "config", "remote.origin.partialclonefilter"); got != "blob:none" {
		t.Errorf("partialclonefilter %q after fetching pull requests, want blob:none", got)
	}
	stored := gitCommits(t, fx)
	if e, ok := stored[head[0]]; !ok || e.Offset != -5*3600 || !e.At.Equal(at("2026-02-17T03:40:00Z")) || e.NotCounted {
		t.Errorf("pull request commit stored as %+v (present %v), want Bob's at 22:40 -05:00, counted", e, ok)
	}

	// A push to the fork: the head moves, pushed_at does not, the pull
	// request's updated_at does.
	more := src.CommitOn("refs/pull/2/head", "", bob("2026-03-02T23:10:00-05:00"))
	fx.clock.advance(24 * time.Hour)
	fx.api.Pulls[1].Updated = at("2026-03-03T04:10:00Z")
	if _, err := fx.collect(t); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if _, ok := gitCommits(t, fx)[more[0]]; !ok {
		t.Errorf("the commit pushed to the pull request's fork (%s) was not read", more[0])
	}
}

// gitCommits maps the stored commits by SHA.
func gitCommits(t *testing.T, fx *fixture) map[string]store.Event {
	t.Helper()
	evs, err := fx.db.Events(t.Context(), "git")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Event{}
	for _, e := range evs {
		out[e.ID] = e
	}
	return out
}

// TestCloneURLOnAnotherHostGetsNoToken: an API answer whose clone_url
// names another host or port fails that repository with an error saying
// why, and that host receives nothing, let alone the token; the other
// repositories are read.
func TestCloneURLOnAnotherHostGetsNoToken(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	var hits atomic.Int32
	var auth atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		http.NotFound(w, r)
	}))
	t.Cleanup(elsewhere.Close)
	fx.api.CloneURL = elsewhere.URL + "/acme/api.git"
	_, err := fx.collect(t)
	want := "acme/api: commits: clone_url " + elsewhere.URL + "/acme/api.git is not on " + fx.fake.srv.URL + ", the configured GitHub host"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one saying %q", err, want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the other host received %d requests (Authorization %q)", n, auth.Load())
	}
	if _, ok := gitCommits(t, fx)[fx.web.Commits[0].SHA]; !ok {
		t.Error("acme/web's commits were not read")
	}
}

func TestCheckCloneURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, cloneURL string
		ok             bool
	}{
		{"", "https://github.com/acme/api.git", true},
		{"", "https://GitHub.com:443/acme/api.git", true},
		{"", "http://github.com/acme/api.git", false},
		{"", "https://api.github.com/acme/api.git", false},
		{"", "https://github.com.evil.example/acme/api.git", false},
		{"", "https://x-access-token@evil.example/acme/api.git", false},
		{"https://ghe.example.com/", "https://ghe.example.com/acme/api.git", true},
		{"https://ghe.example.com/", "https://ghe.example.com:8443/acme/api.git", false},
		{"https://ghe.example.com:8443/", "https://ghe.example.com:8443/acme/api.git", true},
		{"https://ghe.example.com/", "https://github.com/acme/api.git", false},
		{"https://ghe.example.com/", "file:///srv/mirrors/api.git", true},
	} {
		c, err := New(Options{BaseURL: tc.base, Repos: []string{"acme/api"}, CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		err = c.checkCloneURL(tc.cloneURL)
		if (err == nil) != tc.ok {
			t.Errorf("base %q, clone_url %q: error %v, want ok %v", tc.base, tc.cloneURL, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "x-access-token") {
			t.Errorf("error %q shows the URL's user info", err)
		}
	}
}

// TestCloneGitProcesses: a repository's first clone is one git clone that
// brings the pull requests' heads too, its refs packed, plus the .mailmap
// read; a later run with a moved push updates it with set-url, fetch and
// pack-refs, plus that read. HEAD already on the default branch needs no
// git process; a renamed default branch still moves it.
func TestCloneGitProcesses(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	head := gittest.Open(t, fx.apiDir).PullRequest(2, "main",
		gittest.Commit{AuthorName: "Bob", AuthorEmail: "bob@acme.test", When: at("2026-02-16T22:40:00-05:00")})
	dir := t.TempDir()
	argvLog := filepath.Join(dir, "argv.log")
	wrapper := filepath.Join(dir, "git")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + argvLog + "'\nexec git \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	fx.opts.GitBinary = wrapper
	clone := filepath.Join(fx.opts.CacheDir, "127.0.0.1", "acme", "api.git")
	// syncClone's git commands for acme/api, by subcommand; the git
	// collector's (rev-parse --glob, log) are not syncClone's.
	syncs := func() []string {
		t.Helper()
		argv, err := os.ReadFile(argvLog)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(argvLog)
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(argv)), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && f[0] == "clone" && strings.Contains(line, clone+".partial-") ||
				len(f) > 2 && f[0] == "-C" && strings.HasPrefix(f[1], clone) && f[2] != "log" && f[2] != "-c" &&
					!strings.HasPrefix(line, "-C "+f[1]+" rev-parse --glob") {
				if f[0] == "-C" {
					f = f[2:]
				}
				out = append(out, f[0])
			}
		}
		return out
	}

	if _, err := fx.collect(t); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if diff := cmp.Diff([]string{"clone", "cat-file"}, syncs()); diff != "" {
		t.Errorf("first clone's git commands (-want +got):\n%s", diff)
	}
	if got := runGit(t, clone, nil, "rev-parse", "refs/pull/2/head"); got != head[0] {
		t.Errorf("clone's refs/pull/2/head = %q, want %s", got, head[0])
	}
	loose, _ := filepath.Glob(filepath.Join(clone, "refs", "*", "*"))
	if len(loose) != 0 {
		t.Errorf("the clone left refs unpacked: %v", loose)
	}
	if got := runGit(t, clone, nil, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("HEAD -> %s, want refs/heads/main", got)
	}

	// A push, and the default branch renamed on GitHub.
	runGit(t, fx.apiDir, nil, "branch", "-m", "main", "trunk")
	fx.api.DefaultBranch = "trunk"
	fx.api.PushedAt = at("2026-03-02T00:00:00Z")
	fx.clock.advance(24 * time.Hour)
	if _, err := fx.collect(t); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if diff := cmp.Diff([]string{"remote", "fetch", "pack-refs", "rev-parse", "symbolic-ref", "cat-file"}, syncs()); diff != "" {
		t.Errorf("fetch after a rename, git commands (-want +got):\n%s", diff)
	}
	if got := runGit(t, clone, nil, "symbolic-ref", "HEAD"); got != "refs/heads/trunk" {
		t.Errorf("HEAD -> %s after the rename, want refs/heads/trunk", got)
	}

	// Another push, no rename: HEAD is left as it is, without asking git.
	fx.api.PushedAt = at("2026-03-03T00:00:00Z")
	fx.clock.advance(24 * time.Hour)
	if _, err := fx.collect(t); err != nil {
		t.Fatalf("third run: %v", err)
	}
	if diff := cmp.Diff([]string{"remote", "fetch", "pack-refs", "cat-file"}, syncs()); diff != "" {
		t.Errorf("fetch, git commands (-want +got):\n%s", diff)
	}
}
