package github

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/overtime-project/overtime/internal/httpretry"
)

// RateLimitError says that GitHub's rate limit stops this source for longer
// than the collector may wait: the run stops with every cursor where it is,
// and the next run after Reset goes on from there.
type RateLimitError = httpretry.RateLimitError

// RequestStats counts what the collector asked GitHub.
type RequestStats = httpretry.Stats

// Retry policy: httpretry's, with GitHub's advice for secondary limits
// without Retry-After (wait at least a minute, then longer each time).
const (
	secondaryBase      = time.Minute
	maxResponseBytes   = 64 << 20
	defaultAttemptTime = time.Minute
)

// newTransport is the http.RoundTripper every GitHub request goes through:
// the shared retry policy (internal/httpretry) over a layer that adds the
// token, only for the API's own origin and never on a redirect elsewhere.
// go-github v60 neither treats 429 as a rate limit nor retries; its own
// pre-flight check runs on the wall clock, which is why requests do not go
// through its Client.Do.
func newTransport(base http.RoundTripper, opts Options, origin *url.URL, redact *httpretry.Redactor) *httpretry.Transport {
	return &httpretry.Transport{
		Base:           &tokenTransport{base: base, token: opts.Token, origin: origin},
		Service:        Source,
		MaxRetries:     opts.MaxRetries,
		MaxWait:        opts.MaxRateLimitWait,
		MaxWaitSetting: "max_rate_limit_wait",
		RateLimitBase:  secondaryBase,
		Timeout:        opts.RequestTimeout,
		MaxBody:        maxResponseBytes,
		Redact:         redact,
		Now:            opts.Now,
		Sleep:          opts.Sleep,
		Log:            opts.Logger,
	}
}

// tokenTransport adds the token to requests for the API's origin.
type tokenTransport struct {
	base   http.RoundTripper
	token  string
	origin *url.URL
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.token != "" && sameOrigin(req.URL, t.origin) {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.base.RoundTrip(req)
}

func sameOrigin(u, origin *url.URL) bool {
	return u != nil && origin != nil && strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}

// endpointOf names a request in logs and errors: method and path with query,
// which never hold the token.
func endpointOf(req *http.Request) string {
	return req.Method + " " + req.URL.RequestURI()
}

func sleepContext(ctx context.Context, d time.Duration) error { return httpretry.SleepContext(ctx, d) }
