package analysis

import (
	"context"
	"time"

	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

// WeekJudge is the risk model's rule for the stored weekly history
// (store.PersonWeek): each week is judged as Build judges the week ending
// on its last day, against the usual window learned from the baseline
// weeks before the judged ones ending with it (a rolling window: a past
// week keeps the value the model gave it, and does not change as later
// weeks come in), in the clock the model judges the person in, and heavy
// at analysis.heavy_week_after_hours of time outside usual hours.
//
// The clock is checked once per person, as Build checks it: over the
// judged and baseline weeks ending on asOf, or, when asOf is zero, on the
// person's last active day. A suspect clock is then moved for the whole
// history.
func WeekJudge(ctx context.Context, db *store.DB, m config.Analysis, ownHours map[string]bool, asOf time.Time) (store.WeekJudge, error) {
	clocks, err := db.PersonClocks(ctx)
	if err != nil {
		return store.WeekJudge{}, err
	}
	j := store.WeekJudge{JudgedWeeks: m.Sustained.Weeks, BaselineWeeks: m.BaselineWeeks, HeavyHours: m.HeavyWeekAfterHours,
		ShiftMinutes: map[string]int{}, OwnHours: ownHours}
	for id, c := range clocks {
		if c.Zoned || c.Stamped < m.Clock.MinStamped || c.Stamped == 0 ||
			round(float64(c.StampedUTC-c.UTCReread)/float64(c.Stamped), 3) < m.Clock.UTCShare {
			// As checkClock: only the stamps still read at +0000 count.
			continue
		}
		rows, err := db.PersonActivityDays(ctx, id)
		if err != nil {
			return store.WeekJudge{}, err
		}
		if len(rows) == 0 {
			continue
		}
		end := asOf
		if end.IsZero() {
			end = rows[len(rows)-1].Day
		}
		p := personOf(c, ownHours[id], rows)
		if check := ClockAsOf(m, p, end); check.Suspect {
			j.ShiftMinutes[id] = check.ShiftMinutes
		}
	}
	j.Usual = func(start, end int, own bool, n int, hist [daySlots]float64) (int, int, int) {
		w := UsualWindow(m.UsualHours, start, end, own, n, hist)
		source := store.UsualPrior
		switch w.Source {
		case UsualLearned:
			source = store.UsualLearned
		case UsualConfigured:
			source = store.UsualConfigured
		}
		return w.StartSlot, w.Slots, source
	}
	return j, nil
}

// personOf is the input of Build for one person's stored days.
func personOf(c store.PersonClock, own bool, rows []store.ActivityDay) Person {
	p := PersonOf(c, nil)
	p.OwnHours = own
	for _, r := range rows {
		p.Days = append(p.Days, Day{Date: r.Day, Working: r.WorkingDay, Events: r.Events, Slots: r.Slots, Span: r.LastLocal.Sub(r.FirstLocal)})
	}
	return p
}

// ClockAsOf is the check of a person's clock that Build makes as of the
// local date asOf.
func ClockAsOf(m config.Analysis, p Person, asOf time.Time) ClockCheck {
	J, B := m.Sustained.Weeks, m.BaselineWeeks
	priorStart, priorSlots := priorWindow(p.Start, p.End)
	return checkClock(m, p, p.Days, asOf.AddDate(0, 0, -7*(J+B)+1), asOf, priorStart, priorSlots)
}
