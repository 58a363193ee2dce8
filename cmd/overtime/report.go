package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
)

type reportOptions struct {
	*globalOptions
	format string
	asOf   string
	window int
	team   string
}

func newReportCmd(g *globalOptions) *cobra.Command {
	o := &reportOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Print per-person figures and burnout risk for a window of local days",
		Long: `Report prints, per person, the activity and after-hours figures of the window
of local days ending at --as-of (default: today): events, after-hours events
and share, distinct non-working days with activity, late-night events; and
the risk as of that day: a 0-100 score, its level (low, elevated, high, or
insufficient_data), whether the after-hours load is sustained, and every
factor with its value, the person's own usual and one plain sentence. The
risk always looks at the weeks ending at --as-of (analysis.sustained.weeks),
whatever --window says. Open tickets and pull requests appear only where
Jira or GitHub is configured. It reads what the last analyze (or run)
stored; docs/methodology.md explains the model.`,
		Example: `  overtime report
  overtime report --format json --as-of 2026-11-20 --window 28
  overtime report --format csv --team payments > payments.csv
  overtime report --format html > overtime-report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("window") {
				o.window = cfg.Analysis.WindowDays
			}
			asOf, err := parseAsOf(o.asOf, o.now)
			if err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			db, err := openStoreReadOnly(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			w, err := analysis.SummarizeRisk(cmd.Context(), db, asOf, o.window, o.team, analysis.RiskOptionsFor(cfg))
			if err != nil {
				return err
			}
			pseudo, err := pseudonymizer(cfg)
			if err != nil {
				return usageError{err}
			}
			var history report.History // read before the ids become pseudonyms
			if o.format == "html" {
				if history, err = report.LoadHistory(cmd.Context(), db, w, cfg.Analysis); err != nil {
					return err
				}
			}
			pseudonymizeWindow(&w, pseudo)
			if o.format == "html" {
				return report.WriteHTML(o.stdout, w, history, report.HTMLOptions{MinGroupSize: cfg.Privacy.MinGroupSize, Generated: o.now()})
			}
			return report.Write(o.stdout, o.format, w)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, csv or html (one self-contained page with weekly charts)")
	f.StringVar(&o.asOf, "as-of", "", "last local date of the window, YYYY-MM-DD (default today)")
	f.IntVar(&o.window, "window", 28, "window length in days (default analysis.window_days)")
	f.StringVar(&o.team, "team", "", "only this team")
	return cmd
}

// parseAsOf reads an --as-of date; "" is today.
func parseAsOf(s string, now func() time.Time) (time.Time, error) {
	if s == "" {
		t := now()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return d, usageError{fmt.Errorf("--as-of: want YYYY-MM-DD, got %q", s)}
	}
	return d, nil
}

func (o *reportOptions) validate() error {
	if !slices.Contains(report.Formats, o.format) {
		return usageError{fmt.Errorf("--format: unknown format %q (want table, json, csv or html)", o.format)}
	}
	if o.window < 1 || o.window > 366 {
		return usageError{fmt.Errorf("--window: want 1 to 366 days, got %d", o.window)}
	}
	return nil
}
