package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// PersonRow is a person as the analysis judged them.
type PersonRow struct {
	ID         string
	Name       string
	Team       string
	Configured bool
}

// RulesRow is a person's working-time rules in the form the SQL needs.
type RulesRow struct {
	PersonID     string
	Zone         string // configured IANA zone, "" when none
	FallbackZone string // defaults.timezone
	WorkdayMask  int    // bit d set when time.Weekday(d) is a workday
	StartMinute  int
	EndMinute    int
}

// HolidayRow is one holiday of one person (a local date, as 00:00 UTC).
type HolidayRow struct {
	PersonID string
	Day      time.Time
}

// TransitionRow says a zone has OffsetSeconds from instant ValidFrom on.
type TransitionRow struct {
	Zone          string
	ValidFrom     time.Time
	OffsetSeconds int
}

// PeopleSnapshot is everything the analysis needs to know about people:
// who they are, which identities are theirs, and their rules.
type PeopleSnapshot struct {
	People      []PersonRow
	Identities  map[string]string // identity → person id
	Rules       []RulesRow
	Holidays    []HolidayRow
	Transitions []TransitionRow
}

// EventSpan is the first and last instant of any stored event; ok is false
// when there are none.
func (db *DB) EventSpan(ctx context.Context) (first, last time.Time, ok bool, err error) {
	var f, l sql.NullTime
	if err := db.sql.QueryRowContext(ctx, `SELECT min(occurred_at), max(occurred_at) FROM events`).Scan(&f, &l); err != nil {
		return first, last, false, fmt.Errorf("event span: %w", err)
	}
	return f.Time, l.Time, f.Valid, nil
}

// ReplacePeople swaps in a new people snapshot, in one transaction.
func (db *DB) ReplacePeople(ctx context.Context, s PeopleSnapshot) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	err = func() error {
		for _, t := range []string{"people", "person_identities", "person_rules", "person_holidays", "zone_transitions"} {
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		people := make([][]driver.Value, 0, len(s.People))
		for _, p := range s.People {
			people = append(people, []driver.Value{p.ID, p.Name, p.Team, p.Configured})
		}
		ids := make([][]driver.Value, 0, len(s.Identities))
		for identity, person := range s.Identities {
			ids = append(ids, []driver.Value{identity, person})
		}
		rules := make([][]driver.Value, 0, len(s.Rules))
		for _, r := range s.Rules {
			var zone driver.Value
			if r.Zone != "" {
				zone = r.Zone
			}
			rules = append(rules, []driver.Value{r.PersonID, zone, r.FallbackZone, nil, int32(r.WorkdayMask), int32(r.StartMinute), int32(r.EndMinute)})
		}
		hols := make([][]driver.Value, 0, len(s.Holidays))
		for _, h := range s.Holidays {
			hols = append(hols, []driver.Value{h.PersonID, h.Day})
		}
		trans := make([][]driver.Value, 0, len(s.Transitions))
		for _, t := range s.Transitions {
			trans = append(trans, []driver.Value{t.Zone, t.ValidFrom.UTC(), int32(t.OffsetSeconds)})
		}
		for _, tbl := range []struct {
			name string
			rows [][]driver.Value
		}{{"people", people}, {"person_identities", ids}, {"person_rules", rules}, {"person_holidays", hols}, {"zone_transitions", trans}} {
			if err := appendRows(conn, tbl.name, tbl.rows); err != nil {
				return fmt.Errorf("write %s: %w", tbl.name, err)
			}
		}
		// Events that record no offset (API events) of a person with no
		// configured zone are judged at the offset their commits usually carry.
		// The mode is the most frequent offset, the smallest on a tie. Only
		// people without a configured zone use it, so only their events are
		// read. Each identity's latest event comes first (a GROUP BY, not a
		// window over every event), then only the last 90 days are counted.
		// The events meet the cut-off through one equality join on identity:
		// inside this transaction the new person_identities has no
		// statistics, and a cut-off in a table of its own let DuckDB pick a
		// range join of every event with every person.
		_, err := conn.ExecContext(ctx, `UPDATE person_rules SET inferred_offset = m.off FROM (
			WITH unzoned AS (
				SELECT pi.identity, pi.person_id FROM person_identities pi JOIN person_rules r USING (person_id)
				WHERE r.zone IS NULL
			), last_at AS (
				SELECT e.identity, max(e.occurred_at) AS last_at FROM events e JOIN unzoned u USING (identity)
				WHERE e.utc_offset IS NOT NULL AND e.counted GROUP BY e.identity
			), since AS (
				SELECT u.identity, u.person_id,
					max(l.last_at) OVER (PARTITION BY u.person_id) - INTERVAL 90 DAY AS since
				FROM unzoned u JOIN last_at l USING (identity)
			), counts AS (
				SELECT s.person_id, e.utc_offset, count(*) AS n
				FROM events e JOIN since s ON s.identity = e.identity AND e.occurred_at >= s.since
				WHERE e.utc_offset IS NOT NULL AND e.counted
				GROUP BY s.person_id, e.utc_offset
			)
			SELECT person_id, utc_offset AS off FROM (
				SELECT person_id, utc_offset, row_number() OVER (PARTITION BY person_id ORDER BY n DESC, utc_offset) AS rank
				FROM counts)
			WHERE rank = 1) m
			WHERE person_rules.person_id = m.person_id`)
		if err != nil {
			return fmt.Errorf("infer offsets: %w", err)
		}
		return nil
	}()
	if err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("replace people: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("replace people: commit: %w", err)
	}
	return nil
}

func appendRows(conn *sql.Conn, table string, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

// localTimeSQL is the WITH clauses that put every counted event of a known
// person into local wall time, the time model of docs/design.md: the configured zone;
// else the offset the event recorded; else the person's inferred offset;
// else the default zone. filter narrows the events (an SQL condition on the
// events table e, "" for all of them).
//
// It ends in loc(pid, start_minute, end_minute, source, local_us, day,
// minute_of_day): local_us is microseconds of local wall time since
// 1970-01-01T00:00, day the local date as days since then, start_minute and
// end_minute the person's working hours; ruled(pid, person_id,
// workday_mask, ...) maps the integer pid back.
//
// Everything is integer arithmetic on purpose: at hundreds of millions of
// events, timestamp and interval functions, VARCHAR keys and DuckDB's ASOF
// join (a sort of all events per zone) cost several times the aggregation
// itself. A zone's offset comes instead from an equality hash join on
// (zone, UTC day) against zone_days, one row per zone, UTC day and offset
// period touching that day, with a range check for the day of a transition.
func localTimeSQL(filter string) string {
	if filter != "" {
		filter = " AND (" + filter + ")"
	}
	return `
span AS (
    SELECT CAST(min(occurred_at) AS DATE) - 2 AS d0, CAST(max(occurred_at) AS DATE) + 2 AS d1 FROM events
), zones AS (
    SELECT zone, CAST(row_number() OVER (ORDER BY zone) AS BIGINT) AS zid FROM (SELECT DISTINCT zone FROM zone_transitions)
), periods AS (
    SELECT zones.zid, t.valid_from AS period_start,
        coalesce(lead(t.valid_from) OVER (PARTITION BY t.zone ORDER BY t.valid_from), TIMESTAMP '9999-01-01') AS period_end,
        t.offset_s
    FROM zone_transitions t JOIN zones USING (zone)
), zone_days AS (
    SELECT p.zid * 100000000 + CAST(epoch(CAST(d.day AS DATE)) // 86400 AS BIGINT) AS zone_day,
        epoch_us(p.period_start) AS period_start, epoch_us(p.period_end) AS period_end, p.offset_s
    FROM periods p, span, generate_series(CAST(greatest(CAST(p.period_start AS DATE), span.d0) AS TIMESTAMP),
        CAST(least(CAST(p.period_end AS DATE), span.d1) AS TIMESTAMP), INTERVAL 1 DAY) d(day)
), holidays AS (
    SELECT DISTINCT person_id, day FROM person_holidays
), ruled AS (
    SELECT CAST(row_number() OVER (ORDER BY person_id) AS INTEGER) AS pid, person_id, zone, fallback_zone,
        inferred_offset, workday_mask, start_minute, end_minute
    FROM person_rules
), who AS (
    SELECT pi.identity, p.pid, z.zid, fz.zid AS fallback_zid, p.inferred_offset, p.start_minute, p.end_minute
    FROM person_identities pi JOIN ruled p USING (person_id)
    LEFT JOIN zones z ON z.zone = p.zone
    LEFT JOIN zones fz ON fz.zone = p.fallback_zone
), ev AS (
    SELECT w.pid, w.start_minute, w.end_minute, e.source, epoch_us(e.occurred_at) AS us,
        CASE WHEN w.zid IS NULL THEN coalesce(e.utc_offset, w.inferred_offset) END AS fixed_offset,
        CASE WHEN w.zid IS NOT NULL THEN w.zid
             WHEN coalesce(e.utc_offset, w.inferred_offset) IS NULL THEN w.fallback_zid END AS zid
    FROM events e JOIN who w USING (identity)
    WHERE e.counted` + filter + `
), loc AS (
    SELECT pid, start_minute, end_minute, source, local_us, local_us // 86400000000 AS day,
        CAST((local_us // 60000000) % 1440 AS INTEGER) AS minute_of_day
    FROM (
        SELECT ev.pid, ev.start_minute, ev.end_minute, ev.source, ev.us + 1000000 * CAST(coalesce(ev.fixed_offset, z.offset_s) AS BIGINT) AS local_us
        FROM ev LEFT JOIN zone_days z ON z.zone_day = ev.zid * 100000000 + ev.us // 86400000000
            AND ev.us >= z.period_start AND ev.us < z.period_end
    )
)`
}

// localDate turns a day number of localTimeSQL into a DATE, and workingDay
// says whether it is a working day of person p (holidays h joined on it).
const (
	localDate  = `CAST(DATE '1970-01-01' + CAST(%[1]s AS INTEGER) AS DATE)`
	workingDay = `((p.workday_mask >> CAST((%[1]s + 4) %% 7 AS INTEGER)) & 1) = 1 AND h.day IS NULL` // 1970-01-01 was a Thursday
)

func sqlf(format string, arg string) string { return fmt.Sprintf(format, arg) }

// localEventsSQL lists every counted event of a known person, with its
// local wall time and working-time facts, one row per event.
func localEventsSQL(filter string) string {
	return `WITH ` + localTimeSQL(filter) + `
SELECT p.person_id, loc.source, make_timestamp(loc.local_us) AS local_ts, ` + sqlf(localDate, "loc.day") + ` AS day,
    loc.minute_of_day // 60 AS hour,
    ` + sqlf(workingDay, "loc.day") + ` AS working_day,
    NOT (` + sqlf(workingDay, "loc.day") + `) OR loc.minute_of_day < p.start_minute OR loc.minute_of_day >= p.end_minute AS after_hours,
    loc.minute_of_day < 300 AS late_night
FROM loc JOIN ruled p USING (pid)
LEFT JOIN holidays h ON h.person_id = p.person_id AND h.day = ` + sqlf(localDate, "loc.day")
}

// personDaysSQL aggregates the local events into person_days rows. The
// events are grouped per person and local day first, with what depends on
// the time of day (outside working hours, late night, which clock hours);
// whether the day is a working day (workdays, holidays) is decided after,
// once per person-day instead of once per event. Clock hours are a 24-bit
// mask per day, so counting distinct hours is a bit_count, not a DISTINCT;
// the half hours with activity (slots) are a 48-bit mask the same way.
var personDaysSQL = `WITH ` + localTimeSQL("") + `, agg AS (
    SELECT loc.pid, loc.day,
        count(*) AS events,
        count(*) FILTER (loc.minute_of_day < loc.start_minute OR loc.minute_of_day >= loc.end_minute) AS outside_events,
        count(*) FILTER (loc.minute_of_day < 300) AS late_night_events,
        bit_or(1 << (loc.minute_of_day // 60)) AS hours,
        bit_or(CASE WHEN loc.minute_of_day < loc.start_minute OR loc.minute_of_day >= loc.end_minute
            THEN 1 << (loc.minute_of_day // 60) ELSE 0 END) AS outside_hours,
        min(loc.local_us) AS first_us, max(loc.local_us) AS last_us,
        count(*) FILTER (loc.source = 'git') AS git_events,
        count(*) FILTER (loc.source = 'github') AS github_events,
        count(*) FILTER (loc.source = 'jira') AS jira_events,
        bit_or(CAST(1 AS BIGINT) << (loc.minute_of_day // 30)) AS slots
    FROM loc
    GROUP BY loc.pid, loc.day
)
SELECT person_id, ` + sqlf(localDate, "day") + `, working_day, events,
    CASE WHEN working_day THEN outside_events ELSE events END,
    late_night_events,
    bit_count(CASE WHEN working_day THEN outside_hours ELSE hours END),
    make_timestamp(first_us), make_timestamp(last_us),
    git_events, github_events, jira_events, slots
FROM (
    SELECT a.*, p.person_id, ` + sqlf(workingDay, "a.day") + ` AS working_day
    FROM agg a JOIN ruled p USING (pid)
    LEFT JOIN holidays h ON h.person_id = p.person_id AND h.day = ` + sqlf(localDate, "a.day") + `
)`

// MaterializePersonDays rebuilds person_days from all stored events and the
// current people snapshot.
func (db *DB) MaterializePersonDays(ctx context.Context) error {
	if err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_days`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO person_days `+personDaysSQL)
		return err
	}); err != nil {
		return fmt.Errorf("materialize person_days: %w", err)
	}
	return nil
}

// LocalEvent is one event in its person's local time (for checks and tests).
type LocalEvent struct {
	PersonID   string
	Source     string
	Local      time.Time // wall time, as a UTC-located time.Time
	WorkingDay bool
	AfterHours bool
	LateNight  bool
}

// LocalEvents lists every counted event of a known person in local time.
func (db *DB) LocalEvents(ctx context.Context) ([]LocalEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, source, local_ts, working_day, after_hours, late_night
		FROM (`+localEventsSQL("")+`) ORDER BY person_id, local_ts`)
	if err != nil {
		return nil, fmt.Errorf("local events: %w", err)
	}
	defer rows.Close()
	var out []LocalEvent
	for rows.Next() {
		var e LocalEvent
		if err := rows.Scan(&e.PersonID, &e.Source, &e.Local, &e.WorkingDay, &e.AfterHours, &e.LateNight); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PersonDay is one person's activity on one local day.
type PersonDay struct {
	PersonID         string
	Day              time.Time // local date as 00:00 UTC
	WorkingDay       bool
	Events           int
	AfterHoursEvents int
	LateNightEvents  int
	AfterHoursHours  int
	FirstLocal       time.Time
	LastLocal        time.Time
	GitEvents        int
	GitHubEvents     int
	JiraEvents       int
}

// PersonDays lists the person-days with local dates in [from, to], ordered
// by person and day.
func (db *DB) PersonDays(ctx context.Context, from, to time.Time) ([]PersonDay, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, day, working_day, events, after_hours_events,
			late_night_events, after_hours_hours, first_local, last_local, git_events, github_events, jira_events
		FROM person_days WHERE day BETWEEN ? AND ? ORDER BY person_id, day`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read person_days: %w", err)
	}
	defer rows.Close()
	var out []PersonDay
	for rows.Next() {
		var d PersonDay
		if err := rows.Scan(&d.PersonID, &d.Day, &d.WorkingDay, &d.Events, &d.AfterHoursEvents, &d.LateNightEvents,
			&d.AfterHoursHours, &d.FirstLocal, &d.LastLocal, &d.GitEvents, &d.GitHubEvents, &d.JiraEvents); err != nil {
			return nil, fmt.Errorf("read person_days: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// WindowTotals are one person's sums over a window of local days.
type WindowTotals struct {
	PersonID         string
	Events           int
	AfterHoursEvents int
	LateNightEvents  int
	NonWorkingDays   int // distinct local non-working days with activity
	ActiveDays       int
}

// Window sums person_days over local dates [from, to] per person, in DuckDB.
func (db *DB) Window(ctx context.Context, from, to time.Time) ([]WindowTotals, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, sum(events), sum(after_hours_events), sum(late_night_events),
			count(*) FILTER (NOT working_day), count(*)
		FROM person_days WHERE day BETWEEN ? AND ? GROUP BY person_id ORDER BY person_id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("window totals: %w", err)
	}
	defer rows.Close()
	var out []WindowTotals
	for rows.Next() {
		var w WindowTotals
		if err := rows.Scan(&w.PersonID, &w.Events, &w.AfterHoursEvents, &w.LateNightEvents, &w.NonWorkingDays, &w.ActiveDays); err != nil {
			return nil, fmt.Errorf("window totals: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// People lists the people of the last analysis.
func (db *DB) People(ctx context.Context) ([]PersonRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT person_id, name, team, configured FROM people ORDER BY person_id`)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	var out []PersonRow
	for rows.Next() {
		var p PersonRow
		if err := rows.Scan(&p.ID, &p.Name, &p.Team, &p.Configured); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
