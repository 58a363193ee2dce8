package analysis

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/overtime-project/overtime/config"
)

// Level is how much a person's activity says about burnout risk.
type Level string

// The levels of the report contract.
const (
	LevelLow              Level = "low"
	LevelElevated         Level = "elevated"
	LevelHigh             Level = "high"
	LevelInsufficientData Level = "insufficient_data"
)

// The names of the factors, as the report and the metrics show them.
const (
	FactorAfterHoursRatio    = "after_hours_ratio"
	FactorHeavyWeeks         = "heavy_weeks"
	FactorNonWorkingDayRatio = "non_working_day_ratio"
	FactorWorkdaySpanHours   = "workday_span_hours"
	FactorActiveDayRatio     = "active_day_ratio"
	FactorConcurrentItems    = "concurrent_items"
	FactorLoadVsUsual        = "load_vs_usual"
	FactorLateNightDays      = "late_night_days"
	// The reasons a person is not judged (level insufficient_data); they
	// carry no points.
	FactorHistoryDays      = "history_days"
	FactorRecentEvents     = "recent_events"
	FactorRecentActiveDays = "recent_active_days"
)

// minBaselineWeeks is how many active weeks a person's own usual needs:
// the median of fewer says little.
const minBaselineWeeks = 4

// minSpanDays is how many active working days a workday span needs.
const minSpanDays = 3

// Week is one person's activity over seven local days, in active time:
// half hours with any activity (see Build).
type Week struct {
	Events         int
	ActiveDays     int
	NonWorkingDays int // non-working days (weekends, holidays) with activity
	ActiveHours    float64
	Sessions       int // runs of consecutive active half hours
	// AfterHoursHours is the active time on working days outside the usual
	// window; NonWorkingHours the active time on non-working days. A
	// weekend counts in the second only.
	AfterHoursHours float64
	NonWorkingHours float64
	LateNightDays   int           // days active 00:00-05:00 outside the usual window
	WorkdaySpan     time.Duration // median first-to-last activity on the active working days
	SpanDays        int           // active working days
}

// OffHours is the week's active time outside the usual working time.
func (w Week) OffHours() float64 { return w.AfterHoursHours + w.NonWorkingHours }

// Signals are what the risk model knows of one person as of a date. The
// judged weeks are the last config.Sustained.Weeks weeks; the weeks before
// them, up to config.BaselineWeeks, make the person's own usual.
type Signals struct {
	// Weeks[0] is the week ending on the as-of date, Weeks[1] the seven
	// days before, and so on; weeks past the end of the slice, like zero
	// weeks, had no activity.
	Weeks []Week
	// HistoryDays counts the days from the first activity to the as-of date,
	// both included; 0 with no activity.
	HistoryDays int
	// WorkdaySpan is the median first-to-last activity over the active
	// working days of the judged weeks, SpanDays how many there are.
	WorkdaySpan time.Duration
	SpanDays    int
	// RecentActiveDays are the active days among the last
	// config.Factors.ActiveDayRatio.Days days; LongestStreak the longest run
	// of consecutive active days in the judged weeks.
	RecentActiveDays int
	LongestStreak    int
	// InProgressTickets and OpenPullRequests are the work in flight at the
	// as-of date; nil when no source can see it (not configured, or the
	// person has no identity there): unknown, which is not zero.
	InProgressTickets *int
	OpenPullRequests  *int
	// Usual is the window the person is judged against; Clock whether their
	// recorded offsets were taken as their clock. The zero values (no
	// window) mean 09:00-18:00 configured, for tests that build Weeks by
	// hand.
	Usual UsualHours
	Clock ClockCheck
}

// Pattern says whether a sustained load is new or long-standing.
type Pattern string

// The patterns of the report and the metrics.
const (
	// PatternRising: the load is sustained and above the person's own
	// usual (or their usual weeks were not heavy).
	PatternRising Pattern = "rising"
	// PatternLongStanding: the load is sustained, and was as heavy in the
	// baseline weeks: an unchanged pattern, not a change.
	PatternLongStanding Pattern = "long_standing"
	// PatternNone: no sustained load, or no usual to compare it with.
	PatternNone Pattern = "none"
)

// Evidence is what an assessment rests on: the judged weeks' active days,
// sessions and active hours, and the weeks of history and of usual.
type Evidence struct {
	ActiveDays    int
	Sessions      int
	ActiveHours   float64
	HistoryWeeks  int // whole weeks from the first activity to the as-of date
	BaselineWeeks int // active weeks among the baseline weeks: the own usual rests on them
	// Capped says the score reached high but the evidence did not
	// (config.Evidence): the level stopped at elevated.
	Capped      bool
	Explanation string
}

// Factor is one reason of a risk score.
type Factor struct {
	Name         string
	Value        float64
	Baseline     *float64 // the person's own usual; nil without enough history
	TeamBaseline *float64 // the median of the teammates' values; nil without judged teammates
	Weight       int
	Contribution int // points of the score
	Explanation  string
	// TeamWithheld is privacy.min_group_size when the team has fewer judged
	// members (then TeamBaseline is nil and the sentence says why); else 0.
	TeamWithheld int
}

// Assessment is the risk model's judgement of one person.
type Assessment struct {
	// Score is 0-100, the sum of the factors' contributions capped at 100;
	// nil when Level is insufficient_data: no score is better than a
	// confident one from three commits.
	Score *int
	Level Level
	// Sustained says the after-hours load is sustained: the last
	// config.Sustained.HeavyWeeks weeks were each heavy, in a row up to the
	// as-of date.
	Sustained bool
	// HeavyWeeks counts the heavy weeks among the judged ones.
	HeavyWeeks int
	// Factors are the reasons, highest contribution first. Factors whose
	// source is missing are absent, never zero.
	Factors []Factor
	// Pattern tells rising load from a long-standing pattern, with its
	// sentence.
	Pattern            Pattern
	PatternExplanation string
	// Usual is the window the person was judged against, with its sentence
	// ("usually 12:00-21:00, learned from 48 working days").
	Usual            UsualHours
	UsualExplanation string
	// Clock is the check of the person's recorded offsets; ClockExplanation
	// is "" unless the clock is suspect or +0000 stamps were read at the
	// offset of the person's other stamps.
	Clock            ClockCheck
	ClockExplanation string
	Evidence         Evidence
}

// TopReason is the explanation of the factor that contributes most, "" when
// none contributes.
func (a Assessment) TopReason() string {
	if a.Level == LevelInsufficientData && len(a.Factors) > 0 {
		return a.Factors[0].Explanation
	}
	if len(a.Factors) == 0 || a.Factors[0].Contribution == 0 {
		return ""
	}
	return a.Factors[0].Explanation
}

// Subject is one person to assess among their team.
type Subject struct {
	ID      string
	Team    string // "" for no team: no team baseline
	Signals Signals
}

// Assess judges one person on their own (no team baselines).
func Assess(m config.Analysis, s Signals) Assessment {
	e := evaluate(m, s)
	e.explain()
	return e.Assessment
}

// AssessAll judges every subject; each factor's team baseline is the median
// of the values of the judged teammates that have it.
func AssessAll(m config.Analysis, subjects []Subject) map[string]Assessment {
	return AssessGroups(m, 1, subjects)
}

// AssessGroups is AssessAll where a team with fewer than minGroup judged
// members (privacy.min_group_size) gets no team baselines: its sentences say
// so instead of quoting a median of one or two teammates.
func AssessGroups(m config.Analysis, minGroup int, subjects []Subject) map[string]Assessment {
	judged := map[string]int{}
	evals := make([]*evaluation, len(subjects))
	values := map[string]map[string][]float64{} // team → factor → values
	for i, s := range subjects {
		evals[i] = evaluate(m, s.Signals)
		if s.Team == "" || evals[i].Level == LevelInsufficientData {
			continue
		}
		judged[s.Team]++
		if values[s.Team] == nil {
			values[s.Team] = map[string][]float64{}
		}
		for _, f := range evals[i].Factors {
			values[s.Team][f.Name] = append(values[s.Team][f.Name], f.Value)
		}
	}
	for _, byFactor := range values {
		for _, vs := range byFactor {
			slices.Sort(vs)
		}
	}
	out := make(map[string]Assessment, len(subjects))
	for i, s := range subjects {
		e := evals[i]
		if s.Team != "" && e.Level != LevelInsufficientData && judged[s.Team] < minGroup {
			for j := range e.Factors {
				e.Factors[j].TeamWithheld = minGroup
			}
		} else if s.Team != "" && e.Level != LevelInsufficientData {
			for j := range e.Factors {
				f := &e.Factors[j]
				// Leave the person out of their own team's usual.
				if m, ok := medianWithout(values[s.Team][f.Name], f.Value); ok {
					f.TeamBaseline = ptr(round(m, decimals(f.Name)))
				}
			}
		}
		e.explain()
		out[s.ID] = e.Assessment
	}
	return out
}

// evaluation is an assessment before its explanations, with the facts the
// explanations need.
type evaluation struct {
	Assessment
	m               config.Analysis
	s               Signals
	judged          Week   // the judged weeks summed
	base            []Week // the active baseline weeks
	weeksOff        int    // judged weeks with activity on a day off
	usualOff        *float64
	itemsText       string
	loadRatio       float64
	offPerWeek      float64  // active hours a judged week outside the usual working time
	usualOffPerWeek *float64 // the same over the active baseline weeks; nil unless sustained with a usual
	usualHeavy      int      // heavy weeks among the active baseline weeks
	heavyRun        int      // heavy weeks in a row up to the as-of date
	habitual        []string // the time factors whose points were reduced as not rising
	light           float64  // the share factors' fraction of points: off hours a week / heavy_week_after_hours, at most 1
	unsustained     bool     // the score reached a level, but no flag signal did: low
}

func evaluate(m config.Analysis, s Signals) *evaluation {
	if s.Usual.Slots == 0 { // Signals built by hand: the default hours, configured
		s.Usual = UsualHours{StartSlot: 18, Slots: 18, Source: UsualConfigured}
	}
	e := &evaluation{m: m, s: s}
	e.Usual, e.Clock, e.Pattern = s.Usual, s.Clock, PatternNone
	J := m.Sustained.Weeks
	for i := range J {
		w := week(s.Weeks, i)
		e.judged.Events += w.Events
		e.judged.ActiveDays += w.ActiveDays
		e.judged.NonWorkingDays += w.NonWorkingDays
		e.judged.ActiveHours += w.ActiveHours
		e.judged.Sessions += w.Sessions
		e.judged.AfterHoursHours += w.AfterHoursHours
		e.judged.NonWorkingHours += w.NonWorkingHours
		e.judged.LateNightDays += w.LateNightDays
		if e.heavy(w) {
			e.HeavyWeeks++
		}
		if w.NonWorkingDays > 0 {
			e.weeksOff++
		}
	}
	// The person's own usual: the baseline weeks in which they were active.
	for i := J; i < J+m.BaselineWeeks && i < len(s.Weeks); i++ {
		if s.Weeks[i].ActiveDays > 0 {
			e.base = append(e.base, s.Weeks[i])
		}
	}
	e.Evidence = Evidence{ActiveDays: e.judged.ActiveDays, Sessions: e.judged.Sessions,
		ActiveHours: round(e.judged.ActiveHours, 1), HistoryWeeks: s.HistoryDays / 7, BaselineWeeks: len(e.base)}
	if e.insufficient() {
		return e
	}
	// Sustained: the load is ongoing, week after week up to the as-of
	// date. A burst that ended is not sustained, however heavy it was.
	for e.heavyRun < J && e.heavy(week(s.Weeks, e.heavyRun)) {
		e.heavyRun++
	}
	e.Sustained = e.heavyRun >= m.Sustained.HeavyWeeks
	base := e.base
	usual := func(f func(Week) (float64, bool)) *float64 {
		if len(base) < minBaselineWeeks {
			return nil
		}
		var vs []float64
		for _, w := range base {
			if v, ok := f(w); ok {
				vs = append(vs, v)
			}
		}
		if len(vs) < minBaselineWeeks {
			return nil
		}
		return ptr(median(vs))
	}
	fs := m.Factors
	j := e.judged

	// Change and persistence: is the sustained load new, or as it was?
	e.offPerWeek = j.OffHours() / float64(J)
	if e.Sustained && len(base) >= minBaselineWeeks {
		heavy, off := 0, 0.0
		for _, w := range base {
			if e.heavy(w) {
				heavy++
			}
			off += w.OffHours()
		}
		e.usualOffPerWeek = ptr(off / float64(len(base)))
		e.usualHeavy = heavy
		if float64(heavy)/float64(len(base)) >= float64(m.Sustained.HeavyWeeks)/float64(J) &&
			e.offPerWeek < m.Persistence.RisingRatio**e.usualOffPerWeek {
			e.Pattern = PatternLongStanding
		} else {
			e.Pattern = PatternRising
		}
	}

	// A share of little is little: when the judged weeks hold less than
	// heavy_week_after_hours a week outside usual hours, the two shares earn
	// that fraction of their points.
	e.light = min(1, e.offPerWeek/m.HeavyWeekAfterHours)
	ratio := 0.0
	if j.ActiveHours > 0 {
		ratio = round(j.AfterHoursHours/j.ActiveHours, 3)
	}
	e.add(FactorAfterHoursRatio, ratio, usual(func(w Week) (float64, bool) {
		return w.AfterHoursHours / w.ActiveHours, w.ActiveHours > 0
	}), fs.AfterHoursRatio.Weight, e.light*band(fs.AfterHoursRatio.Bands, ratio), true, fs.AfterHoursRatio.Bands...)

	// How many of J weeks usually are heavy (or have a day off worked): the
	// share of the baseline weeks that were, times J.
	usualOutOfJ := func(pred func(Week) bool) *float64 {
		if len(base) < minBaselineWeeks {
			return nil
		}
		n := 0
		for _, w := range base {
			if pred(w) {
				n++
			}
		}
		return ptr(float64(n) * float64(J) / float64(len(base)))
	}
	sustained := 0.0
	if e.Sustained {
		sustained = 1
	}
	e.add(FactorHeavyWeeks, float64(e.HeavyWeeks), usualOutOfJ(e.heavy), fs.HeavyWeeks.Weight, sustained, true)

	off := 0.0
	if j.ActiveHours > 0 {
		off = round(j.NonWorkingHours/j.ActiveHours, 3)
	}
	e.add(FactorNonWorkingDayRatio, off, usual(func(w Week) (float64, bool) {
		return w.NonWorkingHours / w.ActiveHours, w.ActiveHours > 0
	}), fs.NonWorkingDayRatio.Weight, e.light*band(fs.NonWorkingDayRatio.Bands, off), true, fs.NonWorkingDayRatio.Bands...)
	e.usualOff = usualOutOfJ(func(w Week) bool { return w.NonWorkingDays > 0 })

	if s.SpanDays >= minSpanDays {
		span := round(s.WorkdaySpan.Hours(), 1)
		e.add(FactorWorkdaySpanHours, span, usual(func(w Week) (float64, bool) {
			return w.WorkdaySpan.Hours(), w.SpanDays > 0
		}), fs.WorkdaySpanHours.Weight, band(fs.WorkdaySpanHours.Bands, span), true, fs.WorkdaySpanHours.Bands...)
	}

	if days := fs.ActiveDayRatio.Days; days > 0 {
		active := round(float64(s.RecentActiveDays)/float64(days), 3)
		e.add(FactorActiveDayRatio, active, usual(func(w Week) (float64, bool) {
			return float64(w.ActiveDays) / 7, true
		}), fs.ActiveDayRatio.Weight, band(fs.ActiveDayRatio.Bands, active), true, fs.ActiveDayRatio.Bands...)
	}

	if s.InProgressTickets != nil || s.OpenPullRequests != nil {
		// The larger of the two, not their sum: a ticket in progress and its
		// pull request are usually one piece of work.
		items := 0
		var parts []string
		if s.InProgressTickets != nil {
			items = *s.InProgressTickets
			parts = append(parts, plural(*s.InProgressTickets, "ticket", "tickets")+" in progress")
		}
		if s.OpenPullRequests != nil {
			items = max(items, *s.OpenPullRequests)
			parts = append(parts, plural(*s.OpenPullRequests, "open pull request", "open pull requests"))
		}
		e.itemsText = strings.Join(parts, ", ")
		e.add(FactorConcurrentItems, float64(items), nil, fs.ConcurrentItems.Weight, band(fs.ConcurrentItems.Bands, float64(items)), false)
	}

	// More time than usual, once a week holds at least heavy_week_after_hours
	// of it: below that, a multiple of a small usual is noise.
	if u := usual(func(w Week) (float64, bool) { return w.ActiveHours, true }); u != nil && *u > 0 &&
		j.ActiveHours/float64(J) >= m.HeavyWeekAfterHours {
		perWeek := round(j.ActiveHours/float64(J), 1)
		usualHours := round(*u, 1)
		// The ratio judged is the ratio shown: of the rounded figures, to
		// two decimals.
		e.loadRatio = round(perWeek/usualHours, 2)
		e.add(FactorLoadVsUsual, perWeek, ptr(usualHours), fs.LoadVsUsual.Weight, band(fs.LoadVsUsual.Bands, e.loadRatio), false)
	}

	e.add(FactorLateNightDays, float64(j.LateNightDays), usual(func(w Week) (float64, bool) {
		return float64(w.LateNightDays * J), true
	}), fs.LateNightDays.Weight, band(fs.LateNightDays.Bands, float64(j.LateNightDays)), true, fs.LateNightDays.Bands...)

	score := 0
	for _, f := range e.Factors {
		score += f.Contribution
	}
	score = min(score, 100)
	e.Score = &score
	switch {
	case score >= m.Levels.High:
		e.Level = LevelHigh
	case score >= m.Levels.Elevated:
		e.Level = LevelElevated
	default:
		e.Level = LevelLow
	}
	// A flag follows a sustained load, days without rest, long days or a
	// pile of work in flight: the shares of a load that is none of these
	// (a few evenings, a weekend, a night) stay low, whatever their points.
	if e.Level != LevelLow && !e.Sustained && !e.earns(FactorActiveDayRatio, FactorWorkdaySpanHours, FactorConcurrentItems) {
		e.Level = LevelLow
		e.unsustained = true
	}
	// Thin evidence cannot reach high.
	if ev := m.Evidence; e.Level == LevelHigh && (e.Evidence.ActiveDays < ev.HighMinActiveDays ||
		e.Evidence.ActiveHours < ev.HighMinActiveHours || e.Evidence.BaselineWeeks < ev.HighMinBaselineWeeks) {
		e.Level = LevelElevated
		e.Evidence.Capped = true
	}
	sort.SliceStable(e.Factors, func(a, b int) bool {
		fa, fb := e.Factors[a], e.Factors[b]
		if fa.Contribution != fb.Contribution {
			return fa.Contribution > fb.Contribution
		}
		return factorOrder[fa.Name] < factorOrder[fb.Name]
	})
	return e
}

// earns says one of the named factors earns points.
func (e *evaluation) earns(names ...string) bool {
	for _, f := range e.Factors {
		if f.Contribution > 0 && slices.Contains(names, f.Name) {
			return true
		}
	}
	return false
}

// heavy says a week has at least heavy_week_after_hours of active time
// outside the usual working time.
func (e *evaluation) heavy(w Week) bool {
	return w.OffHours() >= e.m.HeavyWeekAfterHours
}

// factorOrder breaks ties between equal contributions.
var factorOrder = map[string]int{FactorHeavyWeeks: 0, FactorAfterHoursRatio: 1, FactorNonWorkingDayRatio: 2,
	FactorActiveDayRatio: 3, FactorWorkdaySpanHours: 4, FactorConcurrentItems: 5, FactorLoadVsUsual: 6, FactorLateNightDays: 7}

// insufficient decides, and explains, whether there is too little to judge.
func (e *evaluation) insufficient() bool {
	d, J := e.m.InsufficientData, e.m.Sustained.Weeks
	var reasons []Factor
	if e.s.HistoryDays < d.MinHistoryDays {
		text := fmt.Sprintf("only %s of history; judging needs %d", plural(e.s.HistoryDays, "day", "days"), d.MinHistoryDays)
		if e.s.HistoryDays == 0 {
			text = "no activity yet"
		}
		reasons = append(reasons, Factor{Name: FactorHistoryDays, Value: float64(e.s.HistoryDays), Explanation: text})
	}
	// No events at all is never enough, whatever min_events says: every
	// share would be 0 of 0.
	if e.s.HistoryDays > 0 && e.judged.Events < max(d.MinEvents, 1) {
		reasons = append(reasons, Factor{Name: FactorRecentEvents, Value: float64(e.judged.Events),
			Explanation: fmt.Sprintf("only %s in the last %s; judging needs %d",
				plural(e.judged.Events, "event", "events"), plural(J, "week", "weeks"), d.MinEvents)})
	}
	if e.s.HistoryDays > 0 && e.judged.ActiveDays < d.MinActiveDays {
		reasons = append(reasons, Factor{Name: FactorRecentActiveDays, Value: float64(e.judged.ActiveDays),
			Explanation: fmt.Sprintf("active on only %s in the last %s; judging needs %d",
				plural(e.judged.ActiveDays, "day", "days"), plural(J, "week", "weeks"), d.MinActiveDays)})
	}
	if len(reasons) == 0 {
		return false
	}
	e.Level = LevelInsufficientData
	e.HeavyWeeks = 0
	e.Factors = reasons
	return true
}

// add appends a factor earning share of its weight. A time factor that is
// not rising earns persistence.long_standing_share of that: when the whole
// load is a long-standing pattern, or when the person's own usual value
// already reaches the same band (bands given: their habit, not a change).
// The heavy-weeks factor follows the whole load only.
func (e *evaluation) add(name string, value float64, baseline *float64, weight int, share float64, timeFactor bool, bands ...float64) {
	if baseline != nil {
		baseline = ptr(round(*baseline, decimals(name)))
	}
	if timeFactor && share > 0 && (e.Pattern == PatternLongStanding ||
		(len(bands) > 0 && baseline != nil && band(bands, *baseline) >= band(bands, value))) {
		share *= e.m.Persistence.LongStandingShare
		e.habitual = append(e.habitual, name)
	}
	e.Factors = append(e.Factors, Factor{Name: name, Value: value, Baseline: baseline, Weight: weight,
		Contribution: int(math.Round(float64(weight) * share))})
}

func (e *evaluation) factor(name string) *Factor {
	for i := range e.Factors {
		if e.Factors[i].Name == name {
			return &e.Factors[i]
		}
	}
	return nil
}

// explain writes each factor's sentence, plain enough to read aloud, and
// the sentences of the window, the clock, the pattern and the evidence.
func (e *evaluation) explain() {
	J := e.m.Sustained.Weeks
	weeks := plural(J, "week", "weeks")
	e.explainContext()
	if e.Level == LevelInsufficientData {
		return
	}
	for i := range e.Factors {
		f := &e.Factors[i]
		switch f.Name {
		case FactorAfterHoursRatio:
			f.Explanation = fmt.Sprintf("%s of active time on working days outside usual hours %s in the last %s",
				percent(f.Value), e.Usual, weeks) + usuals(f, percent)
		case FactorHeavyWeeks:
			f.Explanation = fmt.Sprintf("%s h or more of active time outside usual hours in %d of the last %s",
				count(e.m.HeavyWeekAfterHours), int(f.Value), weeks)
			if k := e.m.Sustained.HeavyWeeks; int(f.Value) >= k && k > 1 {
				if e.Sustained {
					f.Explanation += fmt.Sprintf(", the last %d in a row", e.heavyRun)
				} else {
					f.Explanation += fmt.Sprintf(", but not the last %d in a row", k)
				}
			}
			f.Explanation += usuals(f, func(v float64) string { return fmt.Sprintf("%.0f of %d", v, J) })
		case FactorNonWorkingDayRatio:
			f.Explanation = fmt.Sprintf("%s of active time on days off%s; worked days off in %d of the last %s",
				percent(f.Value), usuals(f, percent), e.weeksOff, weeks)
			if e.usualOff != nil {
				f.Explanation += fmt.Sprintf(", usually %.0f of %d", *e.usualOff, J)
			}
		case FactorWorkdaySpanHours:
			f.Explanation = fmt.Sprintf("working days stretch %s h from first to last activity, median of %d days",
				hours(f.Value), e.s.SpanDays) + usuals(f, func(v float64) string { return hours(v) + " h" })
		case FactorActiveDayRatio:
			days := e.m.Factors.ActiveDayRatio.Days
			f.Explanation = fmt.Sprintf("active on %d of the last %d days", e.s.RecentActiveDays, days)
			if e.s.LongestStreak >= 7 {
				f.Explanation += fmt.Sprintf(", %d in a row without a day off", e.s.LongestStreak)
			}
			f.Explanation += usuals(f, func(v float64) string { return fmt.Sprintf("%s of 7", count(round(v*7, 1))) })
		case FactorConcurrentItems:
			f.Explanation = e.itemsText + " at once" + usuals(f, count)
		case FactorLoadVsUsual:
			f.Explanation = fmt.Sprintf("%s active hours a week, %.2f× own usual %s", count(f.Value), e.loadRatio, count(*f.Baseline))
			if f.TeamBaseline != nil {
				f.Explanation += fmt.Sprintf(" (team %s)", count(*f.TeamBaseline))
			} else if f.TeamWithheld > 0 {
				f.Explanation += " (" + teamWithheldText(f.TeamWithheld) + ")"
			}
		case FactorLateNightDays:
			night := "between midnight and 05:00"
			if e.Clock.Suspect {
				night += " of the clock they seem to live by"
			}
			f.Explanation = fmt.Sprintf("active %s on %s in the last %s", night,
				plural(int(f.Value), "day", "days"), weeks) + usuals(f, count)
		}
		if (f.Name == FactorAfterHoursRatio || f.Name == FactorNonWorkingDayRatio) && e.light < 1 && f.Contribution > 0 {
			f.Explanation += fmt.Sprintf("; a light load, %s h a week outside usual hours: %s of the points", hours(e.offPerWeek), percent(e.light))
		}
		if slices.Contains(e.habitual, f.Name) {
			f.Explanation += fmt.Sprintf("; not rising, %s of the points", percent(e.m.Persistence.LongStandingShare))
		}
	}
}

// explainContext writes the sentences of the usual window, the clock, the
// pattern and the evidence.
func (e *evaluation) explainContext() {
	u := e.Usual
	switch u.Source {
	case UsualConfigured:
		e.UsualExplanation = fmt.Sprintf("working hours %s, as configured", u)
	case UsualLearned:
		e.UsualExplanation = fmt.Sprintf("usually %s, learned from %s of the %s before the judged ones",
			u, plural(u.FromDays, "working day", "working days"), plural(e.m.BaselineWeeks, "week", "weeks"))
	default:
		e.UsualExplanation = fmt.Sprintf("working hours %s, the team's or default hours: %s in the %s before the judged ones, learning needs %d",
			u, plural(u.FromDays, "active working day", "active working days"), plural(e.m.BaselineWeeks, "week", "weeks"), e.m.UsualHours.MinDays)
		if !e.m.UsualHours.Learn {
			e.UsualExplanation = fmt.Sprintf("working hours %s, the team's or default hours (learning is off)", u)
		}
	}
	var clockText []string
	if c := e.Clock; c.Contradicting > 0 {
		who := percent(c.ContradictingShare) + " of their commits say +0000 on days"
		if c.ContradictingShare < 0.01 {
			// Under half a percent rounds to 0%: say how many.
			who = fmt.Sprintf("%d of their %d commits say +0000 on days", c.Contradicting, c.Stamped)
			if c.Contradicting == 1 {
				who = fmt.Sprintf("1 of their %d commits says +0000 on a day", c.Stamped)
			}
		}
		clockText = append(clockText, fmt.Sprintf("%s their others say %s: read at %s", who, OffsetText(c.UTCReadAs), OffsetText(c.UTCReadAs)))
	}
	if c := e.Clock; c.Suspect {
		clockText = append(clockText, fmt.Sprintf("%s of their timestamps say +0000, yet their activity sits %s away from a usual working day: "+
			"judged as if their clock were UTC%+d", percent(c.StampedUTCShare),
			plural(abs(c.ShiftMinutes)/60, "hour", "hours"), c.ShiftMinutes/60))
	}
	e.ClockExplanation = strings.Join(clockText, "; ")
	J := e.m.Sustained.Weeks
	switch e.Pattern {
	case PatternRising:
		e.PatternExplanation = fmt.Sprintf("rising: %s h a week outside usual hours in the last %s", hours(e.offPerWeek), plural(J, "week", "weeks"))
		if e.usualOffPerWeek != nil {
			e.PatternExplanation += fmt.Sprintf(", own usual %s h (heavy in %d of %d usual weeks)", hours(*e.usualOffPerWeek), e.usualHeavy, len(e.base))
		}
	case PatternLongStanding:
		e.PatternExplanation = fmt.Sprintf("long-standing: %s h a week outside usual hours in the last %s, own usual %s h "+
			"(heavy in %d of %d usual weeks); unchanged, not rising", hours(e.offPerWeek), plural(J, "week", "weeks"),
			hours(*e.usualOffPerWeek), e.usualHeavy, len(e.base))
	default:
		if e.Sustained {
			e.PatternExplanation = fmt.Sprintf("sustained, with no usual to compare with yet (%d of the %d active usual weeks it needs)",
				len(e.base), minBaselineWeeks)
		} else if e.Level != LevelInsufficientData {
			e.PatternExplanation = "no sustained load outside usual hours"
			if e.unsustained {
				e.PatternExplanation += fmt.Sprintf(", no days without rest, long days or pile of work: low, though the factors add up to %d", *e.Score)
			}
		}
	}
	ev := &e.Evidence
	ev.Explanation = fmt.Sprintf("rests on %s, %s and %s h of active time in the last %s, %s of history, %s of own usual",
		plural(ev.ActiveDays, "active day", "active days"), plural(ev.Sessions, "session", "sessions"), hours(ev.ActiveHours),
		plural(J, "week", "weeks"), plural(ev.HistoryWeeks, "week", "weeks"), plural(ev.BaselineWeeks, "active week", "active weeks"))
	if ev.Capped {
		ev.Explanation += fmt.Sprintf("; too thin for high (needs %d active days, %s h and %d weeks of own usual): elevated",
			e.m.Evidence.HighMinActiveDays, hours(e.m.Evidence.HighMinActiveHours), e.m.Evidence.HighMinBaselineWeeks)
	}
}

// usuals is " (own usual X, team Y)", with what is known.
func usuals(f *Factor, format func(float64) string) string {
	var parts []string
	if f.Baseline != nil {
		parts = append(parts, "own usual "+format(*f.Baseline))
	}
	if f.TeamBaseline != nil {
		parts = append(parts, "team "+format(*f.TeamBaseline))
	}
	if f.TeamWithheld > 0 {
		parts = append(parts, teamWithheldText(f.TeamWithheld))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// teamWithheldText stands where a team figure would be in a team smaller
// than the minimum group size.
func teamWithheldText(minGroup int) string {
	return fmt.Sprintf("team of fewer than %d: no team figures", minGroup)
}

// band is the share of a factor's weight that value earns: (i+1)/n for the
// highest of the n thresholds it reaches.
func band(bands []float64, value float64) float64 {
	reached := 0
	for _, b := range bands {
		if value >= b {
			reached++
		}
	}
	if len(bands) == 0 {
		return 0
	}
	return float64(reached) / float64(len(bands))
}

func week(weeks []Week, i int) Week {
	if i < len(weeks) {
		return weeks[i]
	}
	return Week{}
}

// decimals is how precisely a factor's numbers are shown (and compared).
func decimals(name string) int {
	switch name {
	case FactorAfterHoursRatio, FactorNonWorkingDayRatio, FactorActiveDayRatio:
		return 3
	default:
		return 1
	}
}

// medianWithout is the median of the sorted values with one v (which they
// hold) left out; ok is false when nothing is left.
func medianWithout(sorted []float64, v float64) (m float64, ok bool) {
	n := len(sorted) - 1
	if n < 1 {
		return 0, false
	}
	skip, _ := slices.BinarySearch(sorted, v)
	at := func(i int) float64 { // the i-th value with sorted[skip] left out
		if i >= skip {
			i++
		}
		return sorted[i]
	}
	if n%2 == 1 {
		return at(n / 2), true
	}
	return (at(n/2-1) + at(n/2)) / 2, true
}

// Median is the median of vs (vs is not changed); the middle two averaged
// for an even count. It is the one median of the team figures the analysis
// and the exports show.
func Median(vs []float64) float64 { return median(vs) }

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func ptr[T any](v T) *T { return &v }

func percent(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

func hours(v float64) string { return fmt.Sprintf("%.1f", v) }

// count shows a number of things: whole when it is, else one decimal.
func count(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// OffsetText writes an offset in seconds east of UTC as git does: +0900,
// -0430.
func OffsetText(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	return fmt.Sprintf("%c%02d%02d", sign, seconds/3600, seconds%3600/60)
}
