package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Forget erases a person: every event of their identities, the identities
// themselves, and their name in pull requests and tickets (the rows stay,
// so other people's figures do not change, but no longer point to them).
// The derived tables are cleared of the person too; the next analysis
// rebuilds them from what is left. It returns how many events were erased.
func (db *DB) Forget(ctx context.Context, personID string, identities []string) (int, error) {
	erased := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range identities {
			res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE identity = ?`, id)
			if err != nil {
				return fmt.Errorf("erase events: %w", err)
			}
			n, _ := res.RowsAffected()
			erased += int(n)
			for _, q := range []string{
				`DELETE FROM identities WHERE identity = ?`,
				`DELETE FROM identity_links WHERE email_identity = $1 OR login_identity = $1`,
				`UPDATE pull_requests SET author = '' WHERE author = ?`,
				`UPDATE pull_requests SET merged_by = NULL WHERE merged_by = ?`,
				`UPDATE jira_tickets SET assignee = NULL WHERE assignee = ?`,
				`UPDATE jira_tickets SET reporter = NULL WHERE reporter = ?`,
				`UPDATE jira_ticket_intervals SET value = NULL WHERE field = 'assignee' AND value = ?`,
				`DELETE FROM jira_users WHERE identity = ?`,
				`DELETE FROM person_identities WHERE identity = ?`,
				`INSERT INTO forgotten_identities VALUES (forgotten_digest($1), now()) ON CONFLICT DO NOTHING`,
			} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("erase identity: %w", err)
				}
			}
		}
		for _, q := range derivedPersonTables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+q+` WHERE person_id = ?`, personID); err != nil {
				return fmt.Errorf("erase %s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("forget %s: %w", personID, err)
	}
	if err := db.Compact(ctx); err != nil {
		return erased, fmt.Errorf("forget %s: the rows are deleted, but their bytes are still in the file: %w", personID, err)
	}
	return erased, nil
}

// someoneForgotten tells whether anyone was ever forgotten. Until then the
// writes of a transaction leave is_forgotten out of their statements (it
// has nothing to find, and planning it cost each statement a millisecond
// or more) and blankForgotten has nothing to blank. A transaction asks
// once: under the writer lock no one is forgotten while it runs.
func someoneForgotten(ctx context.Context, conn *sql.Conn) (bool, error) {
	var forgotten bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM forgotten_identities)`).Scan(&forgotten); err != nil {
		return false, fmt.Errorf("read forgotten_identities: %w", err)
	}
	return forgotten, nil
}

// blankForgotten blanks forgotten people in the rows that collectors
// rewrite from their sources (a pull request or ticket updated after the
// erasure brings its author back), inside the transaction that rewrote
// them, so no reader ever sees them back. Events and identities of
// forgotten people are never written in the first place (see writeEvents).
// Callers run it only when someoneForgotten.
func blankForgotten(ctx context.Context, conn *sql.Conn) error {
	for _, q := range []string{
		`DELETE FROM identity_links WHERE is_forgotten(email_identity) OR is_forgotten(login_identity)`,
		`UPDATE pull_requests SET author = '' WHERE is_forgotten(author)`,
		`UPDATE pull_requests SET merged_by = NULL WHERE is_forgotten(merged_by)`,
		`UPDATE jira_tickets SET assignee = NULL WHERE is_forgotten(assignee)`,
		`UPDATE jira_tickets SET reporter = NULL WHERE is_forgotten(reporter)`,
		`UPDATE jira_ticket_intervals SET value = NULL WHERE field = 'assignee' AND is_forgotten(value)`,
		`DELETE FROM jira_users WHERE is_forgotten(identity)`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("blank forgotten people: %w", err)
		}
	}
	return nil
}

// derivedPersonTables are the analysis tables keyed by person_id.
var derivedPersonTables = []string{"people", "person_rules", "person_holidays", "person_days", "person_weeks", "person_clock_days"}

// ApplyRetention deletes what is older than cutoff: events, pull requests
// and tickets closed before it (open ones still weigh on someone today),
// and identities with no events left that were last seen before it. When
// it deleted anything it rewrites the file (Compact), so that what it
// deleted is gone from the disk too.
func (db *DB) ApplyRetention(ctx context.Context, cutoff time.Time) (int, error) {
	cutoff = cutoff.UTC()
	erased, deleted := 0, 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE occurred_at < ?`, cutoff)
		if err != nil {
			return fmt.Errorf("delete from events: %w", err)
		}
		n, _ := res.RowsAffected()
		erased = int(n)
		deleted = erased
		for _, q := range []string{
			`DELETE FROM pull_requests WHERE closed_at < ?`,
			`DELETE FROM jira_ticket_intervals WHERE issue_id IN (
				SELECT issue_id FROM jira_tickets WHERE resolved < $1 OR gone_at < $1)`,
			`DELETE FROM jira_tickets WHERE resolved < $1 OR gone_at < $1`,
			`DELETE FROM identities WHERE last_seen < ?
				AND identity NOT IN (SELECT DISTINCT identity FROM events)`,
			`DELETE FROM person_days WHERE day < CAST(? AS DATE)`,
			`DELETE FROM person_weeks WHERE week_start < CAST(? AS DATE)`,
		} {
			res, err := tx.ExecContext(ctx, q, cutoff)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			n, _ := res.RowsAffected()
			deleted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("apply retention: %w", err)
	}
	if deleted > 0 {
		if err := db.Compact(ctx); err != nil {
			return erased, fmt.Errorf("apply retention: the rows are deleted, but their bytes are still in the file: %w", err)
		}
	}
	return erased, nil
}
