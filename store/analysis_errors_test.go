package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// nineToSixJudge judges every week against 09:00-18:00, heavy at 3 hours.
var nineToSixJudge = WeekJudge{JudgedWeeks: 4, BaselineWeeks: 12, HeavyHours: 3,
	Usual: func(int, int, bool, int, [48]float64) (int, int, int) { return 18, 18, UsualPrior }}

// TestAnalysisFailuresNameTheirStep: a failing statement of the analysis
// (person_days, person_weeks, the people snapshot) says which step and
// table failed, and the driver's error stays reachable.
func TestAnalysisFailuresNameTheirStep(t *testing.T) {
	t.Parallel()
	checkStepFailures(t, []stepFailure{{
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
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonWeeks(ctx, nineToSixJudge) },
		want:     "materialize person_weeks: clear person_weeks: ",
	}, {
		name:     "person_weeks: aggregating person_days",
		breakSQL: `ALTER TABLE person_days RENAME TO person_days_moved`,
		call:     func(ctx context.Context, db *DB) error { return db.MaterializePersonWeeks(ctx, nineToSixJudge) },
		want:     "materialize person_weeks: aggregate person_days by week: ",
	}})

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
