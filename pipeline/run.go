package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/privacy"
	"github.com/overtime-project/overtime/store"
)

// Options are what a nightly run needs besides the database and the config.
type Options struct {
	AsOf   time.Time              // the last local date the figures cover
	Pseudo *privacy.Pseudonymizer // nil: person ids as they are
	Log    *slog.Logger
	Now    func() time.Time // when the run ends; time.Now when nil
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Result is what a nightly run found.
type Result struct {
	Outcomes []collectors.Outcome // one per source
	// Window is the risk summary of the analysis window ending AsOf, with
	// pseudonyms when the config asks for them; valid when Analyzed.
	Window   analysis.Window
	Analyzed bool
	Snapshot promexport.Snapshot // as exported
}

// Run is the nightly job: collect → analyze → snapshot → export. It goes on
// after a source fails (the analysis runs on what the other sources
// brought, and the snapshot's job metrics say which source failed); when
// the analysis fails, every exporter keeps the last good figures. The error
// joins every failure. Only a cancelled context stops it before the export.
func Run(ctx context.Context, db *store.DB, cfg *config.Config, o Options) (Result, error) {
	log := o.Log
	var r Result
	prev := PreviousSnapshot(cfg, log)
	phases := map[string]float64{}

	start := time.Now()
	outcomes, collectErr := Collect(ctx, db, cfg, log)
	r.Outcomes = outcomes
	phases["collect"] = time.Since(start).Seconds()
	if ctx.Err() != nil {
		return r, errors.Join(collectErr, ctx.Err())
	}

	start = time.Now()
	var snap promexport.Snapshot
	var weeks []promexport.WeeklyPoint
	res, analysisErr := Analyze(ctx, db, cfg)
	if analysisErr == nil {
		log.Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
		snap, weeks, analysisErr = BuildSnapshot(ctx, db, cfg, o.AsOf, o.Pseudo)
	}
	if analysisErr == nil {
		r.Window, analysisErr = analysis.SummarizeRisk(ctx, db, o.AsOf, cfg.Analysis.WindowDays, "", analysis.RiskOptionsFor(cfg))
	}
	phases["analyze"] = time.Since(start).Seconds()
	if analysisErr != nil && prev != nil {
		// Keep every exporter answering from the last good figures.
		snap.KeepFigures(prev)
		weeks = nil
	}
	exportErr := publish(ctx, cfg, &snap, weeks, prev, JobFigures(cfg, outcomes, phases), o.now(),
		collectErr == nil && analysisErr == nil, log)
	r.Snapshot = snap
	if analysisErr == nil {
		r.Analyzed = true
		PseudonymizeWindow(&r.Window, o.Pseudo)
	}
	return r, errors.Join(collectErr, analysisErr, exportErr)
}

// Publish exports a database that was collected and analyzed by other
// means (the demo builds its own): the snapshot and weekly history as of
// asOf, stamped as one successful run whose phases took the given seconds,
// through the same export as Run.
func Publish(ctx context.Context, db *store.DB, cfg *config.Config, o Options, phases map[string]float64) (promexport.Snapshot, error) {
	snap, weeks, err := BuildSnapshot(ctx, db, cfg, o.AsOf, o.Pseudo)
	if err != nil {
		return snap, err
	}
	err = publish(ctx, cfg, &snap, weeks, nil, JobFigures(cfg, nil, phases), o.now(), true, o.Log)
	return snap, err
}

// PseudonymizeWindow replaces ids and names with pseudonyms (a nil
// pseudonymizer leaves them).
func PseudonymizeWindow(w *analysis.Window, p *privacy.Pseudonymizer) {
	for i := range w.People {
		f := &w.People[i]
		f.ID, f.Name = p.ID(f.ID), p.Name(f.ID, f.Name)
	}
}
