package analysis_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
)

// office is a usual week: 40 events on 5 working days, 15 active hours in
// 10 sessions, 8-hour days, nothing after hours.
var office = analysis.Week{Events: 40, ActiveDays: 5, ActiveHours: 15, Sessions: 10, WorkdaySpan: 8 * time.Hour, SpanDays: 5}

// evenings is office with 5 active hours on 3 evenings outside the usual
// window, and 11-hour days.
var evenings = analysis.Week{Events: 40, ActiveDays: 5, ActiveHours: 20, Sessions: 13, AfterHoursHours: 5,
	WorkdaySpan: 11 * time.Hour, SpanDays: 5}

// history is judged weeks (most recent first) followed by 12 office weeks.
func history(judged ...analysis.Week) []analysis.Week {
	out := append([]analysis.Week(nil), judged...)
	for range 12 {
		out = append(out, office)
	}
	return out
}

func signals(weeks []analysis.Week) analysis.Signals {
	return analysis.Signals{Weeks: weeks, HistoryDays: 7 * len(weeks), WorkdaySpan: weeks[0].WorkdaySpan, SpanDays: 20,
		RecentActiveDays: 10, LongestStreak: 5}
}

func intp(n int) *int { return &n }

func factor(a analysis.Assessment, name string) *analysis.Factor {
	for i := range a.Factors {
		if a.Factors[i].Name == name {
			return &a.Factors[i]
		}
	}
	return nil
}

func TestAssessLevels(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	noDayOff := analysis.Week{Events: 56, ActiveDays: 7, NonWorkingDays: 2, ActiveHours: 21, Sessions: 14,
		NonWorkingHours: 6, WorkdaySpan: 9 * time.Hour, SpanDays: 5}
	tests := []struct {
		name      string
		signals   analysis.Signals
		level     analysis.Level
		score     int // ignored for insufficient_data
		sustained bool
	}{
		{name: "steady office weeks", signals: signals(history(office, office, office, office)), level: analysis.LevelLow},
		{
			name:    "evenings in every judged week",
			signals: signals(history(evenings, evenings, evenings, evenings)),
			// sustained 30 + 25% after hours 17 + 11 h days 8
			level: analysis.LevelElevated, score: 55, sustained: true,
		},
		{
			name:    "one late week is spiky, not sustained",
			signals: signals(history(office, evenings, office, office)),
			// 6% after hours: nothing; 8 h median day
			level: analysis.LevelLow, score: 0,
		},
		{
			name:    "two heavy weeks of four fall short of sustained",
			signals: signals(history(evenings, office, evenings, office)),
			// 14% after hours 8, of which a light load (2.5 h a week
			// outside usual hours) earns 71%: 6; 11 h median day 8
			level: analysis.LevelLow, score: 14,
		},
		{
			name: "three heavy weeks of four that ended last week are not sustained",
			// The same evenings, but the latest week was quiet: a burst
			// that ended, not an ongoing load: 20% after hours 8, and
			// no heavy-weeks points.
			signals: signals(history(office, evenings, evenings, evenings)),
			level:   analysis.LevelLow, score: 8,
		},
		{
			name: "no day off for three weeks",
			signals: func() analysis.Signals {
				s := signals(history(noDayOff, noDayOff, noDayOff, office))
				s.RecentActiveDays, s.LongestStreak = 14, 21
				return s
			}(),
			// sustained 30 + 23% of active time on days off 10 + active 14
			// of 14: 15. A weekend counts once: not also as after hours.
			level: analysis.LevelElevated, score: 55, sustained: true,
		},
		{
			name: "many tickets in progress",
			signals: func() analysis.Signals {
				s := signals(history(office, office, office, office))
				s.InProgressTickets, s.OpenPullRequests = intp(8), intp(2)
				return s
			}(),
			level: analysis.LevelLow, score: 20,
		},
		{
			name: "newcomer with two weeks of history",
			signals: analysis.Signals{Weeks: []analysis.Week{evenings, evenings}, HistoryDays: 14, WorkdaySpan: 11 * time.Hour,
				SpanDays: 10, RecentActiveDays: 10},
			level: analysis.LevelInsufficientData,
		},
		{
			name: "three commits in a month",
			signals: signals(history(analysis.Week{Events: 3, ActiveHours: 1.5, AfterHoursHours: 1.5, ActiveDays: 2},
				analysis.Week{}, analysis.Week{}, analysis.Week{})),
			level: analysis.LevelInsufficientData,
		},
		{
			name:    "nothing at all",
			signals: analysis.Signals{},
			level:   analysis.LevelInsufficientData,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := analysis.Assess(m, tt.signals)
			if a.Level != tt.level || a.Sustained != tt.sustained {
				t.Errorf("level %s, sustained %v; want %s, %v\n%s", a.Level, a.Sustained, tt.level, tt.sustained, describe(a))
			}
			if tt.level == analysis.LevelInsufficientData {
				if a.Score != nil {
					t.Errorf("score %d for insufficient data; want none", *a.Score)
				}
				if len(a.Factors) == 0 || a.TopReason() == "" {
					t.Errorf("insufficient data without a reason: %+v", a.Factors)
				}
				return
			}
			if a.Score == nil || *a.Score != tt.score {
				t.Errorf("score %s, want %d\n%s", scoreText(a.Score), tt.score, describe(a))
			}
			sum := 0
			for _, f := range a.Factors {
				sum += f.Contribution
				if f.Explanation == "" {
					t.Errorf("factor %s has no explanation", f.Name)
				}
			}
			if sum != *a.Score {
				t.Errorf("contributions add up to %d, score is %d", sum, *a.Score)
			}
		})
	}
}

func describe(a analysis.Assessment) string {
	var b strings.Builder
	for _, f := range a.Factors {
		b.WriteString("  " + f.Name + ": " + f.Explanation + "\n")
	}
	return b.String()
}

// TestAssessExplains checks one assessment whole: every value, baseline,
// contribution and sentence.
func TestAssessExplains(t *testing.T) {
	t.Parallel()
	// 20 active hours a week, 3 of them on working evenings and 1 on a day
	// off: 4 hours outside usual hours, heavy.
	judged := analysis.Week{Events: 50, ActiveDays: 6, NonWorkingDays: 1, ActiveHours: 20, Sessions: 14,
		AfterHoursHours: 3, NonWorkingHours: 1, LateNightDays: 1, WorkdaySpan: 10*time.Hour + 30*time.Minute, SpanDays: 5}
	usual := analysis.Week{Events: 30, ActiveDays: 5, ActiveHours: 12, Sessions: 9, AfterHoursHours: 1.5,
		WorkdaySpan: 9 * time.Hour, SpanDays: 5}
	weeks := []analysis.Week{judged, judged, judged, office}
	for i := range 12 {
		if i%4 == 0 {
			weeks = append(weeks, evenings) // one heavy week in four, usually
		} else {
			weeks = append(weeks, usual)
		}
	}
	s := analysis.Signals{Weeks: weeks, HistoryDays: 200, WorkdaySpan: 10*time.Hour + 30*time.Minute, SpanDays: 20,
		RecentActiveDays: 12, LongestStreak: 9, InProgressTickets: intp(5)}
	got := analysis.Assess(config.DefaultAnalysis(), s)
	f := func(v float64) *float64 { return &v }
	want := analysis.Assessment{
		// 30 + 10 + 8 + 5 + 4 + 3; 75 judged hours.
		Score: intp(60), Level: analysis.LevelHigh, Sustained: true, HeavyWeeks: 3,
		Factors: []analysis.Factor{
			{Name: "heavy_weeks", Value: 3, Baseline: f(1), Weight: 30, Contribution: 30,
				Explanation: "3.5 h or more of active time outside usual hours in 3 of the last 4 weeks, the last 3 in a row (own usual 1 of 4)"},
			{Name: "concurrent_items", Value: 5, Weight: 20, Contribution: 10,
				Explanation: "5 tickets in progress at once"},
			{Name: "workday_span_hours", Value: 10.5, Baseline: f(9), Weight: 15, Contribution: 8,
				Explanation: "working days stretch 10.5 h from first to last activity, median of 20 days (own usual 9.0 h)"},
			// 18.8 hours a week against 12: 1.57.
			{Name: "load_vs_usual", Value: 18.8, Baseline: f(12), Weight: 10, Contribution: 5,
				Explanation: "18.8 active hours a week, 1.57× own usual 12"},
			// 9 of 75 hours; usual 1.5 of 12 = 12.5% already reaches the same
			// band: a habit, half the points.
			{Name: "after_hours_ratio", Value: 0.12, Baseline: f(0.125), Weight: 25, Contribution: 4,
				Explanation: "12% of active time on working days outside usual hours 09:00-18:00 in the last 4 weeks (own usual 12%); a light load, 3.0 h a week outside usual hours: 86% of the points; not rising, 50% of the points"},
			{Name: "late_night_days", Value: 3, Baseline: f(0), Weight: 10, Contribution: 3,
				Explanation: "active between midnight and 05:00 on 3 days in the last 4 weeks (own usual 0)"},
			// 3 of 75 hours.
			{Name: "non_working_day_ratio", Value: 0.04, Baseline: f(0), Weight: 15, Contribution: 0,
				Explanation: "4% of active time on days off (own usual 0%); worked days off in 3 of the last 4 weeks, usually 0 of 4"},
			{Name: "active_day_ratio", Value: 0.857, Baseline: f(0.714), Weight: 15, Contribution: 0,
				Explanation: "active on 12 of the last 14 days, 9 in a row without a day off (own usual 5 of 7)"},
		},
		// 12 off hours in 4 weeks against (3×5 + 9×1.5)/12 = 2.4 a usual
		// week, heavy in 3 of 12: rising, not long-standing.
		Pattern:            analysis.PatternRising,
		PatternExplanation: "rising: 3.0 h a week outside usual hours in the last 4 weeks, own usual 2.4 h (heavy in 3 of 12 usual weeks)",
		Usual:              analysis.UsualHours{StartSlot: 18, Slots: 18, Source: analysis.UsualConfigured},
		UsualExplanation:   "working hours 09:00-18:00, as configured",
		Evidence: analysis.Evidence{ActiveDays: 23, Sessions: 52, ActiveHours: 75, HistoryWeeks: 28, BaselineWeeks: 12,
			Explanation: "rests on 23 active days, 52 sessions and 75.0 h of active time in the last 4 weeks, 28 weeks of history, 12 active weeks of own usual"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAssessCapsAt100(t *testing.T) {
	t.Parallel()
	worst := analysis.Week{Events: 70, ActiveDays: 7, NonWorkingDays: 2, ActiveHours: 60, Sessions: 20, AfterHoursHours: 25,
		NonWorkingHours: 20, LateNightDays: 5, WorkdaySpan: 15 * time.Hour, SpanDays: 5}
	s := signals(history(worst, worst, worst, worst))
	s.RecentActiveDays, s.LongestStreak, s.InProgressTickets = 14, 28, intp(12)
	a := analysis.Assess(config.DefaultAnalysis(), s)
	if a.Score == nil || *a.Score != 100 || a.Level != analysis.LevelHigh {
		t.Fatalf("score %v level %s, want 100 high\n%s", a.Score, a.Level, describe(a))
	}
}

func TestMissingSourcesAreAbsentNotZero(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	s := signals(history(office, office, office, office))
	if f := factor(analysis.Assess(m, s), analysis.FactorConcurrentItems); f != nil {
		t.Errorf("concurrent items without a ticket or GitHub source: %+v", f)
	}
	s.OpenPullRequests = intp(0)
	f := factor(analysis.Assess(m, s), analysis.FactorConcurrentItems)
	if f == nil || f.Value != 0 || f.Explanation != "0 open pull requests at once" {
		t.Errorf("concurrent items with GitHub and nothing open: %+v", f)
	}
	// Without 4 active weeks before the judged ones there is no own usual,
	// so no load against it.
	short := signals([]analysis.Week{office, office, office, office, office, office, office})
	a := analysis.Assess(m, short)
	if f := factor(a, analysis.FactorLoadVsUsual); f != nil {
		t.Errorf("load against a usual of 3 weeks: %+v", f)
	}
	if f := factor(a, analysis.FactorAfterHoursRatio); f == nil || f.Baseline != nil {
		t.Errorf("after-hours ratio with a usual of 3 weeks: %+v", f)
	}
}

func TestInsufficientDataExplains(t *testing.T) {
	t.Parallel()
	a := analysis.Assess(config.DefaultAnalysis(), analysis.Signals{Weeks: []analysis.Week{{Events: 3, ActiveDays: 2, ActiveHours: 1, Sessions: 2}}, HistoryDays: 9})
	want := []analysis.Factor{
		{Name: "history_days", Value: 9, Explanation: "only 9 days of history; judging needs 28"},
		{Name: "recent_events", Value: 3, Explanation: "only 3 events in the last 4 weeks; judging needs 10"},
		{Name: "recent_active_days", Value: 2, Explanation: "active on only 2 days in the last 4 weeks; judging needs 4"},
	}
	if diff := cmp.Diff(want, a.Factors); diff != "" || a.Level != analysis.LevelInsufficientData || a.Score != nil {
		t.Errorf("level %s, score %v, factors (-want +got):\n%s", a.Level, a.Score, diff)
	}
	// What it rests on is reported even when it is too little.
	if want := "rests on 2 active days, 2 sessions and 1.0 h of active time in the last 4 weeks, 1 week of history, 0 active weeks of own usual"; a.Evidence.Explanation != want {
		t.Errorf("evidence %q, want %q", a.Evidence.Explanation, want)
	}
	if a.Pattern != analysis.PatternNone {
		t.Errorf("pattern %q without a judgement", a.Pattern)
	}
}

func TestNoActivityIsNeverJudged(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	m.InsufficientData = config.InsufficientData{}
	s := signals(append([]analysis.Week{{}, {}, {}, {}}, history()...))
	a := analysis.Assess(m, s)
	if a.Level != analysis.LevelInsufficientData || a.Score != nil {
		t.Errorf("no events in the judged weeks with every minimum at 0: %s, score %v", a.Level, a.Score)
	}
}

func TestModelSettingsApply(t *testing.T) {
	t.Parallel()
	s := signals(history(evenings, evenings, office, office))
	m := config.DefaultAnalysis()
	if a := analysis.Assess(m, s); a.Sustained {
		t.Fatalf("2 heavy of 4 is sustained with the defaults")
	}
	m.Sustained.HeavyWeeks = 2
	if a := analysis.Assess(m, s); !a.Sustained {
		t.Errorf("2 heavy of 4 is not sustained with sustained.heavy_weeks 2")
	}
	m = config.DefaultAnalysis()
	m.HeavyWeekAfterHours = 6
	if a := analysis.Assess(m, signals(history(evenings, evenings, evenings, evenings))); a.Sustained || a.HeavyWeeks != 0 {
		t.Errorf("5-hour weeks heavy with heavy_week_after_hours 6: %d heavy", a.HeavyWeeks)
	}
	m = config.DefaultAnalysis()
	m.Factors.AfterHoursRatio.Weight = 0
	a := analysis.Assess(m, signals(history(evenings, evenings, evenings, evenings)))
	if f := factor(a, analysis.FactorAfterHoursRatio); f == nil || f.Contribution != 0 {
		t.Errorf("weight 0 still contributes: %+v", f)
	}
	m = config.DefaultAnalysis()
	m.Levels.Elevated, m.Levels.High = 20, 50
	if a := analysis.Assess(m, signals(history(evenings, evenings, evenings, evenings))); a.Level != analysis.LevelHigh {
		t.Errorf("55 points with high at 50: %s", a.Level)
	}
}

func TestAssessAllTeamBaselines(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	late := signals(history(evenings, evenings, evenings, evenings))
	calm := signals(history(office, office, office, office))
	got := analysis.AssessAll(m, []analysis.Subject{
		{ID: "ana", Team: "core", Signals: late},
		{ID: "bo", Team: "core", Signals: calm},
		{ID: "cy", Team: "core", Signals: calm},
		{ID: "newbie", Team: "core", Signals: analysis.Signals{Weeks: []analysis.Week{evenings}, HistoryDays: 5}},
		{ID: "solo", Signals: late},
	})
	ana := factor(got["ana"], analysis.FactorAfterHoursRatio)
	if ana.TeamBaseline == nil || *ana.TeamBaseline != 0 {
		t.Errorf("ana's team after-hours baseline %v, want 0 (bo and cy, not herself)", ana.TeamBaseline)
	}
	if want := "25% of active time on working days outside usual hours 09:00-18:00 in the last 4 weeks (own usual 0%, team 0%)"; ana.Explanation != want {
		t.Errorf("explanation %q, want %q", ana.Explanation, want)
	}
	bo := factor(got["bo"], analysis.FactorHeavyWeeks)
	if bo.TeamBaseline == nil || *bo.TeamBaseline != 2 {
		t.Errorf("bo's team heavy weeks %v, want 2 (the median of ana's 4 and cy's 0)", bo.TeamBaseline)
	}
	if f := factor(got["solo"], analysis.FactorAfterHoursRatio); f.TeamBaseline != nil {
		t.Errorf("a person in no team has a team baseline: %v", *f.TeamBaseline)
	}
	if got["newbie"].Level != analysis.LevelInsufficientData {
		t.Errorf("newbie: %s", got["newbie"].Level)
	}
}

// TestAssessGroupsWithholdsSmallTeams: a team with fewer judged members than
// the minimum group size gets no team baseline, and the sentence says so
// where the team figure would be; the newcomer (not judged) does not count.
func TestAssessGroupsWithholdsSmallTeams(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	late := signals(history(evenings, evenings, evenings, evenings))
	calm := signals(history(office, office, office, office))
	subjects := []analysis.Subject{
		{ID: "ana", Team: "core", Signals: late},
		{ID: "bo", Team: "core", Signals: calm},
		{ID: "cy", Team: "core", Signals: calm},
		{ID: "newbie", Team: "core", Signals: analysis.Signals{Weeks: []analysis.Week{evenings}, HistoryDays: 5}},
	}
	got := analysis.AssessGroups(m, 4, subjects)
	for _, id := range []string{"ana", "bo", "cy"} {
		for _, f := range got[id].Factors {
			if f.TeamBaseline != nil {
				t.Errorf("%s: %s has team baseline %v in a team of 3 judged (minimum 4)", id, f.Name, *f.TeamBaseline)
			}
			if f.Name != analysis.FactorConcurrentItems && !strings.Contains(f.Explanation, "team of fewer than 4: no team figures") {
				t.Errorf("%s: %s does not say the team figure is withheld: %q", id, f.Name, f.Explanation)
			}
		}
	}
	ana := factor(got["ana"], analysis.FactorAfterHoursRatio)
	if want := "25% of active time on working days outside usual hours 09:00-18:00 in the last 4 weeks (own usual 0%, team of fewer than 4: no team figures)"; ana.Explanation != want {
		t.Errorf("explanation %q, want %q", ana.Explanation, want)
	}
	// Three judged members reach a minimum of 3.
	got = analysis.AssessGroups(m, 3, subjects)
	if f := factor(got["ana"], analysis.FactorAfterHoursRatio); f.TeamBaseline == nil || strings.Contains(f.Explanation, "fewer than") {
		t.Errorf("a team of 3 with minimum 3: %+v", f)
	}
}

func scoreText(p *int) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}
