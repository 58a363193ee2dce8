package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	promexport "github.com/overtime-project/overtime/export/prometheus"
)

type backfillOptions struct {
	*globalOptions
	out     string
	history string
}

func newBackfillCmd(g *globalOptions) *cobra.Command {
	o := &backfillOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "backfill",
		Short: "Write the weekly history as OpenMetrics for Prometheus backfilling",
		Long: `Backfill writes the weekly history of every person (the file the nightly run
writes beside the database, <database>.history.json) as OpenMetrics text with
a timestamp on every sample, for promtool to turn into TSDB blocks. The
series are the live ones (overtime_risk_score, overtime_sustained_afterhours,
and the window="7d" series of overtime_afterhours_ratio,
overtime_afterhours_active_seconds and overtime_nonworkdays_active), so the
dashboards show months of history on the first day.

Then: promtool tsdb create-blocks-from openmetrics FILE DIR, and move the
blocks into Prometheus's data directory. Prometheus deletes blocks older than
its retention (15 days by default): raise --storage.tsdb.retention.time.`,
		Example: `  overtime backfill --out history.om
  promtool tsdb create-blocks-from openmetrics history.om ./blocks
  cp -r ./blocks/* /var/lib/prometheus/metrics2/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return backfillRun(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "OpenMetrics file to write, - for standard output (required)")
	f.StringVar(&o.history, "history", "", "weekly history file (default <database>.history.json)")
	return cmd
}

// backfillRun is `overtime backfill`.
func backfillRun(o *backfillOptions) error {
	if o.out == "" {
		return usageError{errors.New("--out: give a file, or - for standard output")}
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if o.history == "" {
		o.history = promexport.HistoryPath(cfg.Database)
	}
	if o.history == "" {
		return usageError{fmt.Errorf("database %q: an in-memory database has no history file; give --history", cfg.Database)}
	}
	weeks, err := promexport.ReadHistoryFile(o.history)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no weekly history at %s yet: run `overtime run` first", o.history)
	}
	if err != nil {
		return err
	}
	return o.write(weeks)
}

func (o *backfillOptions) write(weeks []promexport.WeeklyPoint) error {
	if o.out == "-" {
		return promexport.WriteOpenMetrics(o.stdout, weeks)
	}
	f, err := os.Create(o.out)
	if err != nil {
		return err
	}
	if err := promexport.WriteOpenMetrics(f, weeks); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	o.logger().Info("backfill written", "out", o.out, "points", len(weeks),
		"next", "promtool tsdb create-blocks-from openmetrics "+o.out+" DIR")
	return nil
}
