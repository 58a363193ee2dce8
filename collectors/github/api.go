package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// perPage is GitHub's largest page.
const perPage = 100

// maxPages bounds any listing, so that a Link header that loops cannot keep
// a run going forever.
const maxPages = 10000

// APIError is an answer GitHub gave that is not data: it names the endpoint
// and says what the status usually means.
type APIError struct {
	Endpoint string // method, path and query
	Status   int
	Message  string // GitHub's message, if it gave one
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: %d %s", e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.Status {
	case http.StatusUnauthorized:
		msg += " (the token is missing, expired or revoked)"
	case http.StatusForbidden:
		msg += " (the token may not read this: check its scopes and SSO authorization)"
	case http.StatusNotFound:
		msg += " (deleted, renamed, or invisible to the token)"
	}
	return msg
}

// api makes GitHub REST requests. go-github builds them (base URL, GitHub
// Enterprise's /api/v3/, headers) and supplies the types; the transport
// handles rate limits and retries.
type api struct {
	gh     *gh.Client
	http   *http.Client
	origin *url.URL
}

// page is what one answer says besides its items.
type page struct {
	notModified bool
	etag        string
	next        string // absolute URL of the next page, "" on the last
}

// get fetches u (relative to the API base, or a Link URL) into out. With an
// ETag it asks If-None-Match; a 304 leaves out untouched.
func (a *api) get(ctx context.Context, u, etag string, out any) (page, error) {
	req, err := a.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return page{}, fmt.Errorf("GET %s: %w", u, err)
	}
	endpoint := endpointOf(req)
	if !sameOrigin(req.URL, a.origin) {
		return page{}, fmt.Errorf("%s: refusing a request to %s, which is not the GitHub API at %s", endpoint, req.URL.Host, a.origin.Host)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := a.http.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return page{}, ctx.Err()
		}
		var rl *RateLimitError
		if errors.As(err, &rl) {
			return page{}, fmt.Errorf("%s: %w", endpoint, rl)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the whole URL
		}
		return page{}, fmt.Errorf("%s: %w", endpoint, &networkError{err})
	}
	defer resp.Body.Close()
	p := page{etag: resp.Header.Get("ETag"), next: nextLink(resp.Header)}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		p.notModified = true
		return p, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return page{}, fmt.Errorf("%s: malformed response: %w", endpoint, err)
		}
		if p.next != "" {
			next, err := url.Parse(p.next)
			if err != nil || !sameOrigin(next, a.origin) {
				return page{}, fmt.Errorf("%s: refusing to follow a Link to another origin", endpoint)
			}
		}
		return p, nil
	default:
		return page{}, apiError(endpoint, resp)
	}
}

func apiError(endpoint string, resp *http.Response) *APIError {
	e := &APIError{Endpoint: endpoint, Status: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var msg struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &msg) == nil {
		e.Message = msg.Message
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300] + "…"
	}
	return e
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// nextLink reads the next page's URL from RFC 8288 Link headers.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			if m := linkNext.FindStringSubmatch(part); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// networkError is a request that got no answer, retries included.
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// unavailable says whether err is GitHub failing to answer, retries
// included: a 5xx or no answer at all.
func unavailable(err error) bool {
	var ne *networkError
	return statusOf(err) >= 500 || errors.As(err, &ne)
}

// errUnavailable stops the source when GitHub keeps failing: each failing
// resource costs its retries, and going on through hundreds of them would
// only make a long run that collects nothing.
var errUnavailable = errors.New("github keeps failing to answer")

// statusOf is the HTTP status of an APIError in err's chain, or 0.
func statusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// stopsSource says whether err ends the whole run of this source: a rate
// limit, or a token GitHub does not accept. Going on would only repeat it
// for every repository. (A cancelled run is told by its context.)
func stopsSource(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) || statusOf(err) == http.StatusUnauthorized || errors.Is(err, errUnavailable)
}

// stopsRepository says whether err ends the work on one repository: it is
// gone or hidden, and every other endpoint of it would answer the same.
func stopsRepository(err error) bool {
	switch statusOf(err) {
	case http.StatusForbidden, http.StatusNotFound, http.StatusGone, http.StatusUnavailableForLegalReasons:
		return true
	}
	return false
}
