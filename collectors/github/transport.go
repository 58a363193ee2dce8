package github

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
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimitError says that GitHub's rate limit stops this source for longer
// than the collector may wait: the run stops with every cursor where it is,
// and the next run after Reset goes on from there.
type RateLimitError struct {
	Reset     time.Time     // when GitHub accepts requests again
	Secondary bool          // a secondary (abuse) limit rather than the hourly quota
	MaxWait   time.Duration // the longest wait the collector was allowed
}

func (e *RateLimitError) Error() string {
	what := "rate limit exhausted"
	if e.Secondary {
		what = "secondary rate limit hit"
	}
	return fmt.Sprintf("github %s until %s, longer than max_rate_limit_wait (%s): cursors are kept, run again after that",
		what, e.Reset.UTC().Format(time.RFC3339), e.MaxWait)
}

// Retry policy. GitHub's advice for secondary limits without Retry-After is
// to wait at least a minute and then longer each time.
const (
	backoffBase        = time.Second
	backoffCap         = 30 * time.Second
	secondaryBase      = time.Minute
	resetMargin        = time.Second // GitHub's and our clocks differ a little
	maxPrimaryWaits    = 2           // per request: a second wait means the quota was not what the headers said
	maxResponseBytes   = 64 << 20
	defaultAttemptTime = time.Minute
)

// transport is the http.RoundTripper every GitHub request goes through. It
// adds the token (only for the API's own origin, never on a redirect
// elsewhere), waits out rate limits within MaxWait, retries 5xx answers and
// network failures with exponential backoff and jitter, and reads each body
// whole inside the attempt so that a connection cut mid-body is retried too.
// go-github v60 neither treats 429 as a rate limit nor retries; its own
// pre-flight check runs on the wall clock, which is why requests do not go
// through its Client.Do.
type transport struct {
	base       http.RoundTripper
	token      string
	origin     *url.URL
	maxWait    time.Duration
	maxRetries int
	timeout    time.Duration // per attempt, headers and body
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	log        *slog.Logger

	mu             sync.Mutex
	exhaustedUntil time.Time // the quota is spent until then
	stats          RequestStats
}

// RequestStats counts what the collector asked GitHub.
type RequestStats struct {
	Sent           int // requests sent, retries included
	NotModified    int // 304 answers: free of rate limit
	Retries        int // 5xx answers and network failures retried
	RateLimitWaits int // waits for a primary or secondary rate limit
	Remaining      int // X-RateLimit-Remaining of the last answer; -1 when none said
}

func (t *transport) Stats() RequestStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	primaryWaits, primaryHits, secondaryWaits := 0, 0, 0
	for attempt := 0; ; {
		if err := t.waitForQuota(ctx, req, &primaryWaits); err != nil {
			return nil, err
		}
		resp, err := t.attempt(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if attempt >= t.maxRetries {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			d := backoff(attempt)
			t.log.Warn("github request failed, retrying", "endpoint", endpointOf(req), "err", err.Error(), "retry_in", d)
			attempt++
			if err := t.pause(ctx, d, false); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case isPrimaryLimit(resp):
			// observe marked the quota spent: waitForQuota waits or gives up.
			if primaryHits++; primaryHits > maxPrimaryWaits {
				return nil, &RateLimitError{Reset: t.quotaReset(), MaxWait: t.maxWait}
			}
			continue
		case isSecondaryLimit(resp):
			wait, ok := retryAfter(resp, t.now())
			if !ok {
				wait = secondaryBase << secondaryWaits
			}
			if wait > t.maxWait || secondaryWaits >= t.maxRetries {
				return nil, &RateLimitError{Reset: t.now().Add(wait), Secondary: true, MaxWait: t.maxWait}
			}
			secondaryWaits++
			t.log.Warn("github secondary rate limit, backing off", "endpoint", endpointOf(req), "status", resp.StatusCode, "wait", wait)
			if err := t.pause(ctx, wait, true); err != nil {
				return nil, err
			}
		case resp.StatusCode >= 500 && attempt < t.maxRetries:
			d := backoff(attempt)
			if ra, ok := retryAfter(resp, t.now()); ok && ra > d && ra <= t.maxWait {
				d = ra
			}
			t.log.Warn("github server error, retrying", "endpoint", endpointOf(req), "status", resp.StatusCode, "retry_in", d)
			attempt++
			if err := t.pause(ctx, d, false); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

func (t *transport) quotaReset() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exhaustedUntil
}

// waitForQuota holds a request back while the quota is known to be spent:
// it sleeps until the reset when that is near enough, and otherwise fails
// without sending anything.
func (t *transport) waitForQuota(ctx context.Context, req *http.Request, waits *int) error {
	t.mu.Lock()
	until := t.exhaustedUntil
	t.mu.Unlock()
	now := t.now()
	if until.IsZero() || !now.Before(until) {
		return nil
	}
	wait := until.Sub(now) + resetMargin
	if wait > t.maxWait || *waits >= maxPrimaryWaits {
		return &RateLimitError{Reset: until, MaxWait: t.maxWait}
	}
	*waits++
	t.log.Warn("github rate limit exhausted, waiting for its reset", "endpoint", endpointOf(req),
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

func (t *transport) pause(ctx context.Context, d time.Duration, rateLimit bool) error {
	t.mu.Lock()
	if rateLimit {
		t.stats.RateLimitWaits++
	} else {
		t.stats.Retries++
	}
	t.mu.Unlock()
	return t.sleep(ctx, d)
}

// attempt sends the request once and reads the whole answer.
func (t *transport) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	defer cancel()
	r := req.Clone(ctx)
	if t.token != "" && sameOrigin(r.URL, t.origin) {
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	t.mu.Lock()
	t.stats.Sent++
	t.mu.Unlock()
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, t.attemptError(ctx, req, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", t.attemptError(ctx, req, err))
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	t.observe(resp)
	return resp, nil
}

// attemptError keeps an attempt's own deadline apart from the run's: a
// request that timed out is retried, a cancelled run is not.
func (t *transport) attemptError(attemptCtx context.Context, req *http.Request, err error) error {
	if req.Context().Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %s", t.timeout)
	}
	return err
}

// observe notes the rate limit an answer reports.
func (t *transport) observe(resp *http.Response) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if resp.StatusCode == http.StatusNotModified {
		t.stats.NotModified++
	}
	remaining := resp.Header.Get("X-RateLimit-Remaining")
	if remaining == "" {
		return
	}
	n, err := strconv.Atoi(remaining)
	if err != nil {
		return
	}
	t.stats.Remaining = n
	if n > 0 {
		return
	}
	now := t.now()
	reset := now.Add(time.Minute) // no reset said, or one already past: try again in a minute
	if secs, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil && time.Unix(secs, 0).After(now) {
		reset = time.Unix(secs, 0)
	}
	if reset.After(t.exhaustedUntil) {
		t.exhaustedUntil = reset
	}
}

func isPrimaryLimit(resp *http.Response) bool {
	return (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) &&
		resp.Header.Get("X-RateLimit-Remaining") == "0"
}

// isSecondaryLimit recognises GitHub's secondary rate limit: a 429, or a 403
// with Retry-After or a body pointing at the secondary-limit documentation.
func isSecondaryLimit(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	if resp.StatusCode != http.StatusForbidden {
		return false
	}
	if resp.Header.Get("Retry-After") != "" {
		return true
	}
	body, _ := io.ReadAll(resp.Body)
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

// retryAfter reads Retry-After, in seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// backoff is exponential with full jitter in its upper half, so that many
// clients failing together do not come back together.
func backoff(attempt int) time.Duration {
	d := min(backoffBase<<attempt, backoffCap)
	return d/2 + rand.N(d/2+1)
}

func sameOrigin(u, origin *url.URL) bool {
	return u != nil && origin != nil && strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}

// endpointOf names a request in logs and errors: method and path with query,
// which never hold the token.
func endpointOf(req *http.Request) string {
	return req.Method + " " + req.URL.RequestURI()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
