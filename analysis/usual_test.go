package analysis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
)

// asOf is a Sunday; people below have 20 weeks of history before it.
var asOf = time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)

// span is the half hours from h1:m1 to h2:m2 (local), as minutes.
func minutes(from, to, every int) []int {
	var out []int
	for m := from; m < to; m += every {
		out = append(out, m)
	}
	return out
}

func hm(h, m int) int { return h*60 + m }

// archetype builds a person's days: day(date, weeksBack) gives the minutes
// after local midnight of their activity that day (recorded clock).
func archetype(weeks int, day func(d time.Time, weeksBack int) []int) analysis.Person {
	p := analysis.Person{Start: hm(9, 0), End: hm(18, 0), WorkdayMask: 0b0111110}
	for d := asOf.AddDate(0, 0, -7*weeks+1); !d.After(asOf); d = d.AddDate(0, 0, 1) {
		back := int(asOf.Sub(d).Hours()/24) / 7
		ms := day(d, back)
		if len(ms) == 0 {
			continue
		}
		var slots uint64
		lo, hi := ms[0], ms[0]
		for _, m := range ms {
			slots |= 1 << (m / 30)
			lo, hi = min(lo, m), max(hi, m)
		}
		working := p.WorkdayMask>>int(d.Weekday())&1 == 1
		p.Days = append(p.Days, analysis.Day{Date: d, Working: working, Events: len(ms), Slots: slots,
			Span: time.Duration(hi-lo) * time.Minute})
	}
	p.HistoryDays = 7 * weeks
	return p
}

func weekday(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }

// workday is a working day from..to with a commit every 40 minutes.
func workday(d time.Time, from, to int) []int {
	if !weekday(d) {
		return nil
	}
	return minutes(from+7, to-5, 40)
}

func judge(t *testing.T, p analysis.Person) analysis.Assessment {
	t.Helper()
	m := config.DefaultAnalysis()
	return analysis.Assess(m, analysis.Build(m, p, asOf))
}

func describeAll(a analysis.Assessment) string {
	var b strings.Builder
	b.WriteString("  level " + string(a.Level) + ", pattern " + string(a.Pattern) + "; " + a.UsualExplanation + "; " +
		a.ClockExplanation + "; " + a.Evidence.Explanation + "\n")
	b.WriteString(describe(a))
	return b.String()
}

// TestArchetypesOfV2 are the people of the v2 model: healthy shapes of a
// working life are low, load that grew or never stops is elevated or high.
func TestArchetypesOfV2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		p       analysis.Person
		flagged bool
		check   func(t *testing.T, a analysis.Assessment)
	}{
		{name: "early starter 07:00-16:00", p: archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(7, 0), hm(16, 0)) }),
			check: func(t *testing.T, a analysis.Assessment) {
				if a.Usual.Source != analysis.UsualLearned || a.Usual.String() != "07:00-16:00" {
					t.Errorf("usual %s (%s), want learned 07:00-16:00", a.Usual, a.Usual.Source)
				}
			}},
		{name: "late starter 12:00-20:30", p: archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(12, 0), hm(20, 30)) }),
			check: func(t *testing.T, a analysis.Assessment) {
				if a.Usual.Source != analysis.UsualLearned || a.Usual.Start() != hm(12, 0) || a.Usual.End() < hm(20, 30) {
					t.Errorf("usual %s, want learned from 12:00 to 20:30 or a little later", a.Usual)
				}
				if !strings.Contains(a.UsualExplanation, "usually 12:00-") {
					t.Errorf("sentence %q does not say usually 12:00-", a.UsualExplanation)
				}
			}},
		{name: "+0000 laptop of a New York engineer", p: func() analysis.Person {
			// 09:00-18:00 in New York is 14:00-23:00 at +0000.
			p := archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(14, 0), hm(23, 0)) })
			p.Stamped, p.StampedUTC = 500, 500
			return p
		}(), check: func(t *testing.T, a analysis.Assessment) {
			if !a.Clock.Suspect || a.Clock.ShiftMinutes != -5*60 || a.ClockExplanation == "" {
				t.Errorf("clock %+v %q, want suspect, shifted -5 h", a.Clock, a.ClockExplanation)
			}
		}},
		{name: "+0000 laptop in California: evenings are not late night", p: func() analysis.Person {
			// 10:00-19:00 at -0800 is 18:00-03:00 at +0000, every evening
			// past midnight in the recorded clock.
			p := archetype(20, func(d time.Time, _ int) []int {
				if !weekday(d) {
					return nil
				}
				return minutes(hm(18, 7), hm(23, 59), 40)
			})
			for i := range p.Days { // and the two hours after midnight
				p.Days[i].Slots |= 0b1111
			}
			p.Stamped, p.StampedUTC = 300, 297
			return p
		}(), check: func(t *testing.T, a analysis.Assessment) {
			if !a.Clock.Suspect {
				t.Errorf("clock not suspect: %+v", a.Clock)
			}
			for _, f := range a.Factors {
				if f.Name == analysis.FactorLateNightDays && f.Value > 0 {
					t.Errorf("their evenings are late night: %s", f.Explanation)
				}
			}
		}},
		{name: "configured zone: +0000 stamps are not checked", p: func() analysis.Person {
			p := archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(9, 0), hm(18, 0)) })
			p.Stamped, p.StampedUTC, p.Zoned = 500, 500, true
			return p
		}(), check: func(t *testing.T, a analysis.Assessment) {
			if a.Clock.Suspect {
				t.Errorf("a configured zone's person has a suspect clock")
			}
		}},
		{name: "patch-series batcher: 19 commits in one evening minute a week", p: archetype(20, func(d time.Time, _ int) []int {
			out := workday(d, hm(9, 0), hm(18, 0))
			if d.Weekday() == time.Tuesday {
				for range 19 {
					out = append(out, hm(19, 37))
				}
			}
			return out
		})},
		{name: "night shift with configured hours 14:00-23:00", p: func() analysis.Person {
			p := archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(14, 0), hm(23, 0)) })
			p.Start, p.End, p.OwnHours = hm(14, 0), hm(23, 0), true
			return p
		}(), check: func(t *testing.T, a analysis.Assessment) {
			if a.Usual.Source != analysis.UsualConfigured || a.Usual.String() != "14:00-23:00" {
				t.Errorf("usual %s (%s), want configured 14:00-23:00", a.Usual, a.Usual.Source)
			}
		}},
		{name: "one release weekend", p: archetype(20, func(d time.Time, back int) []int {
			if back == 1 && !weekday(d) {
				return minutes(hm(10, 0), hm(16, 0), 25)
			}
			return workday(d, hm(9, 0), hm(18, 0))
		})},
		{name: "evenings creeping in over the last month", flagged: true, p: archetype(20, func(d time.Time, back int) []int {
			out := workday(d, hm(9, 0), hm(18, 0))
			evenings := map[int]int{4: 1, 3: 2, 2: 3, 1: 4, 0: 5}[back]
			if wd := int(d.Weekday()); wd >= 1 && wd <= evenings {
				out = append(out, minutes(hm(19, 10), hm(21, 40), 35)...)
			}
			return out
		}), check: func(t *testing.T, a analysis.Assessment) {
			if a.Pattern != analysis.PatternRising {
				t.Errorf("pattern %s, want rising", a.Pattern)
			}
			if a.Usual.End() > hm(18, 30) {
				t.Errorf("the evenings were learned as usual: %s", a.Usual)
			}
		}},
		{name: "always-on evenings: 45 minutes most weekdays for six weeks", flagged: true, p: archetype(20, func(d time.Time, back int) []int {
			out := workday(d, hm(9, 0), hm(18, 0))
			if back < 6 && weekday(d) && d.Weekday() != time.Friday {
				out = append(out, hm(21, 5), hm(21, 25), hm(21, 50))
			}
			return out
		})},
		{name: "five hours every Saturday for five weeks", flagged: true, p: archetype(20, func(d time.Time, back int) []int {
			if back < 5 && d.Weekday() == time.Saturday {
				return minutes(hm(10, 0), hm(15, 0), 25)
			}
			return workday(d, hm(9, 0), hm(18, 0))
		})},
		{name: "no day off for three weeks", flagged: true, p: archetype(20, func(d time.Time, _ int) []int {
			if !weekday(d) && asOf.Sub(d) < 21*24*time.Hour {
				return minutes(hm(10, 0), hm(14, 0), 30)
			}
			return workday(d, hm(9, 0), hm(18, 0))
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := judge(t, tt.p)
			flagged := a.Level == analysis.LevelElevated || a.Level == analysis.LevelHigh
			if flagged != tt.flagged || a.Level == analysis.LevelInsufficientData {
				t.Errorf("level %s, want flagged %v\n%s", a.Level, tt.flagged, describeAll(a))
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// TestLongStandingDoesNotPageAgain: the same evenings for 16 weeks are a
// long-standing pattern, with half the time points, below the rising
// version of the same weeks; a single factor at its own usual band earns
// half its points too.
func TestLongStandingDoesNotPageAgain(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	m.UsualHours.Learn = false // configured hours: the evenings stay outside them
	evenings := func(from int) func(d time.Time, back int) []int {
		return func(d time.Time, back int) []int {
			out := workday(d, hm(9, 0), hm(18, 0))
			if back < from && weekday(d) {
				out = append(out, minutes(hm(19, 10), hm(21, 40), 35)...)
			}
			return out
		}
	}
	always := analysis.Assess(m, analysis.Build(m, archetype(20, evenings(20)), asOf))
	rising := analysis.Assess(m, analysis.Build(m, archetype(20, evenings(4)), asOf))
	if always.Pattern != analysis.PatternLongStanding || !strings.HasPrefix(always.PatternExplanation, "long-standing") {
		t.Errorf("always: pattern %s %q, want long_standing", always.Pattern, always.PatternExplanation)
	}
	if rising.Pattern != analysis.PatternRising {
		t.Errorf("rising: pattern %s %q", rising.Pattern, rising.PatternExplanation)
	}
	if *always.Score >= *rising.Score {
		t.Errorf("long-standing %d points, rising %d: an unchanged pattern weighs less", *always.Score, *rising.Score)
	}
	if f := factor(always, analysis.FactorHeavyWeeks); f.Contribution != 15 || !strings.Contains(f.Explanation, "not rising, 50% of the points") {
		t.Errorf("long-standing heavy weeks: %+v", f)
	}
	if f := factor(always, analysis.FactorAfterHoursRatio); f.Contribution != 8 || !strings.Contains(f.Explanation, "not rising") {
		t.Errorf("after hours at its own usual: %+v", f)
	}
	if f := factor(rising, analysis.FactorAfterHoursRatio); f.Contribution != 17 || strings.Contains(f.Explanation, "not rising") {
		t.Errorf("after hours above its own usual: %+v", f)
	}
	m.Persistence.LongStandingShare = 1
	full := analysis.Assess(m, analysis.Build(m, archetype(20, evenings(20)), asOf))
	if f := factor(full, analysis.FactorHeavyWeeks); f.Contribution != 30 {
		t.Errorf("long_standing_share 1 still reduces: %+v", f)
	}
}

// TestThinEvidenceStopsAtElevated: a score of high on four active days is
// reported as elevated, and says why.
func TestThinEvidenceStopsAtElevated(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	m.InsufficientData.MinActiveDays = 1
	worst := analysis.Week{Events: 40, ActiveDays: 1, NonWorkingDays: 1, ActiveHours: 4, Sessions: 2, NonWorkingHours: 4,
		LateNightDays: 1}
	s := signals(history(worst, worst, worst, worst))
	s.RecentActiveDays, s.LongestStreak, s.InProgressTickets = 4, 1, intp(12)
	a := analysis.Assess(m, s)
	if a.Level != analysis.LevelElevated || !a.Evidence.Capped || *a.Score < m.Levels.High ||
		!strings.Contains(a.Evidence.Explanation, "too thin for high") {
		t.Errorf("level %s score %d capped %v %q", a.Level, *a.Score, a.Evidence.Capped, a.Evidence.Explanation)
	}
	m.Evidence = config.Evidence{}
	if a := analysis.Assess(m, s); a.Level != analysis.LevelHigh {
		t.Errorf("with no evidence rule: %s", a.Level)
	}
}

// TestBatchIsOneMoment: twelve commits in one minute are one half hour of
// active time and one session, not twelve events' worth.
func TestBatchIsOneMoment(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	p := archetype(20, func(d time.Time, back int) []int {
		if back == 0 && d.Weekday() == time.Wednesday {
			return []int{hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37),
				hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37), hm(19, 37)}
		}
		return nil
	})
	s := analysis.Build(m, p, asOf)
	if w := s.Weeks[0]; w.Events != 12 || w.ActiveHours != 0.5 || w.Sessions != 1 || w.AfterHoursHours != 0.5 {
		t.Errorf("week %+v, want 12 events in 0.5 active hours, one session, all after hours", w)
	}
}

// TestSharesAloneStayLow: large shares of a load that is not sustained, with
// days off and short days, add up to elevated points but stay low, and say
// why.
func TestSharesAloneStayLow(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	// 4 active hours a week: 2 on working evenings, 1 on a weekend day, 3
	// outside usual hours in all, under the 3.5 of a heavy week.
	w := analysis.Week{Events: 20, ActiveDays: 4, NonWorkingDays: 1, ActiveHours: 4, Sessions: 6,
		AfterHoursHours: 2, NonWorkingHours: 1, WorkdaySpan: 6 * time.Hour, SpanDays: 3}
	quiet := analysis.Week{Events: 20, ActiveDays: 4, ActiveHours: 5, Sessions: 5, WorkdaySpan: 5 * time.Hour, SpanDays: 4}
	weeks := []analysis.Week{w, w, w, w}
	for range 12 {
		weeks = append(weeks, quiet)
	}
	s := analysis.Signals{Weeks: weeks, HistoryDays: 200, WorkdaySpan: 6 * time.Hour, SpanDays: 12, RecentActiveDays: 8, LongestStreak: 3}
	a := analysis.Assess(m, s)
	if a.Level != analysis.LevelLow || a.Sustained || *a.Score < m.Levels.Elevated {
		t.Fatalf("level %s, score %d, sustained %v; want low with at least %d points\n%s", a.Level, *a.Score, a.Sustained,
			m.Levels.Elevated, describeAll(a))
	}
	if !strings.Contains(a.PatternExplanation, "low, though the factors add up to") {
		t.Errorf("pattern sentence %q does not say why", a.PatternExplanation)
	}
	// With a pile of work in flight, the same shares are elevated.
	s.InProgressTickets = intp(5)
	if a := analysis.Assess(m, s); a.Level != analysis.LevelElevated {
		t.Errorf("with 5 tickets in progress: %s\n%s", a.Level, describeAll(a))
	}
}

// TestRecentDaysBeyondTheBaseline: active_day_ratio.days longer than the
// judged and baseline weeks still counts every recent day.
func TestRecentDaysBeyondTheBaseline(t *testing.T) {
	t.Parallel()
	m := config.DefaultAnalysis()
	m.BaselineWeeks, m.Factors.ActiveDayRatio.Days = 1, 60 // 5 weeks of 7 days read, 60 recent days
	p := archetype(20, func(d time.Time, _ int) []int { return []int{hm(10, 0)} })
	if s := analysis.Build(m, p, asOf); s.RecentActiveDays != 60 {
		t.Errorf("recent active days %d, want 60", s.RecentActiveDays)
	}
}

// TestClockSentenceOfContradictedStamps: the clock sentence says how many
// +0000 stamps were read at the offset of the person's other stamps, as a
// share, or as a count when the share rounds to 0%; and the 95 % test of a
// suspect clock counts only the stamps still read at +0000.
func TestClockSentenceOfContradictedStamps(t *testing.T) {
	t.Parallel()
	// 09:00-18:00 in New York is 14:00-23:00 at +0000.
	base := archetype(20, func(d time.Time, _ int) []int { return workday(d, hm(14, 0), hm(23, 0)) })
	for _, tc := range []struct {
		name                      string
		stamped, utc, reread, off int
		suspect                   bool
		want                      string
	}{
		{"a share", 1000, 310, 310, 9 * 3600, false, "31% of their commits say +0000 on days their others say +0900: read at +0900"},
		{"one stamp", 2729, 1, 1, 9 * 3600, false, "1 of their 2729 commits says +0000 on a day their others say +0900: read at +0900"},
		{"a few stamps", 800, 4, 4, -7 * 3600, false, "4 of their 800 commits say +0000 on days their others say -0700: read at -0700"},
		{"half an hour east", 100, 50, 50, 5*3600 + 1800, false, "50% of their commits say +0000 on days their others say +0530: read at +0530"},
		// 97 % say +0000, but 10 % are read at -0500: 87 % still at +0000,
		// not a suspect clock.
		{"read ones do not count as +0000", 100, 97, 10, -5 * 3600, false, "10% of their commits say +0000 on days their others say -0500: read at -0500"},
		{"still almost all +0000", 1000, 999, 1, -5 * 3600, true, "1 of their 1000 commits says +0000 on a day their others say -0500: read at -0500; " +
			"100% of their timestamps say +0000, yet their activity sits 5 hours away from a usual working day: judged as if their clock were UTC-5"},
	} {
		p := base
		p.Stamped, p.StampedUTC, p.UTCReread, p.UTCReadAs = tc.stamped, tc.utc, tc.reread, tc.off
		a := judge(t, p)
		if a.Clock.Suspect != tc.suspect || a.ClockExplanation != tc.want {
			t.Errorf("%s: suspect %v, %q; want %v, %q", tc.name, a.Clock.Suspect, a.ClockExplanation, tc.suspect, tc.want)
		}
	}
}
