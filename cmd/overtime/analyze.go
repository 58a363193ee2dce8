package main

import (
	"time"

	"github.com/spf13/cobra"
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
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			start := time.Now()
			res, err := analyze(cmd.Context(), db, cfg)
			if err != nil {
				return err
			}
			o.logger().Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}
