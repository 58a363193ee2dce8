package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	jira "github.com/andygrunwald/go-jira"

	"github.com/overtime-project/overtime/identity"
	"github.com/overtime-project/overtime/store"
)

// jiraTime is how Jira writes instants: 2026-02-07T23:30:00.000+0100.
const jiraTime = "2006-01-02T15:04:05.999-0700"

// ticketFields are the fields asked for: what the load and the events need,
// and nothing of the text (no summary, no description).
var ticketFields = []string{"project", "issuetype", "priority", "status", "assignee", "reporter", "creator",
	"created", "updated", "resolutiondate", "comment", "worklog"}

// Page sizes of the per-ticket endpoints (their maximum on Cloud).
const (
	changelogPageSize = 100
	commentPageSize   = 100
	worklogPageSize   = 100
)

// embedded are the counts Jira gives next to the capped lists it embeds
// in a search result; they tell whether the rest needs fetching.
type embedded struct {
	Changelog *struct {
		StartAt   int               `json:"startAt"`
		Total     int               `json:"total"`
		Histories []json.RawMessage `json:"histories"`
	} `json:"changelog"`
	Fields struct {
		Comment *struct {
			StartAt  int               `json:"startAt"`
			Total    int               `json:"total"`
			Comments []json.RawMessage `json:"comments"`
		} `json:"comment"`
		Worklog *struct {
			StartAt  int               `json:"startAt"`
			Total    int               `json:"total"`
			Worklogs []json.RawMessage `json:"worklogs"`
		} `json:"worklog"`
	} `json:"fields"`
}

// collected is one ticket ready to store.
type collected struct {
	ticket store.JiraTicket
	events []store.Event
	users  []store.JiraUser
}

// skipError says a ticket cannot be used; the run warns and goes on.
type skipError struct {
	kind, key string
	err       error
}

func (e *skipError) Error() string { return fmt.Sprintf("ticket %s: %v", e.key, e.err) }

func parseTime(s string) (time.Time, error) {
	return time.Parse(jiraTime, s)
}

// readTicket turns one ticket of a search page into what is stored,
// fetching the changelog, comments and worklogs past what the page embeds.
// A ticket that cannot be read whole is a *skipError; errors that stop the
// run (credentials, retries exhausted, ctx) come back as they are.
func (s *session) readTicket(ctx context.Context, raw json.RawMessage) (*collected, error) {
	var iss jira.Issue
	var emb embedded
	if err := errors.Join(json.Unmarshal(raw, &iss), json.Unmarshal(raw, &emb)); err != nil {
		return nil, &skipError{warnMalformed, rawKey(raw), err}
	}
	if iss.ID == "" || iss.Key == "" || iss.Fields == nil {
		return nil, &skipError{warnMalformed, rawKey(raw), errors.New("no id, key or fields")}
	}
	f := iss.Fields
	created, updated := time.Time(f.Created), time.Time(f.Updated)
	if created.IsZero() || updated.IsZero() {
		return nil, &skipError{warnMalformed, iss.Key, errors.New("no created or updated time")}
	}

	var histories []jira.ChangelogHistory
	if iss.Changelog != nil {
		histories = iss.Changelog.Histories
	}
	if c := emb.Changelog; c != nil && (c.StartAt > 0 || c.Total > len(c.Histories)) {
		all, err := s.fetchChangelog(ctx, iss.ID)
		if err != nil {
			return nil, s.perTicket(iss.Key, "changelog", err)
		}
		histories = all
	}
	var comments []*jira.Comment
	if f.Comments != nil {
		comments = f.Comments.Comments
	}
	if c := emb.Fields.Comment; c != nil && (c.StartAt > 0 || c.Total > len(c.Comments)) {
		all, err := s.fetchComments(ctx, iss.ID)
		if err != nil {
			return nil, s.perTicket(iss.Key, "comments", err)
		}
		comments = all
	}
	var worklogs []jira.WorklogRecord
	if f.Worklog != nil {
		worklogs = f.Worklog.Worklogs
	}
	if w := emb.Fields.Worklog; w != nil && (w.StartAt > 0 || w.Total > len(w.Worklogs)) {
		all, err := s.fetchWorklogs(ctx, iss.ID)
		if err != nil {
			return nil, s.perTicket(iss.Key, "worklogs", err)
		}
		worklogs = all
	}
	if s.deployment != DeploymentCloud {
		s.learnUserKeys(f, histories, comments, worklogs)
		if err := s.resolveUserKeys(ctx, histories); err != nil {
			return nil, err
		}
	}
	return s.build(&iss, histories, comments, worklogs)
}

// resolveUserKeys asks Data Center for the username of every user key an
// assignee change names that no user object on the ticket showed (a former
// assignee who did nothing else on it). A key Jira no longer knows (a
// deleted user) stays as it is.
func (s *session) resolveUserKeys(ctx context.Context, histories []jira.ChangelogHistory) error {
	for _, h := range histories {
		for _, it := range h.Items {
			if !strings.EqualFold(it.Field, "assignee") {
				continue
			}
			for _, v := range []any{it.From, it.To} {
				key := str(v)
				if key == "" {
					continue
				}
				if _, ok := s.userNames[key]; ok {
					continue
				}
				var u jira.User
				err := s.get(ctx, s.auth, "rest/api/2/user", url.Values{"key": {key}}, &u)
				switch {
				case err == nil && u.Name != "":
					s.userNames[key] = u.Name
				case err == nil || statusCode(err) == http.StatusNotFound:
					s.userNames[key] = key
				case errors.Is(err, ErrAuth) || ctx.Err() != nil || statusCode(err) == 0:
					return err
				default:
					s.c.opts.Logger.Warn("jira: cannot look up a user key", "url", s.c.site, "key", key, "err", err)
					s.userNames[key] = key
				}
			}
		}
	}
	return nil
}

// perTicket sorts an error reading one ticket's extra pages: the ticket
// vanished (404), Jira refuses that one request (other 4xx) or answers it
// in an unexpected shape skip the ticket; anything else stops the run.
func (s *session) perTicket(key, what string, err error) error {
	var de *decodeError
	if errors.As(err, &de) {
		return &skipError{warnMalformed, key, fmt.Errorf("%s: %w", what, err)}
	}
	switch code := statusCode(err); {
	case code == http.StatusNotFound:
		return &skipError{warnVanished, key, err}
	case code >= 400 && code < 500 && code != http.StatusTooManyRequests:
		return &skipError{warnUnreadable, key, fmt.Errorf("%s: %w", what, err)}
	}
	return fmt.Errorf("ticket %s: %s: %w", key, what, err)
}

func rawKey(raw json.RawMessage) string {
	var h struct {
		Key string `json:"key"`
		ID  string `json:"id"`
	}
	if json.Unmarshal(raw, &h) == nil {
		if h.Key != "" {
			return h.Key
		}
		return h.ID
	}
	return "(unreadable)"
}

// fetchChangelog reads a ticket's whole history. Cloud pages it at
// /issue/{id}/changelog; Data Center has no such endpoint, and gives the
// whole history with the issue.
func (s *session) fetchChangelog(ctx context.Context, id string) ([]jira.ChangelogHistory, error) {
	if s.deployment != DeploymentCloud {
		var iss struct {
			Changelog struct {
				Histories []jira.ChangelogHistory `json:"histories"`
			} `json:"changelog"`
		}
		q := url.Values{"fields": {"created"}, "expand": {"changelog"}}
		if err := s.get(ctx, s.auth, "rest/api/2/issue/"+url.PathEscape(id), q, &iss); err != nil {
			return nil, err
		}
		return iss.Changelog.Histories, nil
	}
	var out []jira.ChangelogHistory
	for start := 0; ; {
		var page struct {
			StartAt int                     `json:"startAt"`
			Total   int                     `json:"total"`
			IsLast  bool                    `json:"isLast"`
			Values  []jira.ChangelogHistory `json:"values"`
		}
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(changelogPageSize)}}
		if err := s.get(ctx, s.auth, "rest/api/2/issue/"+url.PathEscape(id)+"/changelog", q, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Values...)
		start += len(page.Values)
		if page.IsLast || len(page.Values) == 0 || start >= page.Total {
			return out, nil
		}
	}
}

func (s *session) fetchComments(ctx context.Context, id string) ([]*jira.Comment, error) {
	var out []*jira.Comment
	for start := 0; ; {
		var page struct {
			Total    int             `json:"total"`
			Comments []*jira.Comment `json:"comments"`
		}
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(commentPageSize)}}
		if err := s.get(ctx, s.auth, "rest/api/2/issue/"+url.PathEscape(id)+"/comment", q, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Comments...)
		start += len(page.Comments)
		if len(page.Comments) == 0 || start >= page.Total {
			return out, nil
		}
	}
}

// fetchWorklogs pages the worklog endpoint (go-jira's GetWorklogs reads one
// page of it).
func (s *session) fetchWorklogs(ctx context.Context, id string) ([]jira.WorklogRecord, error) {
	var out []jira.WorklogRecord
	for start := 0; ; {
		var page jira.Worklog
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(worklogPageSize)}}
		if err := s.get(ctx, s.auth, "rest/api/2/issue/"+url.PathEscape(id)+"/worklog", q, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Worklogs...)
		start += len(page.Worklogs)
		if len(page.Worklogs) == 0 || start >= page.Total {
			return out, nil
		}
	}
}

// person is a Jira user as an identity.
type person struct {
	identity string
	name     string
	bot      bool
}

// personOf names a user the way people[].jira does: the accountId on Cloud,
// the username on Data Center. ok is false for a user Jira no longer shows
// (deleted, anonymous).
func (s *session) personOf(u *jira.User, c *collected) (p person, ok bool) {
	if u == nil {
		return p, false
	}
	var value string
	if s.deployment == DeploymentCloud {
		value = u.AccountID
	} else {
		value = u.Name
		if value == "" {
			value = u.Key
		}
	}
	if value == "" {
		return p, false
	}
	p = person{
		identity: store.IdentityKey(identity.KindJira, value),
		name:     u.DisplayName,
		bot:      u.AccountType == "app" || identity.IsBot(s.c.opts.Bots, u.DisplayName, value),
	}
	if u.TimeZone != "" && c != nil && !p.bot {
		c.users = append(c.users, store.JiraUser{Identity: p.identity, TimeZone: u.TimeZone})
	}
	return p, true
}

// learnUserKeys records the key → username of every Data Center user the
// ticket shows, before its changelog, which names users by key, is read.
func (s *session) learnUserKeys(f *jira.IssueFields, histories []jira.ChangelogHistory, comments []*jira.Comment, worklogs []jira.WorklogRecord) {
	learn := func(u *jira.User) {
		if u != nil && u.Key != "" && u.Name != "" {
			s.userNames[u.Key] = u.Name
		}
	}
	learn(f.Assignee)
	learn(f.Reporter)
	learn(f.Creator)
	for i := range histories {
		learn(&histories[i].Author)
	}
	for _, c := range comments {
		if c != nil {
			learn(&c.Author)
		}
	}
	for _, w := range worklogs {
		learn(w.Author)
	}
}

// changelogUser turns the from/to of an assignee change into an identity:
// an accountId on Cloud; a user key on Data Center, which is the username
// only for older accounts, hence the key → name map of users seen.
func (s *session) changelogUser(v any) string {
	id, _ := v.(string)
	if id == "" {
		return ""
	}
	if s.deployment != DeploymentCloud {
		if name, ok := s.userNames[id]; ok {
			id = name
		}
	}
	return store.IdentityKey(identity.KindJira, id)
}

// change is one status or assignee change from the changelog.
type change struct {
	at             time.Time
	from, to       string // identity or status id
	fromName, name string // status names
}

// build assembles the ticket, its history and its events.
func (s *session) build(iss *jira.Issue, histories []jira.ChangelogHistory, comments []*jira.Comment, worklogs []jira.WorklogRecord) (*collected, error) {
	f := iss.Fields
	c := &collected{}
	key, project := iss.Key, f.Project.Key
	t := store.JiraTicket{
		ID: iss.ID, Key: key, Project: project, Type: f.Type.Name,
		Created: time.Time(f.Created).UTC(), Updated: time.Time(f.Updated).UTC(),
		Resolved: time.Time(f.Resolutiondate).UTC(),
	}
	if time.Time(f.Resolutiondate).IsZero() {
		t.Resolved = time.Time{}
	}
	if f.Priority != nil {
		t.Priority = f.Priority.Name
	}
	var statusID string
	if f.Status != nil {
		t.Status, t.StatusCategory, statusID = f.Status.Name, f.Status.StatusCategory.Key, f.Status.ID
	}
	if p, ok := s.personOf(f.Assignee, c); ok {
		t.Assignee = p.identity
	}
	if p, ok := s.personOf(f.Reporter, c); ok {
		t.Reporter = p.identity
	}
	s.storyPoints(iss, &t)

	event := func(kind, id string, who *jira.User, at time.Time) *store.Event {
		p, ok := s.personOf(who, c)
		if !ok {
			s.warnings.add(warnNoAuthor, key)
			return nil
		}
		if p.bot {
			return nil
		}
		c.events = append(c.events, store.Event{Source: Source, Kind: kind, ID: id, Identity: p.identity,
			Name: p.name, At: at.UTC(), Scope: project})
		return &c.events[len(c.events)-1]
	}

	creator := f.Creator
	if creator == nil {
		creator = f.Reporter
	}
	event(KindTicketCreated, iss.ID, creator, t.Created)

	sort.SliceStable(histories, func(i, j int) bool {
		if histories[i].Created != histories[j].Created {
			ti, _ := histories[i].CreatedTime()
			tj, _ := histories[j].CreatedTime()
			return ti.Before(tj)
		}
		return numericLess(histories[i].Id, histories[j].Id)
	})
	var statuses, assignees []change
	seenHistory := map[string]bool{}
	for _, h := range histories {
		if seenHistory[h.Id] {
			continue
		}
		seenHistory[h.Id] = true
		at, err := parseTime(h.Created)
		if err != nil {
			return nil, &skipError{warnMalformed, key, fmt.Errorf("changelog %s: %w", h.Id, err)}
		}
		counts := false
		for _, it := range h.Items {
			switch strings.ToLower(it.Field) {
			case "status":
				statuses = append(statuses, change{at: at, from: str(it.From), to: str(it.To), fromName: it.FromString, name: it.ToString})
				counts = true
			case "assignee":
				assignees = append(assignees, change{at: at, from: s.changelogUser(it.From), to: s.changelogUser(it.To)})
				counts = true
			}
		}
		if counts {
			author := h.Author
			event(KindTransition, h.Id, &author, at)
		}
	}
	for _, cm := range comments {
		if cm == nil {
			continue
		}
		at, err := parseTime(cm.Created)
		if err != nil {
			return nil, &skipError{warnMalformed, key, fmt.Errorf("comment %s: %w", cm.ID, err)}
		}
		author := cm.Author
		event(KindComment, cm.ID, &author, at)
	}
	for _, w := range worklogs {
		if w.Started == nil {
			return nil, &skipError{warnMalformed, key, fmt.Errorf("worklog %s: no started time", w.ID)}
		}
		if e := event(KindWorklog, w.ID, w.Author, time.Time(*w.Started)); e != nil {
			e.Size, e.HasSize = int64(w.TimeSpentSeconds), true
		}
	}

	t.Intervals = append(s.statusIntervals(key, t, statusID, statuses), assigneeIntervals(t, assignees)...)
	c.ticket = t
	return c, nil
}

// statusIntervals rebuilds the status over time: before the first change
// the status was that change's "from"; each change starts a new interval.
func (s *session) statusIntervals(key string, t store.JiraTicket, currentID string, changes []change) []store.JiraInterval {
	category := func(id, name string) string {
		if id == currentID && id != "" || id == "" && name == t.Status {
			return t.StatusCategory
		}
		if c, ok := s.categoryOf[id]; ok {
			return c
		}
		if c, ok := s.categoryBy[name]; ok {
			return c
		}
		s.warnings.add(warnUnknownStatus, key)
		return ""
	}
	if len(changes) == 0 {
		return []store.JiraInterval{{Field: store.JiraFieldStatus, Value: t.Status, Category: t.StatusCategory, From: t.Created}}
	}
	values := make([]store.JiraInterval, 0, len(changes)+2)
	first := changes[0]
	values = append(values, store.JiraInterval{Field: store.JiraFieldStatus, Value: first.fromName, Category: category(first.from, first.fromName)})
	for _, ch := range changes {
		values = append(values, store.JiraInterval{Field: store.JiraFieldStatus, Value: ch.name, Category: category(ch.to, ch.name), From: ch.at})
	}
	last := changes[len(changes)-1]
	if last.to != currentID && currentID != "" {
		// The history does not end where the ticket is (a status moved by
		// an import, say): the current status holds from the last update.
		values = append(values, store.JiraInterval{Field: store.JiraFieldStatus, Value: t.Status, Category: t.StatusCategory, From: t.Updated})
	}
	return chain(values, t.Created)
}

func assigneeIntervals(t store.JiraTicket, changes []change) []store.JiraInterval {
	if len(changes) == 0 {
		return []store.JiraInterval{{Field: store.JiraFieldAssignee, Value: t.Assignee, From: t.Created}}
	}
	values := make([]store.JiraInterval, 0, len(changes)+2)
	values = append(values, store.JiraInterval{Field: store.JiraFieldAssignee, Value: changes[0].from})
	for _, ch := range changes {
		values = append(values, store.JiraInterval{Field: store.JiraFieldAssignee, Value: ch.to, From: ch.at})
	}
	if changes[len(changes)-1].to != t.Assignee {
		values = append(values, store.JiraInterval{Field: store.JiraFieldAssignee, Value: t.Assignee, From: t.Updated})
	}
	return chain(values, t.Created)
}

// chain sets each interval's end to the next one's start, starting the
// first at created; no interval starts before created, none runs backwards.
func chain(values []store.JiraInterval, created time.Time) []store.JiraInterval {
	values[0].From = created
	for i := range values {
		if values[i].From.Before(created) {
			values[i].From = created
		}
		if i > 0 && values[i].From.Before(values[i-1].From) {
			values[i].From = values[i-1].From
		}
	}
	for i := range len(values) - 1 {
		values[i].To = values[i+1].From
	}
	return values
}

// storyPoints reads the story points field, warning (once per run, with a
// count) when it is missing or not a number.
func (s *session) storyPoints(iss *jira.Issue, t *store.JiraTicket) {
	if s.points == "" {
		return
	}
	v, present := iss.Fields.Unknowns[s.points]
	switch x := v.(type) {
	case nil:
		if !present {
			s.warnings.add(warnPointsMissing, iss.Key)
		}
	case float64:
		t.StoryPoints, t.HasStoryPoints = x, true
	case string:
		if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			t.StoryPoints, t.HasStoryPoints = n, true
		} else {
			s.warnings.add(warnPointsType, iss.Key)
		}
	default:
		s.warnings.add(warnPointsType, iss.Key)
	}
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// numericLess orders Jira ids, which are numbers written as strings.
func numericLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
