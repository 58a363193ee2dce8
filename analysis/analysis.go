// Package analysis turns stored activity into per-person figures judged in
// each person's own local time: it resolves who is who, hands DuckDB the
// working-time rules, materializes one row per person and local day, and
// sums windows of those days.
//
// The rules that decide what is a working day, after hours and late night
// live in two places, tested to agree: in Go, worktime.Rules.Classify (the
// reference, and the late-night end worktime.LateNightEnd); in SQL, the
// embedded queries of the store package, store/queries/*.sql
// (local_time.sql for local wall time, local_events.sql and person_days.sql
// for the rules), which get the late-night end from worktime as a
// parameter. TestSQLAgreesWithWorktime holds the two equal.
package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/identity"
	"github.com/overtime-project/overtime/store"
	"github.com/overtime-project/overtime/worktime"
)

// Configured lists the config's people for identity resolution.
func Configured(cfg *config.Config) []identity.Configured {
	out := make([]identity.Configured, 0, len(cfg.People))
	for _, p := range cfg.People {
		out = append(out, identity.Configured{ID: p.ID, Name: p.Name, Team: p.Team, Emails: p.Emails, GitHub: p.GitHub, Jira: p.Jira})
	}
	return out
}

// ResolvePeople matches every stored identity to a person.
func ResolvePeople(ctx context.Context, db *store.DB, cfg *config.Config) (identity.Resolution, error) {
	ids, err := db.Identities(ctx)
	if err != nil {
		return identity.Resolution{}, err
	}
	seen := make([]identity.Seen, 0, len(ids))
	for _, i := range ids {
		seen = append(seen, identity.Seen{Identity: i.Identity, Name: i.DisplayName, Events: i.Events})
	}
	return identity.Resolve(Configured(cfg), cfg.Bots, seen), nil
}

// Analyze resolves people, writes their rules, and rebuilds the person-day
// table from every stored event. When the config names people, identities
// none of them claims are left out (unless privacy.include_unclaimed): the
// Resolution returned holds the persons analysed, and still lists the
// unclaimed identities in Unmatched. It is a full, idempotent recompute: a
// change of config (a timezone, a holiday) takes effect on the next run.
func Analyze(ctx context.Context, db *store.DB, cfg *config.Config) (identity.Resolution, error) {
	res, err := ResolvePeople(ctx, db, cfg)
	if err != nil {
		return res, err
	}
	people := res
	if !cfg.Unclaimed() {
		people = ClaimedOnly(res)
	}
	first, last, ok, err := db.EventSpan(ctx)
	if err != nil {
		return res, err
	}
	if !ok {
		first, last = time.Now(), time.Now()
	}
	snap, err := snapshot(cfg, people, first.AddDate(0, 0, -2), last.AddDate(0, 0, 2))
	if err != nil {
		return res, err
	}
	if err := db.ReplacePeople(ctx, snap); err != nil {
		return res, err
	}
	if err := db.MaterializePersonDays(ctx); err != nil {
		return res, err
	}
	// The stored weekly history, each week as the risk model judges it as
	// of its Sunday.
	judge, err := WeekJudge(ctx, db, cfg.Analysis, RiskOptionsFor(cfg).OwnHours, time.Time{})
	if err != nil {
		return res, err
	}
	if err := db.MaterializePersonWeeks(ctx, judge); err != nil {
		return res, err
	}
	return people, nil
}

// ClaimedOnly is res without the persons made of identities no configured
// person claims: they are then no persons of the analysis (no person-day
// facts, no report line, no metric), while res itself, which `overtime
// people` lists, keeps them.
func ClaimedOnly(res identity.Resolution) identity.Resolution {
	out := res
	out.People = nil
	out.ByIdentity = make(map[string]string, len(res.ByIdentity))
	configured := map[string]bool{}
	for _, p := range res.People {
		if p.Configured {
			out.People = append(out.People, p)
			configured[p.ID] = true
		}
	}
	for id, person := range res.ByIdentity {
		if configured[person] {
			out.ByIdentity[id] = person
		}
	}
	return out
}

func snapshot(cfg *config.Config, res identity.Resolution, from, to time.Time) (store.PeopleSnapshot, error) {
	snap := store.PeopleSnapshot{Identities: res.ByIdentity}
	fallback := cfg.DefaultLocation()
	zones := map[string]*time.Location{fallback.String(): fallback}
	defaultRules, err := cfg.DefaultRules()
	if err != nil {
		return snap, err
	}
	for _, p := range res.People {
		snap.People = append(snap.People, store.PersonRow{ID: p.ID, Name: p.Name, Team: p.Team, Configured: p.Configured})
		rules := defaultRules
		if p.Configured {
			cp, _ := cfg.Person(p.ID)
			if rules, err = cfg.Rules(cp); err != nil {
				return snap, fmt.Errorf("person %q: %w", p.ID, err)
			}
		}
		row := store.RulesRow{PersonID: p.ID, FallbackZone: fallback.String(), WorkdayMask: mask(rules.Workdays),
			StartMinute: rules.Start, EndMinute: rules.End}
		if rules.Location != nil {
			row.Zone = rules.Location.String()
			zones[row.Zone] = rules.Location
		}
		snap.Rules = append(snap.Rules, row)
		if rules.Holidays != nil {
			for _, d := range rules.Holidays.Dates(from.Year()-1, to.Year()+1) {
				snap.Holidays = append(snap.Holidays, store.HolidayRow{PersonID: p.ID, Day: d})
			}
		}
	}
	names := make([]string, 0, len(zones))
	for name := range zones {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, t := range worktime.Transitions(zones[name], from, to) {
			snap.Transitions = append(snap.Transitions, store.TransitionRow{Zone: name, ValidFrom: t.From, OffsetSeconds: t.OffsetSeconds})
		}
	}
	return snap, nil
}

func mask(days [7]bool) int {
	m := 0
	for d, ok := range days {
		if ok {
			m |= 1 << d
		}
	}
	return m
}

// Figures are one person's numbers over a window.
type Figures struct {
	ID               string
	Name             string
	Team             string
	Events           int
	AfterHoursEvents int
	WeekendDays      int // distinct local non-working days (weekends, holidays) with activity
	LateNightEvents  int
	AfterHoursRatio  float64
	ActiveDays       int
	// Risk is the risk model's judgement as of the window's last day; nil
	// unless the window came from SummarizeRisk.
	Risk *Assessment
	// OpenTickets and OpenPullRequests are the person's open assigned
	// tickets and open authored pull requests at the end of the window; nil
	// when the source is not configured or has no identity of the person.
	OpenTickets      *int
	OpenPullRequests *int
}

// Window is a report over the local days (AsOf-WindowDays, AsOf].
type Window struct {
	AsOf       time.Time // a local date, as 00:00 UTC
	WindowDays int
	People     []Figures // highest after-hours ratio first
}

// Days returns the first and last local date of the window.
func (w Window) Days() (from, to time.Time) {
	return w.AsOf.AddDate(0, 0, -(w.WindowDays - 1)), w.AsOf
}

// Summarize sums the window ending at asOf for every person of the last
// analysis: configured people always (with zeros when idle), discovered
// people when they were active. An empty team selects everyone.
func Summarize(ctx context.Context, db *store.DB, asOf time.Time, days int, team string) (Window, error) {
	w := Window{AsOf: time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC), WindowDays: days}
	if days < 1 {
		return w, fmt.Errorf("window must be at least 1 day, got %d", days)
	}
	from, to := w.Days()
	totals, err := db.Window(ctx, from, to)
	if err != nil {
		return w, err
	}
	byPerson := make(map[string]store.WindowTotals, len(totals))
	for _, t := range totals {
		byPerson[t.PersonID] = t
	}
	people, err := db.People(ctx)
	if err != nil {
		return w, err
	}
	for _, p := range people {
		if team != "" && p.Team != team {
			continue
		}
		t, active := byPerson[p.ID]
		if !active && !p.Configured {
			continue
		}
		f := Figures{ID: p.ID, Name: p.Name, Team: p.Team, Events: t.Events, AfterHoursEvents: t.AfterHoursEvents,
			WeekendDays: t.NonWorkingDays, LateNightEvents: t.LateNightEvents, ActiveDays: t.ActiveDays}
		if t.Events > 0 {
			f.AfterHoursRatio = math.Round(float64(t.AfterHoursEvents)/float64(t.Events)*1000) / 1000
		}
		w.People = append(w.People, f)
	}
	sort.SliceStable(w.People, func(i, j int) bool {
		a, b := w.People[i], w.People[j]
		if a.AfterHoursRatio != b.AfterHoursRatio {
			return a.AfterHoursRatio > b.AfterHoursRatio
		}
		return a.ID < b.ID
	})
	return w, nil
}
