package github

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/storetest"
)

// requestKind names the endpoint a request went to.
func requestKind(path string) string {
	p, _, _ := strings.Cut(path, "?")
	for _, k := range []struct {
		re   *regexp.Regexp
		name string
	}{
		{regexp.MustCompile(`^(orgs|organizations)/[^/]+/repos$`), "org repository list"},
		{regexp.MustCompile(`/commits$`), "commit list (email-login links)"},
		{regexp.MustCompile(`/pulls$`), "pull request list"},
		{regexp.MustCompile(`/pulls/\d+$`), "pull request (merged_by)"},
		{regexp.MustCompile(`/pulls/\d+/reviews$`), "reviews, per pull request"},
		{regexp.MustCompile(`/pulls/comments$`), "review comments"},
		{regexp.MustCompile(`/issues/comments$`), "issue comments"},
	} {
		if k.re.MatchString(p) {
			return k.name
		}
	}
	return p
}

var requestKinds = []string{
	"org repository list", "commit list (email-login links)", "pull request list", "pull request (merged_by)",
	"reviews, per pull request", "review comments", "issue comments",
}

type tally struct{ sent, notModified int }

func tallyRequests(reqs []fakeRequest) (map[string]tally, tally) {
	by := map[string]tally{}
	var total tally
	for _, r := range reqs {
		k := requestKind(r.Path)
		t := by[k]
		t.sent++
		total.sent++
		if r.Status == http.StatusNotModified {
			t.notModified++
			total.notModified++
		}
		by[k] = t
	}
	return by, total
}

// TestRequestBudget200Repos runs the collector twice over a fake
// organisation of 200 repositories and prints the requests each run made
// (go test -run RequestBudget -v), with what GraphQL would have cost. It
// asserts the second run's budget: one conditional request per repository
// and resource, every one a 304, which GitHub does not count.
//
// Each repository has four pull requests updated since Since (two merged,
// with two reviews and one; one open with a review; one closed), three
// review comments, five issue comments and ten commits. Clones are left out:
// git traffic is no API request.
func TestRequestBudget200Repos(t *testing.T) {
	if testing.Short() {
		t.Skip("200 repositories")
	}
	t.Parallel()
	const repos = 200
	clock := &fakeClock{now: at("2026-03-02T12:00:00Z")}
	fake := newFakeGitHub(t, testToken, clock)
	day := func(d int) time.Time { return at("2026-02-01T10:00:00Z").AddDate(0, 0, d) }
	for i := range repos {
		id := int64(1000 + i)
		rp := &fakeRepo{ID: id, FullName: fmt.Sprintf("big/service-%03d", i), CloneURL: "https://git.invalid/x.git",
			DefaultBranch: "main", PushedAt: day(20)}
		n := int64(i * 100)
		rp.Pulls = []*fakePull{
			{ID: n + 1, Number: 1, User: alice, Created: day(1), Updated: day(2), Closed: day(2), Merged: day(2), MergedBy: bob,
				Reviews: []fakeReview{{ID: n + 1, User: bob, State: "APPROVED", Submitted: day(2)}, {ID: n + 2, User: carol, State: "COMMENTED", Submitted: day(2)}}},
			{ID: n + 2, Number: 2, User: bob, Created: day(3), Updated: day(4), Closed: day(4), Merged: day(4), MergedBy: alice,
				Reviews: []fakeReview{{ID: n + 3, User: alice, State: "APPROVED", Submitted: day(4)}}},
			{ID: n + 3, Number: 3, User: carol, Created: day(5), Updated: day(6),
				Reviews: []fakeReview{{ID: n + 4, User: alice, State: "CHANGES_REQUESTED", Submitted: day(6)}}},
			{ID: n + 4, Number: 4, User: alice, Created: day(7), Updated: day(8), Closed: day(8)},
		}
		for j := range int64(3) {
			rp.ReviewComments = append(rp.ReviewComments, &fakeComment{ID: n + j, User: bob, Created: day(int(j)), Updated: day(int(j))})
		}
		for j := range int64(5) {
			rp.IssueComments = append(rp.IssueComments, &fakeComment{ID: n + j, User: carol, Created: day(int(j)), Updated: day(int(j))})
		}
		for j := range 10 {
			rp.Commits = append(rp.Commits, fakeCommit{SHA: fmt.Sprintf("%040x", int(n)+j), AuthorEmail: "alice@acme.test", Author: alice,
				CommitterEmail: "alice@acme.test", Committer: alice, Date: day(20 - j)})
		}
		fake.addOrg("big", rp)
	}
	db := storetest.Open(t)
	restore, err := db.Collecting(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer restore(t.Context())
	opts := Options{
		BaseURL: fake.srv.URL, Token: testToken, Orgs: []string{"big"}, Since: at("2026-01-01T00:00:00Z"),
		CacheDir: t.TempDir(), HTTPClient: fake.srv.Client(), Now: clock.Now, Sleep: clock.Sleep,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	collect := func() {
		t.Helper()
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		c.skipClones = true
		if _, err := c.Collect(t.Context(), db); err != nil {
			t.Fatal(err)
		}
	}

	collect()
	first, firstTotal := tallyRequests(fake.takeRequests())
	clock.advance(24 * time.Hour)
	collect()
	second, secondTotal := tallyRequests(fake.takeRequests())

	var b strings.Builder
	fmt.Fprintf(&b, "requests over an organisation of %d repositories (sent / of which 304):\n", repos)
	fmt.Fprintf(&b, "  %-34s %14s %14s\n", "endpoint", "first run", "second run")
	for _, k := range requestKinds {
		fmt.Fprintf(&b, "  %-34s %8d / %3d %8d / %3d\n", k, first[k].sent, first[k].notModified, second[k].sent, second[k].notModified)
	}
	fmt.Fprintf(&b, "  %-34s %8d / %3d %8d / %3d\n", "total", firstTotal.sent, firstTotal.notModified, secondTotal.sent, secondTotal.notModified)
	fmt.Fprintf(&b, "  rate-limit units used: first run %d, second run %d\n",
		firstTotal.sent-firstTotal.notModified, secondTotal.sent-secondTotal.notModified)
	// GraphQL: one query per repository asks for its pull requests (first:
	// 100, by updated_at) with mergedBy and reviews(first: 100) inside,
	// costing (1 + 100) / 100 ≈ 1 point. It replaces the pull request list,
	// the per-pull-request fetches of merged_by and the per-pull-request
	// review lists; comments and commits stay REST. GraphQL has no
	// conditional requests, so an unchanged repository still costs a query.
	prREST := first["pull request list"].sent + first["pull request (merged_by)"].sent + first["reviews, per pull request"].sent
	fmt.Fprintf(&b, "  GraphQL, first run: the %d REST requests for pull request lists, mergers and reviews would be %d queries\n"+
		"    (one per repository: pullRequests(first:100){mergedBy, reviews(first:100)}, ~1 point each)\n", prREST, repos)
	fmt.Fprintf(&b, "  GraphQL, second run: no conditional requests, so the %d free 304s would be %d queries of ~1 point\n"+
		"    (or, batched %d repositories to a query by alias, ~%d points in %d queries)\n",
		second["pull request list"].sent, repos, 100, max(repos/100, 1), max(repos/100, 1))
	t.Log("\n" + b.String())

	// The budget: per repository, pull requests, review comments and issue
	// comments, one conditional request each; the commit list only when
	// pushed_at moved (it did not); the organisation's two pages.
	if want := (tally{sent: 2 + 3*repos, notModified: 2 + 3*repos}); secondTotal != want {
		t.Errorf("second run: %+v, want %+v", secondTotal, want)
	}
	wantFirst := map[string]int{
		"org repository list":             2,
		"commit list (email-login links)": repos,
		"pull request list":               repos,
		"pull request (merged_by)":        2 * repos,
		"reviews, per pull request":       4 * repos,
		"review comments":                 repos,
		"issue comments":                  repos,
	}
	for k, n := range wantFirst {
		if first[k].sent != n {
			t.Errorf("first run, %s: %d requests, want %d", k, first[k].sent, n)
		}
	}
}
