package main

import (
	"context"
	"fmt"
	"log/slog"
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

// analyze runs the analysis and records which collect it covers.
func analyze(ctx context.Context, db *store.DB, cfg *config.Config) (identity.Resolution, error) {
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

// analysisStale tells whether activity was collected after the stored
// analysis was made. A database written before the marks existed counts as
// stale only when it has activity but no analyzed people at all.
func analysisStale(ctx context.Context, db *store.DB) (bool, error) {
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

// openAnalyzed opens the database for reading, first bringing the analysis
// up to date when a collect happened after it.
func openAnalyzed(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := openStoreReadOnly(ctx, cfg)
	if err != nil {
		return nil, err
	}
	stale, err := analysisStale(ctx, db)
	if err != nil || !stale {
		if err != nil {
			db.Close()
		}
		return db, err
	}
	db.Close()
	log.Info("activity was collected after the last analysis; analyzing first", "database", cfg.Database)
	w, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("the stored analysis is older than the last collect, and analyzing now failed (run `overtime analyze`): %w", err)
	}
	start := time.Now()
	res, err := analyze(ctx, w, cfg)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("the stored analysis is older than the last collect, and analyzing now failed (run `overtime analyze`): %w", err)
	}
	log.Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
	return openStoreReadOnly(ctx, cfg)
}
