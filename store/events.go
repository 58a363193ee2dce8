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

// Event is one normalized activity record from a source.
type Event struct {
	Source   string // git, github, jira
	Kind     string // commit, pr_opened, review, ...
	ID       string // unique within Source and Kind
	Identity string // who, as the source names them: "email:a@x.com", "github:alice", "jira:5b10..."
	Name     string // the display name the identity carried, for `overtime people`; may be ""
	At       time.Time
	// Offset is the UTC offset, in seconds, that the source recorded with
	// the event (git author dates); meaningful only when HasOffset.
	Offset    int
	HasOffset bool
	Scope     string // repository or project
	Size      int64  // meaningful only when HasSize
	HasSize   bool
	// NotCounted marks an event stored for completeness but not counted as
	// its author's work (a commit made by GitHub's web-flow on a click).
	NotCounted bool
}

// IdentityKey builds the identity string of an event: kind ("email",
// "github", "jira") and the source's value for it.
func IdentityKey(kind, value string) string { return kind + ":" + value }

// insertEventsQuery stores the appended events of one source that are not
// stored yet (same source, kind and id) and, when anyone was forgotten,
// whose identity was not erased (see someoneForgotten).
// The events table has no key (migration 007): this anti-join is what keeps
// each event once, and the single writer (the writer lock) keeps it
// race-free. It looks by id alone: a GitHub or Jira event keeps its id when
// its time is edited (a Jira worklog's start). The source is written into
// the text as a constant, which DuckDB prunes row groups by.
func insertEventsQuery(source string, forgotten bool) string {
	q := `INSERT INTO events
	SELECT a.source, a.kind, a.id, a.identity, a.occurred_at, a.utc_offset, a.scope, a.size, a.counted
	FROM appended_data a
	ANTI JOIN (SELECT kind, id FROM events WHERE source = ` + sqlString(source) + `) e ON e.kind = a.kind AND e.id = a.id`
	if forgotten {
		q += `
	WHERE NOT is_forgotten(a.identity)`
	}
	return q
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlTimestamp(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

var eventColumns = []string{"source", "kind", "id", "identity", "occurred_at", "utc_offset", "scope", "size", "counted"}

func eventColumnTypes() ([]duckdb.TypeInfo, error) {
	return typeInfos(duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR,
		duckdb.TYPE_TIMESTAMP, duckdb.TYPE_INTEGER, duckdb.TYPE_VARCHAR, duckdb.TYPE_BIGINT, duckdb.TYPE_BOOLEAN)
}

// Batch is what a collector writes in one transaction: events, and
// optionally the cursors that those events bring up to date.
type Batch struct {
	Events  []Event
	Cursors []Cursor
}

// Write stores a batch in one transaction. Events already stored (same
// source, kind and id) are left as they are, so re-running a collector never
// duplicates anything. It returns how many events were new.
func (db *DB) Write(ctx context.Context, b Batch) (inserted int, err error) {
	err = db.inConnTx(ctx, func(conn *sql.Conn) error {
		if len(b.Events) > 0 {
			forgotten, err := someoneForgotten(ctx, conn)
			if err != nil {
				return err
			}
			if inserted, err = writeEvents(ctx, conn, b.Events, forgotten); err != nil {
				return err
			}
		}
		for _, c := range b.Cursors {
			if err := setCursor(ctx, conn, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("write events: %w", err)
	}
	return inserted, nil
}

// appendEvents stores the events not stored yet, one query per run of
// events of one source (a page holds one source; a batch that mixes them
// costs a query per run, and each sees what the runs before it stored).
func appendEvents(ctx context.Context, conn *sql.Conn, events []Event, forgotten bool) error {
	for i := 0; i < len(events); {
		j := i + 1
		for j < len(events) && events[j].Source == events[i].Source {
			j++
		}
		if err := appendSourceEvents(conn, events[i].Source, events[i:j], forgotten); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func appendSourceEvents(conn *sql.Conn, source string, events []Event, forgotten bool) error {
	types, err := eventColumnTypes()
	if err != nil {
		return fmt.Errorf("source %s: %w", source, err)
	}
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn), insertEventsQuery(source, forgotten), "", types, eventColumns)
		if err != nil {
			return fmt.Errorf("open an appender: %w", err)
		}
		for _, e := range events {
			var offset, size any
			if e.HasOffset {
				offset = int32(e.Offset)
			}
			if e.HasSize {
				size = e.Size
			}
			if err := a.AppendRow(e.Source, e.Kind, e.ID, e.Identity, e.At.UTC(), offset, e.Scope, size, !e.NotCounted); err != nil {
				a.Close()
				return fmt.Errorf("event %s/%s/%s: %w", e.Source, e.Kind, e.ID, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("insert into events: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("source %s: %w", source, err)
	}
	return nil
}

// upsertIdentities records the identities events show; forgotten says
// whether to leave out those of forgotten people (see someoneForgotten).
func upsertIdentities(ctx context.Context, conn *sql.Conn, events []Event, forgotten bool) error {
	type seen struct {
		name        string
		first, last time.Time
	}
	byIdentity := map[string]*seen{}
	var order []string
	for _, e := range events {
		s, ok := byIdentity[e.Identity]
		if !ok {
			s = &seen{name: e.Name, first: e.At, last: e.At}
			byIdentity[e.Identity] = s
			order = append(order, e.Identity)
		}
		if e.At.Before(s.first) {
			s.first = e.At
		}
		if e.At.After(s.last) {
			s.last = e.At
			if e.Name != "" {
				s.name = e.Name // the most recent name wins
			}
		}
		if s.name == "" {
			s.name = e.Name
		}
	}
	// One statement per batch: a prepared upsert per identity costs
	// milliseconds each, which dominated the whole collection.
	return conn.Raw(func(dc any) error {
		types, err := identityColumnTypes()
		if err != nil {
			return err
		}
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn), upsertIdentitiesQuery(forgotten), "", types, identityColumns)
		if err != nil {
			return fmt.Errorf("open an appender: %w", err)
		}
		for _, id := range order {
			s := byIdentity[id]
			if err := a.AppendRow(id, s.name, s.first.UTC(), s.last.UTC()); err != nil {
				a.Close()
				return fmt.Errorf("identity %q: %w", id, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("upsert into identities: %w", err)
		}
		return nil
	})
}

func upsertIdentitiesQuery(forgotten bool) string {
	where := ""
	if forgotten {
		where = `
	WHERE NOT is_forgotten(appended_data.identity)`
	}
	return `INSERT INTO identities
	SELECT identity, display_name, first_seen, last_seen FROM appended_data` + where + `
	ON CONFLICT (identity) DO UPDATE SET
		display_name = CASE WHEN excluded.last_seen >= identities.last_seen AND excluded.display_name <> ''
			THEN excluded.display_name ELSE identities.display_name END,
		first_seen = least(identities.first_seen, excluded.first_seen),
		last_seen = greatest(identities.last_seen, excluded.last_seen)`
}

var identityColumns = []string{"identity", "display_name", "first_seen", "last_seen"}

func identityColumnTypes() ([]duckdb.TypeInfo, error) {
	return typeInfos(duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP)
}

// Identity is one identity a source has shown.
type Identity struct {
	Identity    string
	DisplayName string
	FirstSeen   time.Time
	LastSeen    time.Time
	Events      int // counted events stored for it
}

// Identities lists every identity seen, with its counted events.
func (db *DB) Identities(ctx context.Context) ([]Identity, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT i.identity, i.display_name, i.first_seen, i.last_seen, coalesce(c.n, 0)
		FROM identities i
		LEFT JOIN (SELECT identity, count(*) AS n FROM events WHERE counted GROUP BY identity) c USING (identity)
		ORDER BY i.identity`)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var i Identity
		if err := rows.Scan(&i.Identity, &i.DisplayName, &i.FirstSeen, &i.LastSeen, &i.Events); err != nil {
			return nil, fmt.Errorf("list identities: %w", err)
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return out, nil
}

// EventCount counts stored events, all of them or those of one source.
func (db *DB) EventCount(ctx context.Context, source string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE ? = '' OR source = ?`, source, source).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// Events lists the stored events of a source (all sources when ""), by
// time: for checks and tests, not for the analysis, which stays in SQL.
func (db *DB) Events(ctx context.Context, source string) ([]Event, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT source, kind, id, identity, occurred_at, utc_offset, scope, size, counted
		FROM events WHERE ? = '' OR source = ? ORDER BY occurred_at, source, kind, id`, source, source)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var offset, size sql.NullInt64
		var counted bool
		if err := rows.Scan(&e.Source, &e.Kind, &e.ID, &e.Identity, &e.At, &offset, &e.Scope, &size, &counted); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		e.Offset, e.HasOffset = int(offset.Int64), offset.Valid
		e.Size, e.HasSize = size.Int64, size.Valid
		e.NotCounted = !counted
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}
