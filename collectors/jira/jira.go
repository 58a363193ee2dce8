// Package jira collects Jira tickets into the store: the facts and the
// status and assignee history the ticket load is built from, and the
// activity of people on them (tickets created, transitions, comments,
// worklogs) as events. It talks to Jira Cloud (/rest/api/2/search/jql, email
// and API token) and to Data Center (/rest/api/2/search, personal access
// token). Summaries, descriptions, comment and worklog text are never stored.
package jira

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/store"
)

// Source is the name Jira events and cursors are stored under.
const Source = "jira"

// Kinds of event the collector writes.
const (
	KindTicketCreated = "ticket_created"
	KindTransition    = "ticket_transition"
	KindComment       = "ticket_comment"
	KindWorklog       = "worklog"
)

// Deployments, as Options.Deployment names them.
const (
	DeploymentCloud      = "cloud"
	DeploymentDataCenter = "datacenter"
)

// Defaults of Options.
const (
	DefaultPageSize    = 100
	DefaultOverlap     = 5 * time.Minute
	DefaultMaxAttempts = 6
	DefaultTimeout     = time.Minute // per request, when Options.HTTPClient sets none
)

// ErrAuth says Jira refused the credentials (401) or the account's access (403).
var ErrAuth = errors.New("jira refused the credentials")

// Options configure a Collector. The caller reads the secrets from the
// environment variables the config names and passes them in User and Token;
// the collector never logs them, and names only the variables in its errors.
type Options struct {
	URL   string // the site, e.g. https://acme.atlassian.net or https://jira.example.com/jira
	User  string // Cloud: the account's email; unused by Data Center
	Token string // Cloud: API token; Data Center: personal access token

	// UserEnv and TokenEnv are the names of the variables User and Token came
	// from, for messages. Defaults JIRA_USER and JIRA_TOKEN.
	UserEnv, TokenEnv string

	JQL string // which tickets; "" means every ticket the account can see
	// Since is how far back the first run reaches (by `updated`); zero means
	// one year before Now. Later runs continue from the stored cursor.
	Since time.Time
	// Deployment is DeploymentCloud or DeploymentDataCenter; "" detects it
	// from /rest/api/2/serverInfo.
	Deployment string
	// StoryPointsField is the field holding story points: an id such as
	// customfield_10016, or the field's name ("Story Points"); "" for none.
	StoryPointsField string
	// Bots are identity patterns (see identity.IsBot) whose activity is not
	// recorded as events; Cloud app accounts never are.
	Bots []string

	PageSize int           // tickets per search page; default DefaultPageSize
	Overlap  time.Duration // how far before the cursor the next run asks from; default DefaultOverlap
	// ReconcileEvery is how often the listing of every ticket the JQL
	// returns runs, to find tickets deleted or moved out of it: 0 every run,
	// negative never.
	ReconcileEvery time.Duration
	MaxAttempts    int // tries per request on 429, 5xx and network errors; default DefaultMaxAttempts

	HTTPClient *http.Client // its Transport and Timeout are used; nil means the default transport
	Now        func() time.Time
	// Sleep waits between retries; it returns early with ctx's error.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Collector reads the tickets the JQL returns into the store.
type Collector struct {
	opts Options
	base *url.URL // the site, with a trailing slash
	site string   // the site for messages, without any user info
}

var _ collectors.Collector = (*Collector)(nil)

// New checks the options and fills in their defaults.
func New(opts Options) (*Collector, error) {
	if opts.UserEnv == "" {
		opts.UserEnv = "JIRA_USER"
	}
	if opts.TokenEnv == "" {
		opts.TokenEnv = "JIRA_TOKEN"
	}
	if strings.TrimSpace(opts.URL) == "" {
		return nil, errors.New("jira: url is empty")
	}
	base, err := url.Parse(strings.TrimSpace(opts.URL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("jira: url %q is not an http(s) URL", redact(opts.URL))
	}
	if base.User != nil {
		return nil, fmt.Errorf("jira: url %q must not carry credentials: pass them in %s and %s", redact(opts.URL), opts.UserEnv, opts.TokenEnv)
	}
	base.RawQuery, base.Fragment = "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	switch d := strings.ToLower(opts.Deployment); d {
	case "", DeploymentCloud, DeploymentDataCenter:
		opts.Deployment = d
	default:
		return nil, fmt.Errorf("jira: deployment %q is neither %q nor %q", opts.Deployment, DeploymentCloud, DeploymentDataCenter)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("jira %s: no token: set %s", redact(opts.URL), opts.TokenEnv)
	}
	if opts.Deployment == DeploymentCloud && opts.User == "" {
		return nil, fmt.Errorf("jira %s: Jira Cloud needs the account's email: set %s", redact(opts.URL), opts.UserEnv)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Overlap <= 0 {
		opts.Overlap = DefaultOverlap
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	site := strings.TrimSuffix(base.String(), "/")
	return &Collector{opts: opts, base: base, site: site}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redact drops any user info from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	u.User = nil
	return u.String()
}

// Source implements collectors.Collector.
func (c *Collector) Source() string { return Source }

// CursorScope is the scope of the collector's cursor: the site and the
// JQL, so that a changed JQL starts over from Since.
func (c *Collector) CursorScope() string { return c.site + " " + strings.TrimSpace(c.opts.JQL) }

// Collect reads every ticket updated since the cursor (Since on the first
// run), page by page: each page, its tickets complete with their history,
// their events and the cursor, is one transaction. The cursor is the
// highest `updated` stored, so a run that fails halfway resumes after the
// last page stored. Then, when due, it lists every ticket the JQL returns
// and marks the stored ones no longer there as gone. Stats count events:
// read (the overlap with the previous run included) and new.
func (c *Collector) Collect(ctx context.Context, db *store.DB) (collectors.Stats, error) {
	var stats collectors.Stats
	s, err := c.connect(ctx)
	if err != nil {
		return stats, err
	}
	stats, err = s.sync(ctx, db)
	s.reportWarnings()
	if err != nil {
		return stats, err
	}
	if err := s.reconcileIfDue(ctx, db); err != nil {
		return stats, err
	}
	return stats, nil
}
