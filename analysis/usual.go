package analysis

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/overtime-project/overtime/config"
)

// Active time is measured in half hours: a local day is 48 slots, and a
// slot is active when the person did anything in it. A batch of twelve
// commits in one minute is one active half hour; a session is a run of
// consecutive active slots.
const (
	slotMinutes = 30
	daySlots    = 24 * 60 / slotMinutes
	allSlots    = uint64(1)<<daySlots - 1
	// nightSlots are 00:00-05:00 of the judging clock: late night.
	nightSlots = uint64(1)<<(5*60/slotMinutes) - 1
)

// The sources of the window a person is judged against.
const (
	UsualConfigured = "configured" // the person's own hours in the config
	UsualLearned    = "learned"    // learned from their baseline weeks
	UsualPrior      = "prior"      // the team's or default hours: too little history to learn from, or learning off
)

// UsualHours is the working window a person is judged against, in the
// judging clock (their local time, shifted when their clock is suspect).
type UsualHours struct {
	StartSlot int    // first half hour of the window, 0-47
	Slots     int    // length in half hours, 1-48; the window may wrap past midnight
	Source    string // UsualConfigured, UsualLearned or UsualPrior
	// FromDays is how many active working days the window was learned
	// from (UsualLearned), or the days there were (UsualPrior).
	FromDays int
}

// Start and End are the window's bounds in minutes after midnight; End is
// below Start when the window wraps past midnight, and 1440 at midnight.
func (u UsualHours) Start() int { return u.StartSlot * slotMinutes }

// End is the minute after midnight the window ends at (see Start).
func (u UsualHours) End() int {
	e := (u.StartSlot + u.Slots) % daySlots * slotMinutes
	if e == 0 {
		e = 1440
	}
	return e
}

// String is "09:00-18:00".
func (u UsualHours) String() string { return clock(u.Start()) + "-" + clock(u.End()) }

func (u UsualHours) mask() uint64 { return windowMask(u.StartSlot, u.Slots) }

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// windowMask is the slots of a window of n half hours from start, wrapping
// past midnight.
func windowMask(start, n int) uint64 {
	if n >= daySlots {
		return allSlots
	}
	m := (uint64(1)<<n - 1) << start
	return (m | m>>daySlots) & allSlots
}

// ClockCheck says whether the offsets a person's events recorded look like
// their clock.
type ClockCheck struct {
	// Suspect is true when almost all their stamped events say +0000 while
	// their activity sits hours away from the configured working day: a
	// machine set to UTC, not a person in London.
	Suspect bool
	// ShiftMinutes is added to the recorded local time to judge it: the
	// clock the person seems to live by (0 unless Suspect).
	ShiftMinutes int
	// StampedUTCShare is the share of their stamped events that say +0000.
	StampedUTCShare float64
	// ContradictingShare is the share of their stamped events that say
	// +0000 on days their other stamps contradict it: Contradicting of
	// Stamped. Those are read at UTCReadAs seconds east of UTC (most of
	// them; 0 when there are none).
	ContradictingShare     float64
	Contradicting, Stamped int
	UTCReadAs              int
}

// Day is one local day of one person's activity.
type Day struct {
	Date    time.Time // local date, 00:00 UTC
	Working bool
	Events  int
	Slots   uint64        // active half hours
	Span    time.Duration // first to last activity
}

// Person is one person's stored activity and what the config says of their
// hours, the input of Build.
type Person struct {
	Days []Day // ordered by date
	// Hours is the configured window (person, else team, else default) in
	// minutes after local midnight; OwnHours says the person's own entry
	// sets it, and then nothing is learned.
	Start, End int
	OwnHours   bool
	// WorkdayMask has bit d set when time.Weekday(d) is a workday: the
	// working days of a day moved by a clock shift.
	WorkdayMask int
	// Zoned: the config names a zone for the person, so their recorded
	// offsets are not used and not checked.
	Zoned               bool
	Stamped, StampedUTC int
	// UTCReread of the +0000 stamps are read at another offset, most at
	// UTCReadAs seconds east of UTC: the person's other stamps contradict
	// them.
	UTCReread, UTCReadAs int
	HistoryDays          int // days from the first activity to the as-of date
	InProgressTickets    *int
	OpenPullRequests     *int
}

// Build turns one person's days into the signals of the assessment as of
// the local date asOf: it checks their clock, learns their usual window
// from the baseline weeks (the weeks before the judged ones, so that
// overload growing in the judged weeks is not learned as usual), and sums
// active time into weeks.
func Build(m config.Analysis, p Person, asOf time.Time) Signals {
	J, B := m.Sustained.Weeks, m.BaselineWeeks
	judgedFrom := asOf.AddDate(0, 0, -7*J+1)
	baseFrom := asOf.AddDate(0, 0, -7*(J+B)+1)
	s := Signals{HistoryDays: p.HistoryDays, InProgressTickets: p.InProgressTickets, OpenPullRequests: p.OpenPullRequests}
	days := p.Days
	priorStart, priorSlots := priorWindow(p.Start, p.End)

	s.Clock = checkClock(m, p, days, baseFrom, asOf, priorStart, priorSlots)
	if s.Clock.ShiftMinutes != 0 {
		days = shiftDays(days, s.Clock.ShiftMinutes/slotMinutes, p.WorkdayMask)
	}

	// The usual window: learned from the working days of the baseline weeks.
	var hist [daySlots]float64
	n := 0
	if !p.OwnHours && m.UsualHours.Learn {
		for _, d := range days {
			if d.Date.Before(baseFrom) || !d.Date.Before(judgedFrom) || !d.Working || d.Slots == 0 {
				continue
			}
			n++
			addSlots(&hist, d.Slots, 1)
		}
	}
	s.Usual = UsualWindow(m.UsualHours, p.Start, p.End, p.OwnHours, n, hist)

	// Weeks, most recent first.
	window := s.Usual.mask()
	s.Weeks = make([]Week, J+B)
	spans := make([][]time.Duration, J+B)
	var judgedSpans []time.Duration
	recentFrom := asOf.AddDate(0, 0, -m.Factors.ActiveDayRatio.Days+1)
	run := 0
	var last time.Time
	for _, d := range days {
		if d.Date.After(asOf) || d.Slots == 0 {
			continue
		}
		// The recent days may reach further back than the baseline weeks.
		if !d.Date.Before(recentFrom) {
			s.RecentActiveDays++
		}
		if d.Date.Before(baseFrom) {
			continue
		}
		i := int(asOf.Sub(d.Date).Hours()/24) / 7
		w := &s.Weeks[i]
		n := float64(bits.OnesCount64(d.Slots)) / 2
		w.Events += d.Events
		w.ActiveDays++
		w.ActiveHours += n
		w.Sessions += sessions(d.Slots)
		if d.Working {
			w.AfterHoursHours += float64(bits.OnesCount64(d.Slots&^window)) / 2
			spans[i] = append(spans[i], d.Span)
			if i < J {
				judgedSpans = append(judgedSpans, d.Span)
			}
		} else {
			w.NonWorkingDays++
			w.NonWorkingHours += n
		}
		if d.Slots&nightSlots&^window != 0 {
			w.LateNightDays++
		}
		if i < J {
			if !last.IsZero() && d.Date.Sub(last) == 24*time.Hour {
				run++
			} else {
				run = 1
			}
			last = d.Date
			s.LongestStreak = max(s.LongestStreak, run)
		}
	}
	for i := range s.Weeks {
		if len(spans[i]) > 0 {
			s.Weeks[i].WorkdaySpan, s.Weeks[i].SpanDays = medianDuration(spans[i]), len(spans[i])
		}
	}
	if len(judgedSpans) > 0 {
		s.WorkdaySpan, s.SpanDays = medianDuration(judgedSpans), len(judgedSpans)
	}
	return s
}

// UsualWindow is the window a person is judged against, given their
// configured hours (start and end in minutes after local midnight; own says
// their own config entry sets them) and the active working days of their
// baseline weeks: n days, hist[i] of them active in half hour i. Build and
// the stored weekly history (store.WeekJudge) both decide it here.
func UsualWindow(u config.UsualHours, start, end int, own bool, n int, hist [daySlots]float64) UsualHours {
	priorStart, priorSlots := priorWindow(start, end)
	w := UsualHours{StartSlot: priorStart, Slots: priorSlots, Source: UsualPrior}
	switch {
	case own:
		w.Source = UsualConfigured
	case u.Learn:
		w.FromDays = n
		if n >= u.MinDays {
			w = learnWindow(u, hist, n, priorStart, priorSlots)
		}
	}
	return w
}

// priorWindow is the configured hours as a window of half hours.
func priorWindow(start, end int) (startSlot, slots int) {
	return start / slotMinutes, max(1, (end-start+slotMinutes-1)/slotMinutes)
}

// checkClock reports the +0000 stamps of a person without a configured zone
// that their other stamps contradict (read at the others' offset in the
// SQL), and flags the person whose stamps are almost all still +0000 while
// the best window of the configured length over their active half hours
// (baseline and judged weeks, every day) sits at least
// clock.min_shift_hours from the configured window. The shift, in
// whole hours, moves their activity back onto the configured day.
func checkClock(m config.Analysis, p Person, days []Day, from, asOf time.Time, priorStart, priorSlots int) ClockCheck {
	c := ClockCheck{}
	if p.Zoned {
		return c
	}
	if p.Stamped > 0 {
		c.StampedUTCShare = round(float64(p.StampedUTC)/float64(p.Stamped), 3)
		if p.UTCReread > 0 {
			c.ContradictingShare = round(float64(p.UTCReread)/float64(p.Stamped), 3)
			c.Contradicting, c.Stamped, c.UTCReadAs = p.UTCReread, p.Stamped, p.UTCReadAs
		}
	}
	// The stamps still read at +0000: those their other stamps contradict
	// are read at the others' offset already.
	if p.Stamped == 0 || p.Stamped < m.Clock.MinStamped || round(float64(p.StampedUTC-p.UTCReread)/float64(p.Stamped), 3) < m.Clock.UTCShare {
		return c
	}
	var hist [daySlots]float64
	n := 0
	for _, d := range days {
		if d.Date.Before(from) || d.Date.After(asOf) || d.Slots == 0 {
			continue
		}
		n++
		addSlots(&hist, d.Slots, 1)
	}
	if n < m.UsualHours.MinDays {
		return c
	}
	start, _ := bestWindow(hist, priorSlots, priorStart)
	// The signed distance, in half hours, from the configured window's
	// start to the learned one's, in -24..23.
	d := ((start-priorStart)%daySlots+daySlots+daySlots/2)%daySlots - daySlots/2
	if abs(d) >= 2*m.Clock.MinShiftHours {
		c.Suspect = true
		hoursOff := int(math.Round(float64(d) / 2))
		c.ShiftMinutes = -60 * hoursOff
	}
	return c
}

// shiftDays moves every active half hour by n slots (positive: later),
// across midnight where it falls; a moved day's working status comes from
// its weekday.
func shiftDays(days []Day, n int, workdayMask int) []Day {
	byDate := map[time.Time]*Day{}
	var order []time.Time
	put := func(date time.Time, slots uint64, events int, span time.Duration) {
		if slots == 0 && events == 0 {
			return
		}
		d, ok := byDate[date]
		if !ok {
			d = &Day{Date: date, Working: workdayMask>>int(date.Weekday())&1 == 1}
			byDate[date] = d
			order = append(order, date)
		}
		d.Slots |= slots
		d.Events += events
		d.Span = max(d.Span, span)
	}
	for _, d := range days {
		var same, other uint64
		var otherDate time.Time
		if n > 0 {
			same, other, otherDate = (d.Slots<<n)&allSlots, d.Slots>>(daySlots-n), d.Date.AddDate(0, 0, 1)
		} else {
			k := -n
			same, other, otherDate = d.Slots>>k, (d.Slots<<(daySlots-k))&allSlots, d.Date.AddDate(0, 0, -1)
		}
		// The events and the span go with the larger part of the day.
		if bits.OnesCount64(same) >= bits.OnesCount64(other) {
			put(d.Date, same, d.Events, d.Span)
			put(otherDate, other, 0, 0)
		} else {
			put(d.Date, same, 0, 0)
			put(otherDate, other, d.Events, d.Span)
		}
	}
	slices.SortFunc(order, func(a, b time.Time) int { return a.Compare(b) })
	out := make([]Day, 0, len(order))
	for _, t := range order {
		out = append(out, *byDate[t])
	}
	return out
}

// learnWindow is the shortest window (wrapping past midnight) holding every
// regular half hour: one active on at least MinDayShare of the n working
// days, the configured window counting as PriorDays more days on which
// exactly its half hours were active. It is widened evenly to the
// configured length when shorter, and capped at MaxHours (the busiest
// window of that length) when longer.
func learnWindow(u config.UsualHours, hist [daySlots]float64, n, priorStart, priorSlots int) UsualHours {
	prior := windowMask(priorStart, priorSlots)
	var regular uint64
	for i := range daySlots {
		days := hist[i]
		if prior>>i&1 == 1 {
			days += float64(u.PriorDays)
		}
		hist[i] = days
		if days >= u.MinDayShare*float64(n+u.PriorDays) {
			regular |= 1 << i
		}
	}
	if regular == 0 {
		return UsualHours{StartSlot: priorStart, Slots: priorSlots, Source: UsualLearned, FromDays: n}
	}
	// The shortest arc holding every regular half hour is the day without
	// its longest run of irregular ones.
	gapStart, gapLen := 0, 0
	for i := range daySlots {
		if regular>>i&1 == 1 {
			continue
		}
		l := 0
		for l < daySlots && regular>>((i+l)%daySlots)&1 == 0 {
			l++
		}
		if l > gapLen {
			gapStart, gapLen = i, l
		}
	}
	start, length := (gapStart+gapLen)%daySlots, daySlots-gapLen
	for k := 0; length < priorSlots; k++ {
		if k%2 == 1 {
			start = (start + daySlots - 1) % daySlots
		}
		length++
	}
	if limit := 2 * u.MaxHours; length > limit && limit >= priorSlots {
		start, _ = bestWindow(hist, limit, priorStart)
		length = limit
	}
	return UsualHours{StartSlot: start, Slots: length, Source: UsualLearned, FromDays: n}
}

// bestWindow is the start of the window of length half hours holding the
// most activity; ties go to the start nearest to near.
func bestWindow(hist [daySlots]float64, length, near int) (int, float64) {
	best, bestSum := near, -1.0
	for start := range daySlots {
		sum := windowSum(hist, start, length)
		if sum > bestSum+1e-9 || (math.Abs(sum-bestSum) <= 1e-9 && circDist(start, near) < circDist(best, near)) {
			best, bestSum = start, sum
		}
	}
	return best, bestSum
}

func circDist(a, b int) int {
	d := abs(a-b) % daySlots
	return min(d, daySlots-d)
}

func windowSum(hist [daySlots]float64, start, length int) float64 {
	sum := 0.0
	for i := range length {
		sum += hist[(start+i)%daySlots]
	}
	return sum
}

func addSlots(hist *[daySlots]float64, slots uint64, w float64) {
	for slots != 0 {
		i := bits.TrailingZeros64(slots)
		hist[i] += w
		slots &= slots - 1
	}
}

// sessions counts the runs of consecutive active half hours of a day.
func sessions(slots uint64) int { return bits.OnesCount64(slots &^ (slots << 1)) }

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
