package jira_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/collectors/jira"
	"github.com/overtime-project/overtime/internal/proctest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Identities of the Cloud fixture (accountIds, case kept) and Data Center's (usernames).
const (
	alice    = "jira:5b10a2844c20165700ede21g"
	bob      = "jira:5b10ac8d82e05b22cc7d4ef5"
	dcAlice  = "jira:alice"
	dcBob    = "jira:bob"
	dcCarol  = "jira:carol.new"
	userEnv  = "ACME_JIRA_EMAIL"
	tokenEnv = "ACME_JIRA_TOKEN"
)

// harness runs a collector against a fake with an injected clock, sleep
// and log.
type harness struct {
	fake   *fakeJira
	db     *store.DB
	now    time.Time
	logs   *proctest.LockedBuffer
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T, cloud bool) *harness {
	t.Helper()
	db := storetest.Open(t)
	return &harness{fake: newFakeJira(t, cloud), db: db, logs: &proctest.LockedBuffer{}}
}

func (h *harness) options(jql string, since time.Time) jira.Options {
	return jira.Options{
		URL: h.fake.URL(), User: h.fake.user, Token: h.fake.token,
		UserEnv: userEnv, TokenEnv: tokenEnv,
		JQL: jql, Since: since, PageSize: 2,
		StoryPointsField: "Story point estimate",
		HTTPClient:       h.fake.server.Client(),
		Now:              func() time.Time { return h.now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sleeps = append(h.sleeps, d)
			return ctx.Err()
		},
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func (h *harness) collect(t *testing.T, opts jira.Options) (int, int, error) {
	t.Helper()
	c, err := jira.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := c.Collect(t.Context(), h.db)
	return stats.Read, stats.Inserted, err
}

func (h *harness) takeSleeps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.sleeps
	h.sleeps = nil
	return out
}

// assertNoSecrets checks that neither the token nor the user (nor their
// basic-auth encoding) reached the logs or an error.
func (h *harness) assertNoSecrets(t *testing.T, errs ...error) {
	t.Helper()
	texts := map[string]string{"logs": h.logs.String()}
	for i, err := range errs {
		if err != nil {
			texts["error "+string(rune('0'+i))] = err.Error()
		}
	}
	secrets := []string{h.fake.token}
	if h.fake.user != "" {
		secrets = append(secrets, h.fake.user, base64.StdEncoding.EncodeToString([]byte(h.fake.user+":"+h.fake.token)))
	}
	for where, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contain the secret %q", where, s)
			}
		}
	}
}

func searchJQLs(reqs []request, path string) []string {
	var out []string
	for _, r := range reqs {
		if r.Path == path {
			out = append(out, r.Query.Get("jql"))
		}
	}
	return out
}

func queryValues(reqs []request, path, key string) []string {
	var out []string
	for _, r := range reqs {
		if r.Path == path {
			out = append(out, r.Query.Get(key))
		}
	}
	return out
}

func eventsByIdentity(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	ids, err := db.Identities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, i := range ids {
		out[i.Identity] = i.Events
	}
	return out
}

// people makes alice and bob people, Berlin and New York, working Monday
// to Friday 09:00–18:00; zone transitions as Go's tzdata has them.
func people(aliceID, bobID string) store.PeopleSnapshot {
	return store.PeopleSnapshot{
		People:     []store.PersonRow{{ID: "alice", Name: "Alice", Team: "payments", Configured: true}, {ID: "bob", Name: "Bob", Team: "payments", Configured: true}},
		Identities: map[string]string{aliceID: "alice", bobID: "bob"},
		Rules: []store.RulesRow{
			{PersonID: "alice", Zone: "Europe/Berlin", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 9 * 60, EndMinute: 18 * 60},
			{PersonID: "bob", Zone: "America/New_York", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 9 * 60, EndMinute: 18 * 60},
		},
		Transitions: []store.TransitionRow{
			{Zone: "Europe/Berlin", ValidFrom: ts("2025-10-26T01:00:00Z"), OffsetSeconds: 3600},
			{Zone: "Europe/Berlin", ValidFrom: ts("2026-03-29T01:00:00Z"), OffsetSeconds: 7200},
			{Zone: "America/New_York", ValidFrom: ts("2025-11-02T06:00:00Z"), OffsetSeconds: -5 * 3600},
			{Zone: "America/New_York", ValidFrom: ts("2026-03-08T07:00:00Z"), OffsetSeconds: -4 * 3600},
		},
	}
}

func TestCloud(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHarness(t, true)
	f := h.fake
	// Cloud's rate limit answers the first search; a changelog page fails once.
	f.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Path == "/rest/api/2/search/jql" }, times: 1,
		code: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "7"}, body: `{"errorMessages":["Rate limit exceeded."],"errors":{}}`})
	f.addFault(&fault{match: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/changelog") }, times: 1,
		code: http.StatusServiceUnavailable, body: `<html><body>Service Unavailable</body></html>`})

	// First run: everything updated since Since, asked in the API user's
	// zone (Asia/Kolkata, +05:30); the configured ORDER BY gives way.
	h.now = ts("2026-03-02T12:00:00Z")
	opts := h.options("project = PAY ORDER BY created DESC", ts("2026-01-01T00:00:00Z"))
	_, inserted1, err1 := h.collect(t, opts)
	if err1 != nil {
		t.Fatalf("first run: %v\nlogs:\n%s", err1, h.logs)
	}
	if inserted1 != 20 {
		t.Errorf("first run inserted %d events, want 20", inserted1)
	}
	reqs := f.takeRequests()
	wantJQL := `(project = PAY) AND updated >= "2026/01/01 05:30" ORDER BY updated ASC, key ASC`
	wantListing := `(project = PAY) AND updated >= "2026/01/11 20:31" ORDER BY created ASC, key ASC`
	if diff := cmp.Diff([]string{wantJQL, wantJQL, wantJQL, wantJQL, wantListing}, searchJQLs(reqs, "/rest/api/2/search/jql")); diff != "" {
		t.Errorf("search JQL (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "", "CAEaAggB-2", "CAEaAggB-4", ""}, queryValues(reqs, "/rest/api/2/search/jql", "nextPageToken")); diff != "" {
		t.Errorf("page tokens (-want +got):\n%s", diff)
	}
	for _, r := range reqs {
		if r.Path == "/rest/api/2/search" {
			t.Errorf("the Cloud path called the removed /rest/api/2/search: %v", r.Query)
		}
		if r.Path == "/rest/api/2/search/jql" && r.Query.Get("expand") == "changelog" {
			fields := r.Query.Get("fields")
			for _, want := range []string{"status", "assignee", "worklog", "comment", "customfield_10016"} {
				if !strings.Contains(fields, want) {
					t.Errorf("search asks for fields %q, missing %s", fields, want)
				}
			}
			if strings.Contains(fields, "summary") || strings.Contains(fields, "description") {
				t.Errorf("search asks for ticket text: fields %q", fields)
			}
		}
	}
	// PAY-1's history (5 entries, 2 embedded) is paged, after one 503.
	if diff := cmp.Diff([]string{"0", "0", "2", "4"}, queryValues(reqs, "/rest/api/2/issue/10001/changelog", "startAt")); diff != "" {
		t.Errorf("changelog pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"0", "2"}, queryValues(reqs, "/rest/api/2/issue/10002/worklog", "startAt")); diff != "" {
		t.Errorf("worklog pages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"0", "2"}, queryValues(reqs, "/rest/api/2/issue/10003/comment", "startAt")); diff != "" {
		t.Errorf("comment pages (-want +got):\n%s", diff)
	}
	// Retry-After, then the first backoff, jittered within [0.5s, 1s].
	if sleeps := h.takeSleeps(); len(sleeps) != 2 || sleeps[0] != 7*time.Second || sleeps[1] < 500*time.Millisecond || sleeps[1] > time.Second {
		t.Errorf("waits %v, want Retry-After's 7s, then a backoff within [0.5s, 1s]", sleeps)
	}
	cur, _, _ := h.db.GetCursor(ctx, jira.Source, f.URL()+" project = PAY ORDER BY created DESC")
	if cur.Position != "2026-02-20T16:42:10Z" {
		t.Errorf("cursor after the first run = %q, want the highest updated, 2026-02-20T16:42:10Z", cur.Position)
	}
	logs := h.logs.String()
	for _, want := range []string{"ticket=PAY-6", "story points field not a number on tickets", "story points field missing on tickets",
		"activity skipped: no author"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack a warning %q:\n%s", want, logs)
		}
	}

	// Between runs PAY-4 is deleted, and alice comments on PAY-2.
	f.remove("PAY-4")
	f.update("PAY-2", func(is map[string]any) {
		fields := fieldsOf(is)
		c := fields["comment"].(map[string]any)
		c["comments"] = append(c["comments"].([]any), map[string]any{
			"id": "20007", "author": map[string]any{"accountId": "5b10a2844c20165700ede21g", "displayName": "Alice Example", "accountType": "atlassian", "timeZone": "Europe/Berlin"},
			"body": "SECRET follow-up", "created": "2026-03-03T01:30:00.000+0530", "updated": "2026-03-03T01:30:00.000+0530"})
		c["total"] = 3.0
		fields["updated"] = "2026-03-03T01:30:00.000+0530"
	})

	// Second run: from the cursor minus 5 minutes, in the user's zone:
	// 16:37:10 UTC is 22:07 in Kolkata.
	h.now = ts("2026-03-03T12:00:00Z")
	_, inserted2, err2 := h.collect(t, opts)
	if err2 != nil {
		t.Fatalf("second run: %v", err2)
	}
	if inserted2 != 1 {
		t.Errorf("second run inserted %d events, want 1 (the new comment; the overlap is stored once)", inserted2)
	}
	reqs = f.takeRequests()
	wantJQL = `(project = PAY) AND updated >= "2026/02/20 22:07" ORDER BY updated ASC, key ASC`
	if diff := cmp.Diff([]string{wantJQL, wantListing}, searchJQLs(reqs, "/rest/api/2/search/jql")); diff != "" {
		t.Errorf("second run's JQL (-want +got):\n%s", diff)
	}
	h.assertNoSecrets(t, err1, err2)

	// What is stored equals what the fake served.
	tickets, err := h.db.JiraTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]store.JiraTicket{}
	for _, tk := range tickets {
		byKey[tk.Key] = tk
	}
	if _, ok := byKey["PAY-6"]; ok || len(tickets) != 5 {
		t.Errorf("stored %d tickets (PAY-6 present: %v), want PAY-1..5", len(tickets), ok)
	}
	wantPAY1 := store.JiraTicket{
		ID: "10001", Key: "PAY-1", Project: "PAY", Type: "Story", Priority: "High", Status: "Done", StatusCategory: "done",
		Reporter: alice, Created: ts("2026-01-05T09:00:00Z"), Updated: ts("2026-01-12T15:01:00Z"), Resolved: ts("2026-01-12T15:00:00Z"),
		StoryPoints: 5, HasStoryPoints: true,
		Intervals: []store.JiraInterval{
			{Field: "assignee", Value: alice, From: ts("2026-01-05T09:00:00Z"), To: ts("2026-01-12T15:01:00Z")},
			{Field: "assignee", Value: "", From: ts("2026-01-12T15:01:00Z")},
			{Field: "status", Value: "To Do", Category: "new", From: ts("2026-01-05T09:00:00Z"), To: ts("2026-01-05T10:00:00Z")},
			{Field: "status", Value: "In Progress", Category: "indeterminate", From: ts("2026-01-05T10:00:00Z"), To: ts("2026-01-07T09:00:00Z")},
			{Field: "status", Value: "In Review", Category: "indeterminate", From: ts("2026-01-07T09:00:00Z"), To: ts("2026-01-12T15:00:00Z")},
			{Field: "status", Value: "Done", Category: "done", From: ts("2026-01-12T15:00:00Z")},
		},
	}
	if diff := cmp.Diff(wantPAY1, byKey["PAY-1"]); diff != "" {
		t.Errorf("PAY-1 (-want +got):\n%s", diff)
	}
	wantPAY2 := store.JiraTicket{
		ID: "10002", Key: "PAY-2", Project: "PAY", Type: "Bug", Priority: "High", Status: "In Progress", StatusCategory: "indeterminate",
		Assignee: alice, Reporter: bob, Created: ts("2026-02-02T09:00:00Z"), Updated: ts("2026-03-02T20:00:00Z"),
		Intervals: []store.JiraInterval{
			{Field: "assignee", Value: bob, From: ts("2026-02-02T09:00:00Z"), To: ts("2026-02-03T10:00:00Z")},
			{Field: "assignee", Value: alice, From: ts("2026-02-03T10:00:00Z")},
			{Field: "status", Value: "To Do", Category: "new", From: ts("2026-02-02T09:00:00Z"), To: ts("2026-02-04T08:00:00Z")},
			{Field: "status", Value: "In Progress", Category: "indeterminate", From: ts("2026-02-04T08:00:00Z")},
		},
	}
	if diff := cmp.Diff(wantPAY2, byKey["PAY-2"]); diff != "" {
		t.Errorf("PAY-2 (-want +got):\n%s", diff)
	}
	if g := byKey["PAY-4"].Gone; !g.Equal(h.now) {
		t.Errorf("PAY-4, deleted in Jira, gone at %v, want %v", g, h.now)
	}
	for _, k := range []string{"PAY-1", "PAY-2", "PAY-3", "PAY-5"} {
		if !byKey[k].Gone.IsZero() {
			t.Errorf("%s marked gone", k)
		}
	}
	if p := byKey["PAY-3"]; p.Assignee != "" || p.Priority != "" || p.HasStoryPoints {
		t.Errorf("PAY-3 (unassigned, no priority, no story points) = %+v", p)
	}

	// Per person: events, ticket load over time, local time.
	if diff := cmp.Diff(map[string]int{alice: 11, bob: 10}, eventsByIdentity(t, h.db)); diff != "" {
		t.Errorf("events per identity (-want +got):\n%s", diff)
	}
	zones, err := h.db.JiraTimeZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{alice: "Europe/Berlin", bob: "America/New_York"}, zones); diff != "" {
		t.Errorf("Jira time zones (-want +got):\n%s", diff)
	}
	if err := h.db.ReplacePeople(ctx, people(alice, bob)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at               string
		open, inProgress map[string]int
	}{
		{"2026-01-05T09:30:00Z", map[string]int{"alice": 1}, map[string]int{}},
		{"2026-01-10T00:00:00Z", map[string]int{"alice": 1}, map[string]int{"alice": 1}},
		{"2026-01-12T15:00:30Z", map[string]int{}, map[string]int{}},
		{"2026-02-03T09:00:00Z", map[string]int{"bob": 1}, map[string]int{}},
		{"2026-02-12T12:00:00Z", map[string]int{"alice": 1, "bob": 1}, map[string]int{"alice": 1, "bob": 1}},
		{"2026-02-21T00:00:00Z", map[string]int{"alice": 1, "bob": 2}, map[string]int{"alice": 1, "bob": 2}},
		{"2026-03-03T11:00:00Z", map[string]int{"alice": 1, "bob": 2}, map[string]int{"alice": 1, "bob": 2}},
		{"2026-03-03T13:00:00Z", map[string]int{"alice": 1, "bob": 1}, map[string]int{"alice": 1, "bob": 1}}, // PAY-4 gone
	} {
		open, err := h.db.OpenTicketsAt(ctx, ts(tc.at))
		if err != nil {
			t.Fatal(err)
		}
		inProgress, err := h.db.InProgressTicketsAt(ctx, ts(tc.at))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.open, open); diff != "" {
			t.Errorf("open tickets at %s (-want +got):\n%s", tc.at, diff)
		}
		if diff := cmp.Diff(tc.inProgress, inProgress); diff != "" {
			t.Errorf("in-progress tickets at %s (-want +got):\n%s", tc.at, diff)
		}
	}
	local, err := h.db.LocalEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Alice logged work on Saturday 7 February at 23:30 in Berlin (Jira
	// wrote it as Sunday 04:00 +0530): a weekend night, after hours.
	found := false
	for _, e := range local {
		if e.PersonID == "alice" && e.Local.Equal(time.Date(2026, 2, 7, 23, 30, 0, 0, time.UTC)) {
			found = true
			if e.WorkingDay || !e.AfterHours {
				t.Errorf("alice's Saturday-night worklog judged working day %v, after hours %v", e.WorkingDay, e.AfterHours)
			}
		}
	}
	if !found {
		t.Errorf("no event of alice at Saturday 2026-02-07 23:30 Berlin time: %+v", local)
	}
}

func TestDataCenter(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHarness(t, false)
	f := h.fake
	// While the run pages, OPS-1 is commented on: it moves to the end of
	// the `updated` order and every ticket after it moves up a place.
	f.afterSearch = func(f *fakeJira) {
		f.update("OPS-1", func(is map[string]any) {
			fields := fieldsOf(is)
			c := fields["comment"].(map[string]any)
			c["comments"] = []any{map[string]any{"id": "50002", "created": "2026-03-02T12:00:00.000+0100", "body": "SECRET",
				"author": map[string]any{"name": "bob", "key": "bob", "displayName": "Bob Builder", "timeZone": "Europe/Berlin"}}}
			c["total"], c["maxResults"] = 1.0, 1.0
			fields["updated"] = "2026-03-02T12:00:00.000+0100"
		})
	}
	h.now = ts("2026-03-02T12:00:00Z")
	opts := h.options("project = OPS", ts("2026-02-01T00:00:00Z"))
	opts.StoryPointsField = ""
	_, _, err := h.collect(t, opts)
	if err != nil {
		t.Fatalf("collect: %v\nlogs:\n%s", err, h.logs)
	}
	reqs := f.takeRequests()
	if reqs[0].Path != "/rest/api/2/serverInfo" {
		t.Errorf("first request %s, want serverInfo (deployment detection)", reqs[0].Path)
	}
	wantJQL := `(project = OPS) AND updated >= "2026/02/01 01:00" ORDER BY updated ASC, key ASC`
	jqls := searchJQLs(reqs, "/rest/api/2/search")
	if len(jqls) < 6 || jqls[0] != wantJQL {
		t.Errorf("search JQL = %q, want %q first", jqls, wantJQL)
	}
	// Pages overlap by one; when the overlap is gone (OPS-1 moved) the
	// pager steps back instead of skipping OPS-3.
	if diff := cmp.Diff([]string{"0", "1", "0", "1", "2", "3"}, queryValues(reqs, "/rest/api/2/search", "startAt")[:6]); diff != "" {
		t.Errorf("startAt sequence (-want +got):\n%s", diff)
	}
	for _, r := range reqs {
		if r.Path == "/rest/api/2/search/jql" {
			t.Errorf("the Data Center path called Cloud's /search/jql")
		}
	}
	// OPS-1's worklogs (3, 2 embedded) are paged, twice: it is read twice.
	if diff := cmp.Diff([]string{"0", "2", "0", "2"}, queryValues(reqs, "/rest/api/2/issue/20001/worklog", "startAt")); diff != "" {
		t.Errorf("worklog pages (-want +got):\n%s", diff)
	}
	tickets, err := h.db.JiraTickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 5 {
		t.Fatalf("stored %d tickets, want 5", len(tickets))
	}
	// Usernames, not user keys: the changelog names alice by her key
	// JIRAUSER10100 and carol by JIRAUSER10200.
	wantOPS1 := store.JiraTicket{
		ID: "20001", Key: "OPS-1", Project: "OPS", Type: "Task", Priority: "High", Status: "In Progress", StatusCategory: "indeterminate",
		Assignee: dcAlice, Reporter: dcBob, Created: ts("2026-02-02T08:00:00Z"), Updated: ts("2026-03-02T11:00:00Z"),
		Intervals: []store.JiraInterval{
			{Field: "assignee", Value: "", From: ts("2026-02-02T08:00:00Z"), To: ts("2026-02-02T09:00:00Z")},
			{Field: "assignee", Value: dcAlice, From: ts("2026-02-02T09:00:00Z")},
			{Field: "status", Value: "Open", Category: "new", From: ts("2026-02-02T08:00:00Z"), To: ts("2026-02-03T09:00:00Z")},
			{Field: "status", Value: "In Progress", Category: "indeterminate", From: ts("2026-02-03T09:00:00Z")},
		},
	}
	if diff := cmp.Diff(wantOPS1, tickets[0]); diff != "" {
		t.Errorf("OPS-1, read again after it moved (-want +got):\n%s", diff)
	}
	if tickets[1].Assignee != dcCarol || tickets[1].Intervals[1].Value != dcCarol {
		t.Errorf("OPS-2 assignee %q, history %+v; want %s", tickets[1].Assignee, tickets[1].Intervals, dcCarol)
	}
	// OPS-4 was dave's: the changelog names him by key only, which Jira
	// resolves to his username; OPS-5's first assignee is deleted and
	// stays a key.
	if got := tickets[3].Intervals[0]; got.Value != "jira:dave" {
		t.Errorf("OPS-4's first assignee = %q, want jira:dave", got.Value)
	}
	if got := tickets[4].Intervals[0]; got.Value != "jira:JIRAUSER10999" {
		t.Errorf("OPS-5's first assignee = %q, want the deleted user's key", got.Value)
	}
	if diff := cmp.Diff([]string{"JIRAUSER10300", "JIRAUSER10999"}, queryValues(reqs, "/rest/api/2/user", "key")); diff != "" {
		t.Errorf("user key look-ups (-want +got):\n%s", diff)
	}
	// alice: created OPS-4, OPS-5, moved OPS-1, reassigned OPS-4 and OPS-5,
	// logged 3 worklogs; bob: created OPS-1..3, assigned OPS-1 and OPS-2,
	// closed OPS-3, commented on OPS-1 during the run; carol commented on OPS-2.
	if diff := cmp.Diff(map[string]int{dcAlice: 8, dcBob: 7, dcCarol: 1}, eventsByIdentity(t, h.db)); diff != "" {
		t.Errorf("events per identity (-want +got):\n%s", diff)
	}
	cur, _, _ := h.db.GetCursor(ctx, jira.Source, f.URL()+" project = OPS")
	if cur.Position != "2026-03-02T11:00:00Z" {
		t.Errorf("cursor = %q, want 2026-03-02T11:00:00Z", cur.Position)
	}
	if err := h.db.ReplacePeople(ctx, people(dcAlice, dcBob)); err != nil {
		t.Fatal(err)
	}
	open, err := h.db.OpenTicketsAt(ctx, ts("2026-02-08T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	// alice: OPS-1; bob: OPS-4 (OPS-3 closed on the 8th at 10:00).
	if diff := cmp.Diff(map[string]int{"alice": 1, "bob": 1}, open); diff != "" {
		t.Errorf("open tickets (-want +got):\n%s", diff)
	}
	h.assertNoSecrets(t, err)
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	for _, cloud := range []bool{true, false} {
		name := map[bool]string{true: "cloud", false: "datacenter"}[cloud]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, cloud)
			h.now = ts("2026-03-02T12:00:00Z")
			opts := h.options("project = PAY", time.Time{})
			h.fake.token = "the-right-token"
			_, _, err := h.collect(t, opts) // with the wrong one
			if !errors.Is(err, jira.ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			msg := err.Error()
			wantNames := []string{h.fake.URL(), tokenEnv, "401"}
			if cloud {
				wantNames = append(wantNames, userEnv)
			}
			for _, want := range wantNames {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %s", msg, want)
				}
			}
			h.fake.token = opts.Token // the secret that was sent
			h.assertNoSecrets(t, err)
			if n, _ := h.db.EventCount(t.Context(), jira.Source); n != 0 {
				t.Errorf("%d events stored without access", n)
			}
		})
	}
}

// A page Jira serves malformed again and again fails the run after the
// pages before it are stored, and the cursor stays there; the next run
// resumes from it.
func TestMalformedPageResumes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHarness(t, true)
	f := h.fake
	f.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Query().Get("nextPageToken") == "CAEaAggB-2" }, times: -1,
		code: http.StatusOK, body: `{"issues":[{"expand":"operations","id":"10003","key":"PAY-3","fields":{"upd`})
	h.now = ts("2026-03-02T12:00:00Z")
	opts := h.options("project = PAY", ts("2026-01-01T00:00:00Z"))
	opts.MaxAttempts = 2
	_, _, err := h.collect(t, opts)
	if err == nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Fatalf("err = %v, want a malformed JSON error", err)
	}
	tickets, _ := h.db.JiraTickets(ctx)
	var keys []string
	for _, tk := range tickets {
		keys = append(keys, tk.Key)
	}
	if diff := cmp.Diff([]string{"PAY-1", "PAY-2"}, keys); diff != "" {
		t.Errorf("stored tickets after the failed page (-want +got):\n%s", diff)
	}
	scope := f.URL() + " project = PAY"
	cur, _, _ := h.db.GetCursor(ctx, jira.Source, scope)
	if cur.Position != "2026-02-08T01:00:00Z" {
		t.Errorf("cursor = %q, want PAY-2's updated 2026-02-08T01:00:00Z", cur.Position)
	}
	if _, ok, _ := h.db.GetCursor(ctx, jira.Source, "reconcile "+scope); ok {
		t.Error("reconciliation ran after a failed sync")
	}

	f.clearFaults()
	f.takeRequests()
	if _, _, err := h.collect(t, opts); err != nil {
		t.Fatal(err)
	}
	// 2026-02-08 00:55 UTC is 06:25 in Kolkata.
	want := `(project = PAY) AND updated >= "2026/02/08 06:25" ORDER BY updated ASC, key ASC`
	if got := searchJQLs(f.takeRequests(), "/rest/api/2/search/jql"); len(got) == 0 || got[0] != want {
		t.Errorf("resumed with JQL %q, want %q", got, want)
	}
	tickets, _ = h.db.JiraTickets(ctx)
	if len(tickets) != 5 {
		t.Errorf("after resuming %d tickets stored, want 5", len(tickets))
	}
	h.assertNoSecrets(t, err)
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts jira.Options
		want []string
		not  []string
	}{
		{"no token", jira.Options{URL: "https://acme.atlassian.net", User: "me@acme.example", TokenEnv: tokenEnv}, []string{tokenEnv}, nil},
		{"cloud without user", jira.Options{URL: "https://acme.atlassian.net", Token: "tok-123", Deployment: "cloud", UserEnv: userEnv}, []string{userEnv}, []string{"tok-123"}},
		{"credentials in url", jira.Options{URL: "https://me:hunter2@jira.example.com", Token: "tok-123"}, []string{"JIRA_USER", "JIRA_TOKEN"}, []string{"hunter2", "tok-123"}},
		{"bad deployment", jira.Options{URL: "https://jira.example.com", Token: "tok-123", Deployment: "server-ish"}, []string{"server-ish"}, nil},
		{"not a url", jira.Options{URL: "jira.example.com", Token: "tok-123"}, []string{"jira.example.com"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jira.New(tc.opts)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q shows the secret %q", err, n)
				}
			}
		})
	}
}

// A ticket whose extra pages come back in an unexpected shape, or that is
// deleted while the run reads it, is skipped with a warning; the others
// are stored and the run succeeds.
func TestTicketFailuresSkipOnlyThatTicket(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHarness(t, true)
	f := h.fake
	malformed := &fault{match: func(r *http.Request) bool { return r.URL.Path == "/rest/api/2/issue/10002/worklog" }, times: -1,
		code: http.StatusOK, body: `{"startAt":0,"maxResults":2,"total":3,"worklogs":[{"id":"30001","started":"Saturday night","timeSpentSeconds":60}]}`}
	f.addFault(malformed)
	f.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Path == "/rest/api/2/issue/10003/comment" }, times: -1,
		code: http.StatusNotFound, body: `{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`})
	h.now = ts("2026-03-02T12:00:00Z")
	if _, _, err := h.collect(t, h.options("project = PAY", ts("2026-01-01T00:00:00Z"))); err != nil {
		t.Fatalf("collect: %v", err)
	}
	tickets, _ := h.db.JiraTickets(ctx)
	var keys []string
	for _, tk := range tickets {
		keys = append(keys, tk.Key)
	}
	if diff := cmp.Diff([]string{"PAY-1", "PAY-4", "PAY-5"}, keys); diff != "" {
		t.Errorf("stored tickets (-want +got):\n%s", diff)
	}
	logs := h.logs.String()
	for _, want := range []string{"ticket=PAY-2", "ticket=PAY-3", "tickets skipped: gone while being read", "tickets skipped: malformed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	// Nothing of a skipped ticket is half-written: none of its events either.
	if n, _ := h.db.EventCount(ctx, jira.Source); n != 8 {
		t.Errorf("%d events stored, want 8 (PAY-1: 4, PAY-4: 2, PAY-5: 2)", n)
	}

	// PAY-2 went on the skipped list with PAY-6, the fixture's ticket that
	// is malformed for good (PAY-3 did not: it looked gone). The
	// cursor moved past it, but the next runs read it again by key, though
	// it has not changed in Jira: while still malformed it stays on the
	// list, once Jira answers it whole it is stored and struck off.
	opts := h.options("project = PAY", ts("2026-01-01T00:00:00Z"))
	c, err := jira.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	scope := c.CursorScope()
	if keys, err := h.db.JiraSkipped(ctx, scope); err != nil || !slices.Equal(keys, []string{"PAY-2", "PAY-6"}) {
		t.Fatalf("skipped list %v (err %v), want [PAY-2 PAY-6]", keys, err)
	}
	h.now = ts("2026-03-02T13:00:00Z")
	if _, _, err := h.collect(t, opts); err != nil {
		t.Fatalf("second collect: %v", err)
	}
	if keys, _ := h.db.JiraSkipped(ctx, scope); !slices.Equal(keys, []string{"PAY-2", "PAY-6"}) {
		t.Errorf("after a second run with PAY-2 still malformed, the skipped list is %v", keys)
	}
	f.mu.Lock()
	malformed.times = 0
	f.mu.Unlock()
	h.now = ts("2026-03-02T14:00:00Z")
	if _, _, err := h.collect(t, opts); err != nil {
		t.Fatalf("third collect: %v", err)
	}
	if keys, _ := h.db.JiraSkipped(ctx, scope); !slices.Equal(keys, []string{"PAY-6"}) {
		t.Errorf("after PAY-2 was read whole, the skipped list is %v, want [PAY-6] (malformed for good)", keys)
	}
	tickets, _ = h.db.JiraTickets(ctx)
	keys = keys[:0]
	for _, tk := range tickets {
		keys = append(keys, tk.Key)
	}
	if diff := cmp.Diff([]string{"PAY-1", "PAY-2", "PAY-4", "PAY-5"}, keys); diff != "" {
		t.Errorf("stored tickets after the retry (-want +got):\n%s", diff)
	}
	if !strings.Contains(h.logs.String(), "a skipped ticket is stored now") {
		t.Errorf("logs do not say PAY-2 was stored on retry")
	}
}

// A skipped ticket that Jira deletes leaves the skipped list.
func TestSkippedTicketGoneLeavesTheList(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	h := newHarness(t, true)
	h.fake.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Path == "/rest/api/2/issue/10002/worklog" }, times: -1,
		code: http.StatusOK, body: `{"startAt":0,"maxResults":2,"total":3,"worklogs":[{"id":"30001","started":"Saturday night","timeSpentSeconds":60}]}`})
	opts := h.options("project = PAY", ts("2026-01-01T00:00:00Z"))
	c, err := jira.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.now = ts("2026-03-02T12:00:00Z")
	if _, _, err := h.collect(t, opts); err != nil {
		t.Fatal(err)
	}
	if keys, _ := h.db.JiraSkipped(ctx, c.CursorScope()); !slices.Equal(keys, []string{"PAY-2", "PAY-6"}) {
		t.Fatalf("skipped list %v, want [PAY-2 PAY-6]", keys)
	}
	h.fake.remove("PAY-2")
	h.now = ts("2026-03-02T13:00:00Z")
	if _, _, err := h.collect(t, opts); err != nil {
		t.Fatal(err)
	}
	if keys, _ := h.db.JiraSkipped(ctx, c.CursorScope()); !slices.Equal(keys, []string{"PAY-6"}) {
		t.Errorf("skipped list %v after PAY-2 was deleted, want [PAY-6]", keys)
	}
}

// TestEchoedCredentialsAreRedacted: a Jira (or a proxy before it) that
// answers 400 with the request's Authorization header in its body, as
// Jira Cloud's basic credentials (base64 of email:token) or Data Center's
// bearer token, raw and encoded: neither the error nor the logs (at debug
// level, as with -v) hold the token, the email or their encoding; the rest
// of the message is kept.
func TestEchoedCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	for _, cloud := range []bool{true, false} {
		t.Run(fmt.Sprintf("cloud=%v", cloud), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, cloud)
			h.fake.addFault(&fault{match: func(r *http.Request) bool {
				return r.URL.Path == "/rest/api/2/search/jql" || r.URL.Path == "/rest/api/2/search"
			}, times: -1,
				respond: func(w http.ResponseWriter, r *http.Request) {
					auth := r.Header.Get("Authorization")
					_, cred, _ := strings.Cut(auth, " ")
					decoded, _ := base64.StdEncoding.DecodeString(cred)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"errorMessages":["Bad header. Authorization: %s","credential %s / %s"],"errors":{"Authorization":%q}}`, auth, cred, decoded, auth)
				}})
			h.now = ts("2026-03-02T12:00:00Z")
			_, _, err := h.collect(t, h.options("project = PAY", ts("2026-01-01T00:00:00Z")))
			if err == nil || !strings.Contains(err.Error(), "400 Bad Request: Bad header. Authorization: ") || !strings.Contains(err.Error(), "[REDACTED]") {
				t.Fatalf("err = %v, want the 400 with its message and the credential redacted", err)
			}
			h.assertNoSecrets(t, err)
		})
	}
}

// TestHugeErrorBodyIsReadOnlyInPart: a 300 MB error body fails the
// request as a 400 without being read whole.
func TestHugeErrorBodyIsReadOnlyInPart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	var written atomic.Int64
	h.fake.addFault(&fault{match: func(r *http.Request) bool { return r.URL.Path == "/rest/api/2/search/jql" }, times: -1,
		respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(300<<20))
			w.WriteHeader(http.StatusBadRequest)
			chunk := []byte(strings.Repeat(" ", 1<<20))
			for range 300 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				written.Add(1 << 20)
			}
		}})
	h.now = ts("2026-03-02T12:00:00Z")
	_, _, err := h.collect(t, h.options("project = PAY", ts("2026-01-01T00:00:00Z")))
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Fatalf("err = %v, want the 400", err)
	}
	if n := written.Load(); n >= 300<<20 {
		t.Errorf("the whole %d MB body was read", n>>20)
	}
}
