package pipeline

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/privacy"
	"github.com/overtime-project/overtime/store"
)

// snapshotWindows are the metric windows: a week, and the analysis window.
func snapshotWindows(cfg *config.Config) []int {
	if cfg.Analysis.WindowDays == 7 {
		return []int{7}
	}
	return []int{7, cfg.Analysis.WindowDays}
}

// historyWeeks is how far back the weekly history (for backfill) reaches,
// and riskHistoryWeeks how many of those weeks also carry a risk score.
const (
	historyWeeks     = 104
	riskHistoryWeeks = 26
)

// configuredSources lists the sources of the config, for job metrics that
// must carry every source, 0 included.
func configuredSources(cfg *config.Config) []string {
	var out []string
	if len(cfg.Sources.Git) > 0 || cfg.Sources.GitHub != nil {
		out = append(out, "git") // GitHub's commits are read by the git collector
	}
	if cfg.Sources.GitHub != nil {
		out = append(out, "github")
	}
	if cfg.Sources.Jira != nil {
		out = append(out, "jira")
	}
	return out
}

// JobFigures turns the collect outcomes into the job metrics.
func JobFigures(cfg *config.Config, outcomes []collectors.Outcome, phases map[string]float64) promexport.Job {
	job := promexport.Job{CollectedRecords: map[string]int{}, SourceErrors: map[string]int{}, PhaseSeconds: phases}
	for _, s := range configuredSources(cfg) {
		job.CollectedRecords[s], job.SourceErrors[s] = 0, 0
	}
	for _, o := range outcomes {
		job.CollectedRecords[o.Source] += o.Stats.Read
		if o.Err != nil {
			job.SourceErrors[o.Source]++
		}
	}
	return job
}

// BuildSnapshot gathers, as of a local date, everything the metrics
// contract needs, and the weekly history for backfill. Person ids become
// pseudonyms when the config asks for them.
func BuildSnapshot(ctx context.Context, db *store.DB, cfg *config.Config, asOf time.Time, pseudo *privacy.Pseudonymizer) (promexport.Snapshot, []promexport.WeeklyPoint, error) {
	snap := promexport.Snapshot{AsOf: asOf.Format("2006-01-02")}
	opts := analysis.RiskOptionsFor(cfg)
	risks, err := analysis.AssessPeople(ctx, db, asOf, opts)
	if err != nil {
		return snap, nil, err
	}
	people, err := db.People(ctx)
	if err != nil {
		return snap, nil, err
	}
	sources := configuredSources(cfg)
	windows := map[int]map[string]store.PersonWindow{}
	for _, days := range snapshotWindows(cfg) {
		rows, err := db.WindowSignals(ctx, asOf.AddDate(0, 0, -days+1), asOf)
		if err != nil {
			return snap, nil, err
		}
		windows[days] = map[string]store.PersonWindow{}
		for _, r := range rows {
			windows[days][r.PersonID] = r
		}
	}
	// Time outside usual hours, as the weekly history (and the risk model)
	// measures it, for the windows of whole weeks: the 7-day window is the
	// history's last week, so the live series continue the backfilled one.
	judge, err := analysis.WeekJudge(ctx, db, opts.Model, opts.OwnHours, asOf)
	if err != nil {
		return snap, nil, err
	}
	judged := map[int]map[string]judgedTime{}
	for _, days := range snapshotWindows(cfg) {
		if days%7 != 0 {
			continue
		}
		rows, err := db.WeeksEndingAt(ctx, asOf, days/7, judge)
		if err != nil {
			return snap, nil, err
		}
		judged[days] = map[string]judgedTime{}
		for _, r := range rows {
			t := judged[days][r.PersonID]
			t.active += r.ActiveSeconds
			t.off += r.OffHoursSeconds()
			t.nonWorkingDays += r.JudgedNonWorkingDays
			judged[days][r.PersonID] = t
		}
	}
	for _, p := range people {
		analysisWindow, active := windows[cfg.Analysis.WindowDays][p.ID]
		if !active && !p.Configured {
			continue // a discovered identity idle for the whole window
		}
		r := risks[p.ID]
		mp := promexport.Person{ID: pseudo.ID(p.ID), Team: p.Team, Windows: map[string]promexport.WindowFigures{},
			OpenTickets: r.OpenTickets, OpenPullRequests: r.OpenPullRequests,
			WorkdaySpanSeconds: analysisWindow.WorkdaySpan.Seconds(), LongestActiveStreak: analysisWindow.LongestStreak}
		mp.SetRisk(r.Assessment)
		if r.Score != nil {
			mp.Pattern = string(r.Pattern)
		}
		mp.EvidenceActiveDays, mp.EvidenceActiveSeconds = &r.Evidence.ActiveDays, ptrTo(r.Evidence.ActiveHours*3600)
		for days, rows := range windows {
			w := rows[p.ID]
			f := promexport.WindowFigures{AfterHoursActiveSeconds: float64(w.AfterHoursHours * 3600),
				NonWorkdaysActive: w.NonWorkingDays, LateNightEvents: w.LateNightEvents, ActivityEvents: map[string]int{}}
			if w.Events > 0 {
				f.AfterHoursRatio = float64(w.AfterHoursEvents) / float64(w.Events)
			}
			if byPerson, ok := judged[days]; ok {
				t := byPerson[p.ID]
				f.AfterHoursActiveSeconds, f.NonWorkdaysActive, f.AfterHoursRatio = float64(t.off), t.nonWorkingDays, 0
				if t.active > 0 {
					f.AfterHoursRatio = float64(t.off) / float64(t.active)
				}
			}
			bySource := map[string]int{"git": w.GitEvents, "github": w.GitHubEvents, "jira": w.JiraEvents}
			for _, s := range sources {
				f.ActivityEvents[s] = bySource[s]
			}
			mp.Windows[fmt.Sprintf("%dd", days)] = f
		}
		snap.People = append(snap.People, mp)
	}
	cells, err := db.TeamPunchcard(ctx, asOf.AddDate(0, 0, -cfg.Analysis.WindowDays+1), asOf)
	if err != nil {
		return snap, nil, err
	}
	for _, c := range cells {
		snap.Punchcard = append(snap.Punchcard, promexport.PunchcardCell{Team: c.Team, Weekday: c.Weekday, Hour: c.Hour, Events: c.Events})
	}
	res, err := analysis.ResolvePeople(ctx, db, cfg)
	if err != nil {
		return snap, nil, err
	}
	snap.UnclaimedIdentities = new(len(res.Unmatched))
	snap.ApplyPrivacy(cfg.Privacy.MinGroupSize, cfg.Privacy.ExportPeople)
	if !cfg.Privacy.ExportPeople {
		// The weekly history is per person: write it empty, over any older one.
		return snap, []promexport.WeeklyPoint{}, nil
	}
	history, err := WeeklyHistory(ctx, db, asOf, people, opts, pseudo)
	return snap, history, err
}

// WeeklyHistory is each person's figures for the seven local days ending
// at asOf, and every seven days before, for backfill: the past of the live
// window="7d" series. Each week is judged as the risk model judged it as of
// its last day (analysis.WeekJudge): active time outside the usual window
// of that week and on days off, in the person's judging clock.
func WeeklyHistory(ctx context.Context, db *store.DB, asOf time.Time, people []store.PersonRow, opts analysis.RiskOptions, pseudo *privacy.Pseudonymizer) ([]promexport.WeeklyPoint, error) {
	teams := map[string]string{}
	for _, p := range people {
		teams[p.ID] = p.Team
	}
	judge, err := analysis.WeekJudge(ctx, db, opts.Model, opts.OwnHours, asOf)
	if err != nil {
		return nil, err
	}
	weeks, err := db.WeeksEndingAt(ctx, asOf, historyWeeks, judge)
	if err != nil {
		return nil, err
	}
	type key struct {
		person string
		end    time.Time
	}
	risk := map[key]analysis.PersonRisk{}
	byWeek, err := analysis.AssessWeeks(ctx, db, asOf, riskHistoryWeeks, opts)
	if err != nil {
		return nil, err
	}
	for k, rs := range byWeek {
		end := asOf.AddDate(0, 0, -7*k)
		for id, r := range rs {
			risk[key{id, end}] = r
		}
	}
	out := make([]promexport.WeeklyPoint, 0, len(weeks))
	for _, w := range weeks {
		team, known := teams[w.PersonID]
		if !known {
			continue
		}
		lastDay := w.WeekStart.AddDate(0, 0, 6)
		pt := promexport.WeeklyPoint{WeekEnd: lastDay.AddDate(0, 0, 1), Person: pseudo.ID(w.PersonID), Team: team,
			AfterHoursActiveSeconds: float64(w.OffHoursSeconds()), NonWorkdaysActive: w.JudgedNonWorkingDays}
		if w.ActiveSeconds > 0 {
			pt.AfterHoursRatio = float64(w.OffHoursSeconds()) / float64(w.ActiveSeconds)
		}
		if r, ok := risk[key{w.PersonID, lastDay}]; ok {
			pt.SustainedAfterHours = r.Sustained
			if r.Score != nil {
				score := float64(*r.Score)
				pt.RiskScore = &score
			}
		}
		out = append(out, pt)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].WeekEnd.Equal(out[j].WeekEnd) {
			return out[i].WeekEnd.Before(out[j].WeekEnd)
		}
		return out[i].Person < out[j].Person
	})
	return out, nil
}

func ptrTo[T any](v T) *T { return &v }

// judgedTime is a person's active time, time outside usual hours and
// non-working days with activity over a window of whole weeks, each week
// judged as the weekly history judges it.
type judgedTime struct {
	active, off, nonWorkingDays int
}
