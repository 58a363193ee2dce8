package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jira "github.com/andygrunwald/go-jira"

	"github.com/overtime-project/overtime/internal/httpretry"
)

// Retry bounds, for the shared retry policy (internal/httpretry).
const (
	firstBackoff  = time.Second
	maxBackoff    = 30 * time.Second
	maxRetryAfter = 5 * time.Minute // a longer wait fails the run instead of stalling it
	maxBodyBytes  = 64 << 20        // a search page of 100 tickets with their histories is far smaller
)

// session is one Collect: the clients and what Jira told about itself.
type session struct {
	c          *Collector
	deployment string
	anon, auth *jira.Client
	runStart   time.Time

	zone       *time.Location // the API user's zone, in which JQL reads dates
	zoneKnown  bool
	categoryOf map[string]string // status id → category key
	categoryBy map[string]string // status name → category key
	points     string            // story points field id, "" for none
	userNames  map[string]string // Data Center user key → username
	warnings   *warnings
	redact     *httpretry.Redactor // the credentials, kept out of every error
}

// httpClient sends requests through the shared retry policy
// (internal/httpretry), over auth (which adds the credentials) when not
// nil, over the configured transport. The configured client's Timeout
// bounds each attempt; the waits between attempts are bounded apart.
func (c *Collector) httpClient(auth func(http.RoundTripper) http.RoundTripper) *http.Client {
	base := http.DefaultTransport
	timeout := DefaultTimeout
	if c.opts.HTTPClient != nil {
		if c.opts.HTTPClient.Transport != nil {
			base = c.opts.HTTPClient.Transport
		}
		if c.opts.HTTPClient.Timeout > 0 {
			timeout = c.opts.HTTPClient.Timeout
		}
	}
	rt := base
	if auth != nil {
		rt = auth(base)
	}
	return &http.Client{
		Transport: &httpretry.Transport{
			Base:          rt,
			Service:       "jira " + c.site,
			MaxRetries:    c.opts.MaxAttempts - 1,
			MaxWait:       maxRetryAfter,
			BackoffBase:   firstBackoff,
			BackoffCap:    maxBackoff,
			RateLimitBase: firstBackoff,
			Timeout:       timeout,
			MaxBody:       maxBodyBytes,
			Redact:        c.redactor(),
			Now:           c.opts.Now,
			Sleep:         c.opts.Sleep,
			Log:           c.opts.Logger,
		},
		// The auth transports add the credentials to every request, so a
		// redirect to another host would carry them there.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("refusing a redirect from %s to another host", via[0].URL.Host)
			}
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

// redactor knows the credentials in every form they are sent: the token
// (a bearer token on Data Center), the email and "email:token" (basic
// auth on Cloud, base64-encoded on the wire).
func (c *Collector) redactor() *httpretry.Redactor {
	secrets := []string{c.opts.Token}
	if c.opts.User != "" {
		secrets = append(secrets, httpretry.BasicCredential(c.opts.User, c.opts.Token), c.opts.User)
	}
	return httpretry.NewRedactor(secrets...)
}

func (c *Collector) newAPI(hc *http.Client) *jira.Client {
	api, err := jira.NewClient(hc, c.base.String())
	if err != nil {
		panic(err) // the URL was parsed in New
	}
	return api
}

// connect learns what it talks to: the deployment (unless configured), the
// API user's time zone, the statuses' categories and the story points field.
func (c *Collector) connect(ctx context.Context) (*session, error) {
	s := &session{
		c:          c,
		deployment: c.opts.Deployment,
		runStart:   c.opts.Now().UTC(),
		zone:       time.UTC,
		categoryOf: map[string]string{},
		categoryBy: map[string]string{},
		userNames:  map[string]string{},
		warnings:   newWarnings(),
		redact:     c.redactor(),
	}
	s.anon = c.newAPI(c.httpClient(nil))
	if s.deployment == "" {
		d, err := s.detect(ctx)
		if err != nil {
			return nil, err
		}
		s.deployment = d
		c.opts.Logger.Info("jira deployment detected", "url", c.site, "deployment", d)
	}
	if s.deployment == DeploymentCloud {
		if c.opts.User == "" {
			return nil, fmt.Errorf("jira %s is Jira Cloud, which needs the account's email: set %s", c.site, c.opts.UserEnv)
		}
		s.auth = c.newAPI(c.httpClient(func(rt http.RoundTripper) http.RoundTripper {
			return &jira.BasicAuthTransport{Username: c.opts.User, Password: c.opts.Token, Transport: rt}
		}))
	} else {
		s.auth = c.newAPI(c.httpClient(func(rt http.RoundTripper) http.RoundTripper {
			return &jira.PATAuthTransport{Token: c.opts.Token, Transport: rt}
		}))
	}

	var me jira.User
	if err := s.get(ctx, s.auth, "rest/api/2/myself", nil, &me); err != nil {
		return nil, err
	}
	if loc, err := time.LoadLocation(me.TimeZone); err == nil && me.TimeZone != "" {
		s.zone, s.zoneKnown = loc, true
	} else {
		c.opts.Logger.Warn("jira: the API user's time zone is unknown; asking with a 14-hour margin instead",
			"url", c.site, "time_zone", me.TimeZone)
	}

	var statuses []jira.Status
	if err := s.get(ctx, s.auth, "rest/api/2/status", nil, &statuses); err != nil {
		if errors.Is(err, ErrAuth) || ctx.Err() != nil {
			return nil, err
		}
		c.opts.Logger.Warn("jira: cannot list statuses; status history falls back to the categories tickets show", "url", c.site, "err", err)
	}
	for _, st := range statuses {
		s.categoryOf[st.ID] = st.StatusCategory.Key
		s.categoryBy[st.Name] = st.StatusCategory.Key
	}

	if f := strings.TrimSpace(c.opts.StoryPointsField); f != "" {
		if err := s.resolvePointsField(ctx, f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// detect asks serverInfo, which Jira answers without credentials.
func (s *session) detect(ctx context.Context) (string, error) {
	var info struct {
		DeploymentType string `json:"deploymentType"`
	}
	if err := s.get(ctx, s.anon, "rest/api/2/serverInfo", nil, &info); err != nil {
		return "", fmt.Errorf("jira %s: detect the deployment (or set it to %s or %s): %w",
			s.c.site, DeploymentCloud, DeploymentDataCenter, err)
	}
	switch strings.ToLower(info.DeploymentType) {
	case "cloud":
		return DeploymentCloud, nil
	case "server", "datacenter":
		return DeploymentDataCenter, nil
	}
	return "", fmt.Errorf("jira %s: unknown deploymentType %q in serverInfo: set the deployment to %s or %s",
		s.c.site, info.DeploymentType, DeploymentCloud, DeploymentDataCenter)
}

func (s *session) resolvePointsField(ctx context.Context, want string) error {
	var fields []jira.Field
	if err := s.get(ctx, s.auth, "rest/api/2/field", nil, &fields); err != nil {
		if errors.Is(err, ErrAuth) || ctx.Err() != nil {
			return err
		}
		// Without the list, trust an id as configured.
		s.c.opts.Logger.Warn("jira: cannot list fields to check the story points field", "url", s.c.site, "field", want, "err", err)
		if strings.HasPrefix(want, "customfield_") {
			s.points = want
		}
		return nil
	}
	for _, f := range fields {
		if f.ID == want {
			s.points = f.ID
			return nil
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, want) {
			s.points = f.ID
			return nil
		}
	}
	s.c.opts.Logger.Warn("jira: story points field not found; tickets are stored without story points", "url", s.c.site, "field", want)
	return nil
}

// statusError is a non-2xx answer other than 401/403.
type statusError struct {
	path     string
	code     int
	messages []string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("GET %s: %d %s", e.path, e.code, http.StatusText(e.code))
	if len(e.messages) > 0 {
		msg += ": " + strings.Join(e.messages, "; ")
	}
	return msg
}

// decodeError is an answer whose JSON does not have the expected shape (a
// field of another type, a date Jira should not have written).
type decodeError struct {
	path string
	err  error
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("GET %s: unexpected JSON: %v", e.path, e.err)
}

func statusCode(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}

// jiraMessages reads the errorMessages and errors of a Jira error body.
func jiraMessages(body []byte) []string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	out := e.ErrorMessages
	for k, v := range e.Errors {
		out = append(out, k+": "+v)
	}
	const max = 3
	if len(out) > max {
		out = out[:max]
	}
	for i, m := range out {
		if len(m) > 300 {
			out[i] = m[:300] + "…"
		}
	}
	return out
}

func (s *session) authError(path string, code int, h http.Header) error {
	var hint string
	if s.deployment == DeploymentCloud {
		hint = fmt.Sprintf("check the account email in %s and the API token in %s (Jira Cloud uses basic auth)", s.c.opts.UserEnv, s.c.opts.TokenEnv)
	} else {
		hint = fmt.Sprintf("check the personal access token in %s (Jira Data Center uses a bearer token)", s.c.opts.TokenEnv)
	}
	if code == http.StatusForbidden {
		hint += ", and that the account may browse these projects"
	}
	if reason := h.Get("X-Seraph-LoginReason"); reason != "" {
		hint += " (login reason: " + reason + ")"
	}
	return fmt.Errorf("%w: %s answered %d %s to GET %s: %s", ErrAuth, s.c.site, code, http.StatusText(code), path, hint)
}

// get fetches one JSON document and decodes it into v. The retry policy
// (429 honouring Retry-After, 5xx, network errors and bodies cut short,
// with a bounded exponential backoff) is the transport's; 401/403 fail at
// once with ErrAuth. Every error is free of the credentials.
func (s *session) get(ctx context.Context, api *jira.Client, path string, q url.Values, v any) error {
	return s.redact.Error(s.getOnce(ctx, api, path, q, v))
}

func (s *session) getOnce(ctx context.Context, api *jira.Client, path string, q url.Values, v any) error {
	ref := path
	if len(q) > 0 {
		ref += "?" + q.Encode()
	}
	req, err := api.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return fmt.Errorf("jira %s: GET %s: %w", s.c.site, path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := api.Do(req, nil)
	if resp == nil || resp.Response == nil {
		if ctx.Err() != nil {
			return fmt.Errorf("jira %s: GET %s: %w", s.c.site, path, ctx.Err())
		}
		var rl *httpretry.RateLimitError
		if errors.As(err, &rl) {
			return fmt.Errorf("GET %s: %w", path, rl)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the whole URL
		}
		return fmt.Errorf("jira %s: GET %s: %w", s.c.site, path, err)
	}
	body, readErr := io.ReadAll(resp.Body) // bounded by the transport
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return s.authError(path, code, resp.Header)
	case code < 200 || code > 299:
		failure := &statusError{path: path, code: code, messages: jiraMessages(body)}
		if httpretry.IsRetryableStatus(code) {
			return fmt.Errorf("jira %s: giving up after %d attempts: %w", s.c.site, s.c.opts.MaxAttempts, failure)
		}
		return fmt.Errorf("jira %s: %w", s.c.site, failure)
	case readErr != nil:
		return fmt.Errorf("jira %s: GET %s: read body: %w", s.c.site, path, readErr)
	}
	if err := json.Unmarshal(body, v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			// A proxy's error page, say.
			return fmt.Errorf("jira %s: GET %s: malformed JSON: %w", s.c.site, path, err)
		}
		// Well-formed JSON of another shape.
		return fmt.Errorf("jira %s: %w", s.c.site, &decodeError{path: path, err: err})
	}
	return nil
}
