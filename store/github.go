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

// PullRequest is what is kept of a GitHub pull request: who and when, never
// its title or body.
type PullRequest struct {
	ID        int64  // GitHub's id, stable across repository renames
	Repo      string // owner/name, lowercased
	Number    int
	Author    string // identity, "github:<login>"; "" when the account is gone
	CreatedAt time.Time
	ClosedAt  time.Time // zero while open
	MergedAt  time.Time // zero unless merged
	MergedBy  string    // identity of the merger; "" until known
	UpdatedAt time.Time
}

// IdentityLink says that GitHub attributes commits of a git email to a login.
type IdentityLink struct {
	Email string // "email:<address>", lowercased
	Login string // "github:<login>", lowercased
}

// GitHubRepository is one repository as a GitHub listing described it.
type GitHubRepository struct {
	FullName      string // owner/name as GitHub spells it
	CloneURL      string
	DefaultBranch string
	Fork          bool
	Archived      bool
	PushedAt      time.Time // zero when never pushed to
}

// WriteGitHubPage stores one page of GitHub data in one transaction: its
// events (idempotent on source, kind and id, like Write), the pull requests it
// describes (a newer updated_at wins; a known merger is never forgotten), the
// identity links it showed, and the cursors it brings up to date. Either all
// of it is committed or none. It returns how many events were new.
func (db *DB) WriteGitHubPage(ctx context.Context, events []Event, prs []PullRequest, links []IdentityLink, cursors []Cursor) (inserted int, err error) {
	err = db.inConnTx(ctx, func(conn *sql.Conn) error {
		// A page of an unchanged list (a 304) only moves its cursor:
		// nothing of a forgotten person can come back with it.
		var forgotten bool
		if len(events) > 0 || len(prs) > 0 || len(links) > 0 {
			var err error
			if forgotten, err = someoneForgotten(ctx, conn); err != nil {
				return err
			}
		}
		var err error
		if inserted, err = writeEvents(ctx, conn, events, forgotten); err != nil {
			return err
		}
		if err := upsertPullRequests(conn, prs); err != nil {
			return err
		}
		if err := insertIdentityLinks(conn, links); err != nil {
			return err
		}
		if forgotten {
			if err := blankForgotten(ctx, conn); err != nil {
				return err
			}
		}
		for _, c := range cursors {
			if err := setCursor(ctx, conn, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("write github page: %w", err)
	}
	return inserted, nil
}

// upsertPullRequestsQuery stores the appended pull requests: a newer (or
// equal) updated_at wins, and a known merger is never forgotten.
const upsertPullRequestsQuery = `INSERT INTO pull_requests
	SELECT id, repo, number, author, created_at, closed_at, merged_at, merged_by, updated_at FROM appended_data
	ON CONFLICT (id) DO UPDATE SET
		repo       = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.repo ELSE pull_requests.repo END,
		number     = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.number ELSE pull_requests.number END,
		author     = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.author ELSE pull_requests.author END,
		created_at = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.created_at ELSE pull_requests.created_at END,
		closed_at  = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.closed_at ELSE pull_requests.closed_at END,
		merged_at  = CASE WHEN excluded.updated_at >= pull_requests.updated_at THEN excluded.merged_at ELSE pull_requests.merged_at END,
		merged_by  = coalesce(excluded.merged_by, pull_requests.merged_by),
		updated_at = greatest(excluded.updated_at, pull_requests.updated_at)`

var pullRequestColumns = []string{"id", "repo", "number", "author", "created_at", "closed_at", "merged_at", "merged_by", "updated_at"}

// upsertPullRequests stores a page's pull requests in one statement: a
// prepared upsert per pull request cost a write statement each, the most
// of a page's transaction.
func upsertPullRequests(conn *sql.Conn, prs []PullRequest) error {
	if len(prs) == 0 {
		return nil
	}
	// DuckDB refuses to update one row twice in one statement, and a page
	// may list a pull request twice when it moved while being paged.
	latest := make(map[int64]PullRequest, len(prs))
	order := make([]int64, 0, len(prs))
	for _, p := range prs {
		prev, ok := latest[p.ID]
		if !ok {
			order = append(order, p.ID)
		}
		if !ok || !p.UpdatedAt.Before(prev.UpdatedAt) {
			if p.MergedBy == "" {
				p.MergedBy = prev.MergedBy
			}
			latest[p.ID] = p
		} else if prev.MergedBy == "" && p.MergedBy != "" {
			prev.MergedBy = p.MergedBy
			latest[p.ID] = prev
		}
	}
	types, err := typeInfos(duckdb.TYPE_BIGINT, duckdb.TYPE_VARCHAR, duckdb.TYPE_INTEGER, duckdb.TYPE_VARCHAR,
		duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP, duckdb.TYPE_VARCHAR, duckdb.TYPE_TIMESTAMP)
	if err != nil {
		return fmt.Errorf("pull requests: %w", err)
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn), upsertPullRequestsQuery, "", types, pullRequestColumns)
		if err != nil {
			return fmt.Errorf("pull requests: open an appender: %w", err)
		}
		for _, id := range order {
			p := latest[id]
			if err := a.AppendRow(p.ID, p.Repo, int32(p.Number), p.Author, p.CreatedAt.UTC(),
				timeOrNull(p.ClosedAt), timeOrNull(p.MergedAt), stringOrNull(p.MergedBy), p.UpdatedAt.UTC()); err != nil {
				a.Close()
				return fmt.Errorf("pull request %s#%d: %w", p.Repo, p.Number, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("pull requests: upsert into pull_requests: %w", err)
		}
		return nil
	})
}

// insertIdentityLinks stores the links not stored yet, in one statement.
func insertIdentityLinks(conn *sql.Conn, links []IdentityLink) error {
	if len(links) == 0 {
		return nil
	}
	types, err := typeInfos(duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("identity links: %w", err)
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewQueryAppender(dc.(driver.Conn),
			`INSERT INTO identity_links SELECT DISTINCT email_identity, login_identity FROM appended_data ON CONFLICT DO NOTHING`,
			"", types, []string{"email_identity", "login_identity"})
		if err != nil {
			return fmt.Errorf("identity links: open an appender: %w", err)
		}
		for _, l := range links {
			if err := a.AppendRow(l.Email, l.Login); err != nil {
				a.Close()
				return fmt.Errorf("identity link %s %s: %w", l.Email, l.Login, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("identity links: insert into identity_links: %w", err)
		}
		return nil
	})
}

// timeOrNull and stringOrNull store a zero value as NULL.
func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func stringOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// PullRequestsByID reads the stored pull requests among ids.
func (db *DB) PullRequestsByID(ctx context.Context, ids []int64) (map[int64]PullRequest, error) {
	out := make(map[int64]PullRequest, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, repo, number, author, created_at, closed_at, merged_at, merged_by, updated_at
		FROM pull_requests WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read pull requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PullRequest
		var closed, merged sql.NullTime
		var mergedBy sql.NullString
		if err := rows.Scan(&p.ID, &p.Repo, &p.Number, &p.Author, &p.CreatedAt, &closed, &merged, &mergedBy, &p.UpdatedAt); err != nil {
			return nil, fmt.Errorf("read pull requests: %w", err)
		}
		p.ClosedAt, p.MergedAt, p.MergedBy = closed.Time, merged.Time, mergedBy.String
		out[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pull requests: %w", err)
	}
	return out, nil
}

// OpenPullRequestsAt counts, per person, the pull requests they had open at
// the instant at: created by then and not yet closed. People are those the
// last analysis resolved (person_identities); a person with none open is
// absent from the map.
func (db *DB) OpenPullRequestsAt(ctx context.Context, at time.Time) (map[string]int, error) {
	return db.countsByPerson(ctx, "open pull requests", `SELECT pi.person_id, count(*)
		FROM pull_requests pr JOIN person_identities pi ON pi.identity = pr.author
		WHERE pr.created_at <= ? AND (pr.closed_at IS NULL OR pr.closed_at > ?)
		GROUP BY pi.person_id`, at.UTC(), at.UTC())
}

// IdentityLinks lists every git email GitHub tied to a login, ordered.
func (db *DB) IdentityLinks(ctx context.Context) ([]IdentityLink, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT email_identity, login_identity FROM identity_links ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("identity links: %w", err)
	}
	defer rows.Close()
	var out []IdentityLink
	for rows.Next() {
		var l IdentityLink
		if err := rows.Scan(&l.Email, &l.Login); err != nil {
			return nil, fmt.Errorf("identity links: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("identity links: %w", err)
	}
	return out, nil
}

// GitHubRepositories reads the repositories a listing last answered with.
func (db *DB) GitHubRepositories(ctx context.Context, listing string) ([]GitHubRepository, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT full_name, clone_url, default_branch, fork, archived, pushed_at
		FROM github_repositories WHERE listing = ? ORDER BY full_name`, listing)
	if err != nil {
		return nil, fmt.Errorf("github repositories %s: %w", listing, err)
	}
	defer rows.Close()
	var out []GitHubRepository
	for rows.Next() {
		var r GitHubRepository
		var pushed sql.NullTime
		if err := rows.Scan(&r.FullName, &r.CloneURL, &r.DefaultBranch, &r.Fork, &r.Archived, &pushed); err != nil {
			return nil, fmt.Errorf("github repositories %s: %w", listing, err)
		}
		r.PushedAt = pushed.Time
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("github repositories %s: %w", listing, err)
	}
	return out, nil
}

// ReplaceGitHubRepositories records what a listing answered with, and its
// cursor (the ETag to send next time), in one transaction.
func (db *DB) ReplaceGitHubRepositories(ctx context.Context, listing string, repos []GitHubRepository, cursor Cursor) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM github_repositories WHERE listing = ?`, listing); err != nil {
			return fmt.Errorf("delete the last listing from github_repositories: %w", err)
		}
		seen := map[string]bool{}
		for _, r := range repos {
			if seen[r.FullName] {
				continue
			}
			seen[r.FullName] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO github_repositories VALUES (?, ?, ?, ?, ?, ?, ?)`,
				listing, r.FullName, r.CloneURL, r.DefaultBranch, r.Fork, r.Archived, timeOrNull(r.PushedAt)); err != nil {
				return fmt.Errorf("%s: %w", r.FullName, err)
			}
		}
		return setCursor(ctx, tx, cursor)
	})
	if err != nil {
		return fmt.Errorf("github repositories %s: %w", listing, err)
	}
	return nil
}

// EventCountsByIdentity counts the counted events of one source (all sources
// when source is ""), per identity and kind.
func (db *DB) EventCountsByIdentity(ctx context.Context, source string) (map[string]map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT identity, kind, count(*) FROM events
		WHERE counted AND (? = '' OR source = ?) GROUP BY identity, kind`, source, source)
	if err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var identity, kind string
		var n int
		if err := rows.Scan(&identity, &kind, &n); err != nil {
			return nil, fmt.Errorf("count events: %w", err)
		}
		if out[identity] == nil {
			out[identity] = map[string]int{}
		}
		out[identity][kind] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	return out, nil
}
