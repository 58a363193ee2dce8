package jira_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeJira answers like Jira Cloud or Data Center, from the captured
// shapes in testdata/, mounted under /jira so that an absolute path fails
// loudly. It understands exactly the JQL the collector sends, reading its
// dates in the API user's zone as Jira does, and caps what it embeds in a
// search result so that the per-ticket endpoints are needed.
type fakeJira struct {
	t      *testing.T
	cloud  bool
	user   string // Cloud: basic auth user
	token  string
	zone   *time.Location // the API user's zone (myself.timeZone)
	server *httptest.Server

	serverInfo, myself, statuses, fields []byte

	changelogCap, commentCap, worklogCap int // embedded in a search result; 0: all
	pageCap                              int // maxResults of the per-ticket endpoints

	mu       sync.Mutex
	issues   []map[string]any
	requests []request
	faults   []*fault
	// afterSearch runs once after the first search page is served.
	afterSearch func(f *fakeJira)
}

type request struct {
	Path  string
	Query url.Values
}

// fault is an answer served instead of the real one, to matching requests,
// times times (negative: always).
type fault struct {
	match  func(r *http.Request) bool
	times  int
	code   int
	header map[string]string
	body   string
	// respond, when set, answers instead of code, header and body.
	respond func(http.ResponseWriter, *http.Request)
}

const fakePrefix = "/jira"

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFakeJira(t *testing.T, cloud bool) *fakeJira {
	t.Helper()
	prefix := "datacenter_"
	if cloud {
		prefix = "cloud_"
	}
	f := &fakeJira{t: t, cloud: cloud, token: "s3cr3t-t0ken-value", pageCap: 2}
	if cloud {
		f.user = "overtime-bot@acme.example"
		f.changelogCap, f.commentCap, f.worklogCap = 2, 2, 2
		f.fields = readTestdata(t, "cloud_fields.json")
	} else {
		// Data Center embeds the whole changelog and comments.
		f.worklogCap = 2
		f.fields = []byte(`[]`)
	}
	f.serverInfo = readTestdata(t, prefix+"serverinfo.json")
	f.myself = readTestdata(t, prefix+"myself.json")
	f.statuses = readTestdata(t, prefix+"statuses.json")
	var me struct {
		TimeZone string `json:"timeZone"`
	}
	if err := json.Unmarshal(f.myself, &me); err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation(me.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	f.zone = zone
	if err := json.Unmarshal(readTestdata(t, prefix+"issues.json"), &f.issues); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/api/2/serverInfo", f.static(func() []byte { return f.serverInfo }))
	mux.HandleFunc("GET /rest/api/2/myself", f.static(func() []byte { return f.myself }))
	mux.HandleFunc("GET /rest/api/2/status", f.static(func() []byte { return f.statuses }))
	mux.HandleFunc("GET /rest/api/2/field", f.static(func() []byte { return f.fields }))
	if cloud {
		mux.HandleFunc("GET /rest/api/2/search/jql", f.searchCloud)
		mux.HandleFunc("GET /rest/api/2/search", func(w http.ResponseWriter, r *http.Request) {
			// Jira Cloud removed the old search in 2025.
			writeJSON(w, http.StatusGone, map[string]any{"errorMessages": []string{"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"}, "errors": map[string]any{}})
		})
		mux.HandleFunc("GET /rest/api/2/issue/{id}/changelog", f.changelog)
	} else {
		mux.HandleFunc("GET /rest/api/2/search", f.searchDataCenter)
		var users map[string]any
		if err := json.Unmarshal(readTestdata(t, "datacenter_users.json"), &users); err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc("GET /rest/api/2/user", func(w http.ResponseWriter, r *http.Request) {
			key := r.URL.Query().Get("key")
			if u, ok := users[key]; ok {
				writeJSON(w, http.StatusOK, u)
				return
			}
			writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"The user with the key '" + key + "' does not exist"}, "errors": map[string]any{}})
		})
	}
	mux.HandleFunc("GET /rest/api/2/issue/{id}", f.issue)
	mux.HandleFunc("GET /rest/api/2/issue/{id}/comment", f.list("comment", "comments"))
	mux.HandleFunc("GET /rest/api/2/issue/{id}/worklog", f.list("worklog", "worklogs"))

	root := http.NewServeMux()
	root.Handle(fakePrefix+"/", http.StripPrefix(fakePrefix, f.middleware(mux)))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside %s: %s %s", fakePrefix, r.Method, r.URL)
		http.NotFound(w, r)
	})
	f.server = httptest.NewServer(root)
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeJira) URL() string { return f.server.URL + fakePrefix }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeJira) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, request{Path: r.URL.Path, Query: r.URL.Query()})
		var hit *fault
		for _, ft := range f.faults {
			if ft.times != 0 && ft.match(r) {
				ft.times--
				hit = ft
				break
			}
		}
		f.mu.Unlock()
		if r.Method != http.MethodGet {
			f.t.Errorf("%s %s: the collector only reads", r.Method, r.URL.Path)
		}
		if r.URL.Path != "/rest/api/2/serverInfo" && !f.authorized(r) {
			msg := "Client must be authenticated to access this resource."
			if !f.cloud {
				msg = "You are not authenticated. Authentication required to perform this operation."
			}
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
			return
		}
		if hit != nil && hit.respond != nil {
			hit.respond(w, r)
			return
		}
		if hit != nil {
			for k, v := range hit.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(hit.code)
			fmt.Fprint(w, hit.body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *fakeJira) authorized(r *http.Request) bool {
	if f.cloud {
		user, pass, ok := r.BasicAuth()
		return ok && user == f.user && pass == f.token
	}
	return r.Header.Get("Authorization") == "Bearer "+f.token
}

func (f *fakeJira) static(body func() []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write(body())
	}
}

func (f *fakeJira) addFault(ft *fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

func (f *fakeJira) clearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

func (f *fakeJira) takeRequests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

// The JQL the collector sends: [(base) AND ]updated >= "..." ORDER BY x ASC, key ASC.
var collectorJQL = regexp.MustCompile(`^(?:\((.+)\) AND )?updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)" ORDER BY (updated|created) ASC, key ASC$`)

func jiraTime(v any) time.Time {
	s, _ := v.(string)
	t, err := time.Parse("2006-01-02T15:04:05.999-0700", s)
	if err != nil {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // unparseable sorts last
	}
	return t
}

func fieldsOf(issue map[string]any) map[string]any { return issue["fields"].(map[string]any) }

// matching evaluates the JQL on the fake's tickets.
func (f *fakeJira) matching(jql string) ([]map[string]any, error) {
	m := collectorJQL.FindStringSubmatch(jql)
	if m == nil {
		return nil, fmt.Errorf("Error in the JQL Query: the fake does not understand %q", jql)
	}
	from, err := time.ParseInLocation("2006/01/02 15:04", m[2], f.zone)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, is := range f.issues {
		if !jiraTime(fieldsOf(is)["updated"]).Before(from) {
			out = append(out, is)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := jiraTime(fieldsOf(out[i])[m[3]]), jiraTime(fieldsOf(out[j])[m[3]])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i]["key"].(string) < out[j]["key"].(string)
	})
	return out, nil
}

func deepCopy(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// render shapes a ticket as a search result does: only the fields asked
// for, the changelog only when expanded, long lists capped.
func (f *fakeJira) render(issue map[string]any, fields []string, expand string) map[string]any {
	out := deepCopy(issue)
	src := fieldsOf(out)
	kept := map[string]any{}
	for _, name := range fields {
		if v, ok := src[name]; ok {
			kept[name] = v
		}
	}
	capList := func(container map[string]any, list string, limit int) {
		items, _ := container[list].([]any)
		if limit > 0 && len(items) > limit {
			container[list] = items[:limit]
			container["maxResults"] = limit
		}
	}
	if c, ok := kept["comment"].(map[string]any); ok {
		capList(c, "comments", f.commentCap)
	}
	if w, ok := kept["worklog"].(map[string]any); ok {
		capList(w, "worklogs", f.worklogCap)
	}
	out["fields"] = kept
	if strings.Contains(expand, "changelog") {
		capList(out["changelog"].(map[string]any), "histories", f.changelogCap)
	} else {
		delete(out, "changelog")
	}
	return out
}

func (f *fakeJira) searchArgs(w http.ResponseWriter, r *http.Request) (matches []map[string]any, fields []string, max int, ok bool) {
	q := r.URL.Query()
	matches, err := f.matching(q.Get("jql"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{err.Error()}, "errors": map[string]any{}})
		return nil, nil, 0, false
	}
	max, _ = strconv.Atoi(q.Get("maxResults"))
	if max <= 0 {
		max = 50
	}
	return matches, strings.Split(q.Get("fields"), ","), max, true
}

func (f *fakeJira) served() {
	f.mu.Lock()
	hook := f.afterSearch
	f.afterSearch = nil
	f.mu.Unlock()
	if hook != nil {
		hook(f)
	}
}

func (f *fakeJira) searchCloud(w http.ResponseWriter, r *http.Request) {
	matches, fields, max, ok := f.searchArgs(w, r)
	if !ok {
		return
	}
	start := 0
	if tok := r.URL.Query().Get("nextPageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "CAEaAggB-"))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"Invalid nextPageToken"}, "errors": map[string]any{}})
			return
		}
		start = n
	}
	end := min(start+max, len(matches))
	issues := []any{}
	for _, is := range matches[start:end] {
		issues = append(issues, f.render(is, fields, r.URL.Query().Get("expand")))
	}
	page := map[string]any{"issues": issues}
	if end < len(matches) {
		page["nextPageToken"] = "CAEaAggB-" + strconv.Itoa(end)
		page["isLast"] = false
	} else {
		page["isLast"] = true // and no nextPageToken at all (JRACLOUD-92184)
	}
	f.served() // before answering, so the next request sees the change
	writeJSON(w, http.StatusOK, page)
}

func (f *fakeJira) searchDataCenter(w http.ResponseWriter, r *http.Request) {
	matches, fields, max, ok := f.searchArgs(w, r)
	if !ok {
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
	start = min(start, len(matches))
	end := min(start+max, len(matches))
	issues := []any{}
	for _, is := range matches[start:end] {
		issues = append(issues, f.render(is, fields, r.URL.Query().Get("expand")))
	}
	f.served()
	writeJSON(w, http.StatusOK, map[string]any{"expand": "names,schema", "startAt": start, "maxResults": max,
		"total": len(matches), "issues": issues})
}

func (f *fakeJira) lookup(w http.ResponseWriter, r *http.Request) map[string]any {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		if is["id"] == id || is["key"] == id {
			return deepCopy(is)
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}, "errors": map[string]any{}})
	return nil
}

func pageBounds(r *http.Request, total, pageCap int) (start, end int) {
	start, _ = strconv.Atoi(r.URL.Query().Get("startAt"))
	max, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
	if max <= 0 || max > pageCap {
		max = pageCap
	}
	start = min(start, total)
	return start, min(start+max, total)
}

func (f *fakeJira) changelog(w http.ResponseWriter, r *http.Request) {
	is := f.lookup(w, r)
	if is == nil {
		return
	}
	all := is["changelog"].(map[string]any)["histories"].([]any)
	start, end := pageBounds(r, len(all), f.pageCap)
	writeJSON(w, http.StatusOK, map[string]any{
		"self":       f.URL() + r.URL.String(),
		"maxResults": end - start, "startAt": start, "total": len(all), "isLast": end >= len(all),
		"values": all[start:end],
	})
}

// list serves /comment and /worklog pages from the ticket's field.
func (f *fakeJira) list(field, items string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		is := f.lookup(w, r)
		if is == nil {
			return
		}
		all := fieldsOf(is)[field].(map[string]any)[items].([]any)
		start, end := pageBounds(r, len(all), f.pageCap)
		writeJSON(w, http.StatusOK, map[string]any{"startAt": start, "maxResults": end - start, "total": len(all), items: all[start:end]})
	}
}

// issue is Data Center's GET /issue/{id}, with the whole changelog.
func (f *fakeJira) issue(w http.ResponseWriter, r *http.Request) {
	is := f.lookup(w, r)
	if is == nil {
		return
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	writeJSON(w, http.StatusOK, f.render(is, fields, r.URL.Query().Get("expand")))
}

// mutate changes the fake's tickets as Jira would between runs.
func (f *fakeJira) remove(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issues = slices.DeleteFunc(f.issues, func(is map[string]any) bool { return is["key"] == key })
}

func (f *fakeJira) update(key string, fn func(issue map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		if is["key"] == key {
			fn(is)
			return
		}
	}
	f.t.Fatalf("no ticket %s", key)
}
