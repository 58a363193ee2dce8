package httpretry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock whose sleeps move it on and are recorded.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// server answers each request with the next of answers (the last one
// repeats) and counts the requests.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	auth     []string
}

func newServer(t *testing.T, answers ...func(http.ResponseWriter, *http.Request)) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		i := min(s.requests, len(answers)-1)
		s.requests++
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		answers[i](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func answer(code int, header map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

var ok = answer(http.StatusOK, nil, `{"ok":true}`)

func newTransport(c *clock) *Transport {
	return &Transport{Base: http.DefaultTransport, Service: "test", MaxRetries: 4, MaxWait: 15 * time.Minute,
		MaxWaitSetting: "max_rate_limit_wait", RateLimitBase: time.Minute, Timeout: 5 * time.Second, Now: c.Now, Sleep: c.Sleep}
}

func get(t *testing.T, tr *Transport, url string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// TestWaits: each edge case of GitHub's and Jira's rate limits and server
// errors, the waits it makes and how often the request is sent.
func TestWaits(t *testing.T) {
	t.Parallel()
	now := newClock().Now()
	for _, tc := range []struct {
		name     string
		first    func(http.ResponseWriter, *http.Request)
		want     []time.Duration // exact waits; nil with backoff
		backoff  bool            // one backoff wait within [0.5s, 1s]
		requests int
	}{
		{name: "429 with Retry-After in seconds (Jira Cloud, GitHub)",
			first: answer(http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, `{"errorMessages":["Rate limit exceeded."]}`),
			want:  []time.Duration{7 * time.Second}, requests: 2},
		{name: "429 with Retry-After as an HTTP date",
			first: answer(http.StatusTooManyRequests, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, ""),
			want:  []time.Duration{90 * time.Second}, requests: 2},
		{name: "429 with Retry-After as a date already past",
			first: answer(http.StatusTooManyRequests, map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, ""),
			want:  []time.Duration{0}, requests: 2},
		{name: "429 alone: the rate-limit base",
			first: answer(http.StatusTooManyRequests, nil, ""),
			want:  []time.Duration{time.Minute}, requests: 2},
		{name: "GitHub secondary limit: 403 with Retry-After",
			first: answer(http.StatusForbidden, map[string]string{"Retry-After": "120"}, `{"message":"You have exceeded a secondary rate limit."}`),
			want:  []time.Duration{2 * time.Minute}, requests: 2},
		{name: "GitHub secondary limit: 403 pointing at the documentation",
			first: answer(http.StatusForbidden, nil, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`),
			want:  []time.Duration{time.Minute}, requests: 2},
		{name: "GitHub primary limit: 403, X-RateLimit-Remaining 0, X-RateLimit-Reset in Unix seconds",
			first: answer(http.StatusForbidden, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(now.Add(10 * time.Minute).Unix())}, `{"message":"API rate limit exceeded"}`),
			want:  []time.Duration{10*time.Minute + time.Second}, requests: 2},
		{name: "Jira Cloud: 429, X-RateLimit-Remaining 0, X-RateLimit-Reset in ISO 8601",
			first: answer(http.StatusTooManyRequests, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": now.Add(3 * time.Minute).Format("2006-01-02T15:04Z")}, ""),
			want:  []time.Duration{3*time.Minute + time.Second}, requests: 2},
		{name: "a 200 spending the quota holds the next request back",
			first: answer(http.StatusOK, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(now.Add(5 * time.Minute).Unix())}, `{}`),
			want:  nil, requests: 1},
		{name: "503 with a Retry-After longer than the backoff",
			first: answer(http.StatusServiceUnavailable, map[string]string{"Retry-After": "3"}, "<html>Service Unavailable</html>"),
			want:  []time.Duration{3 * time.Second}, requests: 2},
		{name: "502: backoff", first: answer(http.StatusBadGateway, nil, ""), backoff: true, requests: 2},
		{name: "500: backoff", first: answer(http.StatusInternalServerError, nil, ""), backoff: true, requests: 2},
		{name: "504: backoff", first: answer(http.StatusGatewayTimeout, nil, ""), backoff: true, requests: 2},
		{name: "501 is not retried", first: answer(http.StatusNotImplemented, nil, ""), requests: 1},
		{name: "400 is not retried", first: answer(http.StatusBadRequest, nil, ""), requests: 1},
		{name: "404 is not retried", first: answer(http.StatusNotFound, nil, ""), requests: 1},
		{name: "a connection cut mid-body is retried", first: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"cut":`)
		}, backoff: true, requests: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newServer(t, tc.first, ok)
			tr := newTransport(c)
			if _, _, err := get(t, tr, s.URL); err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.backoff:
				if len(c.sleeps) != 1 || c.sleeps[0] < 500*time.Millisecond || c.sleeps[0] > time.Second {
					t.Errorf("waits %v, want one backoff within [0.5s, 1s]", c.sleeps)
				}
			case fmt.Sprint(c.sleeps) != fmt.Sprint(tc.want):
				t.Errorf("waits %v, want %v", c.sleeps, tc.want)
			}
			if n := s.count(); n != tc.requests {
				t.Errorf("%d requests sent, want %d", n, tc.requests)
			}
		})
	}
}

// TestQuotaSpentOnASuccessWaitsBeforeTheNextRequest: GitHub's last
// request of the hour answers 200 with X-RateLimit-Remaining 0; the next
// request waits for the reset instead of being refused.
func TestQuotaSpentOnASuccessWaitsBeforeTheNextRequest(t *testing.T) {
	t.Parallel()
	c := newClock()
	reset := c.Now().Add(5 * time.Minute)
	s := newServer(t, answer(http.StatusOK, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(reset.Unix())}, `{}`), ok)
	tr := newTransport(c)
	for range 2 {
		if _, _, err := get(t, tr, s.URL); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(c.sleeps) != fmt.Sprint([]time.Duration{5*time.Minute + time.Second}) {
		t.Errorf("waits %v, want one until the reset", c.sleeps)
	}
	if st := tr.Stats(); st.Sent != 2 || st.RateLimitWaits != 1 || st.Remaining != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWaitsTooFarOffFailTheSource: a wait beyond MaxWait fails at once with
// a *RateLimitError that says until when and which setting bounds it,
// without sending anything more.
func TestWaitsTooFarOffFailTheSource(t *testing.T) {
	t.Parallel()
	now := newClock().Now()
	for _, tc := range []struct {
		name      string
		first     func(http.ResponseWriter, *http.Request)
		reset     time.Time
		secondary bool
	}{
		{"Retry-After an hour on", answer(http.StatusTooManyRequests, map[string]string{"Retry-After": "3600"}, ""), now.Add(time.Hour), true},
		{"Retry-After a date a day on", answer(http.StatusTooManyRequests, map[string]string{"Retry-After": now.Add(24 * time.Hour).Format(http.TimeFormat)}, ""), now.Add(24 * time.Hour), true},
		{"Retry-After overflowing", answer(http.StatusTooManyRequests, map[string]string{"Retry-After": "99999999999999999"}, ""), now.Add(100 * 365 * 24 * time.Hour), true},
		{"quota reset an hour on", answer(http.StatusForbidden, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(now.Add(time.Hour).Unix())}, ""), now.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newServer(t, tc.first, ok)
			_, _, err := get(t, newTransport(c), s.URL)
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.Secondary != tc.secondary || !rl.Reset.Equal(tc.reset) {
				t.Fatalf("error %v, want a *RateLimitError (secondary %v) until %s", err, tc.secondary, tc.reset)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.reset.UTC().Format(time.RFC3339)) || !strings.Contains(msg, "max_rate_limit_wait (15m0s)") {
				t.Errorf("message %q does not say until when and what bounds the wait", msg)
			}
			if len(c.sleeps) != 0 || s.count() != 1 {
				t.Errorf("waited %v and sent %d requests, want no wait and 1", c.sleeps, s.count())
			}
		})
	}
}

// TestRetriesAreBounded: a server that keeps failing is asked 1+MaxRetries
// times with growing backoff, then its last answer is handed on; a
// network that keeps failing gives an error saying how often it tried.
func TestRetriesAreBounded(t *testing.T) {
	t.Parallel()
	c := newClock()
	s := newServer(t, answer(http.StatusBadGateway, nil, "bad gateway"))
	resp, _, err := get(t, newTransport(c), s.URL)
	if err != nil || resp.StatusCode != http.StatusBadGateway || s.count() != 5 {
		t.Fatalf("status %v, err %v, %d requests; want the 502 after 5", resp, err, s.count())
	}
	for i, d := range c.sleeps {
		lo, hi := time.Second<<i/2, time.Second<<i
		if d < lo || d > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, d, lo, hi)
		}
	}
	c = newClock()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer dead.Close()
	_, _, err = get(t, newTransport(c), dead.URL)
	if err == nil || !strings.Contains(err.Error(), "gave up after 5 attempts") || len(c.sleeps) != 4 {
		t.Errorf("error %v after %d waits, want it to give up after 5 attempts", err, len(c.sleeps))
	}
}

// TestHugeErrorBodyTakesNoMemory: a 300 MB error body is read only up to
// ErrorBodyLimit; a success body beyond MaxBody is an error.
func TestHugeErrorBodyTakesNoMemory(t *testing.T) {
	t.Parallel()
	const size = 300 << 20
	huge := func(code int) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(size))
			w.WriteHeader(code)
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range size >> 20 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := newServer(t, huge(http.StatusBadRequest))
	resp, body, err := get(t, newTransport(newClock()), s.URL)
	runtime.ReadMemStats(&after)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %v, err %v", resp, err)
	}
	if len(body) > ErrorBodyLimit {
		t.Errorf("error body of %d bytes handed on, want at most %d", len(body), ErrorBodyLimit)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("reading a 300 MB error body allocated %d MB", grew>>20)
	}

	tr := newTransport(newClock())
	tr.MaxBody = 1 << 20
	tr.MaxRetries = 0
	s = newServer(t, huge(http.StatusOK))
	if _, _, err := get(t, tr, s.URL); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("a success body beyond MaxBody: err %v", err)
	}
}

// TestErrorBodiesAndErrorsCarryNoCredentials: a server (or proxy) that
// echoes the request's Authorization header in a 400 body, as Jira Cloud
// (Basic), Data Center (Bearer) and GitHub (token) credentials, has it
// taken out of the body the caller sees and of the log; other text stays.
func TestErrorBodiesAndErrorsCarryNoCredentials(t *testing.T) {
	t.Parallel()
	const token, email = "ATATT3xFfGF0-s3cret_T0ken+/=", "ana@example.com"
	basic := base64.StdEncoding.EncodeToString([]byte(email + ":" + token))
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errorMessages":["bad request; you sent Authorization: %s"],"headers":{"Authorization":%q},"raw":"%s","b64":"%s"}`,
			r.Header.Get("Authorization"), r.Header.Get("Authorization"), token, strings.ReplaceAll(basic, "/", `\/`))
	}
	for _, scheme := range []struct {
		name   string
		header string
	}{
		{"Basic", "Basic " + basic},
		{"Bearer", "Bearer " + token},
		{"token", "token " + token},
	} {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, echo)
			tr := newTransport(newClock())
			tr.Redact = NewRedactor(token, BasicCredential(email, token))
			tr.Base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", scheme.header)
				return http.DefaultTransport.RoundTrip(r)
			})
			_, body, err := get(t, tr, s.URL)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{token, basic, strings.ReplaceAll(basic, "/", `\/`)} {
				if strings.Contains(body, secret) {
					t.Errorf("the error body still holds %q:\n%s", secret, body)
				}
			}
			if !strings.Contains(body, "bad request; you sent Authorization: "+scheme.name+" [REDACTED]") {
				t.Errorf("the error body lost its message:\n%s", body)
			}
		})
	}
	// An Authorization header with a credential nobody told the redactor.
	if got := (*Redactor)(nil).String(`{"Authorization": "Bearer abc.def-ghi"} authorization=token xyz123`); strings.Contains(got, "abc.def-ghi") || strings.Contains(got, "xyz123") {
		t.Errorf("an unknown echoed credential stays: %s", got)
	}
	err := NewRedactor(token).Error(fmt.Errorf("wrapped: %w", &RateLimitError{Service: token}))
	if strings.Contains(err.Error(), token) {
		t.Errorf("error not redacted: %v", err)
	}
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Error("redaction lost the error chain")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSlowAttemptIsRetried: an attempt with no complete answer within
// Timeout is retried; a cancelled request is not.
func TestSlowAttemptIsRetried(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}, ok)
	tr := newTransport(newClock())
	tr.Timeout = 100 * time.Millisecond
	if _, body, err := get(t, tr, s.URL); err != nil || body != `{"ok":true}` {
		t.Fatalf("body %q, err %v", body, err)
	}
	if s.count() != 2 {
		t.Errorf("%d requests, want 2", s.count())
	}
}
