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
		return fmt.Errorf("replace people: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("replace people: begin: %w", err)
	}
	err = func() error {
		for _, t := range []string{"people", "person_identities", "person_rules", "person_holidays", "zone_transitions", "person_clock_days"} {
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
		if _, err := conn.ExecContext(ctx, `INSERT INTO person_clock_days `+contradictedClockDaysSQL); err != nil {
			return fmt.Errorf("find +0000 stamps their other stamps contradict: %w", err)
		}
		// Events that record no offset (API events) of a person with no
		// configured zone are judged at the offset their commits usually carry:
		// as read, so a +0000 stamp read at another offset (person_clock_days)
		// counts at that one. The mode is the most frequent offset, the
		// smallest on a tie. Only people without a configured zone use it, so
		// only their events are read. Each identity's latest event comes first (a GROUP BY, not a
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
			), read AS (
				SELECT s.person_id, CASE WHEN e.utc_offset = 0 THEN coalesce(c.read_as, 0) ELSE e.utc_offset END AS utc_offset
				FROM events e JOIN since s ON s.identity = e.identity AND e.occurred_at >= s.since
				LEFT JOIN person_clock_days c ON c.person_id = s.person_id
					AND c.utc_day = epoch_us(e.occurred_at) // 86400000000
				WHERE e.utc_offset IS NOT NULL AND e.counted
			), counts AS (
				SELECT person_id, utc_offset, count(*) AS n FROM read GROUP BY person_id, utc_offset
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

// mixedClockDays is how close, in days, a person's other stamps must lie on
// both sides of a +0000 stamp to contradict it.
const mixedClockDays = 3

// contradictedClockDaysSQL finds, for every person without a configured
// zone, the UTC days whose +0000 stamps their other stamps contradict
// (docs/methodology.md, "A clock that does not match its person"). A +0000
// stamp is contradicted when the person's nearest non-+0000 stamps before
// and after it both lie within mixedClockDays, carry offsets of the same
// sign at most an hour apart (a DST change between them), and, when the
// nearer one's offset O is ±1 hour (London, Lisbon, the Azores and West
// Africa change between +0000 and ±0100 for real), the same UTC day also
// holds a stamp at O. It is read at O, the nearer one's offset. A move or a
// trip to a +0000 place is a block of +0000 stamps without other stamps on
// both sides, and is left alone. Every +0000 stamp of a day with a
// contradicted one is read at the day's most common O (the smallest on a
// tie). Only counted events are read, and only the people whose stamps
// mix +0000 and other offsets are sorted by time.
var contradictedClockDaysSQL = fmt.Sprintf(`WITH unzoned AS (
		SELECT pi.identity, pi.person_id FROM person_identities pi JOIN person_rules r USING (person_id)
		WHERE r.zone IS NULL
	), st AS (
		SELECT u.person_id, epoch_us(e.occurred_at) AS us, e.utc_offset AS off
		FROM events e JOIN unzoned u USING (identity)
		WHERE e.counted AND e.utc_offset IS NOT NULL
	), mixed AS (
		SELECT person_id FROM st GROUP BY person_id HAVING bool_or(off = 0) AND bool_or(off <> 0)
	), mst AS (
		SELECT st.* FROM st SEMI JOIN mixed USING (person_id)
	), nb AS (
		SELECT person_id, us, off,
			last_value(CASE WHEN off <> 0 THEN us END IGNORE NULLS) OVER before AS prev_us,
			last_value(CASE WHEN off <> 0 THEN off END IGNORE NULLS) OVER before AS prev_off,
			first_value(CASE WHEN off <> 0 THEN us END IGNORE NULLS) OVER after AS next_us,
			first_value(CASE WHEN off <> 0 THEN off END IGNORE NULLS) OVER after AS next_off
		FROM mst
		WINDOW before AS (PARTITION BY person_id ORDER BY us, off ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
			after AS (PARTITION BY person_id ORDER BY us, off ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
	), contradicted AS (
		SELECT person_id, us // 86400000000 AS utc_day,
			CASE WHEN us - prev_us <= next_us - us THEN prev_off ELSE next_off END AS o
		FROM nb
		WHERE off = 0 AND us - prev_us <= %[1]d AND next_us - us <= %[1]d
			AND abs(prev_off - next_off) <= 3600 AND sign(prev_off) = sign(next_off)
	), kept AS (
		SELECT c.person_id, c.utc_day, c.o FROM contradicted c
		WHERE abs(c.o) <> 3600 OR EXISTS (SELECT 1 FROM mst
			WHERE mst.person_id = c.person_id AND mst.us // 86400000000 = c.utc_day AND mst.off = c.o)
	), day_offset AS (
		SELECT person_id, utc_day, o FROM (
			SELECT person_id, utc_day, o, row_number() OVER (PARTITION BY person_id, utc_day ORDER BY count(*) DESC, o) AS rank
			FROM kept GROUP BY person_id, utc_day, o)
		WHERE rank = 1
	), utc_stamps AS (
		SELECT person_id, us // 86400000000 AS utc_day, count(*) AS stamps FROM mst WHERE off = 0 GROUP BY ALL
	)
	SELECT d.person_id, CAST(d.utc_day AS INTEGER), d.o, CAST(u.stamps AS INTEGER)
	FROM day_offset d JOIN utc_stamps u USING (person_id, utc_day)`, int64(mixedClockDays)*86400000000)

func appendRows(conn *sql.Conn, table string, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("appender for %s: %w", table, err)
		}
		for _, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				a.Close()
				return fmt.Errorf("append to %s: %w", table, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("flush appender of %s: %w", table, err)
		}
		return nil
	})
}

// MaterializePersonDays rebuilds person_days from all stored events and the
// current people snapshot.
func (db *DB) MaterializePersonDays(ctx context.Context) error {
	if err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_days`); err != nil {
			return fmt.Errorf("clear person_days: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_days `+personDaysSQL, lateNightEnd()); err != nil {
			return fmt.Errorf("insert person_days: %w", err)
		}
		return nil
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
		FROM (`+localEventsSQL+`) ORDER BY person_id, local_ts`, lateNightEnd())
	if err != nil {
		return nil, fmt.Errorf("local events: %w", err)
	}
	defer rows.Close()
	var out []LocalEvent
	for rows.Next() {
		var e LocalEvent
		if err := rows.Scan(&e.PersonID, &e.Source, &e.Local, &e.WorkingDay, &e.AfterHours, &e.LateNight); err != nil {
			return nil, fmt.Errorf("local events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("local events: %w", err)
	}
	return out, nil
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read person_days: %w", err)
	}
	return out, nil
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("window totals: %w", err)
	}
	return out, nil
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
			return nil, fmt.Errorf("read people: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	return out, nil
}
