package github

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// checkCounts compares the GitHub events per person with want.
func checkCounts(t *testing.T, fx *fixture, want map[string]map[string]int) {
	t.Helper()
	got, err := fx.db.EventCountsByIdentity(t.Context(), Source)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("github events per person (-want +got):\n%s", diff)
	}
}

// without returns want less the given kinds of some identities.
func without(want map[string]map[string]int, identityKinds ...string) map[string]map[string]int {
	out := map[string]map[string]int{}
	for id, kinds := range want {
		out[id] = maps.Clone(kinds)
	}
	for _, ik := range identityKinds {
		id, kind, _ := strings.Cut(ik, " ")
		out[id][kind]--
		if out[id][kind] == 0 {
			delete(out[id], kind)
		}
		if len(out[id]) == 0 {
			delete(out, id)
		}
	}
	return out
}

func TestPrimaryRateLimitWaitsForReset(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			reset := fx.clock.Now().Add(10 * time.Minute)
			fx.fake.inject(1, pathIs("repos/acme/api/pulls"), primaryLimit(status, reset))
			if _, err := fx.collect(t); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{10*time.Minute + time.Second}, fx.clock.takeSleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			checkCounts(t, fx, wantCounts)
		})
	}
}

// When the quota runs out and resets only after MaxRateLimitWait, the run
// stops at once, says when to retry, keeps its cursors, and the run after
// the reset collects exactly what an uninterrupted one would have.
func TestPrimaryRateLimitBeyondMaxWaitStops(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	reset := fx.clock.Now().Add(2 * time.Hour)
	fx.fake.inject(1, pathIs("repos/acme/web/pulls"), primaryLimit(http.StatusForbidden, reset))
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	rl, ok := errorsAs[*RateLimitError](err)
	if !ok || !rl.Reset.Equal(reset) || rl.Secondary {
		t.Fatalf("error %v: want a primary *RateLimitError resetting at %s", err, reset)
	}
	for _, want := range []string{"acme/web", "2026-03-02T14:00:00Z", "run again", "stopped at acme/web, repository 2 of 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	reqs := fx.fake.takeRequests()
	if last := reqs[len(reqs)-1]; last.Status != http.StatusForbidden {
		t.Errorf("requests went on after the limit: last %v", last)
	}
	if s := fx.clock.takeSleeps(); len(s) != 0 {
		t.Errorf("slept %v; the reset is beyond MaxRateLimitWait", s)
	}
	if _, ok, _ := fx.db.GetCursor(t.Context(), Source, "acme/web/pulls"); ok {
		t.Error("the cursor of the interrupted resource moved")
	}

	fx.clock.advance(2 * time.Hour)
	if _, err := fx.collect(t); err != nil {
		t.Fatalf("run after the reset: %v", err)
	}
	checkCounts(t, fx, wantCounts)
}

// A response that spends the last of the quota holds the next request back
// until the reset: nothing is sent only to be refused.
func TestExhaustedQuotaWaitsBeforeSending(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.opts.MaxRateLimitWait = 2 * time.Hour
	fx.fake.setQuota(3)
	if _, err := fx.collect(t); err != nil {
		t.Fatal(err)
	}
	for _, r := range fx.fake.takeRequests() {
		if r.Status == http.StatusForbidden {
			t.Errorf("a request was refused: %v", r)
		}
	}
	if s := fx.clock.takeSleeps(); len(s) != 1 || s[0] != time.Hour+time.Second {
		t.Errorf("sleeps %v, want one until the reset, an hour on", s)
	}
	checkCounts(t, fx, wantCounts)

	// With the config's default of 15 minutes, the run stops without
	// sending more.
	fx2 := newFixture(t)
	fx2.fake.setQuota(3)
	_, err := fx2.collect(t)
	if _, ok := errorsAs[*RateLimitError](err); !ok {
		t.Fatalf("error %v, want a *RateLimitError", err)
	}
	if n := len(fx2.fake.takeRequests()); n != 3 {
		t.Errorf("%d requests sent, want 3 (the quota)", n)
	}
}

func TestSecondaryRateLimitBacksOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request)
		want    time.Duration
	}{
		{"429 with Retry-After", secondaryLimit(http.StatusTooManyRequests, "30"), 30 * time.Second},
		{"403 with Retry-After", secondaryLimit(http.StatusForbidden, "120"), 2 * time.Minute},
		{"403 pointing at the secondary-limit docs", secondaryLimit(http.StatusForbidden, ""), time.Minute},
		{"429 alone", secondaryLimit(http.StatusTooManyRequests, ""), time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			fx.fake.inject(1, pathIs("repos/acme/api/pulls/comments"), tc.respond)
			if _, err := fx.collect(t); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, fx.clock.takeSleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			checkCounts(t, fx, wantCounts)
		})
	}

	t.Run("Retry-After beyond MaxRateLimitWait", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		fx.fake.inject(1, pathIs("repos/acme/api/pulls/comments"), secondaryLimit(http.StatusTooManyRequests, "3600"))
		_, err := fx.collect(t)
		rl, ok := errorsAs[*RateLimitError](err)
		if !ok || !rl.Secondary || !rl.Reset.Equal(fx.clock.Now().Add(time.Hour)) {
			t.Fatalf("error %v, want a secondary *RateLimitError an hour on", err)
		}
	})
}

func TestServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.fake.inject(2, pathIs("repos/acme/api/issues/comments"), badGateway)
	if _, err := fx.collect(t); err != nil {
		t.Fatal(err)
	}
	sleeps := fx.clock.takeSleeps()
	if len(sleeps) != 2 || sleeps[0] < 500*time.Millisecond || sleeps[0] > time.Second || sleeps[1] < time.Second || sleeps[1] > 2*time.Second {
		t.Errorf("backoff %v, want two: within [0.5s,1s] then [1s,2s]", sleeps)
	}
	checkCounts(t, fx, wantCounts)
}

// A resource that keeps failing fails alone: the repository's other
// resources and the other repositories are read, the run reports the
// failure, and the next run fills the gap.
func TestPersistentServerErrorFailsOneResource(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.fake.inject(-1, pathIs("repos/acme/api/issues/comments"), badGateway)
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	want := "github repository acme/api: issue comments: GET /api/v3/repos/acme/api/issues/comments?sort=updated&direction=desc&per_page=100: 502 Bad Gateway"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not say %q", err, want)
	}
	if n := len(fx.clock.takeSleeps()); n != 4 {
		t.Errorf("%d retries, want 4", n)
	}
	checkCounts(t, fx, without(wantCounts, "github:carol issue_comment", "github:bob issue_comment"))
	if _, ok, _ := fx.db.GetCursor(t.Context(), Source, "acme/api/issues/comments"); ok {
		t.Error("the failed resource's cursor moved")
	}

	fx.fake.clearFaults()
	if _, err := fx.collect(t); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, fx, wantCounts)
}

// When GitHub keeps failing, the run stops after a few resources instead of
// spending every resource's retries.
func TestGitHubDownStopsSource(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.fake.inject(-1, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, apiPrefix+"repos/acme/") }, badGateway)
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"github keeps failing to answer: 5 resources in a row", "stopped at acme/web, repository 2 of 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
	if n := len(fx.clock.takeSleeps()); n != 5*4 {
		t.Errorf("%d backoffs, want 4 for each of 5 resources", n)
	}
	for _, r := range fx.fake.takeRequests() {
		if strings.Contains(r.Path, "partner/lib/") {
			t.Errorf("went on after GitHub was found down: %s", r.Path)
		}
	}
}

// Malformed answers fail the resource with an error that names the
// repository and the endpoint; what was committed before stays, the cursor
// does not move, and the next run completes the data without duplicates.
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request)
		want    string
	}{
		{"truncated", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, `[{"id": 9003, "number": 3, "updated_at": "2026-02`)
		}, "malformed response: unexpected EOF"},
		{"an object for a list", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, `{"message": "Moved Permanently"}`)
		}, "malformed response: json: cannot unmarshal object"},
		{"a timestamp that is none", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, `[{"id": 9003, "number": 3, "updated_at": "yesterday"}]`)
		}, "malformed response"},
		{"a Link to another host", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", `<https://evil.example/api/v3/repositories/101/pulls?page=3>; rel="next"`)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprint(w, `[]`)
		}, "refusing to follow a Link to another origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			fx.fake.inject(1, pathIs("repositories/101/pulls", "page=2"), tc.respond)
			_, err := fx.collect(t)
			if err == nil {
				t.Fatal("no error")
			}
			prefix := "github repository acme/api: pull requests: GET /api/v3/repositories/101/pulls?direction=desc&page=2"
			if !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant %q ... %q", err, prefix, tc.want)
			}
			if strings.Count(err.Error(), "github repository") != 1 {
				t.Errorf("more than one failure: %v", err)
			}
			// The first page (#2, #6) is in; the rest and the cursor are not.
			prs, _ := fx.db.PullRequestsByID(t.Context(), []int64{9001, 9002, 9003, 9006})
			if len(prs) != 2 || prs[9002].ID == 0 || prs[9006].ID == 0 {
				t.Errorf("pull requests stored: %v, want #2 and #6 only", prs)
			}
			if _, ok, _ := fx.db.GetCursor(t.Context(), Source, "acme/api/pulls"); ok {
				t.Error("the cursor moved")
			}
			if _, err := fx.collect(t); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, fx, wantCounts)
		})
	}
}

func TestMissingRepositories(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.opts.Repos = append(fx.opts.Repos, "partner/gone")
	// acme/web was deleted after the organisation listed it.
	fx.fake.inject(-1, func(r *http.Request) bool {
		return strings.HasPrefix(r.URL.Path, apiPrefix+"repos/acme/web/") && !strings.HasSuffix(r.URL.Path, "/commits")
	}, func(w http.ResponseWriter, r *http.Request) {
		fx.fake.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/pulls#list-pull-requests")
	})
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"github repository partner/gone: GET /api/v3/repos/partner/gone: 404 Not Found: Not Found (deleted, renamed, or invisible to the token)",
		"github repository acme/web: pull requests: GET /api/v3/repos/acme/web/pulls?state=all&sort=updated&direction=desc&per_page=100: 404 Not Found",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
	for _, r := range fx.fake.takeRequests() {
		if strings.Contains(r.Path, "acme/web/pulls/comments") || strings.Contains(r.Path, "acme/web/issues") {
			t.Errorf("went on reading a deleted repository: %s", r.Path)
		}
	}
	checkCounts(t, fx, without(wantCounts, "github:carol pr_opened", "github:carol pr_merged"))
}

func TestBadToken(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.opts.Token = "ghp_revokedtoken0000000000000000000000"
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	want := "github organisation acme: GET /api/v3/orgs/acme/repos?type=all&sort=full_name&per_page=100: 401 Unauthorized: Bad credentials (the token is missing, expired or revoked)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not say %q", err, want)
	}
	if n := len(fx.fake.takeRequests()); n != 1 {
		t.Errorf("%d requests; a refused token should stop the source at once", n)
	}
	if strings.Contains(err.Error(), fx.opts.Token) {
		t.Error("the token is in the error")
	}
}

// The token is sent to the API and to git, and to nothing and nobody else:
// not in git's argv, not in any log line at debug level, not in any error.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := t.TempDir()
	argvLog := filepath.Join(dir, "argv.log")
	wrapper := filepath.Join(dir, "git")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + argvLog + "'\nexec git \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	fx.opts.GitBinary = wrapper
	// A repository cloned over HTTP from the fake, which refuses it.
	fx.fake.addOrg("acme", &fakeRepo{ID: 105, FullName: "acme/broken", CloneURL: fx.fake.srv.URL + "/git/acme/broken.git",
		DefaultBranch: "main", PushedAt: at("2026-02-01T00:00:00Z")})
	fx.fake.inject(1, pathIs("repos/acme/api/pulls/comments"), secondaryLimit(http.StatusForbidden, "5"))
	fx.fake.inject(-1, pathIs("repos/acme/web/issues/comments"), badGateway)
	fx.fake.inject(1, pathIs("repos/partner/lib/pulls"), func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "{") })
	_, err := fx.collect(t)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"acme/broken: commits: git clone", "acme/web: issue comments", "partner/lib: pull requests"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + testToken))
	argv, _ := os.ReadFile(argvLog)
	if len(argv) == 0 {
		t.Fatal("the git wrapper never ran")
	}
	for name, text := range map[string]string{"error": err.Error(), "logs": fx.logs.String(), "git argv": string(argv)} {
		if strings.Contains(text, testToken) || strings.Contains(text, basic) {
			t.Errorf("the token is in the %s:\n%s", name, text)
		}
	}
	if !strings.Contains(fx.logs.String(), "level=WARN") {
		t.Error("the logs hold no warnings: the check above proves little")
	}
	fx.fake.mu.Lock()
	gitAuth := fx.fake.gitAuth
	fx.fake.mu.Unlock()
	if len(gitAuth) == 0 || gitAuth[0] != "Basic "+basic {
		t.Errorf("git sent Authorization %q, want the token as Basic credentials", gitAuth)
	}
}

// The redaction of errors is the last line: check it works.
func TestRedact(t *testing.T) {
	t.Parallel()
	c := &Collector{opts: Options{Token: "s3cret"}}
	err := c.redact(fmt.Errorf("wrapped: %w", &APIError{Endpoint: "GET /x?t=s3cret", Status: 404, Message: basicCredential("s3cret")}))
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), basicCredential("s3cret")) {
		t.Errorf("not redacted: %v", err)
	}
	if statusOf(err) != 404 {
		t.Error("redaction lost the error chain")
	}
}

// An attempt that gets no answer in RequestTimeout is retried.
func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	// Long enough that no answering request times out on a loaded machine
	// (200 ms did, and backed off twice); the hanging one waits 10 s.
	fx.opts.RequestTimeout = 2 * time.Second
	fx.fake.inject(1, pathIs("repos/acme/web/pulls"), func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	if _, err := fx.collect(t); err != nil {
		t.Fatal(err)
	}
	if n := len(fx.clock.takeSleeps()); n != 1 {
		t.Errorf("%d backoffs, want 1", n)
	}
	checkCounts(t, fx, wantCounts)
}

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{CacheDir: "/c"}, "no orgs and no repos"},
		{Options{Repos: []string{"acme"}, CacheDir: "/c"}, `"acme" is not owner/name`},
		{Options{Repos: []string{"acme/../../etc"}, CacheDir: "/c"}, "is not owner/name"},
		{Options{Orgs: []string{"a/b"}, CacheDir: "/c"}, `invalid organisation "a/b"`},
		{Options{Orgs: []string{"acme"}}, "cache_dir is required"},
		{Options{Orgs: []string{"acme"}, CacheDir: "/c", BaseURL: "ftp://ghe"}, "not an http(s) URL"},
	} {
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error saying %q", tc.opts, err, tc.want)
		}
	}
	c, err := New(Options{Orgs: []string{"acme"}, CacheDir: "/c"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.api.gh.BaseURL.String(); got != "https://api.github.com/" {
		t.Errorf("base URL %s, want github.com's", got)
	}
	if c.host != "github.com" {
		t.Errorf("clone host %q, want github.com", c.host)
	}
	c, err = New(Options{Orgs: []string{"acme"}, CacheDir: "/c", BaseURL: "https://ghe.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.api.gh.BaseURL.String(); got != "https://ghe.example.com/api/v3/" {
		t.Errorf("base URL %s, want GitHub Enterprise's /api/v3/", got)
	}
}

// A server or proxy that echoes the request's Authorization header in a
// 400 body, or sends a huge one: the error and the logs (at debug level,
// as with -v) carry no trace of the token, and the body is read only up to
// the shared policy's error-body limit.
func TestEchoedCredentialsAndHugeErrorBodies(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.fake.inject(-1, pathIs("repos/acme/api/pulls/comments"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message":"Problems parsing request; Authorization: %s; token %s","documentation_url":"https://docs.github.com/rest"}`,
			r.Header.Get("Authorization"), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})
	fx.fake.inject(-1, pathIs("repos/acme/api/issues/comments"), func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 300 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	_, err := fx.collect(t)
	if err == nil || !strings.Contains(err.Error(), "Authorization: Bearer [REDACTED]; token [REDACTED]") {
		t.Fatalf("error %v: want the 400 with the credential redacted", err)
	}
	// The huge body is a plain 400, not a body too large to read, retried.
	if !strings.Contains(err.Error(), "issues/comments?sort=updated&direction=desc&per_page=100: 400 Bad Request") {
		t.Errorf("error %v: want the huge body's 400", err)
	}
	for where, text := range map[string]string{"error": err.Error(), "logs": fx.logs.String()} {
		for _, secret := range []string{testToken, basicCredential(testToken)} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds the token:\n%s", where, text)
			}
		}
		if strings.Contains(text, strings.Repeat("x", 64<<10+1)) {
			t.Errorf("the %s holds more than 64 KiB of the error body", where)
		}
	}
}
