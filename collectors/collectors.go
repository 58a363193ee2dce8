// Package collectors runs the source collectors that read engineering
// activity into the store, one after another, so that one failing source
// becomes an error of its own while the others go on.
package collectors

import (
	"context"
	"log/slog"
	"time"

	"github.com/overtime-project/overtime/store"
)

// Collector reads one source into the store. It writes in transactions
// (git: one per repository; GitHub and Jira: one per page) and moves each
// cursor in the same transaction as the data it covers, or after it.
type Collector interface {
	// Source is the source's name: git, github, jira.
	Source() string
	Collect(ctx context.Context, db *store.DB) (Stats, error)
}

// Stats is what one collection did.
type Stats struct {
	Read     int // records read from the source
	Inserted int // records new to the store
	Skipped  int // records read but left out as malformed (counted in Read too)
}

// Outcome is one collector's run.
type Outcome struct {
	Source   string
	Stats    Stats
	Err      error
	Duration time.Duration
}

// Run runs every collector in order and reports each outcome; a failing
// collector is logged and the others still run.
func Run(ctx context.Context, db *store.DB, cs []Collector, log *slog.Logger) []Outcome {
	out := make([]Outcome, 0, len(cs))
	// Collectors write batch after batch from one goroutine: fewer threads
	// and less memory for DuckDB make that faster (store.Collecting). The
	// analysis that follows gets its defaults back.
	if restore, err := db.Collecting(ctx); err != nil {
		log.Warn("collecting under DuckDB's default settings", "err", err)
	} else {
		defer func() {
			if err := restore(context.WithoutCancel(ctx)); err != nil {
				log.Warn("restoring DuckDB's settings after collecting", "err", err)
			}
		}()
	}
	for _, c := range cs {
		start := time.Now()
		stats, err := c.Collect(ctx, db)
		o := Outcome{Source: c.Source(), Stats: stats, Err: err, Duration: time.Since(start)}
		if err != nil {
			log.Error("collect failed", "source", o.Source, "err", err, "read", stats.Read, "inserted", stats.Inserted, "skipped", stats.Skipped)
		} else {
			log.Info("collected", "source", o.Source, "read", stats.Read, "inserted", stats.Inserted, "skipped", stats.Skipped, "duration", o.Duration.Round(time.Millisecond))
		}
		out = append(out, o)
	}
	return out
}
