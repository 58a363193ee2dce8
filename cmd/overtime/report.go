package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/pipeline"
	"github.com/overtime-project/overtime/store"
)

type reportOptions struct {
	*globalOptions
	format string
	asOf   string
	window int
	team   string

	windowSet bool // --window given; else analysis.window_days
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
			o.windowSet = cmd.Flags().Changed("window")
			return reportRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, csv or html (one self-contained page with weekly charts)")
	f.StringVar(&o.asOf, "as-of", "", "last local date of the window, YYYY-MM-DD (default today)")
	f.IntVar(&o.window, "window", 28, "window length in days (default analysis.window_days)")
	f.StringVar(&o.team, "team", "", "only this team")
	return cmd
}

// reportRun is `overtime report`.
func reportRun(ctx context.Context, o *reportOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if !o.windowSet {
		o.window = cfg.Analysis.WindowDays
	}
	asOf, err := parseAsOf(o.asOf, o.now)
	if err != nil {
		return err
	}
	if err := o.validate(cfg, asOf); err != nil {
		return err
	}
	log := o.logger()
	db, err := openAnalyzed(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := analysis.SummarizeRisk(ctx, db, asOf, o.window, o.team, analysis.RiskOptionsFor(cfg))
	if err != nil {
		return err
	}
	if err := sayWhenEmpty(ctx, db, w, log); err != nil {
		return err
	}
	pseudo, err := pseudonymizer(cfg)
	if err != nil {
		return usageError{err}
	}
	var history report.History // read before the ids become pseudonyms
	if o.format == "html" {
		if history, err = report.LoadHistory(ctx, db, w, analysis.RiskOptionsFor(cfg)); err != nil {
			return err
		}
	}
	pipeline.PseudonymizeWindow(&w, pseudo)
	if o.format == "html" {
		return report.WriteHTML(o.stdout, w, history, report.HTMLOptions{MinGroupSize: cfg.Privacy.MinGroupSize, Generated: o.now()})
	}
	return report.Write(o.stdout, o.format, w)
}

// openAnalyzed opens the database for reading, first bringing the analysis
// up to date when a collect happened after it.
func openAnalyzed(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := openStoreReadOnly(ctx, cfg)
	if err != nil {
		return nil, err
	}
	stale, err := pipeline.AnalysisStale(ctx, db)
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
	res, err := pipeline.Analyze(ctx, w, cfg)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("the stored analysis is older than the last collect, and analyzing now failed (run `overtime analyze`): %w", err)
	}
	log.Info("analyzed", "people", len(res.People), "bots", len(res.Bots), "duration", time.Since(start).Round(time.Millisecond))
	return openStoreReadOnly(ctx, cfg)
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

func (o *reportOptions) validate(cfg *config.Config, asOf time.Time) error {
	if !slices.Contains(report.Formats, o.format) {
		return usageError{fmt.Errorf("--format: unknown format %q (want table, json, csv or html)", o.format)}
	}
	if o.window < 1 || o.window > 366 {
		return usageError{fmt.Errorf("--window: want 1 to 366 days, got %d", o.window)}
	}
	if err := checkNotFuture(asOf, o.now); err != nil {
		return err
	}
	if o.team != "" {
		if _, ok := cfg.Team(o.team); !ok {
			return usageError{fmt.Errorf("--team: no team %q in the config; %s", o.team, teamNames(cfg))}
		}
	}
	return nil
}

// checkNotFuture refuses an --as-of after tomorrow (tomorrow is today
// somewhere on Earth): no activity can have happened there yet.
func checkNotFuture(asOf time.Time, now func() time.Time) error {
	today, _ := parseAsOf("", now)
	if asOf.After(today.AddDate(0, 0, 1)) {
		return usageError{fmt.Errorf("--as-of %s lies in the future (today is %s): there is no activity to report there yet",
			asOf.Format("2006-01-02"), today.Format("2006-01-02"))}
	}
	return nil
}

// teamNames lists the config's teams for an error message.
func teamNames(cfg *config.Config) string {
	if len(cfg.Teams) == 0 {
		return "the config declares no teams"
	}
	names := make([]string, 0, len(cfg.Teams))
	for _, t := range cfg.Teams {
		names = append(names, strconv.Quote(t.Name))
	}
	return "the teams are " + strings.Join(names, ", ")
}

// sayWhenEmpty warns, on stderr, when the window holds no activity at all,
// and says where the stored activity lies, so that an empty report is
// never silent.
func sayWhenEmpty(ctx context.Context, db *store.DB, w analysis.Window, log *slog.Logger) error {
	for _, p := range w.People {
		if p.Events > 0 {
			return nil
		}
	}
	from, to := w.Days()
	first, last, ok, err := db.EventSpan(ctx)
	if err != nil {
		return err
	}
	if !ok {
		log.Warn("the database holds no activity yet: run `overtime collect` (or `overtime run`) first", "database", db.Path())
		return nil
	}
	log.Warn("no activity in the window; choose an --as-of within the stored activity",
		"window_from", from.Format("2006-01-02"), "window_to", to.Format("2006-01-02"),
		"activity_from", first.Format("2006-01-02"), "activity_to", last.Format("2006-01-02"))
	return nil
}
