package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// inConnTx runs fn inside one transaction on one connection: DuckDB's
// Appender needs the raw connection, so database/sql's Tx will not do. The
// transaction is rolled back when fn fails and committed otherwise.
func (db *DB) inConnTx(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take a connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(conn); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err // fn names its step
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeEvents appends events and their identities on conn (inside the
// caller's transaction) and returns how many events were new: those not
// stored yet under the same source, kind and id, counted once even when the
// batch holds them twice. Events and identities of forgotten people are
// left out; forgotten is someoneForgotten's answer in this transaction.
func writeEvents(ctx context.Context, conn *sql.Conn, events []Event, forgotten bool) (int, error) {
	events = distinctEvents(events)
	if len(events) == 0 {
		return 0, nil
	}
	var before, after int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&before); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	if err := appendEvents(ctx, conn, events, forgotten); err != nil {
		return 0, fmt.Errorf("events: %w", err)
	}
	if err := upsertIdentities(ctx, conn, events, forgotten); err != nil {
		return 0, fmt.Errorf("identities: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&after); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return after - before, nil
}

// distinctEvents keeps the first of the events that share source, kind and
// id. It returns events itself when they are all distinct, as they usually
// are.
func distinctEvents(events []Event) []Event {
	type key struct{ source, kind, id string }
	seen := make(map[key]struct{}, len(events))
	var out []Event
	for i, e := range events {
		k := key{e.Source, e.Kind, e.ID}
		if _, dup := seen[k]; dup {
			if out == nil {
				out = append(make([]Event, 0, len(events)), events[:i]...)
			}
			continue
		}
		seen[k] = struct{}{}
		if out != nil {
			out = append(out, e)
		}
	}
	if out == nil {
		return events
	}
	return out
}

// EventTx is one transaction in which a collector loads events in bulk
// (LoadGitLog) and moves the cursors they bring up to date: nothing of it
// is seen or kept until Commit, so a run killed halfway leaves the store as
// it was, and the next run reads the same range again.
type EventTx struct {
	conn *sql.Conn
	done bool
	// loadedAfter is the highest row id of events before the last
	// LoadGitLog: the rows it loaded come after it.
	loadedAfter int64
}

// BeginEvents opens an EventTx. The caller must Commit or Rollback it.
func (db *DB) BeginEvents(ctx context.Context) (*EventTx, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin events: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin events: %w", err)
	}
	return &EventTx{conn: conn}, nil
}

// SetCursor moves a cursor inside the transaction.
func (t *EventTx) SetCursor(ctx context.Context, c Cursor) error {
	return setCursor(ctx, t.conn, c)
}

// Commit makes everything written visible and durable at once.
func (t *EventTx) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("commit events: transaction already ended")
	}
	t.done = true
	defer t.conn.Close()
	if _, err := t.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit events: %w", err)
	}
	return nil
}

// Rollback throws away everything written; after Commit it does nothing,
// so it can be deferred.
func (t *EventTx) Rollback() {
	if t.done {
		return
	}
	t.done = true
	t.conn.ExecContext(context.Background(), "ROLLBACK")
	t.conn.Close()
}

// countsByPerson runs a query answering (person_id, count) rows and returns
// them as a map; what names the figure in errors.
func (db *DB) countsByPerson(ctx context.Context, what, query string, args ...any) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var person string
		var n int
		if err := rows.Scan(&person, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[person] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
