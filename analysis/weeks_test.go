package analysis_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

// weeklyHistoryFixture plants, in a real git repository, 20 weeks ending on
// Sunday asOf, with the configured hours 09:00-18:00 Monday to Friday and
// heavy_week_after_hours 3.5:
//
//   - late (+0100): 12:00-20:30 every weekday, a commit every 40 minutes;
//   - creep (+0100): 09:00-18:00, and in the last 4 weeks also 19:00-20:30
//     every weekday (three half hours);
//   - edge (+0100): 09:00-18:00; on the Monday of the week before the last,
//     six half hours from 19:00 (3 h), on the last Monday seven (3.5 h);
//   - laptop (+0000): a Californian's 10:00-19:00, stamped in UTC:
//     18:00-03:00, past midnight every evening.
func weeklyHistoryFixture(t *testing.T) (*store.DB, *config.Config) {
	t.Helper()
	repo := gittest.New(t)
	var commits []gittest.Commit
	add := func(who string, d time.Time, minute int, offset string) {
		d = d.AddDate(0, 0, minute/1440)
		minute %= 1440
		commits = append(commits, gittest.Commit{AuthorName: who, AuthorEmail: who + "@example.com",
			When: gittest.At(d.Year(), d.Month(), d.Day(), minute/60, minute%60, offset)})
	}
	lastMonday, mondayBefore := asOf.AddDate(0, 0, -6), asOf.AddDate(0, 0, -13)
	for d := asOf.AddDate(0, 0, -7*20+1); !d.After(asOf); d = d.AddDate(0, 0, 1) {
		if !weekday(d) {
			continue
		}
		for _, m := range workday(d, hm(12, 0), hm(20, 30)) {
			add("late", d, m, "+0100")
		}
		for _, m := range workday(d, hm(9, 0), hm(18, 0)) {
			add("creep", d, m, "+0100")
			add("edge", d, m, "+0100")
		}
		if asOf.Sub(d) < 28*24*time.Hour {
			for _, m := range []int{hm(19, 7), hm(19, 47), hm(20, 27)} {
				add("creep", d, m, "+0100")
			}
		}
		extra := map[time.Time]int{mondayBefore: 6, lastMonday: 7}[d]
		for i := range extra {
			add("edge", d, hm(19, 7)+30*i, "+0100")
		}
		for _, m := range minutes(hm(18, 7), hm(27, 0), 40) {
			add("laptop", d, m, "+0000")
		}
	}
	repo.FastImport(commits)
	db := storetest.Open(t)
	collect(t, db, repo.Dir)
	cfg := parseConfig(t, `
people:
  - {id: late, name: Late, emails: [late@example.com]}
  - {id: creep, name: Creep, emails: [creep@example.com]}
  - {id: edge, name: Edge, emails: [edge@example.com]}
  - {id: laptop, name: Laptop, emails: [laptop@example.com]}
analysis:
  heavy_week_after_hours: 3.5
`)
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

func weeksByPerson(t *testing.T, db *store.DB) map[string]map[time.Time]store.PersonWeek {
	t.Helper()
	rows, err := db.PersonWeeks(t.Context(), asOf.AddDate(0, 0, -7*30), asOf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[time.Time]store.PersonWeek{}
	for _, w := range rows {
		if out[w.PersonID] == nil {
			out[w.PersonID] = map[time.Time]store.PersonWeek{}
		}
		out[w.PersonID][w.WeekStart] = w
	}
	return out
}

// lastWeeks are the Mondays of the n calendar weeks ending on asOf, the
// most recent first.
func lastWeeks(n int) []time.Time {
	var out []time.Time
	for k := range n {
		out = append(out, asOf.AddDate(0, 0, -7*k-6))
	}
	return out
}

// TestWeeklyHistory plants the people of weeklyHistoryFixture once for
// both checks below.
func TestWeeklyHistory(t *testing.T) {
	t.Parallel()
	db, cfg := weeklyHistoryFixture(t)
	t.Run("judges as the model", func(t *testing.T) { weeklyHistoryJudgesAsTheModel(t, db) })
	t.Run("agrees with the model", func(t *testing.T) { weeklyHistoryAgreesWithTheModel(t, db, cfg) })
}

// weeklyHistoryJudgesAsTheModel: the stored weekly history measures active
// time outside each week's usual window, in the judging clock, and heavy
// is the model's rule at a fractional threshold.
func weeklyHistoryJudgesAsTheModel(t *testing.T, db *store.DB) {
	weeks := weeksByPerson(t, db)
	for _, wk := range lastWeeks(4) {
		// The late starter's days are their usual: nothing outside it,
		// while v1's clock hours outside 09:00-18:00 say 15 a week.
		late := weeks["late"][wk]
		if late.AfterHoursSeconds != 0 || late.NonWorkingSeconds != 0 || late.Heavy || late.UsualSource != "learned" || late.UsualStart != hm(12, 0) {
			t.Errorf("late, week %s: %+v, want nothing outside a learned window from 12:00, not heavy", wk.Format("2006-01-02"), late)
		}
		if late.AfterHoursHours < 10 {
			t.Errorf("late, week %s: v1 after-hours hours %d, want v1's measure kept (15)", wk.Format("2006-01-02"), late.AfterHoursHours)
		}
		// Evenings that grew in the last 4 weeks are outside the window
		// learned from the weeks before: 1.5 h a day, heavy.
		creep := weeks["creep"][wk]
		if creep.AfterHoursSeconds != 5*3*1800 || !creep.Heavy || creep.UsualEnd != hm(18, 0) {
			t.Errorf("creep, week %s: %+v, want 7.5 h outside 09:00-18:00, heavy", wk.Format("2006-01-02"), creep)
		}
		// The +0000 laptop's evenings are evenings: no late night once the
		// clock is moved; v1 saw a night every working day.
		laptop := weeks["laptop"][wk]
		if laptop.ClockShiftMinutes == 0 || laptop.JudgedLateNightDays != 0 || laptop.LateNightSeconds != 0 || laptop.AfterHoursSeconds != 0 {
			t.Errorf("laptop, week %s: %+v, want a moved clock, no late night, nothing after hours", wk.Format("2006-01-02"), laptop)
		}
		if laptop.LateNightDays < 4 {
			t.Errorf("laptop, week %s: v1 late-night days %d, want v1's measure kept", wk.Format("2006-01-02"), laptop.LateNightDays)
		}
	}
	if w := weeks["creep"][asOf.AddDate(0, 0, -7*5-6)]; w.AfterHoursSeconds != 0 || w.Heavy {
		t.Errorf("creep, before the evenings: %+v, want nothing outside usual hours", w)
	}
	// 3.5 h outside usual hours is heavy at heavy_week_after_hours 3.5
	// (rounded up to 4, it was not); 3 h is not.
	if w := weeks["edge"][lastWeeks(1)[0]]; w.AfterHoursSeconds != 7*1800 || !w.Heavy {
		t.Errorf("edge, last week: %+v, want 3.5 h outside usual hours, heavy", w)
	}
	if w := weeks["edge"][lastWeeks(2)[1]]; w.AfterHoursSeconds != 6*1800 || w.Heavy {
		t.Errorf("edge, the week before: %+v, want 3 h outside usual hours, not heavy", w)
	}
}

// storedPerson is what AssessPeople hands analysis.Build for one person.
func storedPerson(t *testing.T, db *store.DB, id string) analysis.Person {
	t.Helper()
	clocks, err := db.PersonClocks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.PersonActivityDays(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	c := clocks[id]
	p := analysis.Person{Start: c.StartMinute, End: c.EndMinute, WorkdayMask: c.WorkdayMask, Zoned: c.Zoned,
		Stamped: c.Stamped, StampedUTC: c.StampedUTC}
	for _, r := range rows {
		p.Days = append(p.Days, analysis.Day{Date: r.Day, Working: r.WorkingDay, Events: r.Events, Slots: r.Slots, Span: r.LastLocal.Sub(r.FirstLocal)})
	}
	return p
}

// sameWeek says how a stored week differs from the week the model built as
// of its last day ("" when it does not).
func sameWeek(m config.Analysis, got store.PersonWeek, s analysis.Signals) string {
	w := s.Weeks[0]
	want := store.PersonWeek{ActiveSeconds: int(w.ActiveHours * 3600), Sessions: w.Sessions,
		AfterHoursSeconds: int(w.AfterHoursHours * 3600), NonWorkingSeconds: int(w.NonWorkingHours * 3600),
		JudgedNonWorkingDays: w.NonWorkingDays, JudgedLateNightDays: w.LateNightDays,
		UsualStart: s.Usual.Start(), UsualEnd: s.Usual.End(), UsualSource: s.Usual.Source,
		ClockShiftMinutes: s.Clock.ShiftMinutes, Heavy: w.OffHours() >= m.HeavyWeekAfterHours}
	have := store.PersonWeek{ActiveSeconds: got.ActiveSeconds, Sessions: got.Sessions,
		AfterHoursSeconds: got.AfterHoursSeconds, NonWorkingSeconds: got.NonWorkingSeconds,
		JudgedNonWorkingDays: got.JudgedNonWorkingDays, JudgedLateNightDays: got.JudgedLateNightDays,
		UsualStart: got.UsualStart, UsualEnd: got.UsualEnd, UsualSource: got.UsualSource,
		ClockShiftMinutes: got.ClockShiftMinutes, Heavy: got.Heavy}
	if want != have {
		return fmt.Sprintf("stored %+v, model %+v", have, want)
	}
	return ""
}

// weeklyHistoryAgreesWithTheModel: every stored week equals the week
// the model builds as of its last day (wherever the clock verdict is the
// same: the history checks a clock once), and the last week agrees with
// the assessment a lead reads for the same days. Weeks ending on any other
// weekday (the backfill's and the HTML report's) agree the same way.
func weeklyHistoryAgreesWithTheModel(t *testing.T, db *store.DB, cfg *config.Config) {
	m := cfg.Analysis
	weeks := weeksByPerson(t, db)
	risks, err := analysis.AssessPeople(t.Context(), db, asOf, analysis.RiskOptionsFor(cfg))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, id := range []string{"late", "creep", "edge", "laptop"} {
		p := storedPerson(t, db, id)
		for _, wk := range lastWeeks(20) {
			got, ok := weeks[id][wk]
			if !ok {
				t.Errorf("%s: no stored week %s", id, wk.Format("2006-01-02"))
				continue
			}
			s := analysis.Build(m, p, wk.AddDate(0, 0, 6))
			if s.Clock.ShiftMinutes != got.ClockShiftMinutes {
				continue // too little history yet for the model to check the clock
			}
			compared++
			if diff := sameWeek(m, got, s); diff != "" {
				t.Errorf("%s, week %s: %s", id, wk.Format("2006-01-02"), diff)
			}
		}
		last, a := weeks[id][lastWeeks(1)[0]], risks[id]
		if last.UsualStart != a.Usual.Start() || last.UsualEnd != a.Usual.End() || last.UsualSource != a.Usual.Source ||
			last.ClockShiftMinutes != a.Clock.ShiftMinutes {
			t.Errorf("%s: last stored week judged against %d-%d (%s), clock %+d min; the assessment against %s (%s), clock %+d min",
				id, last.UsualStart, last.UsualEnd, last.UsualSource, last.ClockShiftMinutes, a.Usual, a.Usual.Source, a.Clock.ShiftMinutes)
		}
	}
	if compared < 60 {
		t.Errorf("compared %d weeks, want most of the 80", compared)
	}

	// Weeks ending on a Wednesday, as the backfill of a Wednesday run reads
	// them: each is the model's week as of that Wednesday.
	wed := asOf.AddDate(0, 0, -4)
	judge, err := analysis.WeekJudge(t.Context(), db, m, analysis.RiskOptionsFor(cfg).OwnHours, wed)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.WeeksEndingAt(t.Context(), wed, 8, judge)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4*8 {
		t.Errorf("%d weeks ending on %s, want 8 for each of 4 people", len(rows), wed.Format("2006-01-02"))
	}
	for _, got := range rows {
		end := got.WeekStart.AddDate(0, 0, 6)
		s := analysis.Build(m, storedPerson(t, db, got.PersonID), end)
		if diff := sameWeek(m, got, s); diff != "" && s.Clock.ShiftMinutes == got.ClockShiftMinutes {
			t.Errorf("%s, week ending %s: %s", got.PersonID, end.Format("2006-01-02"), diff)
		}
	}
}
