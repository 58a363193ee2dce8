package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// GitLogFormat is the `git log --format` whose output LoadGitLog reads: one
// line per commit, fields separated by US (0x1f), which cannot appear in
// names or emails, as git cannot put a newline in them either: the SHA, the
// author's name and email after .mailmap (%aN/%aE apply it as git does), the
// raw author date ("1700000000 +0530": the instant and the offset it was
// made in), and the committer's email. Messages and diffs are never asked for.
const GitLogFormat = "--format=%H%x1f%aN%x1f%aE%x1f%ad%x1f%cE"

// WebFlowEmail is the committer email of commits GitHub makes on a click
// (squash and rebase merges, web edits): such commits are stored with
// counted = false.
const WebFlowEmail = "noreply@github.com"

// LoadGitLog reads the output of `git log GitLogFormat`, its author emails
// lowercased by strings.ToLower, from path (a pipe: DuckDB's CSV reader
// parses it as git writes it, and the rows go straight into events, so the
// writing overlaps git) and stores each commit as a git
// commit event of scope. It returns how many rows it inserted; the caller
// then calls DropCopiesOfStoredCommits with the log's date range, and
// records the identities with NoteIdentities (events carry no names).
// Nothing is visible until the EventTx commits.
func (t *EventTx) LoadGitLog(ctx context.Context, path, scope string) (inserted int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("load git log: %w", err)
		}
	}()
	var before, after int
	if err := t.conn.QueryRowContext(ctx, `SELECT count(*), coalesce(max(rowid), -1) FROM events`).Scan(&before, &t.loadedAfter); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	// quote and escape off: a name may hold any character but the
	// separator and a newline. strict_mode: a line with more or fewer than
	// five fields is an error naming the line, never a shifted row. A date
	// that does not parse stops the load with error(), naming the commit.
	load := `INSERT INTO events
		SELECT 'git', 'commit', g.sha, ` + gitIdentitySQL + `,
			CASE WHEN g.secs IS NULL OR g.utc_offset IS NULL
				THEN error('commit ' || coalesce(g.sha, '') || ': malformed author date "' || coalesce(g.date, '') || '"')
				ELSE make_timestamp(g.secs * 1000000) END,
			g.utc_offset, ` + sqlString(scope) + `, NULL,
			lower(coalesce(g.committer, '')) <> ` + sqlString(WebFlowEmail) + `
		FROM (
			SELECT sha, name, email, committer, date,
				TRY_CAST(split_part(date, ' ', 1) AS BIGINT) AS secs,
				CASE WHEN regexp_full_match(split_part(date, ' ', 2), '[+-][0-9]{2}[0-5][0-9]')
					THEN (CASE WHEN starts_with(split_part(date, ' ', 2), '-') THEN -1 ELSE 1 END)
						* (CAST(substr(split_part(date, ' ', 2), 2, 2) AS INTEGER) * 3600
						+ CAST(substr(split_part(date, ' ', 2), 4, 2) AS INTEGER) * 60)
				END AS utc_offset
			FROM read_csv(` + sqlString(path) + `, delim = e'\x1f', quote = '', escape = '', header = false,
				auto_detect = false, strict_mode = true, null_padding = false, buffer_size = 1048576,
				columns = {'sha': 'VARCHAR', 'name': 'VARCHAR', 'email': 'VARCHAR', 'date': 'VARCHAR', 'committer': 'VARCHAR'})
		) g
		WHERE NOT is_forgotten(` + gitIdentitySQL + `)`
	if _, err := t.conn.ExecContext(ctx, load); err != nil {
		return 0, fmt.Errorf("insert into events: %w", err)
	}
	if err := t.conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&after); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return after - before, nil
}

// DropCopiesOfStoredCommits undoes, for the commits just loaded by
// LoadGitLog with author dates between first and last, those that are
// copies of a commit or of a piece of work already stored, and returns how
// many of them are really new. Two rules, each keeping the copy stored
// first (a lower row id):
//
//   - the same commit (its SHA) is stored once: from two clones, a fork, a
//     clone that moved (its cursor is keyed by path), or a ref moved back
//     onto history read before;
//   - the same piece of work is counted once: a counted commit with the
//     author and author date (to the second) of another counted commit is
//     a copy of it, rebased, cherry-picked, or GitHub's "Rebase and merge",
//     which keeps both and gives the copy a new SHA. git's own author dates
//     are to the second, so two pieces of work by one person in the same
//     second are one. A copy GitHub's web-flow committed is stored not
//     counted, as every web-flow commit is, and does not hide the counted
//     original on a pull request's head, whichever is read first.
//
// Only rows of this load are dropped, never one stored before.
// Both copies have the same author date, which a commit's SHA covers, so
// the stored copy lies in the log's own time range.
func (t *EventTx) DropCopiesOfStoredCommits(ctx context.Context, inserted int, first, last time.Time) (_ int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("load git log: drop copies of stored commits: %w", err)
		}
	}()
	if inserted == 0 {
		return 0, nil
	}
	inRange := `source = 'git' AND kind = 'commit' AND occurred_at BETWEEN ` + sqlTimestamp(first) + ` AND ` + sqlTimestamp(last)
	// When nothing else is stored in the range (DuckDB counts it from the
	// row groups' min/max: the usual case for a first read), no SHA can be
	// stored twice, since git log prints a commit once; a piece of work can
	// still be there twice (a cherry-pick within the log), which a hash per
	// counted row finds in one pass. Only when something may be a copy does
	// the exact, dearer query run (row ids of rows appended in this
	// transaction come after every committed row's).
	var stored, copies int
	if err := t.conn.QueryRowContext(ctx, `SELECT count(*),
			count(*) FILTER (counted) - count(DISTINCT hash(identity, occurred_at)) FILTER (counted)
		FROM events WHERE `+inRange).Scan(&stored, &copies); err != nil {
		return 0, fmt.Errorf("count the commits in range in events: %w", err)
	}
	if stored == inserted && copies == 0 {
		return inserted, nil
	}
	res, err := t.conn.ExecContext(ctx, `DELETE FROM events WHERE rowid IN (
		SELECT rowid FROM (SELECT rowid,
				row_number() OVER (PARTITION BY id ORDER BY rowid) AS commit_copy,
				CASE WHEN counted THEN row_number() OVER (PARTITION BY counted, identity, occurred_at ORDER BY rowid) END AS work_copy
			FROM events WHERE `+inRange+`)
		WHERE (commit_copy > 1 OR work_copy > 1) AND rowid > `+strconv.FormatInt(t.loadedAfter, 10)+`)`)
	if err != nil {
		return 0, fmt.Errorf("delete from events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("count the deleted rows: %w", err)
	}
	return inserted - int(n), nil
}

// NoteIdentities records the identities that events show (each one's most
// recent display name, first and last seen) without storing the events: for
// bulk loads such as LoadGitLog, whose rows carry no names.
func (t *EventTx) NoteIdentities(ctx context.Context, events []Event) error {
	if err := upsertIdentities(ctx, t.conn, events, true); err != nil {
		return fmt.Errorf("note identities: %w", err)
	}
	return nil
}

// gitIdentitySQL is a commit's identity: "email:" and its author email,
// which the caller has lowercased as Go does (so that it matches the
// config's emails, lowercased the same way), or "name:" and its author name
// when the email is empty.
const gitIdentitySQL = `CASE WHEN coalesce(g.email, '') = '' THEN 'name:' || coalesce(g.name, '') ELSE 'email:' || g.email END`
