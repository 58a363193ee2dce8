package store

import (
	"context"
	"database/sql"
	"fmt"
)

// inConnTx runs fn inside one transaction on one connection: DuckDB's
// Appender needs the raw connection, so database/sql's Tx will not do. The
// transaction is rolled back when fn fails and committed otherwise.
func (db *DB) inConnTx(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	if err := fn(conn); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeEvents appends events and their identities on conn (inside the
// caller's transaction) and returns how many events were new.
func writeEvents(ctx context.Context, conn *sql.Conn, events []Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	var before, after int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&before); err != nil {
		return 0, err
	}
	if err := appendEvents(ctx, conn, events); err != nil {
		return 0, fmt.Errorf("events: %w", err)
	}
	if err := upsertIdentities(ctx, conn, events); err != nil {
		return 0, fmt.Errorf("identities: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&after); err != nil {
		return 0, err
	}
	return after - before, nil
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
	return out, rows.Err()
}
