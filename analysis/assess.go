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
	// MinGroupSize is privacy.min_group_size: teams with fewer judged
	// members get no team baselines. 0 or 1 gives every team its baselines.
	MinGroupSize int
	// OwnHours are the people whose own config entry sets their hours:
	// they are judged against them, nothing is learned.
	OwnHours map[string]bool
}

// RiskOptionsFor takes the model and the configured sources from cfg.
func RiskOptionsFor(cfg *config.Config) RiskOptions {
	o := RiskOptions{Model: cfg.Analysis, Tickets: cfg.Sources.Jira != nil, PullRequests: cfg.Sources.GitHub != nil,
		JiraPeople: map[string]bool{}, GitHubPeople: map[string]bool{}, OwnHours: map[string]bool{},
		MinGroupSize: cfg.Privacy.MinGroupSize}
	for _, p := range cfg.People {
		if p.Hours != "" {
			o.OwnHours[p.ID] = true
		}
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
	all, err := AssessWeeks(ctx, db, asOf, 1, opts)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// AssessWeeks is AssessPeople as of asOf and as of each of the count-1
// dates 7, 14, ... days before it (out[k] is as of asOf minus 7k days): the
// weekly risk history, from one read of the stored facts instead of count.
func AssessWeeks(ctx context.Context, db *store.DB, asOf time.Time, count int, opts RiskOptions) ([]map[string]PersonRisk, error) {
	if count < 1 {
		return nil, nil
	}
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	m := opts.Model
	J, B := m.Sustained.Weeks, m.BaselineWeeks
	people, err := db.People(ctx)
	if err != nil {
		return nil, err
	}
	// Every assessment reads the days of its judged and baseline weeks; a
	// day more on each side lets a clock shift move activity across
	// midnight.
	from := asOf.AddDate(0, 0, -7*(count-1)-max(7*(J+B), m.Factors.ActiveDayRatio.Days))
	rows, err := db.ActivityDays(ctx, from, asOf.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	days := map[string][]Day{}
	for _, r := range rows {
		days[r.PersonID] = append(days[r.PersonID], Day{Date: r.Day, Working: r.WorkingDay, Events: r.Events,
			Slots: r.Slots, Span: r.LastLocal.Sub(r.FirstLocal)})
	}
	clocks, err := db.PersonClocks(ctx)
	if err != nil {
		return nil, err
	}
	first, err := db.FirstActiveDays(ctx, asOf)
	if err != nil {
		return nil, err
	}
	seenByJira, seenByGitHub := map[string]bool{}, map[string]bool{}
	if opts.Tickets {
		if seenByJira, err = db.PeopleWithIdentity(ctx, "jira"); err != nil {
			return nil, err
		}
		for id := range opts.JiraPeople {
			seenByJira[id] = true
		}
	}
	if opts.PullRequests {
		if seenByGitHub, err = db.PeopleWithIdentity(ctx, "github"); err != nil {
			return nil, err
		}
		for id := range opts.GitHubPeople {
			seenByGitHub[id] = true
		}
	}

	out := make([]map[string]PersonRisk, count)
	for k := range count {
		end := asOf.AddDate(0, 0, -7*k)
		// Open work at the end of that date, for people the source can see.
		at := end.AddDate(0, 0, 1)
		openTickets, inProgress, openPRs := map[string]*int{}, map[string]*int{}, map[string]*int{}
		if opts.Tickets {
			open, err := db.OpenTicketsAt(ctx, at)
			if err != nil {
				return nil, err
			}
			doing, err := db.InProgressTicketsAt(ctx, at)
			if err != nil {
				return nil, err
			}
			for id := range seenByJira {
				openTickets[id], inProgress[id] = ptr(open[id]), ptr(doing[id])
			}
		}
		if opts.PullRequests {
			open, err := db.OpenPullRequestsAt(ctx, at)
			if err != nil {
				return nil, err
			}
			for id := range seenByGitHub {
				openPRs[id] = ptr(open[id])
			}
		}
		subjects := make([]Subject, 0, len(people))
		for _, p := range people {
			c := clocks[p.ID]
			in := PersonOf(c, days[p.ID])
			in.OwnHours, in.InProgressTickets, in.OpenPullRequests = opts.OwnHours[p.ID], inProgress[p.ID], openPRs[p.ID]
			if d, ok := first[p.ID]; ok && !d.After(end) {
				in.HistoryDays = int(end.Sub(d).Hours()/24) + 1
			}
			subjects = append(subjects, Subject{ID: p.ID, Team: p.Team, Signals: Build(m, in, end)})
		}
		assessed := AssessGroups(m, opts.MinGroupSize, subjects)
		out[k] = make(map[string]PersonRisk, len(people))
		for _, p := range people {
			out[k][p.ID] = PersonRisk{ID: p.ID, Team: p.Team, Assessment: assessed[p.ID],
				OpenTickets: openTickets[p.ID], OpenPullRequests: openPRs[p.ID]}
		}
	}
	return out, nil
}

// PersonOf is the input of Build for a person's stored clock and days;
// the caller adds their own hours, open work and history length.
func PersonOf(c store.PersonClock, days []Day) Person {
	return Person{Days: days, Start: c.StartMinute, End: c.EndMinute, WorkdayMask: c.WorkdayMask, Zoned: c.Zoned,
		Stamped: c.Stamped, StampedUTC: c.StampedUTC, UTCReread: c.UTCReread, UTCReadAs: c.UTCReadAs}
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
