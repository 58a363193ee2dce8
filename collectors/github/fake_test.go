package github

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fake GitHub answers like the REST API does: JSON rendered from
// testdata/ (examples of the REST reference), Link pagination whose next
// URLs use /repositories/{id}/... as GitHub's do, weak ETags and 304s that
// do not count against the X-RateLimit-* quota, 401 without the token. It is
// mounted under /api/v3/ like GitHub Enterprise: a request anywhere else
// fails the test.

const apiPrefix = "/api/v3/"

type fakeUser struct {
	Login string
	Bot   bool // GitHub's "type": "Bot"
}

type fakeReview struct {
	ID        int64
	User      *fakeUser
	State     string
	Submitted time.Time // zero for PENDING
	NoBody    bool      // the review has no text (GitHub's container of a standalone diff comment)
}

type fakePull struct {
	ID                   int64
	Number               int
	User                 *fakeUser
	Created, Updated     time.Time
	Closed, Merged       time.Time // zero when not
	MergedBy             *fakeUser
	Additions, Deletions int
	Reviews              []fakeReview
}

type fakeComment struct {
	ID               int64
	User             *fakeUser
	Created, Updated time.Time
}

type fakeCommit struct {
	SHA            string
	AuthorEmail    string
	Author         *fakeUser // the GitHub account GitHub ties the email to; nil when none
	CommitterEmail string
	Committer      *fakeUser
	Date           time.Time
}

type fakeRepo struct {
	ID             int64
	FullName       string
	Fork, Archived bool
	CloneURL       string
	DefaultBranch  string
	PushedAt       time.Time
	Pulls          []*fakePull
	ReviewComments []*fakeComment
	IssueComments  []*fakeComment
	Commits        []fakeCommit // newest first, as GitHub lists them
	Empty          bool         // no commits: the commit list answers 409
}

// fault replaces the answer to matching requests, times times (-1: always).
type fault struct {
	match   func(*http.Request) bool
	times   int
	respond func(w http.ResponseWriter, r *http.Request)
}

type fakeRequest struct {
	Path   string // after /api/v3/, with the query
	Status int
}

type fakeGitHub struct {
	t        *testing.T
	srv      *httptest.Server
	token    string
	clock    *fakeClock
	pageSize int // the largest page served, whatever per_page asks

	mu        sync.Mutex
	orgs      map[string][]*fakeRepo
	orgIDs    map[string]int64
	repos     []*fakeRepo
	faults    []*fault
	requests  []fakeRequest
	remaining int // of the hourly quota, which renews at resetAt
	resetAt   time.Time
	gitAuth   []string // Authorization headers git sent to /git/
}

func newFakeGitHub(t *testing.T, token string, clock *fakeClock) *fakeGitHub {
	f := &fakeGitHub{t: t, token: token, clock: clock, pageSize: 100, orgs: map[string][]*fakeRepo{}, orgIDs: map[string]int64{}, remaining: 5000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) addOrg(org string, repos ...*fakeRepo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.ToLower(org)
	if _, ok := f.orgIDs[key]; !ok {
		f.orgIDs[key] = 9919 + int64(len(f.orgIDs)) // GitHub's octo-org is 9919
	}
	f.orgs[key] = append(f.orgs[key], repos...)
	f.repos = append(f.repos, repos...)
}

func (f *fakeGitHub) addRepo(r *fakeRepo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos = append(f.repos, r)
}

// clearFaults removes every injected fault.
func (f *fakeGitHub) clearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

func (f *fakeGitHub) inject(times int, match func(*http.Request) bool, respond func(http.ResponseWriter, *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{match: match, times: times, respond: respond})
}

// takeRequests returns the requests since the last call.
func (f *fakeGitHub) takeRequests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/git/") {
		f.mu.Lock()
		f.gitAuth = append(f.gitAuth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		http.Error(w, "no git here", http.StatusInternalServerError)
		return
	}
	if !strings.HasPrefix(r.URL.Path, apiPrefix) {
		f.t.Errorf("request outside %s: %s %s", apiPrefix, r.Method, r.URL)
		http.NotFound(w, r)
		return
	}
	rel := strings.TrimPrefix(r.URL.RequestURI(), apiPrefix)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		f.mu.Lock()
		f.requests = append(f.requests, fakeRequest{Path: rel, Status: rec.status})
		f.mu.Unlock()
	}()
	if r.Method != http.MethodGet {
		f.t.Errorf("%s %s: only GET is expected", r.Method, rel)
	}
	if !strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.github") || r.Header.Get("X-GitHub-Api-Version") == "" {
		f.t.Errorf("%s: Accept %q, X-GitHub-Api-Version %q", rel, r.Header.Get("Accept"), r.Header.Get("X-GitHub-Api-Version"))
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.writeError(rec, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	f.mu.Lock()
	f.renewQuota()
	if f.remaining == 0 {
		reset := f.resetAt
		f.mu.Unlock()
		primaryLimit(http.StatusForbidden, reset)(rec, r)
		return
	}
	var hit *fault
	for _, ft := range f.faults {
		if ft.times != 0 && ft.match(r) {
			hit = ft
			if ft.times > 0 {
				ft.times--
			}
			break
		}
	}
	f.mu.Unlock()
	if hit != nil {
		hit.respond(rec, r)
		return
	}
	f.route(rec, r, strings.TrimPrefix(r.URL.Path, apiPrefix))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

var (
	orgReposPath  = regexp.MustCompile(`^(?:orgs/([^/]+)|organizations/(\d+))/repos$`)
	repoPath      = regexp.MustCompile(`^repos/([^/]+/[^/]+)$`)
	repoChildPath = regexp.MustCompile(`^(?:repos/([^/]+/[^/]+)|repositories/(\d+))/(.+)$`)
	pullPath      = regexp.MustCompile(`^pulls/(\d+)$`)
	reviewsPath   = regexp.MustCompile(`^pulls/(\d+)/reviews$`)
)

func (f *fakeGitHub) route(w http.ResponseWriter, r *http.Request, path string) {
	if m := orgReposPath.FindStringSubmatch(path); m != nil {
		org := m[1]
		if m[2] != "" {
			org = f.orgByID(m[2])
		}
		repos, ok := f.orgs[strings.ToLower(org)]
		if !ok {
			f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#list-organization-repositories")
			return
		}
		f.expectQuery(r, "type", "all", "sort", "full_name")
		repos = slices.Clone(repos)
		slices.SortFunc(repos, func(a, b *fakeRepo) int {
			return strings.Compare(strings.ToLower(a.FullName), strings.ToLower(b.FullName))
		})
		items := make([]any, len(repos))
		for i, rp := range repos {
			items[i] = f.renderRepo(rp)
		}
		f.writePage(w, r, fmt.Sprintf("organizations/%d/repos", f.orgIDs[strings.ToLower(org)]), items)
		return
	}
	if m := repoPath.FindStringSubmatch(path); m != nil {
		rp := f.repoByName(m[1])
		if rp == nil {
			f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
			return
		}
		f.writeJSON(w, r, f.renderRepo(rp))
		return
	}
	m := repoChildPath.FindStringSubmatch(path)
	if m == nil {
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	var rp *fakeRepo
	if m[1] != "" {
		rp = f.repoByName(m[1])
	} else {
		id, _ := strconv.ParseInt(m[2], 10, 64)
		rp = f.repoByID(id)
	}
	if rp == nil {
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	child := m[3]
	base := fmt.Sprintf("repositories/%d/%s", rp.ID, child)
	switch {
	case child == "pulls":
		f.expectQuery(r, "state", "all", "sort", "updated", "direction", "desc")
		pulls := slices.Clone(rp.Pulls)
		slices.SortStableFunc(pulls, func(a, b *fakePull) int { return b.Updated.Compare(a.Updated) })
		items := make([]any, len(pulls))
		for i, p := range pulls {
			items[i] = f.renderPull(rp, p, false)
		}
		f.writePage(w, r, base, items)
	case pullPath.MatchString(child):
		n, _ := strconv.Atoi(pullPath.FindStringSubmatch(child)[1])
		for _, p := range rp.Pulls {
			if p.Number == n {
				f.writeJSON(w, r, f.renderPull(rp, p, true))
				return
			}
		}
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
	case reviewsPath.MatchString(child):
		n, _ := strconv.Atoi(reviewsPath.FindStringSubmatch(child)[1])
		for _, p := range rp.Pulls {
			if p.Number == n {
				items := make([]any, len(p.Reviews))
				for i, rv := range p.Reviews {
					items[i] = f.renderReview(rp, p, rv)
				}
				f.writePage(w, r, base, items)
				return
			}
		}
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/pulls/reviews#list-reviews-for-a-pull-request")
	case child == "pulls/comments":
		f.expectQuery(r, "sort", "updated", "direction", "desc")
		f.writePage(w, r, base, f.renderComments(rp, "review_comment.json", rp.ReviewComments))
	case child == "issues/comments":
		f.expectQuery(r, "sort", "updated", "direction", "desc")
		f.writePage(w, r, base, f.renderComments(rp, "issue_comment.json", rp.IssueComments))
	case child == "commits":
		if rp.Empty {
			f.writeError(w, http.StatusConflict, "Git Repository is empty.", "https://docs.github.com/rest/commits/commits#list-commits")
			return
		}
		items := make([]any, len(rp.Commits))
		for i, c := range rp.Commits {
			items[i] = f.renderCommit(rp, c)
		}
		f.writePage(w, r, base, items)
	default:
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	}
}

func (f *fakeGitHub) expectQuery(r *http.Request, kv ...string) {
	q := r.URL.Query()
	for i := 0; i < len(kv); i += 2 {
		if got := q.Get(kv[i]); got != kv[i+1] {
			f.t.Errorf("%s: %s=%q, want %q", r.URL.RequestURI(), kv[i], got, kv[i+1])
		}
	}
}

func (f *fakeGitHub) orgByID(id string) string {
	for org, n := range f.orgIDs {
		if strconv.FormatInt(n, 10) == id {
			return org
		}
	}
	return ""
}

func (f *fakeGitHub) repoByName(full string) *fakeRepo {
	for _, rp := range f.repos {
		if strings.EqualFold(rp.FullName, full) {
			return rp
		}
	}
	return nil
}

func (f *fakeGitHub) repoByID(id int64) *fakeRepo {
	for _, rp := range f.repos {
		if rp.ID == id {
			return rp
		}
	}
	return nil
}

// writePage serves one page of items: page and per_page from the query
// (per_page capped at pageSize), Link to the next, last, first and previous
// pages under base, as GitHub does.
func (f *fakeGitHub) writePage(w http.ResponseWriter, r *http.Request, base string, items []any) {
	q := r.URL.Query()
	size := f.pageSize
	if pp, err := strconv.Atoi(q.Get("per_page")); err == nil && pp > 0 && pp < size {
		size = pp
	}
	pageNo := 1
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
		pageNo = p
	}
	last := max((len(items)+size-1)/size, 1)
	from, to := min((pageNo-1)*size, len(items)), min(pageNo*size, len(items))
	link := func(n int, rel string) string {
		q.Set("page", strconv.Itoa(n))
		return fmt.Sprintf(`<%s%s%s?%s>; rel="%s"`, f.srv.URL, apiPrefix, base, q.Encode(), rel)
	}
	var links []string
	if pageNo < last {
		links = append(links, link(pageNo+1, "next"), link(last, "last"))
	}
	if pageNo > 1 {
		links = append(links, link(1, "first"), link(pageNo-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	f.writeJSON(w, r, items[from:to])
}

func (f *fakeGitHub) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	etag := fmt.Sprintf(`W/"%x"`, sum[:16])
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=60, s-maxage=60")
	w.Header().Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	if r.Header.Get("If-None-Match") == etag {
		f.rateHeaders(w, false)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.rateHeaders(w, true)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

func (f *fakeGitHub) writeError(w http.ResponseWriter, status int, message, doc string) {
	f.rateHeaders(w, status != http.StatusUnauthorized)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q,"documentation_url":%q,"status":"%d"}`, message, doc, status)
}

// renewQuota starts a new hourly window once the last one is over.
// Callers hold f.mu.
func (f *fakeGitHub) renewQuota() {
	now := f.clock.Now()
	if f.resetAt.IsZero() {
		f.resetAt = now.Add(time.Hour)
	}
	if !now.Before(f.resetAt) {
		f.remaining, f.resetAt = 5000, now.Add(time.Hour)
	}
}

// setQuota leaves n requests in the current window.
func (f *fakeGitHub) setQuota(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewQuota()
	f.remaining = n
}

// rateHeaders sets X-RateLimit-*; a counted request uses one unit.
func (f *fakeGitHub) rateHeaders(w http.ResponseWriter, counted bool) {
	f.mu.Lock()
	f.renewQuota()
	if counted && f.remaining > 0 {
		f.remaining--
	}
	remaining, reset := f.remaining, f.resetAt
	f.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(5000-remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Request-Id", "CAFE:F00D:1234567:89ABCDE:65A0B1C2")
}

// primaryLimit answers like an exhausted hourly quota that resets at reset.
func primaryLimit(status int, reset time.Time) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", "5000")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("X-RateLimit-Resource", "core")
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID CAFE:F00D:1234567:89ABCDE:65A0B1C2.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit","status":"`+strconv.Itoa(status)+`"}`)
	}
}

// secondaryLimit answers like a secondary rate limit; retryAfter "" sends
// no Retry-After header.
func secondaryLimit(status int, retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Remaining", "4000")
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID CAFE:F00D:1234567:89ABCDE:65A0B1C2.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"`+strconv.Itoa(status)+`"}`)
	}
}

func badGateway(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
}

// pathIs matches requests whose path (after /api/v3/) is p, and whose
// query, if q is given, contains q.
func pathIs(p string, q ...string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if strings.TrimPrefix(r.URL.Path, apiPrefix) != p {
			return false
		}
		for _, s := range q {
			if !strings.Contains(r.URL.RawQuery, s) {
				return false
			}
		}
		return true
	}
}

// Rendering: testdata templates with the fake's values put in.

var (
	templatesOnce sync.Once
	templates     map[string]map[string]any
)

func template(t *testing.T, name string) map[string]any {
	templatesOnce.Do(func() {
		templates = map[string]map[string]any{}
		paths, _ := filepath.Glob("testdata/*.json")
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				panic(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				panic(fmt.Sprintf("%s: %v", p, err))
			}
			templates[filepath.Base(p)] = m
		}
	})
	m, ok := templates[name]
	if !ok {
		t.Fatalf("no testdata/%s", name)
	}
	var out map[string]any
	b, _ := json.Marshal(m)
	json.Unmarshal(b, &out)
	return out
}

// rewrite replaces old by new in every string of v.
func rewrite(v any, old, new string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewrite(e, old, new)
		}
	case []any:
		for i, e := range x {
			x[i] = rewrite(e, old, new)
		}
	case string:
		return strings.ReplaceAll(x, old, new)
	}
	return v
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func userID(login string) int64 {
	h := sha256.Sum256([]byte(login))
	return int64(h[0])<<16 | int64(h[1])<<8 | int64(h[2]) + 1
}

func (f *fakeGitHub) renderUser(u *fakeUser, kind string) any {
	if u == nil {
		return nil
	}
	m := template(f.t, "user.json")
	rewrite(m, "octocat", u.Login)
	rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
	m["id"] = userID(u.Login)
	m["type"] = kind
	if u.Bot {
		m["type"] = "Bot"
	}
	return m
}

func (f *fakeGitHub) renderRepo(rp *fakeRepo) map[string]any {
	m := template(f.t, "repository.json")
	rewrite(m, "octocat/Hello-World", rp.FullName)
	rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
	owner, name, _ := strings.Cut(rp.FullName, "/")
	m["id"] = rp.ID
	m["name"] = name
	m["owner"] = f.renderUser(&fakeUser{Login: owner}, "Organization")
	m["fork"] = rp.Fork
	m["archived"] = rp.Archived
	m["clone_url"] = rp.CloneURL
	m["default_branch"] = rp.DefaultBranch
	m["pushed_at"] = ts(rp.PushedAt)
	return m
}

func (f *fakeGitHub) renderPull(rp *fakeRepo, p *fakePull, full bool) map[string]any {
	name := "pull_request_simple.json"
	if full {
		name = "pull_request.json"
	}
	m := template(f.t, name)
	rewrite(m, "octocat/Hello-World", rp.FullName)
	rewrite(m, "1347", strconv.Itoa(p.Number))
	rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
	m["id"] = p.ID
	m["number"] = p.Number
	m["user"] = f.renderUser(p.User, "User")
	m["created_at"] = ts(p.Created)
	m["updated_at"] = ts(p.Updated)
	m["closed_at"] = ts(p.Closed)
	m["merged_at"] = ts(p.Merged)
	m["state"] = "open"
	if !p.Closed.IsZero() {
		m["state"] = "closed"
	}
	for _, side := range []string{"head", "base"} {
		s := m[side].(map[string]any)
		s["user"] = f.renderUser(p.User, "User")
		s["repo"] = f.renderRepo(rp)
	}
	if full {
		m["merged"] = !p.Merged.IsZero()
		m["merged_by"] = f.renderUser(p.MergedBy, "User")
		m["additions"] = p.Additions
		m["deletions"] = p.Deletions
	}
	return m
}

func (f *fakeGitHub) renderReview(rp *fakeRepo, p *fakePull, rv fakeReview) map[string]any {
	m := template(f.t, "review.json")
	rewrite(m, "octocat/Hello-World", rp.FullName)
	rewrite(m, "/pull/12", "/pull/"+strconv.Itoa(p.Number))
	rewrite(m, "/pulls/12", "/pulls/"+strconv.Itoa(p.Number))
	rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
	m["id"] = rv.ID
	m["user"] = f.renderUser(rv.User, "User")
	m["state"] = rv.State
	if rv.NoBody {
		m["body"] = ""
	}
	if rv.Submitted.IsZero() {
		delete(m, "submitted_at") // pending reviews have none
	} else {
		m["submitted_at"] = ts(rv.Submitted)
	}
	return m
}

func (f *fakeGitHub) renderComments(rp *fakeRepo, tmpl string, cs []*fakeComment) []any {
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b *fakeComment) int { return b.Updated.Compare(a.Updated) })
	out := make([]any, len(cs))
	for i, c := range cs {
		m := template(f.t, tmpl)
		rewrite(m, "octocat/Hello-World", rp.FullName)
		rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
		m["id"] = c.ID
		m["user"] = f.renderUser(c.User, "User")
		m["created_at"] = ts(c.Created)
		m["updated_at"] = ts(c.Updated)
		out[i] = m
	}
	return out
}

func (f *fakeGitHub) renderCommit(rp *fakeRepo, c fakeCommit) map[string]any {
	m := template(f.t, "commit.json")
	rewrite(m, "octocat/Hello-World", rp.FullName)
	rewrite(m, "6dcb09b5b57875f334f61aebed695e2e4193db5e", c.SHA)
	rewrite(m, "https://api.github.com/", f.srv.URL+apiPrefix)
	cm := m["commit"].(map[string]any)
	author := cm["author"].(map[string]any)
	author["email"], author["date"] = c.AuthorEmail, ts(c.Date)
	committer := cm["committer"].(map[string]any)
	committer["email"], committer["date"] = c.CommitterEmail, ts(c.Date)
	m["author"] = f.renderUser(c.Author, "User")
	m["committer"] = f.renderUser(c.Committer, "User")
	return m
}

// fakeClock is the collector's clock; sleeping moves it on at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) takeSleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.sleeps
	c.sleeps = nil
	return out
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Real git repositories for the fake's clone_url.

type plannedCommit struct {
	Name, Email string
	Date        string // RFC 3339 with the offset the author worked in
	Login       string // the account GitHub ties the email to; "" when none
	Files       map[string]string
}

// gitRepo builds a repository in dir with the planned commits, oldest
// first, and returns them as GitHub lists them (newest first) with their
// SHAs. The repository allows partial clones over file://, as GitHub does.
func gitRepo(t *testing.T, dir string, commits []plannedCommit) []fakeCommit {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	runGit(t, dir, nil, "init", "--quiet", "--initial-branch=main")
	runGit(t, dir, nil, "config", "uploadpack.allowFilter", "true")
	runGit(t, dir, nil, "config", "uploadpack.allowAnySHA1InWant", "true")
	var out []fakeCommit
	for _, c := range commits {
		out = append([]fakeCommit{gitCommit(t, dir, c)}, out...)
	}
	return out
}

// gitCommit adds one commit, dated as planned, to the repository in dir.
func gitCommit(t *testing.T, dir string, c plannedCommit) fakeCommit {
	t.Helper()
	for name, content := range c.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		runGit(t, dir, nil, "add", name)
	}
	env := []string{
		"GIT_AUTHOR_NAME=" + c.Name, "GIT_AUTHOR_EMAIL=" + c.Email, "GIT_AUTHOR_DATE=" + c.Date,
		"GIT_COMMITTER_NAME=" + c.Name, "GIT_COMMITTER_EMAIL=" + c.Email, "GIT_COMMITTER_DATE=" + c.Date,
	}
	runGit(t, dir, env, "commit", "--quiet", "--allow-empty", "-m", "change")
	date, err := time.Parse(time.RFC3339, c.Date)
	if err != nil {
		t.Fatal(err)
	}
	var u *fakeUser
	if c.Login != "" {
		u = &fakeUser{Login: c.Login}
	}
	return fakeCommit{SHA: runGit(t, dir, nil, "rev-parse", "HEAD"), AuthorEmail: c.Email, Author: u, CommitterEmail: c.Email, Committer: u, Date: date}
}

func runGit(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: dir}).String()
}
