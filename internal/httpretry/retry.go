// Package httpretry is the one HTTP retry policy of the collectors that
// talk to web APIs (GitHub, Jira): what is retried and how long to wait
// (exponential backoff with jitter, 5xx, 429 and Retry-After in seconds or
// as an HTTP date, GitHub's secondary rate limit, an X-RateLimit-Remaining
// of 0 until X-RateLimit-Reset), a cap on any wait (a wait too far off
// fails the request with *RateLimitError instead of stalling the night),
// bounded answer bodies, and the redaction of credentials from every error
// text and error body.
package httpretry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of the policy. GitHub's advice for secondary limits without
// Retry-After is to wait at least a minute and then longer each time.
const (
	DefaultBackoffBase = time.Second
	DefaultBackoffCap  = 30 * time.Second
	// ErrorBodyLimit bounds what is read of an answer that is not a
	// success: enough for any API's error JSON, never a runaway body.
	ErrorBodyLimit = 64 << 10
	// DefaultMaxBody bounds a success body.
	DefaultMaxBody = 64 << 20
	resetMargin    = time.Second // the server's clock and ours differ a little
	// a second wait for the same request means the quota was not what the
	// headers said
	maxPrimaryWaits = 2
)

// RateLimitError says that a rate limit stops this source for longer than
// it may wait: the run stops with every cursor where it is, and the next
// run after Reset goes on from there.
type RateLimitError struct {
	Service   string        // "github", "jira"
	Reset     time.Time     // when the server accepts requests again
	Secondary bool          // a secondary limit or a Retry-After, rather than a spent quota
	MaxWait   time.Duration // the longest wait allowed
	Setting   string        // the config key that sets MaxWait, if any
}

func (e *RateLimitError) Error() string {
	what := "rate limit exhausted"
	if e.Secondary {
		what = "rate limited (secondary limit or Retry-After)"
	}
	limit := fmt.Sprintf("the longest wait allowed (%s)", e.MaxWait)
	if e.Setting != "" {
		limit = fmt.Sprintf("%s (%s)", e.Setting, e.MaxWait)
	}
	return fmt.Sprintf("%s %s until %s, longer than %s: cursors are kept, run again after that",
		e.Service, what, e.Reset.UTC().Format(time.RFC3339), limit)
}

// Stats counts what a Transport sent.
type Stats struct {
	Sent           int // requests sent, retries included
	NotModified    int // 304 answers: free of rate limit
	Retries        int // 5xx answers, network failures and 429 without rate headers retried
	RateLimitWaits int // waits for a spent quota, a secondary limit or a Retry-After
	Remaining      int // X-RateLimit-Remaining of the last answer; -1 when none said
}

// Transport is an http.RoundTripper that sends each request through Base
// under the policy. Each attempt reads the whole answer (a connection cut
// mid-body is retried too) within Timeout; a success body larger than
// MaxBody is an error; an error body is read up to ErrorBodyLimit and
// handed on with the credentials in Redact taken out. A request that still
// fails is answered with the last response (a 4xx, or a 5xx after the last
// retry) or an error, both free of credentials.
type Transport struct {
	Base    http.RoundTripper
	Service string // names the API in logs and errors: "github", "jira"
	// MaxRetries bounds the retries of one request after 5xx answers,
	// network failures and rate limits without a reset time.
	MaxRetries int
	// MaxWait is the longest wait for a rate limit (a spent quota, a
	// secondary limit, a Retry-After); a longer one fails the request
	// with *RateLimitError. Zero never waits.
	MaxWait time.Duration
	// MaxWaitSetting names the config key of MaxWait in RateLimitError.
	MaxWaitSetting string
	// BackoffBase and BackoffCap shape the backoff between retries of 5xx
	// answers and network failures; zero means DefaultBackoffBase and
	// DefaultBackoffCap.
	BackoffBase, BackoffCap time.Duration
	// RateLimitBase is the first wait for a rate limit that says no time
	// (a 429 or a GitHub secondary limit without Retry-After); it doubles
	// each time. Zero means the backoff.
	RateLimitBase time.Duration
	Timeout       time.Duration // per attempt, headers and body; zero: none
	MaxBody       int64         // zero means DefaultMaxBody
	Redact        *Redactor     // credentials to keep out of errors; may be nil
	Now           func() time.Time
	Sleep         func(context.Context, time.Duration) error
	Log           *slog.Logger

	mu             sync.Mutex
	exhaustedUntil time.Time // the quota is spent until then
	stats          Stats
	statsInit      bool
}

// Stats reports what was sent so far.
func (t *Transport) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initStats()
	return t.stats
}

func (t *Transport) initStats() {
	if !t.statsInit {
		t.stats.Remaining = -1
		t.statsInit = true
	}
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Transport) log() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.New(slog.DiscardHandler)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	return resp, t.Redact.Error(err)
}

func (t *Transport) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	primaryWaits, primaryHits, limitWaits := 0, 0, 0
	for attempt := 0; ; {
		if err := t.waitForQuota(ctx, req, &primaryWaits); err != nil {
			return nil, err
		}
		resp, err := t.attempt(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if attempt >= t.MaxRetries {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			d := t.backoff(attempt)
			t.log().Warn(t.Service+" request failed, retrying", "endpoint", endpointOf(req), "err", t.Redact.String(err.Error()), "retry_in", d)
			attempt++
			if err := t.pause(ctx, d, false); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case IsPrimaryLimit(resp):
			// observe marked the quota spent: waitForQuota waits or gives up.
			if primaryHits++; primaryHits > maxPrimaryWaits {
				return nil, t.rateLimitError(t.quotaReset(), false)
			}
			continue
		case IsSecondaryLimit(resp):
			wait, ok := RetryAfter(resp.Header, t.now())
			if !ok {
				base := cmpOr(t.RateLimitBase, t.BackoffBase, DefaultBackoffBase)
				wait = base << limitWaits
			}
			if wait > t.MaxWait || limitWaits >= t.MaxRetries {
				return nil, t.rateLimitError(t.now().Add(wait), true)
			}
			limitWaits++
			t.log().Warn(t.Service+" rate limited, backing off", "endpoint", endpointOf(req), "status", resp.StatusCode, "wait", wait)
			if err := t.pause(ctx, wait, true); err != nil {
				return nil, err
			}
		case IsRetryableStatus(resp.StatusCode) && attempt < t.MaxRetries:
			d := t.backoff(attempt)
			if ra, ok := RetryAfter(resp.Header, t.now()); ok && ra > d && ra <= t.MaxWait {
				d = ra
			}
			t.log().Warn(t.Service+" server error, retrying", "endpoint", endpointOf(req), "status", resp.StatusCode, "retry_in", d)
			attempt++
			if err := t.pause(ctx, d, false); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

func (t *Transport) rateLimitError(reset time.Time, secondary bool) error {
	return &RateLimitError{Service: t.Service, Reset: reset, Secondary: secondary, MaxWait: t.MaxWait, Setting: t.MaxWaitSetting}
}

// IsRetryableStatus says whether an answer is a server error that another
// try may mend (500, 502, 503, 504); 501 (not implemented) and 505
// (version not supported) never will.
func IsRetryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (t *Transport) quotaReset() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exhaustedUntil
}

// waitForQuota holds a request back while the quota is known to be spent:
// it sleeps until the reset when that is near enough, and otherwise fails
// without sending anything.
func (t *Transport) waitForQuota(ctx context.Context, req *http.Request, waits *int) error {
	t.mu.Lock()
	until := t.exhaustedUntil
	t.mu.Unlock()
	now := t.now()
	if until.IsZero() || !now.Before(until) {
		return nil
	}
	wait := until.Sub(now) + resetMargin
	if wait > t.MaxWait || *waits >= maxPrimaryWaits {
		return t.rateLimitError(until, false)
	}
	*waits++
	t.log().Warn(t.Service+" rate limit exhausted, waiting for its reset", "endpoint", endpointOf(req),
		"reset", until.UTC().Format(time.RFC3339), "wait", wait)
	if err := t.pause(ctx, wait, true); err != nil {
		return err
	}
	t.mu.Lock()
	if t.exhaustedUntil.Equal(until) {
		t.exhaustedUntil = time.Time{}
	}
	t.mu.Unlock()
	return nil
}

func (t *Transport) pause(ctx context.Context, d time.Duration, rateLimit bool) error {
	t.mu.Lock()
	t.initStats()
	if rateLimit {
		t.stats.RateLimitWaits++
	} else {
		t.stats.Retries++
	}
	t.mu.Unlock()
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	return SleepContext(ctx, d)
}

// attempt sends the request once and reads the whole answer.
func (t *Transport) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if t.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
	}
	defer cancel()
	r := req.Clone(ctx)
	t.mu.Lock()
	t.initStats()
	t.stats.Sent++
	t.mu.Unlock()
	resp, err := t.Base.RoundTrip(r)
	if err != nil {
		return nil, t.attemptError(ctx, req, err)
	}
	success := resp.StatusCode < 400
	limit := cmpOr(t.MaxBody, DefaultMaxBody)
	if !success {
		limit = ErrorBodyLimit
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", t.attemptError(ctx, req, err))
	}
	if int64(len(body)) > limit {
		if success {
			return nil, fmt.Errorf("response larger than %d bytes", limit)
		}
		body = body[:limit] // an error body only ever gives a message
	}
	if !success {
		body = []byte(t.Redact.String(string(body)))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	t.observe(resp)
	return resp, nil
}

// attemptError keeps an attempt's own deadline apart from the run's: a
// request that timed out is retried, a cancelled run is not.
func (t *Transport) attemptError(attemptCtx context.Context, req *http.Request, err error) error {
	if req.Context().Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %s", t.Timeout)
	}
	return err
}

// observe notes the rate limit an answer reports.
func (t *Transport) observe(resp *http.Response) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initStats()
	if resp.StatusCode == http.StatusNotModified {
		t.stats.NotModified++
	}
	n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("X-RateLimit-Remaining")))
	if err != nil {
		return
	}
	t.stats.Remaining = n
	if n > 0 {
		return
	}
	now := t.now()
	reset := now.Add(time.Minute) // no reset said, or one already past: try again in a minute
	if at, ok := RateLimitReset(resp.Header); ok && at.After(now) {
		reset = at
	}
	if reset.After(t.exhaustedUntil) {
		t.exhaustedUntil = reset
	}
}

// IsPrimaryLimit says whether an answer refuses the request for a spent
// quota: 403 or 429 with X-RateLimit-Remaining: 0.
func IsPrimaryLimit(resp *http.Response) bool {
	return (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) &&
		strings.TrimSpace(resp.Header.Get("X-RateLimit-Remaining")) == "0"
}

// IsSecondaryLimit recognises a rate limit that is not a spent quota: any
// 429, or a 403 with Retry-After or a body pointing at GitHub's
// secondary-limit documentation.
func IsSecondaryLimit(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	if resp.StatusCode != http.StatusForbidden {
		return false
	}
	if resp.Header.Get("Retry-After") != "" {
		return true
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, ErrorBodyLimit))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	return strings.Contains(e.DocumentationURL, "secondary-rate-limits") ||
		strings.HasSuffix(e.DocumentationURL, "#abuse-rate-limits") ||
		strings.Contains(strings.ToLower(e.Message), "secondary rate limit")
}

// RetryAfter reads Retry-After, in seconds or as an HTTP date (a date
// already past is a wait of zero).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		if secs > int64(100*365*24*time.Hour/time.Second) {
			secs = int64(100 * 365 * 24 * time.Hour / time.Second) // no overflow: still far too long
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// RateLimitReset reads X-RateLimit-Reset: Unix seconds (GitHub) or an ISO
// 8601 time (Jira Cloud).
func RateLimitReset(h http.Header) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(secs, 0), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999Z0700", "2006-01-02T15:04Z0700"} {
		if at, err := time.Parse(layout, v); err == nil {
			return at, true
		}
	}
	return time.Time{}, false
}

// backoff is exponential with full jitter in its upper half, so that many
// clients failing together do not come back together.
func (t *Transport) backoff(attempt int) time.Duration {
	base := cmpOr(t.BackoffBase, DefaultBackoffBase)
	limit := cmpOr(t.BackoffCap, DefaultBackoffCap)
	d := limit
	if attempt < 30 {
		d = min(base<<attempt, limit)
	}
	return d/2 + rand.N(d/2+1)
}

// endpointOf names a request in logs and errors: method and path with
// query; the URL's user info is never included.
func endpointOf(req *http.Request) string {
	return req.Method + " " + req.URL.RequestURI()
}

// SleepContext waits for d or until ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func cmpOr[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}
