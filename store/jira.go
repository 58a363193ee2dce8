package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Fields whose history JiraInterval records.
const (
	JiraFieldStatus   = "status"
	JiraFieldAssignee = "assignee"
)

// Jira's status category keys.
const (
	JiraCategoryToDo       = "new"
	JiraCategoryInProgress = "indeterminate"
	JiraCategoryDone       = "done"
)

// JiraTicket is one ticket as the Jira collector saw it: its facts and the
// history of its status and assignee, never its text.
type JiraTicket struct {
	ID             string // Jira's issue id, stable when the ticket moves and its key changes
	Key            string
	Project        string
	Type           string
	Priority       string // "" when none
	Status         string
	StatusCategory string // JiraCategoryToDo, JiraCategoryInProgress, JiraCategoryDone; "" when unknown
	Assignee       string // identity ("jira:..."), "" while unassigned
	Reporter       string // identity, "" when none
	Created        time.Time
	Updated        time.Time
	Resolved       time.Time // zero while unresolved
	StoryPoints    float64   // meaningful only when HasStoryPoints
	HasStoryPoints bool
	// Intervals is the status and assignee history, oldest first per field.
	Intervals []JiraInterval
	// Gone is when reconciliation found the ticket deleted or out of the
	// JQL; zero while present. Read only: WriteJiraTickets clears it.
	Gone time.Time
}

// JiraInterval says a ticket's field had Value from From until To.
type JiraInterval struct {
	Field    string // JiraFieldStatus or JiraFieldAssignee
	Value    string // status name, or assignee identity ("" while unassigned)
	Category string // status category, for status intervals
	From     time.Time
	To       time.Time // zero: still so
}

// JiraUser is the time zone Jira has for one identity.
type JiraUser struct {
	Identity string
	TimeZone string
}

// JiraPage is what the Jira collector writes in one transaction: one page
// of tickets, complete with their history, the events of their authors, the
// users it saw, and the cursor that page brings up to date.
type JiraPage struct {
	Tickets []JiraTicket
	Events  []Event
	Users   []JiraUser
	Cursor  *Cursor // nil leaves the cursors alone
	// Scope is the source's cursor scope, under which Skipped is kept and
	// from which the tickets stored here are struck off.
	Scope string
	// Skipped are tickets this page could not store, to be read again.
	Skipped []JiraSkip
	// SyncedAt is when the page was read; zero means now.
	SyncedAt time.Time
}

const upsertJiraTicketsQuery = `INSERT INTO jira_tickets
	SELECT issue_id, issue_key, project, issue_type, priority, status, status_category, assignee, reporter,
		created, updated, resolved, story_points, NULL, synced_at FROM appended_data
	ON CONFLICT (issue_id) DO UPDATE SET
		issue_key = excluded.issue_key, project = excluded.project, issue_type = excluded.issue_type,
		priority = excluded.priority, status = excluded.status, status_category = excluded.status_category,
		assignee = excluded.assignee, reporter = excluded.reporter, created = excluded.created,
		updated = excluded.updated, resolved = excluded.resolved, story_points = excluded.story_points,
		gone_at = NULL, synced_at = excluded.synced_at`

var jiraTicketColumns = []string{"issue_id", "issue_key", "project", "issue_type", "priority", "status",
	"status_category", "assignee", "reporter", "created", "updated", "resolved", "story_points", "synced_at"}

const upsertJiraUsersQuery = `INSERT INTO jira_users SELECT identity, time_zone, seen_at FROM appended_data
	ON CONFLICT (identity) DO UPDATE SET time_zone = excluded.time_zone, seen_at = excluded.seen_at`

func typeInfos(types ...duckdb.Type) ([]duckdb.TypeInfo, error) {
	infos := make([]duckdb.TypeInfo, len(types))
	for i, t := range types {
		info, err := duckdb.NewTypeInfo(t)
		if err != nil {
			return nil, fmt.Errorf("appender column %d: %w", i+1, err)
		}
		infos[i] = info
	}
	return infos, nil
}

func (t JiraTicket) validate() error {
	if t.ID == "" || t.Key == "" {
		return fmt.Errorf("jira ticket %q/%q: id and key are required", t.ID, t.Key)
	}
	if t.Created.IsZero() || t.Updated.IsZero() {
		return fmt.Errorf("jira ticket %s: created and updated are required", t.Key)
	}
	for _, iv := range t.Intervals {
		if iv.Field != JiraFieldStatus && iv.Field != JiraFieldAssignee {
			return fmt.Errorf("jira ticket %s: unknown interval field %q", t.Key, iv.Field)
		}
		if iv.From.IsZero() || (!iv.To.IsZero() && iv.To.Before(iv.From)) {
			return fmt.Errorf("jira ticket %s: %s interval %v–%v is not a valid span", t.Key, iv.Field, iv.From, iv.To)
		}
	}
	return nil
}

// WriteJiraTickets stores one page in one transaction: the tickets (a
// ticket seen again replaces what was stored, its history included, and is
// no longer gone), the events (idempotent, as in Write), the users' time
// zones and the cursor. Either all of it is stored or none. It returns how
// many events were new.
func (db *DB) WriteJiraTickets(ctx context.Context, p JiraPage) (inserted int, err error) {
	// The same ticket twice in one page (a pager that overlaps) keeps the
	// last copy: one statement may not update a row twice.
	tickets := make([]JiraTicket, 0, len(p.Tickets))
	index := map[string]int{}
	for _, t := range p.Tickets {
		if err := t.validate(); err != nil {
			return 0, fmt.Errorf("write jira tickets: %w", err)
		}
		if i, ok := index[t.ID]; ok {
			tickets[i] = t
			continue
		}
		index[t.ID] = len(tickets)
		tickets = append(tickets, t)
	}
	synced := p.SyncedAt
	if synced.IsZero() {
		synced = time.Now()
	}
	synced = synced.UTC()

	err = db.inConnTx(ctx, func(conn *sql.Conn) error {
		forgotten, err := someoneForgotten(ctx, conn)
		if err != nil {
			return err
		}
		if len(tickets) > 0 {
			if err := upsertJiraTickets(conn, tickets, synced); err != nil {
				return fmt.Errorf("tickets: %w", err)
			}
			if err := replaceJiraIntervals(ctx, conn, tickets); err != nil {
				return fmt.Errorf("ticket history: %w", err)
			}
		}
		if inserted, err = writeEvents(ctx, conn, p.Events, forgotten); err != nil {
			return err
		}
		if len(p.Users) > 0 {
			if err := upsertJiraUsers(conn, p.Users, synced); err != nil {
				return fmt.Errorf("users: %w", err)
			}
		}
		if err := keepJiraSkipped(ctx, conn, p.Scope, tickets, p.Skipped, synced); err != nil {
			return fmt.Errorf("skipped tickets: %w", err)
		}
		if forgotten {
			if err := blankForgotten(ctx, conn); err != nil {
				return err
			}
		}
		if p.Cursor != nil {
			return setCursor(ctx, conn, *p.Cursor)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("write jira tickets: %w", err)
	}
	return inserted, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func upsertJiraTickets(conn *sql.Conn, tickets []JiraTicket, synced time.Time) error {
	types, err := typeInfos(duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR,
		duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR,
		duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_DOUBLE, duckdb.TYPE_TIMESTAMP)
	if err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn), upsertJiraTicketsQuery, "", types, jiraTicketColumns)
		if err != nil {
			return fmt.Errorf("prepare the upsert into jira_tickets: %w", err)
		}
		for _, t := range tickets {
			var points any
			if t.HasStoryPoints {
				points = t.StoryPoints
			}
			if err := a.AppendRow(t.ID, t.Key, t.Project, t.Type, t.Priority, t.Status, t.StatusCategory,
				nullString(t.Assignee), nullString(t.Reporter), t.Created.UTC(), t.Updated.UTC(), nullTime(t.Resolved),
				points, synced); err != nil {
				a.Close()
				return fmt.Errorf("ticket %s: %w", t.Key, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("upsert into jira_tickets: %w", err)
		}
		return nil
	})
}

func replaceJiraIntervals(ctx context.Context, conn *sql.Conn, tickets []JiraTicket) error {
	ids := make([]any, len(tickets))
	for i, t := range tickets {
		ids[i] = t.ID
	}
	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	if _, err := conn.ExecContext(ctx, `DELETE FROM jira_ticket_intervals WHERE issue_id IN (`+placeholders+`)`, ids...); err != nil {
		return fmt.Errorf("delete from jira_ticket_intervals: %w", err)
	}
	var rows [][]driver.Value
	for _, t := range tickets {
		for _, iv := range t.Intervals {
			rows = append(rows, []driver.Value{t.ID, iv.Field, nullString(iv.Value), nullString(iv.Category),
				iv.From.UTC(), nullTime(iv.To)})
		}
	}
	if err := appendRows(conn, "jira_ticket_intervals", rows); err != nil {
		return fmt.Errorf("append to jira_ticket_intervals: %w", err)
	}
	return nil
}

func upsertJiraUsers(conn *sql.Conn, users []JiraUser, seen time.Time) error {
	byIdentity := map[string]string{}
	var order []string
	for _, u := range users {
		if u.Identity == "" || u.TimeZone == "" {
			continue
		}
		if _, ok := byIdentity[u.Identity]; !ok {
			order = append(order, u.Identity)
		}
		byIdentity[u.Identity] = u.TimeZone
	}
	if len(order) == 0 {
		return nil
	}
	types, err := typeInfos(duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, duckdb.TYPE_TIMESTAMP)
	if err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn), upsertJiraUsersQuery, "", types,
			[]string{"identity", "time_zone", "seen_at"})
		if err != nil {
			return fmt.Errorf("prepare the upsert into jira_users: %w", err)
		}
		for _, id := range order {
			if err := a.AppendRow(id, byIdentity[id], seen); err != nil {
				a.Close()
				return fmt.Errorf("user %q: %w", id, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("upsert into jira_users: %w", err)
		}
		return nil
	})
}

// ReconcileJiraTickets compares the stored tickets with present, the ids of
// every ticket the JQL returns now (a complete listing): stored tickets
// missing from it are marked gone at `at` and leave the ticket load from
// then on; gone tickets that are present again come back.
func (db *DB) ReconcileJiraTickets(ctx context.Context, present []string, at time.Time) (gone, back int, err error) {
	err = db.inConnTx(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE jira_present (issue_id VARCHAR)`); err != nil {
			return fmt.Errorf("create jira_present: %w", err)
		}
		rows := make([][]driver.Value, len(present))
		for i, id := range present {
			rows[i] = []driver.Value{id}
		}
		if err := appendRows(conn, "jira_present", rows); err != nil {
			return fmt.Errorf("append to jira_present: %w", err)
		}
		res, err := conn.ExecContext(ctx, `UPDATE jira_tickets SET gone_at = ?
			WHERE gone_at IS NULL AND issue_id NOT IN (SELECT issue_id FROM jira_present)`, at.UTC())
		if err != nil {
			return fmt.Errorf("mark the tickets gone in jira_tickets: %w", err)
		}
		n, _ := res.RowsAffected()
		gone = int(n)
		res, err = conn.ExecContext(ctx, `UPDATE jira_tickets SET gone_at = NULL
			WHERE gone_at IS NOT NULL AND issue_id IN (SELECT issue_id FROM jira_present)`)
		if err != nil {
			return fmt.Errorf("bring back the tickets present again in jira_tickets: %w", err)
		}
		n, _ = res.RowsAffected()
		back = int(n)
		if _, err := conn.ExecContext(ctx, `DROP TABLE jira_present`); err != nil {
			return fmt.Errorf("drop jira_present: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("reconcile jira tickets: %w", err)
	}
	return gone, back, nil
}

// JiraOldestUpdated is the oldest `updated` among stored tickets, gone or
// not; ok is false when none is stored. A listing of the JQL from there on
// covers every stored ticket, since `updated` only grows.
func (db *DB) JiraOldestUpdated(ctx context.Context) (oldest time.Time, ok bool, err error) {
	var t sql.NullTime
	if err := db.sql.QueryRowContext(ctx, `SELECT min(updated) FROM jira_tickets`).Scan(&t); err != nil {
		return oldest, false, fmt.Errorf("oldest jira ticket: %w", err)
	}
	return t.Time.UTC(), t.Valid, nil
}

// ticketLoadSQL counts, per person, the tickets assigned to them at an
// instant whose status category then passes the filter. A ticket counts
// from its creation until it is gone.
const ticketLoadSQL = `
WITH p AS (SELECT CAST(? AS TIMESTAMP) AS at)
SELECT pi.person_id, count(DISTINCT t.issue_id)
FROM p, jira_tickets t
JOIN jira_ticket_intervals a ON a.issue_id = t.issue_id AND a.field = 'assignee'
JOIN jira_ticket_intervals s ON s.issue_id = t.issue_id AND s.field = 'status'
JOIN person_identities pi ON pi.identity = a.value
WHERE t.created <= p.at AND (t.gone_at IS NULL OR t.gone_at > p.at)
  AND a.valid_from <= p.at AND (a.valid_to IS NULL OR a.valid_to > p.at)
  AND s.valid_from <= p.at AND (s.valid_to IS NULL OR s.valid_to > p.at)
  AND %s
GROUP BY pi.person_id`

func (db *DB) ticketLoad(ctx context.Context, what, filter string, at time.Time) (map[string]int, error) {
	return db.countsByPerson(ctx, what, fmt.Sprintf(ticketLoadSQL, filter), at.UTC())
}

// OpenTicketsAt counts, per person id (through person_identities), the
// tickets assigned to them at instant `at` whose status was not done then.
// People with none are absent from the map.
func (db *DB) OpenTicketsAt(ctx context.Context, at time.Time) (map[string]int, error) {
	return db.ticketLoad(ctx, "open tickets", `coalesce(s.category, '') <> 'done'`, at)
}

// InProgressTicketsAt counts, per person id, the tickets assigned to them
// at instant `at` whose status was in progress (category indeterminate).
func (db *DB) InProgressTicketsAt(ctx context.Context, at time.Time) (map[string]int, error) {
	return db.ticketLoad(ctx, "in-progress tickets", `s.category = 'indeterminate'`, at)
}

// TicketsAssignedBetween counts, per person id, the times a ticket was
// assigned to them (at creation or later) in [from, to).
func (db *DB) TicketsAssignedBetween(ctx context.Context, from, to time.Time) (map[string]int, error) {
	return db.countsByPerson(ctx, "tickets assigned", `SELECT pi.person_id, count(*)
		FROM jira_ticket_intervals a
		JOIN jira_tickets t ON t.issue_id = a.issue_id
		JOIN person_identities pi ON pi.identity = a.value
		WHERE a.field = 'assignee' AND a.valid_from >= ? AND a.valid_from < ?
		  AND (t.gone_at IS NULL OR t.gone_at > a.valid_from)
		GROUP BY pi.person_id`, from.UTC(), to.UTC())
}

// JiraTimeZones maps each Jira identity to the time zone Jira has for it.
func (db *DB) JiraTimeZones(ctx context.Context) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT identity, time_zone FROM jira_users WHERE time_zone <> ''`)
	if err != nil {
		return nil, fmt.Errorf("jira time zones: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, zone string
		if err := rows.Scan(&id, &zone); err != nil {
			return nil, fmt.Errorf("jira time zones: %w", err)
		}
		out[id] = zone
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jira time zones: %w", err)
	}
	return out, nil
}

// JiraTickets lists the stored tickets, gone ones included, by key, each
// with its history.
func (db *DB) JiraTickets(ctx context.Context) ([]JiraTicket, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT issue_id, issue_key, project, issue_type, priority, status,
			status_category, coalesce(assignee, ''), coalesce(reporter, ''), created, updated, resolved,
			story_points, gone_at
		FROM jira_tickets ORDER BY issue_key, issue_id`)
	if err != nil {
		return nil, fmt.Errorf("list jira tickets: %w", err)
	}
	var out []JiraTicket
	index := map[string]int{}
	for rows.Next() {
		var t JiraTicket
		var resolved, gone sql.NullTime
		var points sql.NullFloat64
		if err := rows.Scan(&t.ID, &t.Key, &t.Project, &t.Type, &t.Priority, &t.Status, &t.StatusCategory,
			&t.Assignee, &t.Reporter, &t.Created, &t.Updated, &resolved, &points, &gone); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list jira tickets: %w", err)
		}
		t.Created, t.Updated = t.Created.UTC(), t.Updated.UTC()
		if resolved.Valid {
			t.Resolved = resolved.Time.UTC()
		}
		if gone.Valid {
			t.Gone = gone.Time.UTC()
		}
		t.StoryPoints, t.HasStoryPoints = points.Float64, points.Valid
		index[t.ID] = len(out)
		out = append(out, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list jira tickets: %w", err)
	}
	ivs, err := db.sql.QueryContext(ctx, `SELECT issue_id, field, coalesce(value, ''), coalesce(category, ''),
			valid_from, valid_to
		FROM jira_ticket_intervals ORDER BY issue_id, field, valid_from, valid_to NULLS LAST`)
	if err != nil {
		return nil, fmt.Errorf("list jira ticket history: %w", err)
	}
	defer ivs.Close()
	for ivs.Next() {
		var id string
		var iv JiraInterval
		var to sql.NullTime
		if err := ivs.Scan(&id, &iv.Field, &iv.Value, &iv.Category, &iv.From, &to); err != nil {
			return nil, fmt.Errorf("list jira ticket history: %w", err)
		}
		iv.From = iv.From.UTC()
		if to.Valid {
			iv.To = to.Time.UTC()
		}
		if i, ok := index[id]; ok {
			out[i].Intervals = append(out[i].Intervals, iv)
		}
	}
	if err := ivs.Err(); err != nil {
		return nil, fmt.Errorf("list jira ticket history: %w", err)
	}
	return out, nil
}

// JiraSkip is a ticket a run could not store, and why.
type JiraSkip struct {
	Key    string
	Reason string
}

// keepJiraSkipped strikes the stored tickets off the scope's skipped list
// and puts the newly skipped on it.
func keepJiraSkipped(ctx context.Context, conn *sql.Conn, scope string, stored []JiraTicket, skipped []JiraSkip, at time.Time) error {
	if scope == "" {
		return nil
	}
	var listed int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM jira_skipped WHERE scope = ?`, scope).Scan(&listed); err != nil {
		return fmt.Errorf("read jira_skipped: %w", err)
	}
	if listed > 0 && len(stored) > 0 {
		keys := make([]string, len(stored))
		for i, t := range stored {
			keys[i] = sqlString(t.Key)
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM jira_skipped WHERE scope = ? AND issue_key IN (`+strings.Join(keys, ", ")+`)`, scope); err != nil {
			return fmt.Errorf("strike the stored tickets off jira_skipped: %w", err)
		}
	}
	for _, k := range skipped {
		if _, err := conn.ExecContext(ctx, `INSERT INTO jira_skipped VALUES (?, ?, ?, ?)
			ON CONFLICT (scope, issue_key) DO UPDATE SET reason = excluded.reason, skipped_at = excluded.skipped_at`,
			scope, k.Key, k.Reason, at); err != nil {
			return fmt.Errorf("skipped ticket %s: %w", k.Key, err)
		}
	}
	return nil
}

// JiraSkipped lists the keys of the scope's skipped tickets, oldest first.
func (db *DB) JiraSkipped(ctx context.Context, scope string) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT issue_key FROM jira_skipped WHERE scope = ? ORDER BY skipped_at, issue_key`, scope)
	if err != nil {
		return nil, fmt.Errorf("skipped jira tickets: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("skipped jira tickets: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("skipped jira tickets: %w", err)
	}
	return keys, nil
}

// DropJiraSkipped strikes a ticket off the scope's skipped list without
// storing it: Jira no longer has it.
func (db *DB) DropJiraSkipped(ctx context.Context, scope, key string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM jira_skipped WHERE scope = ? AND issue_key = ?`, scope, key); err != nil {
		return fmt.Errorf("skipped jira ticket %s: %w", key, err)
	}
	return nil
}
