package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// TestFailuresNameTheirStep: when a statement fails, the error says what
// was being done (the table or the step), and the driver's error, or the
// context's, is still reachable through errors.Is and errors.As.
func TestFailuresNameTheirStep(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	event := Event{Source: "github", Kind: "review", ID: "1", Identity: "github:alice", Name: "alice", At: at, Scope: "acme/api"}
	ticket := JiraTicket{ID: "10001", Key: "PAY-1", Project: "PAY", Type: "Task", Status: "To Do", StatusCategory: JiraCategoryToDo,
		Created: at, Updated: at,
		Intervals: []JiraInterval{{Field: JiraFieldStatus, Value: "To Do", Category: JiraCategoryToDo, From: at}}}

	checkStepFailures(t, []stepFailure{{
		name:     "github page: counting events",
		breakSQL: `ALTER TABLE events RENAME TO events_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteGitHubPage(ctx, []Event{event}, nil, nil, nil)
			return err
		},
		want: "write github page: count events: ",
	}, {
		name:     "github page: looking for forgotten people",
		breakSQL: `ALTER TABLE forgotten_identities RENAME TO forgotten_identities_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteGitHubPage(ctx, nil, nil, []IdentityLink{{Email: "email:ada@example.com", Login: "github:ada"}}, nil)
			return err
		},
		want: "write github page: read forgotten_identities: ",
	}, {
		name: "github page: blanking forgotten people",
		breakSQL: `INSERT INTO forgotten_identities VALUES (forgotten_digest('github:gone'), now());
			ALTER TABLE jira_users RENAME TO jira_users_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteGitHubPage(ctx, nil, nil, []IdentityLink{{Email: "email:ada@example.com", Login: "github:ada"}}, nil)
			return err
		},
		want: "write github page: blank forgotten people: ",
	}, {
		name:     "github page: moving a cursor",
		breakSQL: `ALTER TABLE sync_cursors RENAME TO sync_cursors_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteGitHubPage(ctx, nil, nil, nil, []Cursor{{Source: "github", Scope: "acme/api/pulls", Position: "p"}})
			return err
		},
		want: "write github page: set cursor github acme/api/pulls: update sync_cursors: ",
	}, {
		name:     "github listing: deleting the last answer",
		breakSQL: `ALTER TABLE github_repositories RENAME TO github_repositories_moved`,
		call: func(ctx context.Context, db *DB) error {
			return db.ReplaceGitHubRepositories(ctx, "org:acme", nil, Cursor{Source: "github", Scope: "org:acme"})
		},
		want: "github repositories org:acme: delete the last listing from github_repositories: ",
	}, {
		name:     "jira page: ticket history",
		breakSQL: `ALTER TABLE jira_ticket_intervals RENAME TO jira_ticket_intervals_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteJiraTickets(ctx, JiraPage{Tickets: []JiraTicket{ticket}})
			return err
		},
		want: "write jira tickets: ticket history: delete from jira_ticket_intervals: ",
	}, {
		name:     "jira page: skipped tickets",
		breakSQL: `DROP TABLE jira_skipped`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.WriteJiraTickets(ctx, JiraPage{Tickets: []JiraTicket{ticket}, Scope: "jql"})
			return err
		},
		want: "write jira tickets: skipped tickets: read jira_skipped: ",
	}, {
		name:     "jira reconciliation",
		breakSQL: `ALTER TABLE jira_tickets RENAME TO jira_tickets_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, _, err := db.ReconcileJiraTickets(ctx, []string{"10001"}, at)
			return err
		},
		want: "reconcile jira tickets: mark the tickets gone in jira_tickets: ",
	}, {
		name: "write: appending events",
		breakSQL: `INSERT INTO forgotten_identities VALUES (forgotten_digest('github:gone'), now());
			DROP MACRO is_forgotten`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.Write(ctx, Batch{Events: []Event{event}})
			return err
		},
		want:     "write events: events: source github: insert into events: ",
		appended: true,
	}, {
		name:     "write: upserting identities",
		breakSQL: `ALTER TABLE identities RENAME TO identities_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.Write(ctx, Batch{Events: []Event{event}})
			return err
		},
		want:     "write events: identities: upsert into identities: ",
		appended: true,
	}, {
		name:     "git log: counting events before the load",
		breakSQL: `ALTER TABLE events RENAME TO events_moved`,
		call: func(ctx context.Context, db *DB) error {
			return loadGitLog(ctx, t, db)
		},
		want: "load git log: count events: ",
	}, {
		name:     "git log: inserting the commits",
		breakSQL: `DROP MACRO is_forgotten`,
		call: func(ctx context.Context, db *DB) error {
			return loadGitLog(ctx, t, db)
		},
		want: "load git log: insert into events: ",
	}, {
		name:     "git log: dropping copies of stored commits",
		breakSQL: `ALTER TABLE events RENAME TO events_moved`,
		call: func(ctx context.Context, db *DB) error {
			tx, err := db.BeginEvents(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			_, err = tx.DropCopiesOfStoredCommits(ctx, 1, at, at)
			return err
		},
		want: "load git log: drop copies of stored commits: count the commits in range in events: ",
	}, {
		name:     "git log: noting identities",
		breakSQL: `ALTER TABLE identities RENAME TO identities_moved`,
		call: func(ctx context.Context, db *DB) error {
			tx, err := db.BeginEvents(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			return tx.NoteIdentities(ctx, []Event{{Identity: "email:ada@example.com", Name: "Ada", At: at}})
		},
		want:     "note identities: upsert into identities: ",
		appended: true,
	}, {
		name:     "retention",
		breakSQL: `ALTER TABLE events RENAME TO events_moved`,
		call: func(ctx context.Context, db *DB) error {
			_, err := db.ApplyRetention(ctx, at)
			return err
		},
		want: "apply retention: delete from events: ",
	}})

	t.Run("cancelled before the transaction", func(t *testing.T) {
		t.Parallel()
		db := openGitHubTestDB(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := db.WriteGitHubPage(ctx, []Event{event}, nil, nil, nil)
		if want := "write github page: take a connection: "; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v does not start with %q", err, want)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) is false", err)
		}
		_, err = db.ApplyRetention(ctx, at)
		if want := "apply retention: begin transaction: "; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v does not start with %q", err, want)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) is false", err)
		}
	})

	for _, tc := range []struct {
		name     string
		breakSQL string
		want     string // after "open database <path>: "
	}{
		{"open: reading the erasure key", `DROP TABLE erasure_key`, "read the erasure key: "},
		{"open: re-keying the forgotten", `INSERT INTO forgotten_unkeyed VALUES (sha256('email:dave@example.com'), now());
			ALTER TABLE forgotten_identities RENAME TO forgotten_identities_moved`,
			"re-key the forgotten identities: copy into forgotten_identities: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "overtime.duckdb")
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.sql.ExecContext(ctx, tc.breakSQL); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db, err = Open(ctx, path, Options{})
			if err == nil {
				db.Close()
				t.Fatalf("opened a database after %s", tc.breakSQL)
			}
			if want := "open database " + path + ": " + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q\ndoes not start with %q", err, want)
			}
			var duckErr *duckdb.Error
			if !errors.As(err, &duckErr) || duckErr.Type != duckdb.ErrorTypeCatalog {
				t.Errorf("errors.As finds no DuckDB catalog error in %q", err)
			}
		})
	}
}

// loadGitLog loads one commit, as `git log GitLogFormat` prints it, in an
// EventTx that it rolls back, and returns LoadGitLog's error.
func loadGitLog(ctx context.Context, t *testing.T, db *DB) error {
	t.Helper()
	log := filepath.Join(t.TempDir(), "git.log")
	line := strings.Join([]string{strings.Repeat("a", 40), "Ada", "ada@example.com", "1772445600 +0100", "ada@example.com"}, "\x1f") + "\n"
	if err := os.WriteFile(log, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginEvents(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.LoadGitLog(ctx, log, "r")
	return err
}

// stepFailure is one case of a failing statement: breakSQL takes away what
// call needs, and the error must start with want.
type stepFailure struct {
	name     string
	breakSQL string // raw SQL that takes away what the call needs
	call     func(context.Context, *DB) error
	want     string // the error text starts with it
	// appended: the failure is an appender's flush, which the driver
	// reports as "Failed to append: ...", a *duckdb.Error it cannot
	// give a type (ErrorTypeInvalid) rather than a catalog error.
	appended bool
}

// checkStepFailures runs each case on a fresh store: the error names the
// step, and the driver's error is still reachable through errors.As.
func checkStepFailures(t *testing.T, cases []stepFailure) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := openGitHubTestDB(t)
			if _, err := db.sql.ExecContext(ctx, tc.breakSQL); err != nil {
				t.Fatal(err)
			}
			err := tc.call(ctx, db)
			if err == nil {
				t.Fatalf("no error after %s", tc.breakSQL)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not start with %q", err, tc.want)
			}
			wantType := duckdb.ErrorTypeCatalog
			if tc.appended {
				wantType = duckdb.ErrorTypeInvalid
			}
			var duckErr *duckdb.Error
			if !errors.As(err, &duckErr) || duckErr.Type != wantType {
				t.Errorf("errors.As finds no DuckDB error of type %v in %q (%#v)", wantType, err, duckErr)
			}
		})
	}
}
