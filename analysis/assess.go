package analysis

import (
	"context"
	"sort"
	"time"

	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

// RiskOptions are what the risk assessment needs besides the stored facts.
type RiskOptions struct {
	Model config.Analysis
	// Tickets and PullRequests say that a ticket source (Jira) and a GitHub
	// source are configured: only then is a person's open work known. Without
	// them the concurrent-items factor and the open counts are absent, never
	// zero.
	Tickets      bool
	PullRequests bool
	// JiraPeople and GitHubPeople are the people the config gives a Jira
	// account or a GitHub login: the source sees them even before they did
	// anything there. People with an identity of the source in the store
	// are seen too; everyone else's open work is unknown.
	JiraPeople   map[string]bool
	GitHubPeople map[string]bool
}

// RiskOptionsFor takes the model and the configured sources from cfg.
func RiskOptionsFor(cfg *config.Config) RiskOptions {
	o := RiskOptions{Model: cfg.Analysis, Tickets: cfg.Sources.Jira != nil, PullRequests: cfg.Sources.GitHub != nil,
		JiraPeople: map[string]bool{}, GitHubPeople: map[string]bool{}}
	for _, p := range cfg.People {
		if p.Jira != "" {
			o.JiraPeople[p.ID] = true
		}
		if p.GitHub != "" {
			o.GitHubPeople[p.ID] = true
		}
	}
	return o
}

// PersonRisk is one person's assessment with their open work.
type PersonRisk struct {
	ID   string
	Team string
	Assessment
	// OpenTickets (assigned, not done) and OpenPullRequests (authored, not
	// closed) at the end of the as-of date; nil when the source is not
	// configured or has no identity of the person.
	OpenTickets      *int
	OpenPullRequests *int
}

// AssessPeople judges every person of the last analysis as of the local
// date asOf: the judged weeks end on it, each person's own usual is the
// weeks before, their team's usual is their teammates' values.
func AssessPeople(ctx context.Context, db *store.DB, asOf time.Time, opts RiskOptions) (map[string]PersonRisk, error) {
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	m := opts.Model
	J, D := m.Sustained.Weeks, m.Factors.ActiveDayRatio.Days
	people, err := db.People(ctx)
	if err != nil {
		return nil, err
	}
	signals := make(map[string]*Signals, len(people))
	for _, p := range people {
		signals[p.ID] = &Signals{Weeks: make([]Week, J+m.BaselineWeeks)}
	}
	weeks, err := db.WeeksEndingAt(ctx, asOf, J+m.BaselineWeeks)
	if err != nil {
		return nil, err
	}
	for _, w := range weeks {
		s, ok := signals[w.PersonID]
		if !ok {
			continue
		}
		i := int(asOf.Sub(w.WeekStart).Hours()/24) / 7
		s.Weeks[i] = Week{Events: w.Events, AfterHoursEvents: w.AfterHoursEvents, AfterHoursHours: w.AfterHoursHours,
			ActiveDays: w.ActiveDays, NonWorkingDays: w.NonWorkingDays, NonWorkingEvents: w.NonWorkingEvents,
			LateNightDays: w.LateNightDays, WorkdaySpan: w.WorkdaySpan, SpanDays: w.SpanDays}
	}
	judged, err := db.WindowSignals(ctx, asOf.AddDate(0, 0, -7*J+1), asOf)
	if err != nil {
		return nil, err
	}
	for _, w := range judged {
		if s, ok := signals[w.PersonID]; ok {
			s.WorkdaySpan, s.SpanDays, s.LongestStreak = w.WorkdaySpan, w.SpanDays, w.LongestStreak
		}
	}
	recent, err := db.WindowSignals(ctx, asOf.AddDate(0, 0, -D+1), asOf)
	if err != nil {
		return nil, err
	}
	for _, w := range recent {
		if s, ok := signals[w.PersonID]; ok {
			s.RecentActiveDays = w.ActiveDays
		}
	}
	first, err := db.FirstActiveDays(ctx, asOf)
	if err != nil {
		return nil, err
	}
	for id, d := range first {
		if s, ok := signals[id]; ok {
			s.HistoryDays = int(asOf.Sub(d).Hours()/24) + 1
		}
	}

	// Open work at the end of the as-of date, for people the source can see.
	end := asOf.AddDate(0, 0, 1)
	openTickets, inProgress, openPRs := map[string]*int{}, map[string]*int{}, map[string]*int{}
	if opts.Tickets {
		seen, err := db.PeopleWithIdentity(ctx, "jira")
		if err != nil {
			return nil, err
		}
		open, err := db.OpenTicketsAt(ctx, end)
		if err != nil {
			return nil, err
		}
		doing, err := db.InProgressTicketsAt(ctx, end)
		if err != nil {
			return nil, err
		}
		for id := range opts.JiraPeople {
			seen[id] = true
		}
		for id := range seen {
			openTickets[id], inProgress[id] = ptr(open[id]), ptr(doing[id])
		}
	}
	if opts.PullRequests {
		seen, err := db.PeopleWithIdentity(ctx, "github")
		if err != nil {
			return nil, err
		}
		open, err := db.OpenPullRequestsAt(ctx, end)
		if err != nil {
			return nil, err
		}
		for id := range opts.GitHubPeople {
			seen[id] = true
		}
		for id := range seen {
			openPRs[id] = ptr(open[id])
		}
	}

	subjects := make([]Subject, 0, len(people))
	for _, p := range people {
		s := signals[p.ID]
		s.InProgressTickets, s.OpenPullRequests = inProgress[p.ID], openPRs[p.ID]
		subjects = append(subjects, Subject{ID: p.ID, Team: p.Team, Signals: *s})
	}
	assessed := AssessAll(m, subjects)
	out := make(map[string]PersonRisk, len(people))
	for _, p := range people {
		out[p.ID] = PersonRisk{ID: p.ID, Team: p.Team, Assessment: assessed[p.ID],
			OpenTickets: openTickets[p.ID], OpenPullRequests: openPRs[p.ID]}
	}
	return out, nil
}

// SummarizeRisk is Summarize with each person's risk assessment as of the
// window's last day and, where the sources are configured, their open
// tickets and pull requests. People come highest risk first; those with
// insufficient data last.
func SummarizeRisk(ctx context.Context, db *store.DB, asOf time.Time, days int, team string, opts RiskOptions) (Window, error) {
	w, err := Summarize(ctx, db, asOf, days, team)
	if err != nil {
		return w, err
	}
	risks, err := AssessPeople(ctx, db, w.AsOf, opts)
	if err != nil {
		return w, err
	}
	for i := range w.People {
		f := &w.People[i]
		r := risks[f.ID]
		f.Risk = &r.Assessment
		f.OpenTickets, f.OpenPullRequests = r.OpenTickets, r.OpenPullRequests
	}
	sort.SliceStable(w.People, func(i, j int) bool {
		a, b := w.People[i], w.People[j]
		if ra, rb := levelRank[a.Risk.Level], levelRank[b.Risk.Level]; ra != rb {
			return ra < rb
		}
		if sa, sb := scoreOf(a.Risk), scoreOf(b.Risk); sa != sb {
			return sa > sb
		}
		if a.AfterHoursRatio != b.AfterHoursRatio {
			return a.AfterHoursRatio > b.AfterHoursRatio
		}
		return a.ID < b.ID
	})
	return w, nil
}

var levelRank = map[Level]int{LevelHigh: 0, LevelElevated: 1, LevelLow: 2, LevelInsufficientData: 3}

func scoreOf(a *Assessment) int {
	if a.Score == nil {
		return -1
	}
	return *a.Score
}
