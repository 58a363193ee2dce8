package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/pipeline"
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
			return runRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.asOf, "as-of", "", "last local date the figures cover, YYYY-MM-DD (default today)")
	return cmd
}

// runRun is `overtime run`: the pipeline, then the report table.
func runRun(ctx context.Context, o *runOptions) error {
	cfg, err := o.config()
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
	res, runErr := pipeline.Run(ctx, db, cfg, pipeline.Options{AsOf: asOf, Pseudo: pseudo, Log: o.logger(), Now: o.now})
	if res.Analyzed && !o.quiet {
		if err := report.Write(o.stdout, "table", res.Window); err != nil {
			return errors.Join(runErr, err)
		}
	}
	return runErr
}
