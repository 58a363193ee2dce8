package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/privacy"
)

type runOptions struct {
	*globalOptions
	asOf string
}

func newRunCmd(g *globalOptions) *cobra.Command {
	o := &runOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "The nightly job: collect, analyze, export, report",
		Long: `Run is the nightly job: it collects every configured source, analyzes all
stored activity in each person's local time, writes the metrics snapshot that
'overtime serve' answers from (and the textfile and Pushgateway push, when the
config asks for them), and prints the report table for the window ending today
(--quiet prints no table and logs only warnings and errors, for cron).
Only one run may use a database at a time; a second one fails at once. The exit
status is non-zero if any source failed (the analysis still runs on what the
other sources brought, and the metrics say which source failed).`,
		Example: `  overtime run --config overtime.yaml
  overtime run --as-of 2026-11-20     # redo a missed night`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			asOf, err := parseAsOf(o.asOf, o.now)
			if err != nil {
				return err
			}
			if err := checkNotFuture(asOf, o.now); err != nil {
				return err
			}
			pseudo, err := pseudonymizer(cfg)
			if err != nil {
				return usageError{err}
			}
			db, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			log := o.logger()
			prev := previousSnapshot(cfg, log)
			phases := map[string]float64{}

			start := time.Now()
			outcomes, collectErr := runCollect(ctx, db, cfg, log)
			phases["collect"] = time.Since(start).Seconds()
			if ctx.Err() != nil {
				return errors.Join(collectErr, ctx.Err())
			}

			start = time.Now()
			var snap promexport.Snapshot
			var weeks []promexport.WeeklyPoint
			var w analysis.Window
			res, analysisErr := analyze(ctx, db, cfg)
			if analysisErr == nil {
				log.Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
				snap, weeks, analysisErr = buildSnapshot(ctx, db, cfg, asOf, pseudo)
			}
			if analysisErr == nil {
				w, analysisErr = analysis.SummarizeRisk(ctx, db, asOf, cfg.Analysis.WindowDays, "", analysis.RiskOptionsFor(cfg))
			}
			phases["analyze"] = time.Since(start).Seconds()
			if analysisErr != nil && prev != nil {
				// Keep every exporter answering from the last good figures.
				snap.AsOf, snap.People, snap.Punchcard, weeks = prev.AsOf, prev.People, prev.Punchcard, nil
			}
			snap.GeneratedAt = o.now()
			snap.Job = jobFigures(cfg, outcomes, phases)
			snap.Finish(prev, o.now(), collectErr == nil && analysisErr == nil)
			exportErr := exportMetrics(ctx, cfg, &snap, weeks, log)
			if analysisErr == nil && !o.quiet {
				pseudonymizeWindow(&w, pseudo)
				if err := report.Write(o.stdout, "table", w); err != nil {
					return errors.Join(collectErr, err, exportErr)
				}
			}
			return errors.Join(collectErr, analysisErr, exportErr)
		},
	}
	cmd.Flags().StringVar(&o.asOf, "as-of", "", "last local date the figures cover, YYYY-MM-DD (default today)")
	return cmd
}

// pseudonymizeWindow replaces ids and names with pseudonyms (a nil
// pseudonymizer leaves them).
func pseudonymizeWindow(w *analysis.Window, p *privacy.Pseudonymizer) {
	for i := range w.People {
		f := &w.People[i]
		f.ID, f.Name = p.ID(f.ID), p.Name(f.ID, f.Name)
	}
}
