package prometheus

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Descriptors of every metric the Collector exports: the metrics contract of
// docs/design.md.
var (
	personLabels = []string{"person", "team"}
	windowLabels = []string{"person", "team", "window"}

	snapshotAvailableDesc = newDesc("overtime_snapshot_available",
		"1 when the metrics come from an analysis snapshot; 0 when no nightly run has written one yet (then no other overtime_ series is exported).",
		nil)

	riskScoreDesc = newDesc("overtime_risk_score",
		"Burnout-risk score 0-100 of the person; absent when there is too little activity or history to judge.",
		personLabels)
	sustainedDesc = newDesc("overtime_sustained_afterhours",
		"1 when the person's after-hours load is sustained over recent weeks (the analysis flag), else 0.",
		personLabels)
	afterHoursRatioDesc = newDesc("overtime_afterhours_ratio",
		"Share (0-1) of the person's active time (half hours with activity) outside their usual hours (working days outside the usual window, and days off), over the window; each week judged as the risk model judges it.",
		windowLabels)
	afterHoursActiveDesc = newDesc("overtime_afterhours_active_seconds",
		"Active time (half hours with activity) outside the person's usual hours: on working days outside their usual window, and on days off, over the window; each week judged as the risk model judges it.",
		windowLabels)
	nonWorkdaysDesc = newDesc("overtime_nonworkdays_active",
		"Distinct local non-working days (weekends, holidays) with activity over the window, in the clock the person is judged in.",
		windowLabels)
	lateNightDesc = newDesc("overtime_late_night_events",
		"Activity events between 00:00 and 05:00 local time over the window.",
		windowLabels)
	activityEventsDesc = newDesc("overtime_activity_events",
		"Activity events (commits, pull-request and review events, comments, ticket events, worklogs) by source over the window.",
		[]string{"person", "team", "source", "window"})
	workdaySpanDesc = newDesc("overtime_workday_span_seconds",
		"Median time from first to last activity on the person's active working days in the analysis window.",
		personLabels)
	longestStreakDesc = newDesc("overtime_longest_active_streak",
		"Longest run of consecutive local days with activity in the analysis window.",
		personLabels)
	openTicketsDesc = newDesc("overtime_open_tickets",
		"Open tickets assigned to the person; absent when no ticket source is configured.",
		personLabels)
	openPullRequestsDesc = newDesc("overtime_open_pull_requests",
		"Open pull requests authored by the person; absent when no GitHub source is configured.",
		personLabels)

	riskLevelDesc = newDesc("overtime_risk_level",
		"The person's level as the analysis judged it (a state set): 1 for the current level, 0 for the others. Use it, not a cut point on the score.",
		[]string{"person", "team", "level"})
	factorPointsDesc = newDesc("overtime_risk_factor_points",
		"Points a factor adds to the person's risk score (the score is their sum, capped at 100); absent when the person is not scored.",
		[]string{"person", "team", "factor"})
	factorValueDesc = newDesc("overtime_risk_factor_value",
		"The factor's value over the judged weeks (a share 0-1, hours, days, weeks or items, as docs/methodology.md says); for insufficient_data, the figure that falls short.",
		[]string{"person", "team", "factor"})
	unclaimedDesc = newDesc("overtime_unclaimed_identities",
		"Identities no configured person claims (bots left out); they are no persons of the metrics unless privacy.include_unclaimed is on or no people are configured. overtime people lists them.",
		nil)

	teamWithheldDesc = newDesc("overtime_team_figures_withheld",
		"1 when the team has fewer scored members than privacy.min_group_size: then no other overtime_team_ series of the team is exported; else 0.",
		[]string{"team"})
	teamPeopleDesc = newDesc("overtime_team_people",
		"People of the team at each level.",
		[]string{"team", "level"})
	teamSustainedDesc = newDesc("overtime_team_sustained_afterhours_people",
		"People of the team whose after-hours load is sustained.",
		[]string{"team"})
	teamScoreMedianDesc = newDesc("overtime_team_risk_score_median",
		"Median risk score of the team's scored members (insufficient_data left out).",
		[]string{"team"})
	teamRatioMedianDesc = newDesc("overtime_team_afterhours_ratio_median",
		"Median after-hours share (0-1) of the team's scored members over the window.",
		[]string{"team", "window"})

	riskPatternDesc = newDesc("overtime_risk_pattern",
		"1 for the person's risk pattern, 0 for the others: rising (sustained load above their own usual), long_standing (sustained and unchanged), none.",
		[]string{"person", "team", "pattern"})
	evidenceActiveDaysDesc = newDesc("overtime_risk_evidence_active_dates",
		"Active days (local dates with activity) in the judged weeks the risk assessment rests on.", []string{"person", "team"})
	evidenceActiveSecondsDesc = newDesc("overtime_risk_evidence_active_seconds",
		"Active time (half hours with activity) in the judged weeks the risk assessment rests on.", []string{"person", "team"})
	teamActivityDesc = newDesc("overtime_team_activity_events",
		"The team's activity events by local weekday (mon-sun) and local hour (00-23) over the analysis window: the punchcard.",
		[]string{"team", "weekday", "hour"})

	lastRunDesc = newDesc("overtime_last_run_timestamp_seconds",
		"When the last nightly run ended, failed or not (Unix time).",
		nil)
	lastSuccessDesc = newDesc("overtime_last_success_timestamp_seconds",
		"When the last successful nightly run ended (Unix time); absent until one has succeeded.",
		nil)
	collectedRecordsDesc = newDesc("overtime_collected_records",
		"Records the last run collected from the source.",
		[]string{"source"})
	sourceErrorsDesc = newDesc("overtime_source_errors",
		"Errors the last run met on the source; 0 when it was read cleanly.",
		[]string{"source"})
	runDurationDesc = newDesc("overtime_run_duration_seconds",
		"Wall time of each phase of the last run.",
		[]string{"phase"})

	allDescs = []*prometheus.Desc{
		snapshotAvailableDesc,
		riskScoreDesc, sustainedDesc, afterHoursRatioDesc, afterHoursActiveDesc, nonWorkdaysDesc,
		lateNightDesc, activityEventsDesc, workdaySpanDesc, longestStreakDesc, openTicketsDesc,
		openPullRequestsDesc, riskLevelDesc, factorPointsDesc, factorValueDesc, unclaimedDesc,
		teamWithheldDesc, teamPeopleDesc, teamSustainedDesc, teamScoreMedianDesc, teamRatioMedianDesc, teamActivityDesc,
		openPullRequestsDesc, riskPatternDesc, evidenceActiveDaysDesc, evidenceActiveSecondsDesc, teamActivityDesc,
		lastRunDesc, lastSuccessDesc, collectedRecordsDesc, sourceErrorsDesc, runDurationDesc,
	}
)

// helpText holds every metric's help text by name, for the backfill writer.
var helpText = map[string]string{}

func newDesc(name, text string, labels []string) *prometheus.Desc {
	helpText[name] = text
	return prometheus.NewDesc(name, text, labels, nil)
}

// weekdayLabels are the weekday label values, indexed by time.Weekday; the
// same words as the config's workdays.
var weekdayLabels = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// hourLabels are the hour label values, zero-padded so that they sort.
var hourLabels = func() (h [24]string) {
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}()

// Collector exports the snapshot that current returns at each collection.
// current may return nil (no snapshot yet): then only
// overtime_snapshot_available 0 is exported.
type Collector struct {
	current func() *Snapshot
}

// NewCollector returns a Collector over the snapshot current returns.
func NewCollector(current func() *Snapshot) *Collector {
	return &Collector{current: current}
}

// NewRegistry returns a registry of its own (never the default one) holding
// only a Collector over current.
func NewRegistry(current func() *Snapshot) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(current))
	return reg
}

// Static returns a snapshot source that always returns s.
func Static(s *Snapshot) func() *Snapshot {
	return func() *Snapshot { return s }
}

// Describe sends every descriptor: the set is fixed, only the series vary.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect sends the series of the current snapshot.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.current()
	if s == nil {
		ch <- gauge(snapshotAvailableDesc, 0)
		return
	}
	ch <- gauge(snapshotAvailableDesc, 1)
	for _, p := range s.People {
		collectPerson(ch, &p)
	}
	collectTeams(ch, s.Teams)
	collectPunchcard(ch, s.Punchcard)
	if s.UnclaimedIdentities != nil {
		ch <- gauge(unclaimedDesc, float64(*s.UnclaimedIdentities))
	}
	collectJob(ch, &s.Job)
}

func collectPerson(ch chan<- prometheus.Metric, p *Person) {
	if p.RiskScore != nil {
		ch <- gauge(riskScoreDesc, *p.RiskScore, p.ID, p.Team)
	}
	ch <- gauge(sustainedDesc, boolFloat(p.SustainedAfterHours), p.ID, p.Team)
	if p.Level != "" {
		for _, l := range Levels {
			ch <- gauge(riskLevelDesc, boolFloat(l == p.Level), p.ID, p.Team, l)
		}
	}
	for _, f := range p.Factors {
		if f.Points != nil {
			ch <- gauge(factorPointsDesc, float64(*f.Points), p.ID, p.Team, f.Name)
		}
		ch <- gauge(factorValueDesc, f.Value, p.ID, p.Team, f.Name)
	}
	for w, f := range p.Windows {
		ch <- gauge(afterHoursRatioDesc, f.AfterHoursRatio, p.ID, p.Team, w)
		ch <- gauge(afterHoursActiveDesc, f.AfterHoursActiveSeconds, p.ID, p.Team, w)
		ch <- gauge(nonWorkdaysDesc, float64(f.NonWorkdaysActive), p.ID, p.Team, w)
		ch <- gauge(lateNightDesc, float64(f.LateNightEvents), p.ID, p.Team, w)
		for src, n := range f.ActivityEvents {
			ch <- gauge(activityEventsDesc, float64(n), p.ID, p.Team, src, w)
		}
	}
	ch <- gauge(workdaySpanDesc, p.WorkdaySpanSeconds, p.ID, p.Team)
	ch <- gauge(longestStreakDesc, float64(p.LongestActiveStreak), p.ID, p.Team)
	if p.OpenTickets != nil {
		ch <- gauge(openTicketsDesc, float64(*p.OpenTickets), p.ID, p.Team)
	}
	if p.OpenPullRequests != nil {
		ch <- gauge(openPullRequestsDesc, float64(*p.OpenPullRequests), p.ID, p.Team)
	}
	if p.Pattern != "" {
		for _, pat := range Patterns {
			ch <- gauge(riskPatternDesc, boolFloat(p.Pattern == pat), p.ID, p.Team, pat)
		}
	}
	if p.EvidenceActiveDays != nil {
		ch <- gauge(evidenceActiveDaysDesc, float64(*p.EvidenceActiveDays), p.ID, p.Team)
	}
	if p.EvidenceActiveSeconds != nil {
		ch <- gauge(evidenceActiveSecondsDesc, *p.EvidenceActiveSeconds, p.ID, p.Team)
	}
}

// collectTeams exports the team-level figures; a withheld team only says
// that it is.
func collectTeams(ch chan<- prometheus.Metric, teams []Team) {
	for _, t := range teams {
		ch <- gauge(teamWithheldDesc, boolFloat(t.Withheld), t.Name)
		if t.Withheld {
			continue
		}
		for _, l := range Levels {
			ch <- gauge(teamPeopleDesc, float64(t.People[l]), t.Name, l)
		}
		ch <- gauge(teamSustainedDesc, float64(t.SustainedAfterHours), t.Name)
		if t.RiskScoreMedian != nil {
			ch <- gauge(teamScoreMedianDesc, *t.RiskScoreMedian, t.Name)
		}
		for w, r := range t.AfterHoursRatioMedian {
			ch <- gauge(teamRatioMedianDesc, r, t.Name, w)
		}
	}
}

// Patterns are the values of overtime_risk_pattern's pattern label: every
// judged person has all three series, one of them 1.
var Patterns = []string{"rising", "long_standing", "none"}

// collectPunchcard exports the full 7 × 24 grid of every team with a cell, so
// that a heatmap has no holes and the series set does not change from night
// to night with who happened to work at 3 a.m.
func collectPunchcard(ch chan<- prometheus.Metric, cells []PunchcardCell) {
	grids := map[string]*[7][24]int{}
	var teams []string
	for _, c := range cells {
		g, ok := grids[c.Team]
		if !ok {
			g = new([7][24]int)
			grids[c.Team] = g
			teams = append(teams, c.Team)
		}
		g[c.Weekday][c.Hour] += c.Events
	}
	for _, team := range teams {
		g := grids[team]
		for d := time.Sunday; d <= time.Saturday; d++ {
			for h := range 24 {
				ch <- gauge(teamActivityDesc, float64(g[d][h]), team, weekdayLabels[d], hourLabels[h])
			}
		}
	}
}

func collectJob(ch chan<- prometheus.Metric, j *Job) {
	if !j.LastRun.IsZero() {
		ch <- gauge(lastRunDesc, unixSeconds(j.LastRun))
	}
	if !j.LastSuccess.IsZero() {
		ch <- gauge(lastSuccessDesc, unixSeconds(j.LastSuccess))
	}
	for src, n := range j.CollectedRecords {
		ch <- gauge(collectedRecordsDesc, float64(n), src)
	}
	for src, n := range j.SourceErrors {
		ch <- gauge(sourceErrorsDesc, float64(n), src)
	}
	for phase, sec := range j.PhaseSeconds {
		ch <- gauge(runDurationDesc, sec, phase)
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
