// Package github collects activity from GitHub (or GitHub Enterprise):
// pull requests opened and merged, reviews, review comments and issue
// comments, each as an event of the person who did it, plus the pull
// requests themselves for counting open work, and links between git emails
// and logins. Commit times come from a bare clone per repository read by the
// git collector, because only git keeps the offset a commit was made in.
// Only ids, logins and timestamps are kept: never titles, bodies or messages.
//
// Runs are incremental and cheap: per repository and resource a cursor holds
// the newest updated_at seen and the ETag of the first page, so an unchanged
// repository costs one conditional request per resource, answered 304, which
// GitHub does not count against the rate limit.
package github

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/internal/httpretry"
	"github.com/overtime-project/overtime/store"
)

// Source is the name GitHub events and cursors are stored under. Commits
// read from the clones are stored by the git collector, under its source, so
// a commit seen both in a local clone and through GitHub is one event.
const Source = "github"

// Event kinds. Each event's ID is GitHub's numeric id of the thing, in
// decimal: the pull request's for pr_opened and pr_merged, the review's,
// the comment's.
const (
	KindPullRequestOpened = "pr_opened"      // author, at created_at
	KindPullRequestMerged = "pr_merged"      // merged_by, at merged_at
	KindReview            = "review"         // reviewer, at submitted_at (pending reviews left out)
	KindReviewComment     = "review_comment" // author, at created_at
	KindIssueComment      = "issue_comment"  // author, at created_at (issues and pull requests)
)

// Options configure a Collector.
type Options struct {
	// BaseURL is GitHub Enterprise's URL ("https://ghe.example.com/"; the
	// /api/v3/ suffix is added when missing); "" means github.com.
	BaseURL string
	// Token authenticates every request and clone; "" makes anonymous
	// requests. It never appears in logs or errors.
	Token string
	// Orgs are organisations whose repositories are all read, except the
	// archived ones and, unless IncludeForks, forks.
	Orgs []string
	// Repos are further repositories, "owner/name".
	Repos        []string
	IncludeForks bool
	// Since is how far back the first run reaches; zero means one year
	// before it. Later runs go on from their cursors.
	Since time.Time
	// CacheDir holds a bare clone of each repository (required).
	CacheDir string
	// MaxRateLimitWait is the longest the collector waits for a rate limit
	// to reset before stopping with an error that says when to retry; zero
	// never waits. (The config's default is 15 minutes.)
	MaxRateLimitWait time.Duration
	// Bots are patterns of logins to leave out (see identity.IsBot), on top
	// of GitHub's own bot accounts.
	Bots []string

	// HTTPClient sends the requests (its Transport, Jar and redirect
	// policy; not its Timeout, see RequestTimeout); nil means a client with
	// sane timeouts.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done; nil means a timer. Tests
	// replace it so that nothing really waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// GitBinary is the git executable; "" means "git" on PATH.
	GitBinary string
	// MaxRetries bounds retries of 5xx answers, network failures and
	// secondary rate limits per request; zero means 4.
	MaxRetries int
	// RequestTimeout bounds one attempt, body included; zero means a minute.
	RequestTimeout time.Duration
}

// Collector reads GitHub into the store.
type Collector struct {
	opts      Options
	api       *api
	transport *httpretry.Transport
	host      string // the cache directory's first level
	// gitOrigin is where clones may come from with the token: the API's
	// scheme, host and port, or https://github.com for api.github.com.
	gitOrigin *url.URL
	log       *slog.Logger
	git       *git.Collector
	// skipClones leaves out cloning and reading commits; the request-budget
	// test uses it, since git traffic is not API requests.
	skipClones bool
}

var _ collectors.Collector = (*Collector)(nil)

var repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// validRepoName accepts "owner/name" as GitHub spells them, and nothing that
// could climb out of the cache directory.
func validRepoName(full string) bool {
	owner, name, _ := strings.Cut(full, "/")
	return repoName.MatchString(full) && owner != "." && owner != ".." && name != "." && name != ".."
}

// New checks the options and builds a Collector.
func New(opts Options) (*Collector, error) {
	if len(opts.Orgs) == 0 && len(opts.Repos) == 0 {
		return nil, errors.New("github: no orgs and no repos to read")
	}
	for _, org := range opts.Orgs {
		if org == "" || strings.ContainsAny(org, "/?#% ") {
			return nil, fmt.Errorf("github: orgs: invalid organisation %q", org)
		}
	}
	for _, r := range opts.Repos {
		if !validRepoName(r) {
			return nil, fmt.Errorf("github: repos: %q is not owner/name", r)
		}
	}
	if opts.CacheDir == "" {
		return nil, errors.New("github: cache_dir is required: it holds the clones commits are read from")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	opts.MaxRateLimitWait = max(opts.MaxRateLimitWait, 0)
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 4
	}
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, defaultAttemptTime)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	log = log.With("source", Source)

	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	}
	// A client-wide timeout would cut short the waits for rate limits,
	// which happen inside the transport; RequestTimeout bounds each attempt.
	hc.Timeout = 0
	base := hc.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = opts.RequestTimeout
		base = t
	}
	client := gh.NewClient(nil)
	if opts.BaseURL != "" {
		var err error
		client, err = client.WithEnterpriseURLs(opts.BaseURL, opts.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("github: base_url %q: %w", opts.BaseURL, err)
		}
		if client.BaseURL.Scheme != "https" && client.BaseURL.Scheme != "http" || client.BaseURL.Host == "" {
			return nil, fmt.Errorf("github: base_url %q: not an http(s) URL", opts.BaseURL)
		}
	}
	client.UserAgent = "overtime"
	origin := &url.URL{Scheme: client.BaseURL.Scheme, Host: client.BaseURL.Host}
	opts.Logger = log
	tr := newTransport(base, opts, origin, redactor(opts.Token))
	hc.Transport = tr
	host := strings.ToLower(client.BaseURL.Hostname())
	gitOrigin := &url.URL{Scheme: strings.ToLower(origin.Scheme), Host: strings.ToLower(origin.Host)}
	if gitOrigin.Scheme == "https" && gitOrigin.Port() == "443" || gitOrigin.Scheme == "http" && gitOrigin.Port() == "80" {
		gitOrigin.Host = gitOrigin.Hostname()
	}
	if host == "api.github.com" {
		host = "github.com"
		gitOrigin = &url.URL{Scheme: "https", Host: "github.com"}
	}
	return &Collector{
		opts:      opts,
		api:       &api{gh: client, http: &hc, origin: origin},
		transport: tr,
		host:      host,
		gitOrigin: gitOrigin,
		log:       log,
		git:       &git.Collector{GitBinary: opts.GitBinary},
	}, nil
}

// Source implements collectors.Collector.
func (c *Collector) Source() string { return Source }

// Requests reports the requests made so far.
func (c *Collector) Requests() RequestStats { return c.transport.Stats() }

// run is one Collect: the collector, the store, and where this run starts.
type run struct {
	*Collector
	db          *store.DB
	since       time.Time
	unavailable int // resources in a row that GitHub failed to answer
}

// Collect lists the repositories and reads each one. A failing repository
// is reported and the others go on; a rate limit that outlasts
// MaxRateLimitWait, or a token GitHub refuses, stops the run at once. Every
// failure is in the returned (joined) error, which never holds the token.
func (c *Collector) Collect(ctx context.Context, db *store.DB) (collectors.Stats, error) {
	since := c.opts.Since
	if since.IsZero() {
		since = c.opts.Now().AddDate(-1, 0, 0)
	}
	r := &run{Collector: c, db: db, since: since.UTC()}
	start := c.transport.Stats()
	var total collectors.Stats
	repos, errs := r.repositories(ctx)
	stopped := ctx.Err() != nil || slicesAny(errs, stopsSource)
	for i, repo := range repos {
		if stopped {
			break
		}
		s, err := r.repository(ctx, repo)
		total.Read += s.Read
		total.Inserted += s.Inserted
		total.Skipped += s.Skipped
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil || stopsSource(err) {
				errs = append(errs, fmt.Errorf("github: stopped at %s, repository %d of %d; the next run goes on from the stored cursors",
					repo.FullName, i+1, len(repos)))
				stopped = true
			}
		}
	}
	end := c.transport.Stats()
	c.log.Info("github collection done", "repositories", len(repos), "read", total.Read, "inserted", total.Inserted,
		"requests", end.Sent-start.Sent, "not_modified", end.NotModified-start.NotModified,
		"retries", end.Retries-start.Retries, "rate_limit_waits", end.RateLimitWaits-start.RateLimitWaits,
		"rate_limit_remaining", end.Remaining, "failures", len(errs))
	return total, c.redact(errors.Join(errs...))
}

func slicesAny(errs []error, f func(error) bool) bool {
	for _, err := range errs {
		if f(err) {
			return true
		}
	}
	return false
}

// repositories lists what to read: each org's repositories, less archived
// ones and forks, then the explicit ones; each once.
func (r *run) repositories(ctx context.Context) ([]store.GitHubRepository, []error) {
	var out []store.GitHubRepository
	var errs []error
	seen := map[string]bool{}
	add := func(repo store.GitHubRepository) {
		if key := strings.ToLower(repo.FullName); !seen[key] {
			seen[key] = true
			out = append(out, repo)
		}
	}
	for _, org := range r.opts.Orgs {
		repos, err := r.orgRepositories(ctx, org)
		if err != nil {
			errs = append(errs, fmt.Errorf("github organisation %s: %w", org, err))
			if ctx.Err() != nil || stopsSource(err) {
				return nil, errs
			}
			continue
		}
		for _, repo := range repos {
			switch {
			case repo.Archived:
				r.log.Debug("skipping archived repository", "repo", repo.FullName)
			case repo.Fork && !r.opts.IncludeForks:
				r.log.Debug("skipping fork", "repo", repo.FullName)
			default:
				add(repo)
			}
		}
	}
	for _, full := range r.opts.Repos {
		repo, err := r.explicitRepository(ctx, full)
		if err != nil {
			errs = append(errs, fmt.Errorf("github repository %s: %w", full, err))
			if ctx.Err() != nil || stopsSource(err) {
				return nil, errs
			}
			continue
		}
		add(repo)
	}
	return out, errs
}

// orgRepositories pages through an organisation's repositories. Each page's
// answer is kept with its ETag, so that an unchanged page costs a 304.
func (r *run) orgRepositories(ctx context.Context, org string) ([]store.GitHubRepository, error) {
	var out []store.GitHubRepository
	u := fmt.Sprintf("orgs/%s/repos?type=all&sort=full_name&per_page=%d", url.PathEscape(org), perPage)
	for n := 1; u != ""; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("more than %d pages of repositories", maxPages)
		}
		listing := fmt.Sprintf("orgs/%s/repos#%d", strings.ToLower(org), n)
		repos, next, err := listingOf(ctx, r, listing, u, func(p []*gh.Repository) []*gh.Repository { return p })
		if err != nil {
			return nil, err
		}
		out = append(out, repos...)
		u = next
	}
	return out, nil
}

func (r *run) explicitRepository(ctx context.Context, full string) (store.GitHubRepository, error) {
	owner, name, _ := strings.Cut(full, "/")
	listing := "repos/" + strings.ToLower(full)
	repos, _, err := listingOf(ctx, r, listing, fmt.Sprintf("repos/%s/%s", url.PathEscape(owner), url.PathEscape(name)),
		func(repo *gh.Repository) []*gh.Repository { return []*gh.Repository{repo} })
	if err != nil {
		return store.GitHubRepository{}, err
	}
	if len(repos) != 1 {
		return store.GitHubRepository{}, fmt.Errorf("GET repos/%s/%s: no repository in the answer", owner, name)
	}
	return repos[0], nil
}

// listingOf fetches one listing of repositories conditionally: on a 304 the
// stored answer stands, and so does the stored next page.
func listingOf[T any](ctx context.Context, r *run, listing, u string, items func(T) []*gh.Repository) ([]store.GitHubRepository, string, error) {
	cur, ok, err := r.db.GetCursor(ctx, Source, listing)
	if err != nil {
		return nil, "", err
	}
	etag := ""
	if ok {
		etag = cur.ETag
	}
	var answer T
	p, err := r.api.get(ctx, u, etag, &answer)
	if err != nil {
		return nil, "", err
	}
	if p.notModified {
		repos, err := r.db.GitHubRepositories(ctx, listing)
		return repos, cur.Position, err
	}
	var repos []store.GitHubRepository
	for _, repo := range items(answer) {
		if repo == nil {
			continue
		}
		if !validRepoName(repo.GetFullName()) {
			return nil, "", fmt.Errorf("%s: unexpected repository name %q", u, repo.GetFullName())
		}
		repos = append(repos, store.GitHubRepository{
			FullName:      repo.GetFullName(),
			CloneURL:      repo.GetCloneURL(),
			DefaultBranch: repo.GetDefaultBranch(),
			Fork:          repo.GetFork(),
			Archived:      repo.GetArchived() || repo.GetDisabled(),
			PushedAt:      repo.GetPushedAt().Time,
		})
	}
	err = r.db.ReplaceGitHubRepositories(ctx, listing, repos, store.Cursor{Source: Source, Scope: listing, Position: p.next, ETag: p.etag})
	return repos, p.next, err
}

// redact takes the token, raw and as git's Basic credential, out of err's
// message (httpretry.Redactor). Nothing is known to put it there; this is
// the last line.
func (c *Collector) redact(err error) error { return redactor(c.opts.Token).Error(err) }

// redactor knows the token raw and in the Basic credential git sends.
func redactor(token string) *httpretry.Redactor {
	if token == "" {
		return httpretry.NewRedactor()
	}
	return httpretry.NewRedactor(token, "x-access-token:"+token)
}

// basicCredential is what git sends for the token over HTTP Basic auth.
func basicCredential(token string) string {
	return base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
}
