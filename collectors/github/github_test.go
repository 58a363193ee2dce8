package github

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/internal/proctest"
	"github.com/overtime-project/overtime/store"
)

const testToken = "ghp_TESTTOKEN0123456789abcdefABCDEF0123"

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	alice      = &fakeUser{Login: "alice"}
	bob        = &fakeUser{Login: "bob"}
	carol      = &fakeUser{Login: "Carol"} // logins are case-insensitive: github:carol
	dependabot = &fakeUser{Login: "dependabot[bot]", Bot: true}
	renovate   = &fakeUser{Login: "renovate-helper"} // a plain account, left out by the Bots pattern
)

// fixture is an organisation "acme" on a fake GitHub Enterprise with four
// repositories (one archived, one fork), plus an explicitly configured empty
// repository partner/lib, and a DuckDB file.
type fixture struct {
	fake   *fakeGitHub
	clock  *fakeClock
	db     *store.DB
	opts   Options
	logs   *proctest.LockedBuffer
	api    *fakeRepo
	web    *fakeRepo
	lib    *fakeRepo
	apiDir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	clock := &fakeClock{now: at("2026-03-02T12:00:00Z")}
	fake := newFakeGitHub(t, testToken, clock)
	fake.pageSize = 2 // several pages out of little data

	srcDir, apiCommits, webCommits := sourceRepositories(t)
	if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(srcDir)); err != nil {
		t.Fatalf("copy the source repositories: %v", err)
	}
	apiDir, webDir, libDir := filepath.Join(dir, "src", "api"), filepath.Join(dir, "src", "web"), filepath.Join(dir, "src", "lib")

	api := &fakeRepo{
		ID: 101, FullName: "acme/api", CloneURL: fileURL(apiDir), DefaultBranch: "main", PushedAt: at("2026-02-13T00:00:00Z"),
		Commits: apiCommits,
		Pulls: []*fakePull{
			{ID: 9001, Number: 1, User: alice, Created: at("2026-02-01T10:00:00Z"), Updated: at("2026-02-02T15:00:00Z"),
				Closed: at("2026-02-02T15:00:00Z"), Merged: at("2026-02-02T15:00:00Z"), MergedBy: bob, Additions: 40, Deletions: 2,
				Reviews: []fakeReview{
					{ID: 7001, User: carol, State: "COMMENTED", Submitted: at("2026-02-02T13:00:00Z")},
					// carol's one standalone comment on the diff: GitHub wraps it in a
					// review with no text; it is one event, the review_comment 5005.
					{ID: 7008, User: carol, State: "COMMENTED", Submitted: at("2026-02-02T13:30:00Z"), NoBody: true},
					{ID: 7002, User: bob, State: "APPROVED", Submitted: at("2026-02-02T14:00:00Z")},
					{ID: 7003, User: carol, State: "PENDING"},
				}},
			{ID: 9002, Number: 2, User: bob, Created: at("2026-02-05T09:00:00Z"), Updated: at("2026-02-20T18:00:00Z"),
				Reviews: []fakeReview{
					{ID: 7004, User: alice, State: "CHANGES_REQUESTED", Submitted: at("2026-02-06T22:10:00Z")},
					{ID: 7005, User: alice, State: "APPROVED", Submitted: at("2026-02-20T18:00:00Z")},
				}},
			{ID: 9003, Number: 3, User: dependabot, Created: at("2026-02-07T04:00:00Z"), Updated: at("2026-02-08T11:00:00Z"),
				Closed: at("2026-02-08T11:00:00Z"), Merged: at("2026-02-08T11:00:00Z"), MergedBy: alice, Additions: 1, Deletions: 1,
				Reviews: []fakeReview{{ID: 7006, User: carol, State: "APPROVED", Submitted: at("2026-02-08T10:00:00Z")}}},
			{ID: 9004, Number: 4, User: alice, Created: at("2025-12-20T10:00:00Z"), Updated: at("2026-01-05T10:00:00Z"),
				Closed:  at("2026-01-05T10:00:00Z"),
				Reviews: []fakeReview{{ID: 7007, User: bob, State: "COMMENTED", Submitted: at("2025-12-21T10:00:00Z")}}},
			{ID: 9005, Number: 5, User: carol, Created: at("2025-11-01T10:00:00Z"), Updated: at("2025-11-02T10:00:00Z")},
			{ID: 9006, Number: 6, User: renovate, Created: at("2026-02-15T03:00:00Z"), Updated: at("2026-02-15T03:00:00Z")},
		},
		ReviewComments: []*fakeComment{
			{ID: 5001, User: bob, Created: at("2026-02-06T08:00:00Z"), Updated: at("2026-02-06T08:00:00Z")},
			{ID: 5002, User: alice, Created: at("2026-02-10T21:00:00Z"), Updated: at("2026-02-21T09:00:00Z")},
			{ID: 5003, User: dependabot, Created: at("2026-02-09T08:00:00Z"), Updated: at("2026-02-09T08:00:00Z")},
			{ID: 5004, User: nil, Created: at("2026-02-11T08:00:00Z"), Updated: at("2026-02-11T08:00:00Z")}, // a deleted account
			{ID: 5005, User: carol, Created: at("2026-02-02T13:30:00Z"), Updated: at("2026-02-02T13:30:00Z")},
		},
		IssueComments: []*fakeComment{
			{ID: 6001, User: carol, Created: at("2026-02-03T08:00:00Z"), Updated: at("2026-02-03T08:00:00Z")},
			{ID: 6002, User: bob, Created: at("2026-02-04T23:00:00Z"), Updated: at("2026-02-04T23:00:00Z")},
			{ID: 6003, User: alice, Created: at("2025-12-01T08:00:00Z"), Updated: at("2025-12-01T08:00:00Z")},
		},
	}
	web := &fakeRepo{
		ID: 102, FullName: "acme/web", CloneURL: fileURL(webDir), DefaultBranch: "main", PushedAt: at("2026-02-14T00:00:00Z"),
		Commits: webCommits,
		Pulls: []*fakePull{
			{ID: 9101, Number: 1, User: carol, Created: at("2026-02-14T09:00:00Z"), Updated: at("2026-02-14T12:00:00Z"),
				Closed: at("2026-02-14T12:00:00Z"), Merged: at("2026-02-14T12:00:00Z"), MergedBy: carol, Additions: 5},
		},
	}
	old := &fakeRepo{ID: 103, FullName: "acme/old", Archived: true, CloneURL: fileURL(webDir), DefaultBranch: "main", PushedAt: at("2020-01-01T00:00:00Z")}
	fork := &fakeRepo{ID: 104, FullName: "acme/forked", Fork: true, CloneURL: fileURL(webDir), DefaultBranch: "main", PushedAt: at("2026-01-01T00:00:00Z")}
	lib := &fakeRepo{ID: 201, FullName: "partner/lib", CloneURL: fileURL(libDir), DefaultBranch: "main", PushedAt: at("2026-01-10T00:00:00Z"), Empty: true,
		IssueComments: []*fakeComment{{ID: 6101, User: alice, Created: at("2026-02-25T06:00:00Z"), Updated: at("2026-02-25T06:00:00Z")}}}
	fake.addOrg("acme", api, web, old, fork)
	fake.addRepo(lib)

	db, err := store.Open(t.Context(), filepath.Join(dir, "overtime.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &proctest.LockedBuffer{}
	return &fixture{
		fake:  fake,
		clock: clock,
		db:    db,
		logs:  logs,
		api:   api, web: web, lib: lib, apiDir: apiDir,
		opts: Options{
			BaseURL:  fake.srv.URL, // GitHub Enterprise: /api/v3/ is added
			Token:    testToken,
			Orgs:     []string{"acme"},
			Repos:    []string{"partner/lib"},
			Since:    at("2026-01-01T00:00:00Z"),
			CacheDir: filepath.Join(dir, "cache"),
			Bots:     []string{"renovate*"},
			// The config's default.
			MaxRateLimitWait: 15 * time.Minute,
			HTTPClient:       fake.srv.Client(),
			Now:              clock.Now,
			Sleep:            clock.Sleep,
			Logger:           slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		},
	}
}

// sources are the fixture's source repositories, built once per test
// binary in a directory TestMain removes: their commits are planted (dates,
// names, contents), so a copy is the same repository, commit for commit,
// as a fresh build, for some twenty git processes fewer per fixture. Each
// fixture copies them, as a test may commit to its copy.
var sources struct {
	once     sync.Once
	dir      string
	api, web []fakeCommit
	built    bool
}

// sourceRepositories returns the directory holding api, web and lib, and
// the commits of api and web as GitHub lists them.
func sourceRepositories(t *testing.T) (dir string, api, web []fakeCommit) {
	t.Helper()
	sources.once.Do(func() {
		dir, err := os.MkdirTemp("", "github-sources-")
		if err != nil {
			t.Fatal(err)
		}
		sources.dir = dir
		sources.api = gitRepo(t, filepath.Join(dir, "api"), []plannedCommit{
			{Name: "Alice", Email: "alice@acme.test", Date: "2026-02-10T23:30:00+01:00", Login: "alice",
				Files: map[string]string{".mailmap": "Alice <alice@acme.test> <alice@old.test>\n"}},
			{Name: "Bob", Email: "bob@acme.test", Date: "2026-02-11T09:15:00-05:00", Login: "bob"},
			{Name: "alice (old laptop)", Email: "alice@old.test", Date: "2026-02-12T21:00:00+01:00", Login: "alice"},
			{Name: "Carol", Email: "carol@acme.test", Date: "2026-02-13T07:45:00+09:00"}, // an email GitHub ties to no account
		})
		sources.web = gitRepo(t, filepath.Join(dir, "web"), []plannedCommit{
			{Name: "Carol", Email: "carol@acme.test", Date: "2026-02-14T08:00:00+09:00", Login: "Carol"},
		})
		gitRepo(t, filepath.Join(dir, "lib"), nil)
		sources.built = true
	})
	if !sources.built {
		t.Fatal("the source repositories could not be built (see the first test that tried)")
	}
	return sources.dir, slices.Clone(sources.api), slices.Clone(sources.web)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sources.dir != "" {
		os.RemoveAll(sources.dir)
	}
	os.Exit(code)
}

// collect runs a fresh collector, as each nightly run would.
func (fx *fixture) collect(t *testing.T) (collectors.Stats, error) {
	t.Helper()
	c, err := New(fx.opts)
	if err != nil {
		t.Fatal(err)
	}
	return c.Collect(t.Context(), fx.db)
}

func requestLines(reqs []fakeRequest) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = strconv.Itoa(r.Status) + " " + r.Path
	}
	return out
}

// wantCounts is what the fake serves, per person and kind, from Since on:
// no bots (dependabot[bot] by type, renovate-helper by pattern), no deleted
// accounts, no pending review, no review that only wraps a diff comment,
// nothing older than Since.
var wantCounts = map[string]map[string]int{
	"github:alice": {"pr_opened": 1, "pr_merged": 1, "review": 2, "review_comment": 1, "issue_comment": 1},
	"github:bob":   {"pr_opened": 1, "pr_merged": 1, "review": 1, "review_comment": 1, "issue_comment": 1},
	"github:carol": {"pr_opened": 1, "pr_merged": 1, "review": 2, "review_comment": 1, "issue_comment": 1},
}

func TestCollectFirstAndIncrementalRuns(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	ctx := t.Context()

	stats, err := fx.collect(t)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	first := requestLines(fx.fake.takeRequests())
	wantFirst := []string{
		"200 orgs/acme/repos?type=all&sort=full_name&per_page=100",
		"200 organizations/9919/repos?page=2&per_page=100&sort=full_name&type=all",
		"200 repos/partner/lib",
		// pull requests, newest update first, down to Since (#5 is older)
		"200 repos/acme/api/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"200 repos/acme/api/pulls/2/reviews?per_page=100",
		"200 repos/acme/api/pulls/6/reviews?per_page=100",
		"200 repositories/101/pulls?direction=desc&page=2&per_page=100&sort=updated&state=all",
		"200 repos/acme/api/pulls/3", // merged: who merged it is only in the pull request itself
		"200 repos/acme/api/pulls/3/reviews?per_page=100",
		"200 repos/acme/api/pulls/1",
		"200 repos/acme/api/pulls/1/reviews?per_page=100",
		"200 repositories/101/pulls/1/reviews?page=2&per_page=100",
		"200 repositories/101/pulls?direction=desc&page=3&per_page=100&sort=updated&state=all",
		"200 repos/acme/api/pulls/4/reviews?per_page=100",
		// acme/api: the REST commit list links emails to logins
		"200 repos/acme/api/commits?per_page=100",
		"200 repositories/101/commits?page=2&per_page=100",
		"200 repos/acme/api/pulls/comments?sort=updated&direction=desc&per_page=100",
		"200 repositories/101/pulls/comments?direction=desc&page=2&per_page=100&sort=updated",
		"200 repositories/101/pulls/comments?direction=desc&page=3&per_page=100&sort=updated",
		"200 repos/acme/api/issues/comments?sort=updated&direction=desc&per_page=100",
		"200 repositories/101/issues/comments?direction=desc&page=2&per_page=100&sort=updated",
		// acme/web
		"200 repos/acme/web/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"200 repos/acme/web/pulls/1",
		"200 repos/acme/web/pulls/1/reviews?per_page=100",
		"200 repos/acme/web/commits?per_page=100",
		"200 repos/acme/web/pulls/comments?sort=updated&direction=desc&per_page=100",
		"200 repos/acme/web/issues/comments?sort=updated&direction=desc&per_page=100",
		// partner/lib, empty: the commit list says 409
		"200 repos/partner/lib/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"409 repos/partner/lib/commits?per_page=100",
		"200 repos/partner/lib/pulls/comments?sort=updated&direction=desc&per_page=100",
		"200 repos/partner/lib/issues/comments?sort=updated&direction=desc&per_page=100",
	}
	if diff := cmp.Diff(wantFirst, first); diff != "" {
		t.Errorf("first run requests (-want +got):\n%s", diff)
	}
	t.Logf("first run: %d requests, %+v", len(first), stats)

	// Per person, what the fake served.
	counts, err := fx.db.EventCountsByIdentity(ctx, Source)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("github events per person (-want +got):\n%s", diff)
	}
	// Commits come from the clones, with the offsets they were made in, and
	// .mailmap applied (read from a partial clone).
	commits, err := fx.db.Events(ctx, "git")
	if err != nil {
		t.Fatal(err)
	}
	type commit struct {
		Identity, Scope string
		At              time.Time
		Offset          int
	}
	var gotCommits []commit
	for _, e := range commits {
		gotCommits = append(gotCommits, commit{e.Identity, e.Scope, e.At, e.Offset})
	}
	wantCommits := []commit{
		{"email:alice@acme.test", "acme/api", at("2026-02-10T22:30:00Z"), 3600},
		{"email:bob@acme.test", "acme/api", at("2026-02-11T14:15:00Z"), -5 * 3600},
		{"email:alice@acme.test", "acme/api", at("2026-02-12T20:00:00Z"), 3600},
		{"email:carol@acme.test", "acme/api", at("2026-02-12T22:45:00Z"), 9 * 3600},
		{"email:carol@acme.test", "acme/web", at("2026-02-13T23:00:00Z"), 9 * 3600},
	}
	if diff := cmp.Diff(wantCommits, gotCommits); diff != "" {
		t.Errorf("commits (-want +got):\n%s", diff)
	}
	clone := filepath.Join(fx.opts.CacheDir, "127.0.0.1", "acme", "api.git")
	if got := runGit(t, clone, nil, "config", "remote.origin.partialclonefilter"); got != "blob:none" {
		t.Errorf("clone %s: partialclonefilter %q, want a partial clone", clone, got)
	}
	links, err := fx.db.IdentityLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantLinks := []store.IdentityLink{
		{Email: "email:alice@acme.test", Login: "github:alice"},
		{Email: "email:alice@old.test", Login: "github:alice"},
		{Email: "email:bob@acme.test", Login: "github:bob"},
		{Email: "email:carol@acme.test", Login: "github:carol"},
	}
	if diff := cmp.Diff(wantLinks, links); diff != "" {
		t.Errorf("identity links (-want +got):\n%s", diff)
	}
	prs, err := fx.db.PullRequestsByID(ctx, []int64{9001, 9002, 9003, 9004, 9005, 9006, 9101})
	if err != nil {
		t.Fatal(err)
	}
	wantPRs := map[int64]store.PullRequest{
		9001: {ID: 9001, Repo: "acme/api", Number: 1, Author: "github:alice", CreatedAt: at("2026-02-01T10:00:00Z"), ClosedAt: at("2026-02-02T15:00:00Z"), MergedAt: at("2026-02-02T15:00:00Z"), MergedBy: "github:bob", UpdatedAt: at("2026-02-02T15:00:00Z")},
		9002: {ID: 9002, Repo: "acme/api", Number: 2, Author: "github:bob", CreatedAt: at("2026-02-05T09:00:00Z"), UpdatedAt: at("2026-02-20T18:00:00Z")},
		9003: {ID: 9003, Repo: "acme/api", Number: 3, Author: "github:dependabot[bot]", CreatedAt: at("2026-02-07T04:00:00Z"), ClosedAt: at("2026-02-08T11:00:00Z"), MergedAt: at("2026-02-08T11:00:00Z"), MergedBy: "github:alice", UpdatedAt: at("2026-02-08T11:00:00Z")},
		9004: {ID: 9004, Repo: "acme/api", Number: 4, Author: "github:alice", CreatedAt: at("2025-12-20T10:00:00Z"), ClosedAt: at("2026-01-05T10:00:00Z"), UpdatedAt: at("2026-01-05T10:00:00Z")},
		9006: {ID: 9006, Repo: "acme/api", Number: 6, Author: "github:renovate-helper", CreatedAt: at("2026-02-15T03:00:00Z"), UpdatedAt: at("2026-02-15T03:00:00Z")},
		9101: {ID: 9101, Repo: "acme/web", Number: 1, Author: "github:carol", CreatedAt: at("2026-02-14T09:00:00Z"), ClosedAt: at("2026-02-14T12:00:00Z"), MergedAt: at("2026-02-14T12:00:00Z"), MergedBy: "github:carol", UpdatedAt: at("2026-02-14T12:00:00Z")},
	}
	if diff := cmp.Diff(wantPRs, prs, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
	merged := map[string]store.Event{}
	all, _ := fx.db.Events(ctx, Source)
	for _, e := range all {
		if e.Kind == KindPullRequestMerged {
			merged[e.ID] = e
		}
	}
	if e := merged["9001"]; e.Identity != "github:bob" || !e.At.Equal(at("2026-02-02T15:00:00Z")) || !e.HasSize || e.Size != 42 || e.HasOffset {
		t.Errorf("pr_merged 9001 = %+v; want bob's, at the merge, size 42, no offset", e)
	}

	// Open pull requests per person, once the analysis has said who is who.
	err = fx.db.ReplacePeople(ctx, store.PeopleSnapshot{
		People:     []store.PersonRow{{ID: "alice"}, {ID: "bob"}, {ID: "carol"}},
		Identities: map[string]string{"github:alice": "alice", "github:bob": "bob", "github:carol": "carol"},
	})
	if err != nil {
		t.Fatal(err)
	}
	open, err := fx.db.OpenPullRequestsAt(ctx, at("2026-02-21T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"bob": 1}, open); diff != "" {
		t.Errorf("open pull requests on 2026-02-21 (-want +got):\n%s", diff)
	}

	// Second run, nothing changed: one conditional request per repository
	// and resource, every one a 304; no clone is fetched.
	fx.clock.advance(24 * time.Hour)
	stats, err = fx.collect(t)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	second := requestLines(fx.fake.takeRequests())
	wantSecond := []string{
		"304 orgs/acme/repos?type=all&sort=full_name&per_page=100",
		"304 organizations/9919/repos?page=2&per_page=100&sort=full_name&type=all",
		"304 repos/partner/lib",
		"304 repos/acme/api/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"304 repos/acme/api/pulls/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/acme/api/issues/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/acme/web/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"304 repos/acme/web/pulls/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/acme/web/issues/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/pulls/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/issues/comments?sort=updated&direction=desc&per_page=100",
	}
	if diff := cmp.Diff(wantSecond, second); diff != "" {
		t.Errorf("second run requests (-want +got):\n%s", diff)
	}
	if stats != (collectors.Stats{}) {
		t.Errorf("second run stats = %+v, want nothing read", stats)
	}

	// Third run: a new review and update on #2, a new issue comment, a new
	// commit pushed to acme/api.
	fx.clock.advance(24 * time.Hour)
	pr2 := fx.api.Pulls[1]
	pr2.Updated = at("2026-03-03T20:00:00Z")
	pr2.Reviews = append(pr2.Reviews, fakeReview{ID: 7010, User: carol, State: "APPROVED", Submitted: at("2026-03-03T20:00:00Z")})
	fx.api.IssueComments = append(fx.api.IssueComments, &fakeComment{ID: 6010, User: bob, Created: at("2026-03-03T21:30:00Z"), Updated: at("2026-03-03T21:30:00Z")})
	newCommit := gitCommit(t, fx.apiDir, plannedCommit{Name: "Bob", Email: "bob@acme.test", Date: "2026-03-03T23:55:00-05:00", Login: "bob"})
	fx.api.Commits = append([]fakeCommit{newCommit}, fx.api.Commits...)
	fx.api.PushedAt = at("2026-03-04T04:55:00Z")
	stats, err = fx.collect(t)
	if err != nil {
		t.Fatalf("third run: %v", err)
	}
	third := requestLines(fx.fake.takeRequests())
	wantThird := []string{
		"200 orgs/acme/repos?type=all&sort=full_name&per_page=100", // acme/api's pushed_at moved
		"304 organizations/9919/repos?page=2&per_page=100&sort=full_name&type=all",
		"304 repos/partner/lib",
		"200 repos/acme/api/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"200 repos/acme/api/pulls/2/reviews?per_page=100", // only #2 changed
		"200 repositories/101/pulls/2/reviews?page=2&per_page=100",
		"200 repos/acme/api/commits?per_page=100", // stops at the last commit seen
		"304 repos/acme/api/pulls/comments?sort=updated&direction=desc&per_page=100",
		"200 repos/acme/api/issues/comments?sort=updated&direction=desc&per_page=100",
		// The first page ends with the comment at the cursor itself, which is
		// read again in case another was updated in the same second.
		"200 repositories/101/issues/comments?direction=desc&page=2&per_page=100&sort=updated",
		"304 repos/acme/web/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"304 repos/acme/web/pulls/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/acme/web/issues/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/pulls?state=all&sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/pulls/comments?sort=updated&direction=desc&per_page=100",
		"304 repos/partner/lib/issues/comments?sort=updated&direction=desc&per_page=100",
	}
	if diff := cmp.Diff(wantThird, third); diff != "" {
		t.Errorf("third run requests (-want +got):\n%s", diff)
	}
	if stats.Inserted != 3 {
		t.Errorf("third run inserted %d events, want 3 (a review, a comment, a commit); stats %+v", stats.Inserted, stats)
	}
	counts, _ = fx.db.EventCountsByIdentity(ctx, "")
	if got := counts["github:carol"]["review"]; got != 3 {
		t.Errorf("carol's reviews = %d, want 3", got)
	}
	if got := counts["github:bob"]["issue_comment"]; got != 2 {
		t.Errorf("bob's issue comments = %d, want 2", got)
	}
	if got := counts["email:bob@acme.test"]["commit"]; got != 2 {
		t.Errorf("bob's commits = %d, want 2", got)
	}
	if strings.Contains(fx.logs.String(), testToken) {
		t.Error("the token is in the logs")
	}
}

func errorsAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}
