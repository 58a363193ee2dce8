package pipeline

import (
	"context"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/identity"
	"github.com/overtime-project/overtime/store"
)

// The pipeline keeps two marks among the sync cursors: when the last collect
// ended, and which collect the stored analysis covers. A report made after a
// collect that no analysis has covered yet would miss its activity (or, on a
// new database, show nobody), so it analyzes first.
const (
	markSource  = "overtime"
	markCollect = "collect"
	markAnalyze = "analyze"
)

// markCollected records that a collect ended now.
func markCollected(ctx context.Context, db *store.DB) error {
	return db.SetCursor(ctx, store.Cursor{Source: markSource, Scope: markCollect, Position: time.Now().UTC().Format(time.RFC3339Nano)})
}

// Analyze runs the analysis (analysis.Analyze) and records which collect
// it covers.
func Analyze(ctx context.Context, db *store.DB, cfg *config.Config) (identity.Resolution, error) {
	collected, _, err := db.GetCursor(ctx, markSource, markCollect)
	if err != nil {
		return identity.Resolution{}, err
	}
	res, err := analysis.Analyze(ctx, db, cfg)
	if err != nil {
		return res, err
	}
	return res, db.SetCursor(ctx, store.Cursor{Source: markSource, Scope: markAnalyze, Position: collected.Position})
}

// AnalysisStale tells whether activity was collected after the stored
// analysis was made. A database written before the marks existed counts as
// stale only when it has activity but no analyzed people at all.
func AnalysisStale(ctx context.Context, db *store.DB) (bool, error) {
	collected, ok, err := db.GetCursor(ctx, markSource, markCollect)
	if err != nil {
		return false, err
	}
	if ok {
		analyzed, _, err := db.GetCursor(ctx, markSource, markAnalyze)
		return analyzed.Position != collected.Position, err
	}
	_, _, any, err := db.EventSpan(ctx)
	if err != nil || !any {
		return false, err
	}
	people, err := db.People(ctx)
	return len(people) == 0, err
}
