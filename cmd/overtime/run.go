package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
)

type runOptions struct{ *globalOptions }

func newRunCmd(g *globalOptions) *cobra.Command {
	o := &runOptions{g}
	return &cobra.Command{
		Use:   "run",
		Short: "The nightly job: collect, analyze, report",
		Long: `Run is the nightly job: it collects every configured source, analyzes all
stored activity in each person's local time, and prints the report table for
the window ending today. Only one run may use a database at a time; a second
one fails at once. The exit status is non-zero if any source failed (the
analysis still runs on what the other sources brought).`,
		Example: `  overtime run --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			db, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			log := o.logger()
			_, collectErr := runCollect(ctx, db, cfg, log)
			if ctx.Err() != nil {
				return errors.Join(collectErr, ctx.Err())
			}
			start := time.Now()
			res, err := analysis.Analyze(ctx, db, cfg)
			if err != nil {
				return errors.Join(collectErr, err)
			}
			log.Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
			now := o.now()
			w, err := analysis.SummarizeRisk(ctx, db, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
				cfg.Analysis.WindowDays, "", analysis.RiskOptionsFor(cfg))
			if err != nil {
				return errors.Join(collectErr, err)
			}
			if err := report.Write(o.stdout, "table", w); err != nil {
				return errors.Join(collectErr, err)
			}
			return collectErr
		},
	}
}
