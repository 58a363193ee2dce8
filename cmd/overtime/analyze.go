package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/pipeline"
)

type analyzeOptions struct{ *globalOptions }

func newAnalyzeCmd(g *globalOptions) *cobra.Command {
	o := &analyzeOptions{g}
	return &cobra.Command{
		Use:   "analyze",
		Short: "Judge every stored event in its person's local time",
		Long: `Analyze matches identities to people, applies each person's timezone, workdays,
working hours and holidays, and rebuilds the per-person, per-local-day table
that reports are made from. It is a full recompute: a config change (a new
timezone, a holiday) applies to all history.`,
		Example: `  overtime analyze --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return analyzeRun(cmd.Context(), o)
		},
	}
}

func analyzeRun(ctx context.Context, o *analyzeOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := pipeline.Analyze(ctx, db, cfg)
	if err != nil {
		return err
	}
	o.logger().Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}
