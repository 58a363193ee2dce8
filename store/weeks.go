package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// PersonWeek is one person's signals over one week: seven local days.
//
// The first fields are v1's counts against the configured hours, in the
// recorded clock. The fields from ActiveSeconds on are the risk model's
// (docs/methodology.md): active time in half hours, judged against the
// person's usual window for that week, in the clock the model judges them
// in, a day off counted once.
type PersonWeek struct {
	PersonID         string
	WeekStart        time.Time // first local date of the week, as 00:00 UTC
	Events           int
	AfterHoursEvents int
	AfterHoursHours  int // v1: distinct local clock hours outside the configured working time with activity, summed over the days
	ActiveDays       int
	NonWorkingDays   int // non-working days (weekends, holidays) with activity
	NonWorkingEvents int
	LateNightDays    int // days with activity 00:00-05:00 local
	LateNightEvents  int
	// WorkdaySpan is the median, over the active working days of the week,
	// of the time from the day's first to its last activity; zero when
	// SpanDays is 0.
	WorkdaySpan time.Duration
	SpanDays    int // active working days

	ActiveSeconds int // active half hours × 1800
	Sessions      int // runs of consecutive active half hours
	// AfterHoursSeconds is the active time on working days outside the
	// usual window, NonWorkingSeconds the active time on non-working days:
	// disjoint, their sum is the week's time outside usual hours.
	AfterHoursSeconds int
	NonWorkingSeconds int
	// LateNightSeconds is the active time 00:00-05:00 outside the usual
	// window; JudgedLateNightDays the days with any (the model's late-night
	// days), JudgedNonWorkingDays the non-working days with activity, both
	// in the judging clock.
	LateNightSeconds     int
	JudgedNonWorkingDays int
	JudgedLateNightDays  int
	// The usual window the week was judged against (minutes after local
	// midnight; the end is below the start when it wraps, 1440 at
	// midnight) and where it came from: configured, learned or prior.
	UsualStart, UsualEnd int
	UsualSource          string
	// ClockShiftMinutes was added to the recorded local time (0 unless the
	// person's clock is suspect).
	ClockShiftMinutes int
	// Heavy: at least WeekJudge.HeavyHours of active time outside usual
	// hours (AfterHoursSeconds + NonWorkingSeconds), the model's rule.
	Heavy bool
}

// OffHoursSeconds is the week's active time outside usual hours.
func (w PersonWeek) OffHoursSeconds() int { return w.AfterHoursSeconds + w.NonWorkingSeconds }

// The usual-window sources a WeekJudge's Usual returns.
const (
	UsualPrior      = 0
	UsualLearned    = 1
	UsualConfigured = 2
)

// WeekJudge is what the weekly history needs from the risk model to judge a
// week as the model judges it as of the week's last day: the usual window
// learned from the baseline weeks before the judged ones, and the person's
// clock.
type WeekJudge struct {
	JudgedWeeks   int     // analysis.sustained.weeks
	BaselineWeeks int     // analysis.baseline_weeks
	HeavyHours    float64 // analysis.heavy_week_after_hours
	// ShiftMinutes is each suspect clock's shift (whole hours); people
	// absent are judged in their recorded local time.
	ShiftMinutes map[string]int
	// OwnHours are the people whose own config entry sets their hours.
	OwnHours map[string]bool
	// Usual decides a person's window from their configured hours (start
	// and end, minutes after local midnight; own: their own config entry
	// sets them) and their baseline: n active working days (in the judging
	// clock), hist[i] of them active in half hour i. It returns the
	// window's first half hour, its length in half hours (1-48, it may wrap
	// past midnight) and its source (UsualPrior, UsualLearned or
	// UsualConfigured). It is called once per person and week, from one
	// goroutine.
	Usual func(start, end int, own bool, n int, hist [48]float64) (startSlot, slots, source int)
}

// A week's working-day half-hour counts (at most 7 days each) are 4-bit
// counters, sixteen to a BIGINT (three "nibble" columns k0..k2), so that
// summing a week's days is three sums.
const weekNibbles = 3

// nibbleSteps spread 16 bits x (bits 0-15) into 4-bit counters, bit k at
// 4k: each step doubles the gaps, with a mask against the copies.
var nibbleSteps = [...]struct{ shift, mask int64 }{{24, 0x000000FF000000FF}, {12, 0x000F000F000F000F}, {6, 0x0303030303030303}, {3, 0x1111111111111111}}

// weeksStageSQL is the first step of the weekly history: everything of
// each week that does not depend on its usual window, with the person's
// hours and clock, as the temporary table overtime_weeks. Days are
// numbered from 1970-01-01 (day 0, a Thursday); a week is wk = (dn -
// $week_origin) // 7, so that $week_origin is the day number of a week's
// first day, minus 7k. The v2 side reads the days in [$v2_from, $to] (the
// baseline weeks before the first week wanted, and a day after the last,
// which a clock shift may move back), the v1 side the days numbered
// $from_dn to $to_v1_dn. One aggregation makes both: a join of two
// per-week aggregations cost several times more at 10 M events.
//
// The aggregation is most of the weekly history's cost, and DuckDB's cost
// grows with the number of aggregates, their filters, and above all with a
// holistic one (a median). So each day contributes packed words that a
// plain sum adds up without carries, and the outer query unpacks them:
// a week has at most seven v1 days and seven v2 days (one row per person
// and day on each side), so a count of days fits in 4 bits, a count of
// half hours (at most 336) in 9, and the day at position pos (0-6) of the
// week owns its own bits of a word (its night half hours, its workday span).
func weeksStageSQL() string {
	var spreads []string
	for c := range weekNibbles {
		spreads = append(spreads, fmt.Sprintf("((wslots >> %d) & 65535) AS s%d", 16*c, c))
	}
	// spread0..3 spread each day's three 16-bit chunks step by step.
	var steps [len(nibbleSteps)]string
	for i, st := range nibbleSteps {
		var cols []string
		for c := range weekNibbles {
			cols = append(cols, fmt.Sprintf("(s%[1]d | (s%[1]d << %[2]d)) & %[3]d AS s%[1]d", c, st.shift, st.mask))
		}
		steps[i] = strings.Join(cols, ", ")
	}
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE overtime_weeks AS WITH rules AS MATERIALIZED (
	SELECT person_id, workday_mask, start_minute, end_minute, CAST(overtime_week_person(person_id) AS INTEGER) // 30 AS shift
	FROM person_rules
), src AS NOT MATERIALIZED (
	SELECT p.person_id, p.working_day, p.slots, p.events, p.after_hours_events, p.after_hours_hours, p.late_night_events, p.first_local, p.last_local,
		CAST(p.day - DATE '1970-01-01' AS INTEGER) AS dn, coalesce(r.shift, 0) AS shift, coalesce(r.workday_mask, 0) AS workday_mask
	FROM person_days p LEFT JOIN rules r USING (person_id)
	WHERE p.day BETWEEN $v2_from AND $to
), parts AS (
	-- A suspect clock moves every active half hour by shift half hours,
	-- across midnight where it falls; a moved day is a working day by its
	-- weekday (as analysis.Build).
	SELECT person_id, dn, shift, workday_mask,
		CASE WHEN shift > 0 THEN (slots & ((CAST(1 AS BIGINT) << (48 - shift)) - 1)) << shift ELSE slots >> (-shift) END AS same,
		CASE WHEN shift > 0 THEN slots >> (48 - shift) ELSE (slots & ((CAST(1 AS BIGINT) << (-shift)) - 1)) << (48 + shift) END AS other
	FROM src WHERE shift <> 0 AND slots <> 0
), moved AS (
	SELECT person_id, dn, ((workday_mask >> CAST((dn + 4) %% 7 AS INTEGER)) & 1) = 1 AS working, bit_or(slots) AS slots
	FROM (SELECT person_id, dn, workday_mask, same AS slots FROM parts
		UNION ALL SELECT person_id, dn + sign(shift), workday_mask, other FROM parts)
	WHERE slots <> 0
	GROUP BY person_id, dn, workday_mask
), days AS (
	-- v1 rows: the stored days of the weeks wanted, in the recorded clock;
	-- v2 rows: the days in the judging clock, from the first baseline week
	-- on. A person whose clock is not moved has one row for both.
	SELECT person_id, (dn - $week_origin) // 7 AS wk, (dn - $week_origin) %% 7 AS pos, working, slots, v1, v2,
		events, after_hours_events, after_hours_hours, late_night_events, span_s
	FROM (
		SELECT person_id, dn, working_day AS working, slots, dn >= $from_dn AND dn <= $to_v1_dn AS v1, shift = 0 AND slots <> 0 AS v2,
			events, after_hours_events, after_hours_hours, late_night_events,
			-- first and last activity are on the same local date: under 2^17 s
			least(date_diff('second', first_local, last_local), 131071) AS span_s
		FROM src
		UNION ALL
		SELECT person_id, dn, working, slots, false, true, 0, 0, 0, 0, 0 FROM moved)
	WHERE (v1 OR v2) AND dn <= $to_v1_dn
), words AS (
	-- Each day's share of its week. counts: v1 days (bits 0-3), v1
	-- non-working days (4-7), v1 days with late-night events (8-11), v2
	-- days (12-15), v2 working days (16-19), v2 non-working days (20-23),
	-- v1 after-hours clock hours (24-31), v2 active half hours (32-40),
	-- of them on non-working days (41-49), v2 sessions (50-57). night_a,
	-- night_b: the v2 day's half hours 00:00-05:00 (ten bits a day, six days
	-- in night_a and the seventh in night_b). spans: the v1 working day's
	-- span in seconds (17 bits a day, from bit 17·pos) and which of the
	-- seven days are v1 working days (bits 119-125). wslots: the v2 working
	-- day's half hours, spread into 4-bit counters below (k0..k2).
	SELECT person_id, wk,
		CASE WHEN v1 THEN events ELSE 0 END AS events1,
		CASE WHEN v1 THEN after_hours_events ELSE 0 END AS ah_events1,
		CASE WHEN v1 AND NOT working THEN events ELSE 0 END AS nw_events1,
		CASE WHEN v1 THEN late_night_events ELSE 0 END AS ln_events1,
		(CAST(v1 AS BIGINT)) | (CAST(v1 AND NOT working AS BIGINT) << 4) | (CAST(v1 AND late_night_events > 0 AS BIGINT) << 8)
			| (CAST(v2 AS BIGINT) << 12) | (CAST(v2 AND working AS BIGINT) << 16) | (CAST(v2 AND NOT working AS BIGINT) << 20)
			| (CASE WHEN v1 THEN CAST(after_hours_hours AS BIGINT) << 24 ELSE 0 END)
			| (CASE WHEN v2 THEN CAST(bit_count(slots) AS BIGINT) << 32 ELSE 0 END)
			| (CASE WHEN v2 AND NOT working THEN CAST(bit_count(slots) AS BIGINT) << 41 ELSE 0 END)
			| (CASE WHEN v2 THEN CAST(bit_count(slots & ~(slots << 1)) AS BIGINT) << 50 ELSE 0 END) AS counts,
		CASE WHEN v2 AND pos < 6 THEN (slots & 1023) << (10 * pos) ELSE 0 END AS night_a,
		CASE WHEN v2 AND pos = 6 THEN slots & 1023 ELSE 0 END AS night_b,
		CASE WHEN v1 AND working THEN (CAST(span_s AS HUGEINT) << (17 * pos)) | (CAST(1 AS HUGEINT) << (119 + pos)) ELSE 0 END AS spans,
		CASE WHEN v2 AND working THEN slots ELSE 0 END AS wslots
	FROM days
), spread AS (
	SELECT * EXCLUDE (s0, s1, s2), %[1]s FROM (
		SELECT * EXCLUDE (s0, s1, s2), %[2]s FROM (
			SELECT * EXCLUDE (s0, s1, s2), %[3]s FROM (
				SELECT * EXCLUDE (s0, s1, s2), %[4]s FROM (
					SELECT *, %[5]s FROM words))))
), summed AS (
	SELECT person_id, wk, sum(events1) AS events, sum(ah_events1) AS ah_events, sum(nw_events1) AS nw_events,
		sum(ln_events1) AS ln_events, sum(counts) AS counts, sum(night_a) AS night_a, sum(night_b) AS night_b,
		sum(spans) AS spans, sum(s0) AS k0, sum(s1) AS k1, sum(s2) AS k2
	FROM spread GROUP BY person_id, wk
), weeks AS (
	SELECT person_id, wk,
		CAST(events AS INTEGER) AS events, CAST(ah_events AS INTEGER) AS ah_events,
		CAST((counts >> 24) & 255 AS INTEGER) AS ah_hours,
		CAST(counts & 15 AS INTEGER) AS active_days, CAST((counts >> 4) & 15 AS INTEGER) AS nw_days,
		CAST(nw_events AS INTEGER) AS nw_events,
		CAST((counts >> 8) & 15 AS INTEGER) AS ln_days, CAST(ln_events AS INTEGER) AS ln_events,
		CASE WHEN spans >> 119 = 0 THEN NULL ELSE list_median(list_transform(list_filter(range(7), lambda i: (spans >> (119 + i)) & 1 = 1),
			lambda i: CAST((spans >> (17 * i)) & 131071 AS DOUBLE))) END AS span,
		CAST(bit_count(CAST(spans >> 119 AS BIGINT)) AS INTEGER) AS span_days,
		CAST((counts >> 12) & 15 AS INTEGER) AS v2_days, CAST((counts >> 16) & 15 AS INTEGER) AS n,
		CAST(k0 AS BIGINT) AS k0, CAST(k1 AS BIGINT) AS k1, CAST(k2 AS BIGINT) AS k2,
		CAST((counts >> 32) & 511 AS INTEGER) AS active_slots, CAST((counts >> 50) & 255 AS INTEGER) AS sessions,
		CAST((counts >> 41) & 511 AS INTEGER) AS nw_slots, CAST((counts >> 20) & 15 AS INTEGER) AS nw_days2,
		CAST(night_a AS BIGINT) AS night_a, CAST(night_b AS BIGINT) AS night_b
	FROM summed
)
SELECT w.*, coalesce(r.start_minute, 540) AS start_minute, coalesce(r.end_minute, 1080) AS end_minute,
	coalesce(r.shift, 0) AS shift
FROM weeks w LEFT JOIN rules r USING (person_id)
`, steps[3], steps[2], steps[1], steps[0], strings.Join(spreads, ", "))
}

// weeksSQL is the weekly history's last step: the weeks of overtime_weeks
// that overtime_week_windows holds (see weekWindows), judged by their
// usual window.
func weeksSQL() string {
	// The week's working-day half hours outside the window: each half
	// hour's count of days, where the window's mask does not hold it.
	var outside []string
	for i := range 48 {
		outside = append(outside, fmt.Sprintf("((k%d >> %d) & 15) * ((~mask >> %d) & 1)", i/16, 4*(i%16), i))
	}
	// Days with activity 00:00-05:00 outside the window.
	var nights []string
	for d := range 6 {
		nights = append(nights, fmt.Sprintf("CAST((night_a >> %d) & nbar <> 0 AS INTEGER)", 10*d))
	}
	nights = append(nights, "CAST(night_b & nbar <> 0 AS INTEGER)")
	return fmt.Sprintf(`WITH usual AS (
	SELECT w.*, u.u FROM overtime_weeks w JOIN overtime_week_windows u ON u.rid = w.rowid
), judged AS (
	SELECT *, CASE WHEN v2_days > 0 THEN u & 281474976710655 ELSE 281474976710655 END AS mask,
		CASE WHEN v2_days > 0 THEN ~u & 1023 ELSE 0 END AS nbar
	FROM usual
), figured AS (
	SELECT *, CAST((%[1]s) * 1800 AS INTEGER) AS after_hours_s,
		CAST((bit_count(night_a & (nbar * 1127000493261825)) + bit_count(night_b & nbar)) * 1800 AS INTEGER) AS late_night_s,
		CAST(%[2]s AS INTEGER) AS ln_days2
	FROM judged
)
SELECT person_id, CAST(DATE '1970-01-01' + CAST(wk * 7 + $week_origin AS INTEGER) AS DATE) AS week_start,
	events, ah_events, ah_hours, active_days, nw_days, nw_events, ln_days, ln_events, span, span_days,
	active_slots * 1800, sessions, after_hours_s, nw_slots * 1800, late_night_s, nw_days2, ln_days2,
	CAST(CASE WHEN v2_days > 0 THEN ((u >> 48) & 63) * 30 ELSE 0 END AS INTEGER) AS usual_start,
	CAST(CASE WHEN v2_days = 0 THEN 0 WHEN (((u >> 48) & 63) + ((u >> 54) & 63) + 1) %% 48 = 0 THEN 1440
		ELSE (((u >> 48) & 63) + ((u >> 54) & 63) + 1) %% 48 * 30 END AS INTEGER) AS usual_end,
	CASE WHEN v2_days = 0 THEN '' WHEN (u >> 60) & 3 = 0 THEN 'prior' WHEN (u >> 60) & 3 = 1 THEN 'learned' ELSE 'configured' END AS usual_source,
	CAST(shift * 30 AS INTEGER) AS shift_minutes,
	after_hours_s + nw_slots * 1800 >= $heavy_s AS heavy
FROM figured
`, strings.Join(outside, " + "), strings.Join(nights, " + "))
}

// weekOriginBack moves a week origin far enough into the past that every
// day number minus it is positive, so that integer division is floor.
const weekOriginBack = 7 * 200_000

// weekWindows decides the usual window of every week of overtime_weeks
// from the week firstWk on, in Go, and writes them to the temporary table
// overtime_week_windows (rid, u): rid is the week's rowid in
// overtime_weeks, u packs the window's half-hour mask (bits 0-47), its
// start (48-53), its length less one (54-59) and its source (60-61). A
// week's window is learned from the working days of the baseline weeks
// before the judged weeks ending with it: weeks wk-J-B+1 .. wk-J, a sliding
// sum over each person's weeks in order (one read of the weeks and one
// append, instead of a window function and a scalar function per week
// inside DuckDB). The weeks are read with as few columns as serve: the
// person's hours once per person, and the join back on the rowid alone.
func weekWindows(ctx context.Context, conn *sql.Conn, j WeekJudge, firstWk int) error {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE overtime_week_windows (rid BIGINT, u BIGINT)`); err != nil {
		return fmt.Errorf("create overtime_week_windows: %w", err)
	}
	type hours struct{ start, end int }
	personHours := map[string]hours{}
	var weekCount int
	prows, err := conn.QueryContext(ctx, `SELECT person_id, any_value(start_minute), any_value(end_minute), count(*)
		FROM overtime_weeks GROUP BY person_id`)
	if err != nil {
		return fmt.Errorf("read the hours in overtime_weeks: %w", err)
	}
	for prows.Next() {
		var id string
		var h hours
		var n int
		if err := prows.Scan(&id, &h.start, &h.end, &n); err != nil {
			prows.Close()
			return fmt.Errorf("read the hours in overtime_weeks: %w", err)
		}
		personHours[id] = h
		weekCount += n
	}
	if err := prows.Err(); err != nil {
		return fmt.Errorf("read the hours in overtime_weeks: %w", err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT rowid, person_id, wk, n, k0, k1, k2 FROM overtime_weeks ORDER BY person_id, wk`)
	if err != nil {
		return fmt.Errorf("read overtime_weeks: %w", err)
	}
	defer rows.Close()
	type week struct {
		wk, n int64
		k     [weekNibbles]int64
	}
	type window struct{ rid, u int64 }
	out := make([]window, 0, weekCount)
	var person string
	var ph hours
	var own bool
	var weeks []week // the person's weeks so far, in order
	var lo, hi int   // weeks[lo:hi] are in the current baseline
	var n int64
	var hist [48]int64
	add := func(w week, sign int64) {
		n += sign * w.n
		for i := range hist {
			hist[i] += sign * (w.k[i/16] >> (4 * (i % 16)) & 15)
		}
	}
	J, B := int64(j.JudgedWeeks), int64(j.BaselineWeeks)
	for rows.Next() {
		var rid int64
		var id string
		var w week
		if err := rows.Scan(&rid, &id, &w.wk, &w.n, &w.k[0], &w.k[1], &w.k[2]); err != nil {
			return fmt.Errorf("read overtime_weeks row: %w", err)
		}
		if id != person {
			person, weeks, lo, hi, n, hist = id, weeks[:0], 0, 0, 0, [48]int64{}
			ph, own = personHours[id], j.OwnHours[id]
		}
		weeks = append(weeks, w)
		for hi < len(weeks) && weeks[hi].wk <= w.wk-J {
			add(weeks[hi], 1)
			hi++
		}
		for lo < hi && weeks[lo].wk < w.wk-J-B+1 {
			add(weeks[lo], -1)
			lo++
		}
		if w.wk < int64(firstWk) {
			continue
		}
		var h [48]float64
		for i, c := range hist {
			h[i] = float64(c)
		}
		startSlot, slots, source := j.Usual(ph.start, ph.end, own, int(n), h)
		if startSlot < 0 || startSlot > 47 || slots < 1 || slots > 48 || source < 0 || source > 3 {
			return fmt.Errorf("usual window of %s out of range: start %d, %d half hours, source %d", id, startSlot, slots, source)
		}
		out = append(out, window{rid, int64(halfHourWindow(startSlot, slots) | uint64(startSlot)<<48 | uint64(slots-1)<<54 | uint64(source)<<60)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read overtime_weeks: %w", err)
	}
	// The temporary table is in the catalog "temp", which a read-only
	// database (the report commands) can write too.
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "overtime_week_windows")
		if err != nil {
			return fmt.Errorf("appender for overtime_week_windows: %w", err)
		}
		for _, w := range out {
			if err := a.AppendRow(w.rid, w.u); err != nil {
				a.Close()
				return fmt.Errorf("append to overtime_week_windows: %w", err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("flush appender of overtime_week_windows: %w", err)
		}
		return nil
	})
}

// halfHourWindow is the mask of n half hours from start, wrapping past
// midnight.
func halfHourWindow(start, n int) uint64 {
	const all = uint64(1)<<48 - 1
	if n >= 48 {
		return all
	}
	m := (uint64(1)<<n - 1) << start
	return (m | m>>48) & all
}

// weekPersonUDF is overtime_week_person(person): the minutes a suspect
// clock is moved by (0 for everyone else).
type weekPersonUDF struct{ judge *WeekJudge }

func (f *weekPersonUDF) Config() duckdb.ScalarFuncConfig {
	str, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	big, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{str}, ResultTypeInfo: big}
}

func (f *weekPersonUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(v []driver.Value) (any, error) {
		person, _ := v[0].(string)
		return int64(f.judge.ShiftMinutes[person]), nil
	}}
}

func (j WeekJudge) check() error {
	if j.JudgedWeeks < 1 || j.BaselineWeeks < 1 || j.BaselineWeeks > 104 || j.Usual == nil || !(j.HeavyHours > 0) {
		return fmt.Errorf("weekly history: want judged and baseline weeks of at least 1 (baseline at most 104), a heavy-week threshold and a usual-window rule, got %d, %d, %v, %t",
			j.JudgedWeeks, j.BaselineWeeks, j.HeavyHours, j.Usual != nil)
	}
	for id, m := range j.ShiftMinutes {
		if m%60 != 0 || m <= -24*60 || m >= 24*60 {
			return fmt.Errorf("weekly history: clock shift of %s: want whole hours within a day, got %d minutes", id, m)
		}
	}
	return nil
}

// weekColumns are the columns weeksSQL selects, in its order.
const weekColumns = `person_id, week_start, events, after_hours_events, after_hours_hours, active_days, non_working_days,
	non_working_events, late_night_days, late_night_events, workday_span_s, span_days,
	active_s, sessions, after_hours_s, non_working_s, late_night_s, judged_non_working_days, judged_late_night_days,
	usual_start_minute, usual_end_minute, usual_source, clock_shift_minutes, heavy`

// weekSpan is what a weekly history covers: week numbers count weeks
// from origin (a week's first day number, minus 7k); the weeks from firstWk
// on are wanted, v1's counts over the days from to toV1, the model's over
// the days from v2From (the baseline weeks before the first wanted).
type weekSpan struct {
	origin, firstWk    int
	v2From, from, toV1 time.Time
}

// withWeekJudge runs fn on one connection that holds the weeks of span as
// the temporary tables overtime_weeks and overtime_week_windows (see
// weeksStageSQL and weekWindows), for weeksSQL to judge; fn gets the
// arguments weeksSQL needs. One weekly history is built at a time per DB:
// the function overtime_week_person is the database's.
func (db *DB) withWeekJudge(ctx context.Context, j WeekJudge, span weekSpan, fn func(conn *sql.Conn, args []any) error) error {
	if err := j.check(); err != nil {
		return err
	}
	db.weeksMu.Lock()
	defer db.weeksMu.Unlock()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("weekly history: connection: %w", err)
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, "overtime_week_person", &weekPersonUDF{judge: &j}); err != nil {
		return fmt.Errorf("weekly history: register overtime_week_person: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS overtime_weeks; DROP TABLE IF EXISTS overtime_week_windows`)
	if _, err := conn.ExecContext(ctx, weeksStageSQL(), sql.Named("week_origin", span.origin),
		sql.Named("v2_from", span.v2From), sql.Named("to", span.toV1.AddDate(0, 0, 1)),
		sql.Named("from_dn", dayNumber(span.from)), sql.Named("to_v1_dn", dayNumber(span.toV1))); err != nil {
		return fmt.Errorf("aggregate person_days by week: %w", err)
	}
	if err := weekWindows(ctx, conn, j, span.firstWk); err != nil {
		return fmt.Errorf("weekly history: %w", err)
	}
	return fn(conn, []any{sql.Named("week_origin", span.origin), sql.Named("heavy_s", j.HeavyHours*3600)})
}

func dayNumber(t time.Time) int {
	return int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// MaterializePersonWeeks rebuilds person_weeks, the weekly history by local
// calendar week (Monday to Sunday), from person_days: v1's counts, and each
// week as the risk model judges it as of the week's Sunday (see
// PersonWeek and WeekJudge).
func (db *DB) MaterializePersonWeeks(ctx context.Context, j WeekJudge) error {
	// 1970-01-05 (day 4) was a Monday.
	first, last := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9998, 12, 31, 0, 0, 0, 0, time.UTC)
	span := weekSpan{origin: 4 - weekOriginBack*2, firstWk: 0, v2From: first, from: first, toV1: last}
	err := db.withWeekJudge(ctx, j, span, func(conn *sql.Conn, args []any) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_weeks`); err != nil {
			return fmt.Errorf("clear person_weeks: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_weeks (`+weekColumns+`) `+weeksSQL(), args...); err != nil {
			return fmt.Errorf("insert person_weeks: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("materialize person_weeks: %w", err)
	}
	return nil
}

// PersonWeeks lists the stored calendar weeks that start in [from, to], by
// person and week.
func (db *DB) PersonWeeks(ctx context.Context, from, to time.Time) ([]PersonWeek, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+weekColumns+`
		FROM person_weeks WHERE week_start BETWEEN ? AND ? ORDER BY person_id, week_start`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read person_weeks: %w", err)
	}
	out, err := scanWeeks(rows)
	if err != nil {
		return nil, fmt.Errorf("read person_weeks: %w", err)
	}
	return out, nil
}

// WeeksEndingAt builds the given number of weeks that end on the local date
// asOf: the first covers asOf-6 to asOf, the next the seven days before, and
// so on, each judged as the risk model judges it as of its last day. Weeks
// without activity are absent. The rows are by person, most recent week
// first.
func (db *DB) WeeksEndingAt(ctx context.Context, asOf time.Time, weeks int, j WeekJudge) ([]PersonWeek, error) {
	if weeks < 1 {
		return nil, fmt.Errorf("weekly signals: want at least 1 week, got %d", weeks)
	}
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	from := asOf.AddDate(0, 0, -7*weeks+1)
	// The baseline of the first week starts J+B-1 weeks before it; a day
	// more lets a clock shift move activity across midnight.
	v2From := from.AddDate(0, 0, -7*(j.JudgedWeeks+j.BaselineWeeks)-1)
	origin := dayNumber(asOf) - 6 - weekOriginBack
	var out []PersonWeek
	span := weekSpan{origin: origin, firstWk: weekOriginBack/7 - weeks + 1, v2From: v2From, from: from, toV1: asOf}
	err := db.withWeekJudge(ctx, j, span, func(conn *sql.Conn, args []any) error {
		rows, err := conn.QueryContext(ctx, weeksSQL()+` ORDER BY person_id, week_start DESC`, args...)
		if err != nil {
			return err
		}
		out, err = scanWeeks(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("weekly signals: %w", err)
	}
	return out, nil
}

func scanWeeks(rows *sql.Rows) ([]PersonWeek, error) {
	defer rows.Close()
	var out []PersonWeek
	for rows.Next() {
		var w PersonWeek
		var span sql.NullFloat64
		if err := rows.Scan(&w.PersonID, &w.WeekStart, &w.Events, &w.AfterHoursEvents, &w.AfterHoursHours, &w.ActiveDays,
			&w.NonWorkingDays, &w.NonWorkingEvents, &w.LateNightDays, &w.LateNightEvents, &span, &w.SpanDays,
			&w.ActiveSeconds, &w.Sessions, &w.AfterHoursSeconds, &w.NonWorkingSeconds, &w.LateNightSeconds,
			&w.JudgedNonWorkingDays, &w.JudgedLateNightDays, &w.UsualStart, &w.UsualEnd, &w.UsualSource,
			&w.ClockShiftMinutes, &w.Heavy); err != nil {
			return nil, fmt.Errorf("read week row: %w", err)
		}
		if span.Valid {
			w.WorkdaySpan = time.Duration(span.Float64 * float64(time.Second))
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read week rows: %w", err)
	}
	return out, nil
}
