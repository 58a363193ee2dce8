package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// jqlTime is how JQL reads a date: minutes, in the searching user's zone.
const jqlTime = "2006/01/02 15:04"

// unknownZoneMargin widens the window when the user's zone is unknown, so
// that no zone (UTC-12 to UTC+14) can make it start late.
const unknownZoneMargin = 14 * time.Hour

// orderBy matches a trailing ORDER BY clause (not one inside a quoted string).
var orderBy = regexp.MustCompile(`(?is)\border\s+by\b[^"']*$`)

// updatedSince builds the JQL asking for the tickets of base updated at or
// after from, in the order given. JQL compares dates at minute precision in
// the API user's time zone, so from is written in that zone, rounded down.
func updatedSince(base string, from time.Time, zone *time.Location, order string) string {
	clause := `updated >= "` + from.In(zone).Format(jqlTime) + `"`
	if b := strings.TrimSpace(orderBy.ReplaceAllString(base, "")); b != "" {
		clause = "(" + b + ") AND " + clause
	}
	return clause + " ORDER BY " + order
}

// searchPage is one page of either search API: issues stay raw so that one
// malformed ticket costs that ticket, not the page.
type searchPage struct {
	Issues []json.RawMessage `json:"issues"`
	// Cloud: /search/jql
	NextPageToken string `json:"nextPageToken"`
	IsLast        bool   `json:"isLast"`
	// Data Center: /search
	StartAt int `json:"startAt"`
	Total   int `json:"total"`
}

type searchRequest struct {
	jql      string
	fields   []string
	expand   string
	pageSize int
}

func (r searchRequest) query() url.Values {
	q := url.Values{}
	q.Set("jql", r.jql)
	q.Set("maxResults", strconv.Itoa(r.pageSize))
	q.Set("fields", strings.Join(r.fields, ","))
	if r.expand != "" {
		q.Set("expand", r.expand)
	}
	return q
}

// search calls fn with each page of tickets in order; fn's error stops it.
func (s *session) search(ctx context.Context, r searchRequest, fn func([]json.RawMessage) error) error {
	if s.deployment == DeploymentCloud {
		return s.searchCloud(ctx, r, fn)
	}
	return s.searchDataCenter(ctx, r, fn)
}

// searchCloud pages Jira Cloud's /rest/api/2/search/jql, the endpoint
// go-jira's SearchV2JQL calls, by nextPageToken: there is no total, and the
// last page has isLast and no token. The request is built like SearchV2JQL
// builds it, but the page is decoded here, ticket by ticket: SearchV2JQL
// decodes all or nothing and drops the changelog's totals, which tell when
// a history needs more pages.
func (s *session) searchCloud(ctx context.Context, r searchRequest, fn func([]json.RawMessage) error) error {
	seen := map[string]bool{}
	token := ""
	for {
		q := r.query()
		if token != "" {
			q.Set("nextPageToken", token)
		}
		var page searchPage
		if err := s.get(ctx, s.auth, "rest/api/2/search/jql", q, &page); err != nil {
			return err
		}
		if len(page.Issues) > 0 {
			if err := fn(page.Issues); err != nil {
				return err
			}
		}
		// The last page may say isLast, or only lack the token (JRACLOUD-92184).
		if page.IsLast || page.NextPageToken == "" {
			return nil
		}
		if seen[page.NextPageToken] {
			return fmt.Errorf("jira %s: search returned a page token it had already returned", s.c.site)
		}
		seen[page.NextPageToken] = true
		token = page.NextPageToken
	}
}

// Overlapping pages keep offset paging honest: a ticket updated while the
// run pages moves to the end of the `updated` order and every later ticket
// moves up one place, so plain offsets would skip one.
const (
	maxPageOverlap = 5
	maxRewinds     = 10
)

// searchDataCenter pages Data Center's /rest/api/2/search by startAt and
// total. Each page starts a few tickets before the previous one ended; if
// none of those is there any more, tickets moved up and the pager steps
// back a page. Tickets already handed to fn are not handed again.
func (s *session) searchDataCenter(ctx context.Context, r searchRequest, fn func([]json.RawMessage) error) error {
	start, rewinds := 0, 0
	var prev map[string]bool
	for {
		q := r.query()
		q.Set("startAt", strconv.Itoa(start))
		var page searchPage
		if err := s.get(ctx, s.auth, "rest/api/2/search", q, &page); err != nil {
			if statusCode(err) == http.StatusGone {
				return fmt.Errorf("%w (Jira Cloud removed this search: set the deployment to %s, or leave it empty to detect it)", err, DeploymentCloud)
			}
			return err
		}
		n := len(page.Issues)
		keys := make(map[string]bool, n)
		fresh := make([]json.RawMessage, 0, n)
		overlapped := false
		for _, raw := range page.Issues {
			k := pageKey(raw)
			keys[k] = true
			if prev[k] {
				overlapped = true
				continue
			}
			fresh = append(fresh, raw)
		}
		if prev != nil && n > 0 && !overlapped && rewinds < maxRewinds {
			rewinds++
			start = max(0, start-r.pageSize)
			s.c.opts.Logger.Debug("jira: tickets moved while paging; stepping back", "url", s.c.site, "start_at", start)
			continue
		}
		if len(fresh) > 0 {
			if err := fn(fresh); err != nil {
				return err
			}
		}
		next := start + n
		if n == 0 || next >= page.Total {
			return nil
		}
		overlap := min(maxPageOverlap, n/2)
		prev = nil
		if overlap > 0 {
			prev = keys
		}
		start = next - overlap
	}
}

// pageKey identifies a ticket in a given state: id and updated.
func pageKey(raw json.RawMessage) string {
	var h struct {
		ID     string `json:"id"`
		Fields struct {
			Updated string `json:"updated"`
		} `json:"fields"`
	}
	if json.Unmarshal(raw, &h) != nil || h.ID == "" {
		return string(raw)
	}
	return h.ID + "|" + h.Fields.Updated
}
