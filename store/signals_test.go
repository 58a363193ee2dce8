package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
	"github.com/overtime-project/overtime/worktime"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// signalsFixture plants, with working hours 09:00-18:00 Monday to Friday:
//
//   - ana (team core, zone Europe/Berlin): the week of Monday 2026-03-23,
//     Monday to Sunday every day; the clocks go forward in Berlin on Sunday
//     2026-03-29 at 01:00 UTC. Two evenings (18:30 twice in one hour, and
//     21:10), a Saturday and a Sunday, one 02:30 night; Tuesday is a holiday.
//   - bo (team core, no zone: each commit's own offset, -05:00): three days.
//   - cy (no team): one GitHub review, no offset, no inferred offset either,
//     so judged in the default zone (UTC).
func signalsFixture(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Open(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	var events []store.Event
	add := func(identity string, at time.Time, offset *int) {
		e := store.Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("c%03d", len(events)), Identity: identity, At: at.UTC(), Scope: "r"}
		if offset != nil {
			e.HasOffset, e.Offset = true, *offset
		}
		if identity == "github:cy" {
			e.Source, e.Kind = "github", "review"
		}
		events = append(events, e)
	}
	plus1, minus5 := 3600, -5*3600
	in := func(d string, hh, mm int) time.Time {
		x := day(d)
		return time.Date(x.Year(), x.Month(), x.Day(), hh, mm, 0, 0, berlin)
	}
	// ana: the recorded offset (+01:00) is ignored, her configured zone wins.
	for _, e := range []time.Time{
		in("2026-03-23", 9, 5), in("2026-03-23", 18, 30), in("2026-03-23", 18, 45), in("2026-03-23", 21, 10), // Mon: span 12h05
		in("2026-03-24", 11, 0),                         // Tue: holiday
		in("2026-03-25", 9, 0), in("2026-03-25", 17, 0), // Wed: span 8h
		in("2026-03-26", 2, 30), in("2026-03-26", 10, 0), // Thu: late night, span 7h30
		in("2026-03-27", 10, 0),                       // Fri: span 0
		in("2026-03-28", 15, 0),                       // Sat
		time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), // Sun 01:59 CET
		time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),  // Sun 03:00 CEST
	} {
		add("email:ana@example.com", e, &plus1)
	}
	for _, e := range []time.Time{
		time.Date(2026, 3, 20, 14, 0, 0, 0, time.UTC),  // Fri 09:00 -05:00
		time.Date(2026, 3, 23, 23, 30, 0, 0, time.UTC), // Mon 18:30 -05:00
		time.Date(2026, 3, 24, 15, 0, 0, 0, time.UTC),  // Tue 10:00
		time.Date(2026, 3, 25, 15, 0, 0, 0, time.UTC),  // Wed 10:00
	} {
		add("email:bo@example.com", e, &minus5)
	}
	add("github:cy", time.Date(2026, 3, 26, 20, 0, 0, 0, time.UTC), nil)
	if _, err := db.Write(t.Context(), store.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	snap := store.PeopleSnapshot{
		People: []store.PersonRow{
			{ID: "ana", Name: "Ana", Team: "core", Configured: true},
			{ID: "bo", Name: "Bo", Team: "core", Configured: true},
			{ID: "cy", Name: "cy", Configured: false},
		},
		Identities: map[string]string{"email:ana@example.com": "ana", "email:bo@example.com": "bo", "github:cy": "cy"},
		Holidays:   []store.HolidayRow{{PersonID: "ana", Day: day("2026-03-24")}},
	}
	for _, id := range []string{"ana", "bo", "cy"} {
		r := store.RulesRow{PersonID: id, FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 9 * 60, EndMinute: 18 * 60}
		if id == "ana" {
			r.Zone = "Europe/Berlin"
		}
		snap.Rules = append(snap.Rules, r)
	}
	from, to := day("2026-01-01"), day("2026-06-01")
	for _, z := range []*time.Location{berlin, time.UTC} {
		for _, tr := range worktime.Transitions(z, from, to) {
			snap.Transitions = append(snap.Transitions, store.TransitionRow{Zone: z.String(), ValidFrom: tr.From, OffsetSeconds: tr.OffsetSeconds})
		}
	}
	if err := db.ReplacePeople(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	if err := db.MaterializePersonDays(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := db.MaterializePersonWeeks(t.Context(), nineToSix); err != nil {
		t.Fatal(err)
	}
	return db
}

// nineToSix judges every week against 09:00-18:00 (half hours 18-35), as
// the risk model does a person with too little history to learn from,
// heavy at 3 hours outside it.
var nineToSix = store.WeekJudge{JudgedWeeks: 4, BaselineWeeks: 12, HeavyHours: 3,
	Usual: func(int, int, bool, int, [48]float64) (int, int, int) { return 18, 18, store.UsualPrior }}

// prior909 is the window fields of a week judged against nineToSix.
func prior909(w store.PersonWeek) store.PersonWeek {
	w.UsualStart, w.UsualEnd, w.UsualSource = 540, 1080, "prior"
	return w
}

func TestLocalTimeAcrossTheDSTSwitch(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	local, err := db.LocalEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range local {
		if e.PersonID == "ana" && e.Local.Day() == 29 {
			got = append(got, e.Local.Format("Mon 15:04"))
		}
	}
	if diff := cmp.Diff([]string{"Sun 01:59", "Sun 03:00"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPersonWeeksByCalendarWeek(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	got, err := db.PersonWeeks(t.Context(), day("2026-03-01"), day("2026-04-30"))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PersonWeek{prior909(store.PersonWeek{
		PersonID: "ana", WeekStart: day("2026-03-23"), Events: 13,
		// Mon 18:30, 18:45, 21:10; Tue (holiday) 11:00; Thu 02:30; Sat 15:00; Sun 01:59, 03:00.
		AfterHoursEvents: 8,
		// Mon hours 18 and 21; Tue 11; Thu 2; Sat 15; Sun 1 and 3.
		AfterHoursHours: 7,
		ActiveDays:      7, NonWorkingDays: 3, NonWorkingEvents: 4,
		LateNightDays: 2, LateNightEvents: 3,
		// Working days Mon 12h05, Wed 8h, Thu 7h30, Fri 0: median 7h45.
		WorkdaySpan: 7*time.Hour + 45*time.Minute, SpanDays: 4,
		// Half hours: Mon 09:00, 18:30 (two commits), 21:00; Tue 11:00;
		// Wed 09:00, 17:00; Thu 02:30, 10:00; Fri 10:00; Sat 15:00; Sun
		// 01:30, 03:00: 12 half hours in 12 sessions.
		ActiveSeconds: 12 * 1800, Sessions: 12,
		// Outside 09:00-18:00 on working days: Mon 18:30, 21:00, Thu 02:30.
		AfterHoursSeconds: 3 * 1800,
		// Tue (holiday), Sat, Sun: four half hours, counted here only.
		NonWorkingSeconds: 4 * 1800, JudgedNonWorkingDays: 3,
		// Thu 02:30, Sun 01:30 and 03:00.
		LateNightSeconds: 3 * 1800, JudgedLateNightDays: 2,
		// 3.5 h outside usual hours >= 3.
		Heavy: true,
	}), prior909(store.PersonWeek{
		PersonID: "bo", WeekStart: day("2026-03-16"), Events: 1, ActiveDays: 1, SpanDays: 1,
		ActiveSeconds: 1800, Sessions: 1,
	}), prior909(store.PersonWeek{
		PersonID: "bo", WeekStart: day("2026-03-23"), Events: 3, AfterHoursEvents: 1, AfterHoursHours: 1, ActiveDays: 3, SpanDays: 3,
		ActiveSeconds: 3 * 1800, Sessions: 3, AfterHoursSeconds: 1800,
	}), prior909(store.PersonWeek{
		PersonID: "cy", WeekStart: day("2026-03-23"), Events: 1, AfterHoursEvents: 1, AfterHoursHours: 1, ActiveDays: 1, SpanDays: 1,
		ActiveSeconds: 1800, Sessions: 1, AfterHoursSeconds: 1800,
	})}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWeeksEndingAt(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	// Weeks ending Wednesday 2026-03-25: [03-19, 03-25] and [03-12, 03-18].
	got, err := db.WeeksEndingAt(t.Context(), day("2026-03-25"), 2, nineToSix)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PersonWeek{prior909(store.PersonWeek{
		PersonID: "ana", WeekStart: day("2026-03-19"), Events: 7, AfterHoursEvents: 4, AfterHoursHours: 3,
		ActiveDays: 3, NonWorkingDays: 1, NonWorkingEvents: 1,
		WorkdaySpan: (12*time.Hour + 5*time.Minute + 8*time.Hour) / 2, SpanDays: 2,
		ActiveSeconds: 6 * 1800, Sessions: 6, AfterHoursSeconds: 2 * 1800, NonWorkingSeconds: 1800, JudgedNonWorkingDays: 1,
	}), prior909(store.PersonWeek{
		PersonID: "bo", WeekStart: day("2026-03-19"), Events: 4, AfterHoursEvents: 1, AfterHoursHours: 1, ActiveDays: 4, SpanDays: 4,
		ActiveSeconds: 4 * 1800, Sessions: 4, AfterHoursSeconds: 1800,
	})}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWindowSignals(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	got, err := db.WindowSignals(t.Context(), day("2026-03-20"), day("2026-03-29"))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PersonWindow{{
		PersonID: "ana", Events: 13, AfterHoursEvents: 8, AfterHoursHours: 7, NonWorkingDays: 3, LateNightEvents: 3,
		ActiveDays: 7, GitEvents: 13, WorkdaySpan: 7*time.Hour + 45*time.Minute, SpanDays: 4, LongestStreak: 7,
	}, {
		// Fri 20th, then Mon to Wed: the weekend breaks the run.
		PersonID: "bo", Events: 4, AfterHoursEvents: 1, AfterHoursHours: 1, ActiveDays: 4, GitEvents: 4, SpanDays: 4, LongestStreak: 3,
	}, {
		PersonID: "cy", Events: 1, AfterHoursEvents: 1, AfterHoursHours: 1, ActiveDays: 1, GitHubEvents: 1, SpanDays: 1, LongestStreak: 1,
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	first, err := db.FirstActiveDays(t.Context(), day("2026-03-22"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]time.Time{"bo": day("2026-03-20")}, first); diff != "" {
		t.Errorf("first active days (-want +got):\n%s", diff)
	}
}

func TestTeamPunchcard(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	got, err := db.TeamPunchcard(t.Context(), day("2026-03-23"), day("2026-03-23"))
	if err != nil {
		t.Fatal(err)
	}
	// Monday 23rd, local: ana 09:05, 18:30, 18:45, 21:10; bo 18:30.
	want := []store.PunchcardCell{
		{Team: "core", Weekday: time.Monday, Hour: 9, Events: 1},
		{Team: "core", Weekday: time.Monday, Hour: 18, Events: 3},
		{Team: "core", Weekday: time.Monday, Hour: 21, Events: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err = db.TeamPunchcard(t.Context(), day("2026-03-26"), day("2026-03-26"))
	if err != nil {
		t.Fatal(err)
	}
	want = []store.PunchcardCell{
		{Team: "", Weekday: time.Thursday, Hour: 20, Events: 1},
		{Team: "core", Weekday: time.Thursday, Hour: 2, Events: 1},
		{Team: "core", Weekday: time.Thursday, Hour: 10, Events: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPeopleWithIdentity(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	got, err := db.PeopleWithIdentity(t.Context(), "github")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"cy": true}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestWindowSignalsEvery: the windows at once equal the windows one by one.
func TestWindowSignalsEvery(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	last := day("2026-03-31")
	for _, tc := range []struct{ count, step, days int }{{5, 7, 28}, {10, 1, 3}, {3, 7, 7}, {2, 10, 4}, {1, 1, 1}} {
		all, err := db.WindowSignalsEvery(t.Context(), last, tc.count, tc.step, tc.days)
		if err != nil {
			t.Fatal(err)
		}
		for k := range tc.count {
			to := last.AddDate(0, 0, -tc.step*k)
			one, err := db.WindowSignals(t.Context(), to.AddDate(0, 0, -tc.days+1), to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(one, all[k]); diff != "" {
				t.Errorf("%+v, window %d (-one by one +at once):\n%s", tc, k, diff)
			}
		}
	}
}

// TestActivityDaysHalfHours: each local day keeps the half hours with
// activity: two commits in one half hour are one bit; the DST Sunday's
// 01:59 CET and 03:00 CEST are the half hours 01:30 and 03:00.
func TestActivityDaysHalfHours(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	days, err := db.ActivityDays(t.Context(), day("2026-03-20"), day("2026-03-29"))
	if err != nil {
		t.Fatal(err)
	}
	slot := func(h, m int) uint64 { return 1 << ((h*60 + m) / 30) }
	want := map[string]uint64{
		"ana 2026-03-23": slot(9, 5) | slot(18, 30) | slot(21, 10), // 18:30 and 18:45 share a half hour
		"ana 2026-03-26": slot(2, 30) | slot(10, 0),
		"ana 2026-03-29": slot(1, 59) | slot(3, 0),
		"bo 2026-03-23":  slot(18, 30),
	}
	got := map[string]uint64{}
	for _, d := range days {
		got[d.PersonID+" "+d.Day.Format("2006-01-02")] = d.Slots
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: slots %048b, want %048b", k, got[k], w)
		}
	}
}

// TestPersonClocks: people without a configured zone have their stamped
// events counted; a configured zone is not checked.
func TestPersonClocks(t *testing.T) {
	t.Parallel()
	db := signalsFixture(t)
	clocks, err := db.PersonClocks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c := clocks["ana"]; !c.Zoned || c.Stamped != 0 || c.WorkdayMask != 0b0111110 || c.StartMinute != 540 || c.EndMinute != 1080 {
		t.Errorf("ana: %+v, want zoned, not counted, Mon-Fri 09:00-18:00", c)
	}
	if c := clocks["bo"]; c.Zoned || c.Stamped != 4 || c.StampedUTC != 0 {
		t.Errorf("bo: %+v, want 4 stamped, none at +0000", c)
	}
	if c := clocks["cy"]; c.Zoned || c.Stamped != 0 {
		t.Errorf("cy: %+v, want no stamped events (a review records no offset)", c)
	}
}

// TestAfterHoursHoursCountClockHours: after_hours_hours counts clock hours,
// not half hours. On a non-working day it is taken from the half-hour mask
// (hour h had activity when half hour 2h or 2h+1 did), on a working day
// from the hours outside working time.
func TestAfterHoursHoursCountClockHours(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	zero := 0
	var events []store.Event
	for i, at := range []time.Time{
		time.Date(2026, 3, 28, 10, 5, 0, 0, time.UTC), // Saturday: 10:05 and 10:40 are one hour in two half hours,
		time.Date(2026, 3, 28, 10, 40, 0, 0, time.UTC),
		time.Date(2026, 3, 28, 13, 10, 0, 0, time.UTC), // 13:10 another, 23:59 a third
		time.Date(2026, 3, 28, 23, 59, 0, 0, time.UTC),
		time.Date(2026, 3, 30, 8, 10, 0, 0, time.UTC), // Monday: 08:10 and 08:50 outside 09:00-18:00, one hour;
		time.Date(2026, 3, 30, 8, 50, 0, 0, time.UTC),
		time.Date(2026, 3, 30, 9, 10, 0, 0, time.UTC), // 09:10 inside;
		time.Date(2026, 3, 30, 18, 0, 0, 0, time.UTC), // 18:00 and 18:29 outside, one hour
		time.Date(2026, 3, 30, 18, 29, 0, 0, time.UTC),
	} {
		events = append(events, store.Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("h%02d", i), Identity: "email:di@example.com",
			At: at, HasOffset: true, Offset: zero, Scope: "r"})
	}
	if _, err := db.Write(t.Context(), store.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	analyseUTCPerson(t, db, store.PersonRow{ID: "di", Name: "Di", Configured: true}, "email:di@example.com", day("2026-01-01"), day("2026-06-01"))
	days, err := db.PersonDays(t.Context(), day("2026-03-28"), day("2026-03-30"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for _, d := range days {
		got[d.Day.Format("Mon")] = [2]int{d.AfterHoursEvents, d.AfterHoursHours}
	}
	want := map[string][2]int{"Sat": {4, 3}, "Mon": {4, 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after-hours events and hours by day (-want +got):\n%s", diff)
	}
}

// analyseUTCPerson stores a people snapshot of one person with one
// identity, judged in UTC, Monday to Friday 09:00-18:00 (UTC's transitions
// from from to to), and rebuilds person_days from the stored events.
func analyseUTCPerson(t *testing.T, db *store.DB, p store.PersonRow, identity string, from, to time.Time) {
	t.Helper()
	snap := store.PeopleSnapshot{
		People:     []store.PersonRow{p},
		Identities: map[string]string{identity: p.ID},
		Rules:      []store.RulesRow{{PersonID: p.ID, Zone: "UTC", FallbackZone: "UTC", WorkdayMask: 0b0111110, StartMinute: 9 * 60, EndMinute: 18 * 60}},
	}
	for _, tr := range worktime.Transitions(time.UTC, from, to) {
		snap.Transitions = append(snap.Transitions, store.TransitionRow{Zone: "UTC", ValidFrom: tr.From, OffsetSeconds: tr.OffsetSeconds})
	}
	if err := db.ReplacePeople(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	if err := db.MaterializePersonDays(t.Context()); err != nil {
		t.Fatal(err)
	}
}
