package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FirstActiveDays gives each person's first local date with activity, up to
// and including asOf.
func (db *DB) FirstActiveDays(ctx context.Context, asOf time.Time) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, min(day) FROM person_days WHERE day <= ? GROUP BY person_id`, asOf)
	if err != nil {
		return nil, fmt.Errorf("first active days: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var day time.Time
		if err := rows.Scan(&id, &day); err != nil {
			return nil, fmt.Errorf("first active days: %w", err)
		}
		out[id] = day
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("first active days: %w", err)
	}
	return out, nil
}

// PersonWindow is one person's signals over a window of local days, in the
// form the exporters need.
type PersonWindow struct {
	PersonID         string
	Events           int
	AfterHoursEvents int
	// AfterHoursHours are the after-hours active hours: distinct local clock
	// hours outside working time with activity (× 3600 is
	// overtime_afterhours_active_seconds).
	AfterHoursHours int
	NonWorkingDays  int // distinct non-working days (weekends, holidays) with activity
	LateNightEvents int
	ActiveDays      int
	GitEvents       int
	GitHubEvents    int
	JiraEvents      int
	// WorkdaySpan is the median, over the active working days, of the time
	// from a day's first to its last activity; zero when SpanDays is 0.
	WorkdaySpan time.Duration
	SpanDays    int
	// LongestStreak is the longest run of consecutive local days with
	// activity inside the window.
	LongestStreak int
}

// WindowSignals sums person_days over the local dates [from, to], per
// person active in it, ordered by person.
func (db *DB) WindowSignals(ctx context.Context, from, to time.Time) ([]PersonWindow, error) {
	days := int(to.Sub(from).Hours()/24) + 1
	if days < 1 {
		return nil, nil
	}
	out, err := db.WindowSignalsEvery(ctx, to, 1, 1, days)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// WindowSignalsEvery is WindowSignals for count windows of days local days
// at once: window k ends step*k days before the local date last. out[k]
// holds window k's rows, ordered by person. One pass over person_days
// serves them all: each day is counted in every window it falls in.
func (db *DB) WindowSignalsEvery(ctx context.Context, last time.Time, count, step, days int) ([][]PersonWindow, error) {
	if count < 1 || step < 1 || days < 1 {
		return nil, fmt.Errorf("window signals: want count, step and days of at least 1, got %d, %d, %d", count, step, days)
	}
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	first := last.AddDate(0, 0, -step*(count-1)-days+1)
	// A day diff days before last is in window k when
	// step*k <= diff <= step*k + days - 1.
	// Runs of consecutive active days are found once, over all the windows'
	// days; a run counts in each window it overlaps, for the overlap.
	rows, err := db.sql.QueryContext(ctx, `WITH p AS (
			SELECT *, CAST(CAST($1 AS DATE) - day AS BIGINT) AS diff FROM person_days WHERE day BETWEEN $2 AND $1
		), d AS (
			SELECT unnest(range(greatest(0, (diff - $4 + $3) // $3), least($5 - 1, diff // $3) + 1)) AS k, *
			FROM p
		), runs AS (
			SELECT person_id, max(diff) AS diff_first, min(diff) AS diff_last FROM (
				SELECT person_id, diff, diff - row_number() OVER (PARTITION BY person_id ORDER BY diff) AS run FROM p)
			GROUP BY person_id, run
		), streaks AS (
			SELECT k, person_id, max(least(diff_first, $3 * k + $4 - 1) - greatest(diff_last, $3 * k) + 1) AS longest
			FROM (SELECT unnest(range(greatest(0, (diff_last - $4 + $3) // $3), least($5 - 1, diff_first // $3) + 1)) AS k, *
				FROM runs)
			GROUP BY k, person_id
		)
		SELECT d.k, person_id, CAST(sum(events) AS BIGINT), CAST(sum(after_hours_events) AS BIGINT),
			CAST(sum(after_hours_hours) AS BIGINT), count(*) FILTER (NOT working_day),
			CAST(sum(late_night_events) AS BIGINT), count(*),
			CAST(sum(git_events) AS BIGINT), CAST(sum(github_events) AS BIGINT), CAST(sum(jira_events) AS BIGINT),
			median(CAST(date_diff('second', first_local, last_local) AS DOUBLE)) FILTER (working_day),
			count(*) FILTER (working_day), any_value(s.longest)
		FROM d JOIN streaks s USING (k, person_id)
		GROUP BY d.k, person_id ORDER BY d.k, person_id`, last, first, step, days, count)
	if err != nil {
		return nil, fmt.Errorf("window signals: %w", err)
	}
	defer rows.Close()
	out := make([][]PersonWindow, count)
	for rows.Next() {
		var k int
		var w PersonWindow
		var span sql.NullFloat64
		if err := rows.Scan(&k, &w.PersonID, &w.Events, &w.AfterHoursEvents, &w.AfterHoursHours, &w.NonWorkingDays,
			&w.LateNightEvents, &w.ActiveDays, &w.GitEvents, &w.GitHubEvents, &w.JiraEvents, &span, &w.SpanDays,
			&w.LongestStreak); err != nil {
			return nil, fmt.Errorf("window signals: %w", err)
		}
		if span.Valid {
			w.WorkdaySpan = time.Duration(span.Float64 * float64(time.Second))
		}
		out[k] = append(out[k], w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("window signals: %w", err)
	}
	return out, nil
}

// PunchcardCell is how many events a team made at one local weekday and
// hour over a window.
type PunchcardCell struct {
	Team    string // "" for people in no team
	Weekday time.Weekday
	Hour    int // 0-23, local
	Events  int
}

// TeamPunchcard counts, per team, the events by local weekday and hour over
// the local dates [from, to]: each event in its own person's local time.
// Cells without events are absent. It reads the events themselves (only
// those within a day of the window, in UTC), not person_days, which does
// not keep hours.
func (db *DB) TeamPunchcard(ctx context.Context, from, to time.Time) ([]PunchcardCell, error) {
	day := func(t time.Time) int64 {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	// Local time is at most 14 hours off UTC: a day either side holds every
	// event whose local date is in the window.
	lo := time.Unix(day(from)*86400, 0).UTC().AddDate(0, 0, -1)
	hi := time.Unix(day(to)*86400, 0).UTC().AddDate(0, 0, 2)
	rows, err := db.sql.QueryContext(ctx, teamPunchcardSQL, sql.Named("from_utc", lo), sql.Named("to_utc", hi),
		sql.Named("from_day", day(from)), sql.Named("to_day", day(to)))
	if err != nil {
		return nil, fmt.Errorf("team punchcard: %w", err)
	}
	defer rows.Close()
	var out []PunchcardCell
	for rows.Next() {
		var c PunchcardCell
		var wd int
		if err := rows.Scan(&c.Team, &wd, &c.Hour, &c.Events); err != nil {
			return nil, fmt.Errorf("team punchcard: %w", err)
		}
		c.Weekday = time.Weekday(wd)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("team punchcard: %w", err)
	}
	return out, nil
}

// PeopleWithIdentity gives the ids of the people who have at least one
// identity of the given kind ("jira", "github", "email"): whether a source
// can see them at all. A person without a Jira identity has no known ticket
// load, which is not the same as none.
func (db *DB) PeopleWithIdentity(ctx context.Context, kind string) (map[string]bool, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT person_id FROM person_identities WHERE starts_with(identity, ?)`, kind+":")
	if err != nil {
		return nil, fmt.Errorf("people with %s identities: %w", kind, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("people with %s identities: %w", kind, err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("people with %s identities: %w", kind, err)
	}
	return out, nil
}

// ActivityDay is one person's local day as the risk model reads it: when
// they were active, not how many events they made.
type ActivityDay struct {
	PersonID   string
	Day        time.Time // local date as 00:00 UTC
	WorkingDay bool
	Events     int
	// Slots is the 48-bit mask of the day's half hours with activity: bit i
	// is 00:00 + 30*i minutes local.
	Slots      uint64
	FirstLocal time.Time
	LastLocal  time.Time
}

// ActivityDays lists the person-days with local dates in [from, to],
// ordered by person and day. Rows an analysis before the half-hour mask
// wrote (Slots 0 with events) get the half hours of their first and last
// activity.
func (db *DB) ActivityDays(ctx context.Context, from, to time.Time) ([]ActivityDay, error) {
	// The count sizes the slice once: grown by appends, its copies and
	// fresh pages cost more than reading the rows (about 0.3 s of 0.6 at
	// 2,000 people). It is only a capacity: rows written in between are
	// still read.
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM person_days WHERE day BETWEEN ? AND ?`, from, to).Scan(&n); err != nil {
		return nil, fmt.Errorf("activity days: count: %w", err)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, day, working_day, events, coalesce(slots, 0), first_local, last_local
		FROM person_days WHERE day BETWEEN ? AND ? ORDER BY person_id, day`, from, to)
	if err != nil {
		return nil, fmt.Errorf("activity days: %w", err)
	}
	return scanActivityDays(rows, n)
}

// PersonActivityDays is ActivityDays of one person, all their days.
func (db *DB) PersonActivityDays(ctx context.Context, personID string) ([]ActivityDay, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, day, working_day, events, coalesce(slots, 0), first_local, last_local
		FROM person_days WHERE person_id = ? ORDER BY day`, personID)
	if err != nil {
		return nil, fmt.Errorf("activity days of %s: %w", personID, err)
	}
	return scanActivityDays(rows, 0)
}

// scanActivityDays reads the rows into a slice of capacity n to begin with.
func scanActivityDays(rows *sql.Rows, n int) ([]ActivityDay, error) {
	defer rows.Close()
	out := make([]ActivityDay, 0, n)
	for rows.Next() {
		var d ActivityDay
		var slots int64
		if err := rows.Scan(&d.PersonID, &d.Day, &d.WorkingDay, &d.Events, &slots, &d.FirstLocal, &d.LastLocal); err != nil {
			return nil, fmt.Errorf("activity days: %w", err)
		}
		d.Slots = uint64(slots)
		if d.Slots == 0 && d.Events > 0 {
			slot := func(t time.Time) uint64 { return 1 << ((t.Hour()*60 + t.Minute()) / 30) }
			d.Slots = slot(d.FirstLocal) | slot(d.LastLocal)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity days: %w", err)
	}
	return out, nil
}

// PersonClock is what the analysis knows of a person's clock: whether the
// config gives them a zone, their working days, and the offsets their
// events recorded.
type PersonClock struct {
	PersonID    string
	Zoned       bool // the config names a zone for the person (their own or their team's): their events are judged in it, whatever they recorded
	WorkdayMask int  // bit d set when time.Weekday(d) is a workday
	StartMinute int  // configured working hours, minutes after local midnight
	EndMinute   int
	Stamped     int // counted events that recorded a UTC offset (commits)
	StampedUTC  int // of those, the ones stamped +0000
	// UTCReread of the +0000 stamps are read at another offset, because the
	// person's other stamps contradict them (person_clock_days); most of
	// them at UTCReadAs seconds east of UTC (0 when UTCReread is 0).
	UTCReread int
	UTCReadAs int
}

// PersonClocks gives, per person of the last analysis, their configured
// zone or its absence, workdays, working hours, and, for people without a
// configured zone, how many of their counted events recorded an offset, how
// many of those recorded +0000 and how many of these are read at another
// offset (0, 0 and 0 for the others).
func (db *DB) PersonClocks(ctx context.Context) (map[string]PersonClock, error) {
	// Only people without a configured zone are checked, so only their
	// events are read.
	rows, err := db.sql.QueryContext(ctx, `WITH unzoned AS (
			SELECT pi.identity, pi.person_id FROM person_identities pi JOIN person_rules r USING (person_id)
			WHERE r.zone IS NULL
		), stamps AS (
			SELECT u.person_id, count(*) AS stamped, count(*) FILTER (e.utc_offset = 0) AS utc
			FROM events e JOIN unzoned u USING (identity)
			WHERE e.counted AND e.utc_offset IS NOT NULL GROUP BY u.person_id
		), per_offset AS (
			SELECT person_id, read_as, sum(stamps) AS n FROM person_clock_days GROUP BY person_id, read_as
		), reread AS (
			SELECT person_id, n, read_as FROM (
				SELECT person_id, sum(n) OVER (PARTITION BY person_id) AS n, read_as,
					row_number() OVER (PARTITION BY person_id ORDER BY n DESC, read_as) AS rank
				FROM per_offset)
			WHERE rank = 1
		)
		SELECT r.person_id, r.zone IS NOT NULL, r.workday_mask, r.start_minute, r.end_minute, coalesce(s.stamped, 0), coalesce(s.utc, 0),
			coalesce(x.n, 0), coalesce(x.read_as, 0)
		FROM person_rules r LEFT JOIN stamps s USING (person_id) LEFT JOIN reread x USING (person_id)`)
	if err != nil {
		return nil, fmt.Errorf("person clocks: %w", err)
	}
	defer rows.Close()
	out := map[string]PersonClock{}
	for rows.Next() {
		var c PersonClock
		if err := rows.Scan(&c.PersonID, &c.Zoned, &c.WorkdayMask, &c.StartMinute, &c.EndMinute, &c.Stamped, &c.StampedUTC, &c.UTCReread, &c.UTCReadAs); err != nil {
			return nil, fmt.Errorf("person clocks: %w", err)
		}
		out[c.PersonID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("person clocks: %w", err)
	}
	return out, nil
}
