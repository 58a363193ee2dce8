package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// TestAnalysisFailuresNameTheirStep: a failing statement of the analysis
// (person_days, person_weeks, the people snapshot) says which step and
// table failed, and the driver's error stays reachable.
func TestAnalysisFailuresNameTheirStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		breakSQL string // raw SQL that takes away what the call needs
		call     func(context.Context, *DB) error
		want     string // the error text starts with it
	}{{
		name:     "person_days: clearing",
		breakSQL: `ALTER TABLE person_days RENAME TO person_days_moved`,
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonDays(ctx) },
		want:     "materialize person_days: clear person_days: ",
	}, {
		name:     "person_days: inserting",
		breakSQL: `ALTER TABLE person_rules RENAME TO person_rules_moved`,
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonDays(ctx) },
		want:     "materialize person_days: insert person_days: ",
	}, {
		name:     "person_weeks: clearing",
		breakSQL: `ALTER TABLE person_weeks RENAME TO person_weeks_moved`,
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonWeeks(ctx, 3) },
		want:     "materialize person_weeks: clear person_weeks: ",
	}, {
		name:     "person_weeks: inserting",
		breakSQL: `ALTER TABLE person_days RENAME TO person_days_moved`,
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonWeeks(ctx, 3) },
		want:     "materialize person_weeks: insert person_weeks: ",
	}} {
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
			var duckErr *duckdb.Error
			if !errors.As(err, &duckErr) || duckErr.Type != duckdb.ErrorTypeCatalog {
				t.Errorf("errors.As finds no DuckDB catalog error in %q (%#v)", err, duckErr)
			}
		})
	}

	t.Run("replace people cancelled before the transaction", func(t *testing.T) {
		t.Parallel()
		db := openGitHubTestDB(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := db.ReplacePeople(ctx, PeopleSnapshot{})
		if want := "replace people: connect: "; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v does not start with %q", err, want)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) is false", err)
		}
	})
}
