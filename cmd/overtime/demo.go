package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/internal/demo"
	"github.com/overtime-project/overtime/pipeline"
	"github.com/overtime-project/overtime/store"
)

type demoOptions struct {
	*globalOptions
	dir    string
	format string
}

func newDemoCmd(g *globalOptions) *cobra.Command {
	o := &demoOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on a synthetic organisation, no tokens needed",
		Long: fmt.Sprintf(`Demo builds a synthetic organisation of %d people in %d teams, over %d weeks, and
runs the real pipeline on it: commits go into a real git repository (written
with git fast-import) that the git collector reads, Jira tickets go through
the store, the config sets teams in four time zones (Berlin and New York
change clocks for daylight saving time), holidays and one person's night-shift
hours; then the analysis judges everyone and the report is printed.

Everything is deterministic, and so is the date: the report is as of
%s, whatever today is.

Planted among the people:
  sam   steady 9-to-5                               low
  eve   evenings creeping in over the last month    elevated, sustained
  cory  a release crunch that ended 6 weeks ago     low
  nico  night shift, configured hours 14:00-23:00   low: his evenings are his working hours
  dana  no day off for three weeks                  high, sustained
  olga  overloaded ticket owner (9 in progress)     elevated
  nell  newcomer with two weeks of history          insufficient_data

The files go to a temporary directory that is removed at the end, unless
--dir names one to keep (repository, overtime.yaml, database). --db puts the
database where it says, and keeps it.`, len(demo.People), len(demo.Teams), demo.Weeks, demo.AsOf.Format("2006-01-02")),
		Example: `  overtime demo
  overtime demo --format json | jq '.people[] | {id, risk_level, sustained_after_hours}'
  overtime demo --dir /tmp/overtime-demo && overtime report --config /tmp/overtime-demo/overtime.yaml --as-of ` + demo.AsOf.Format("2006-01-02"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demoRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "build the demo here and keep it (default: a temporary directory, removed at the end)")
	f.StringVar(&o.format, "format", "table", "output format: table, json or csv")
	return cmd
}

// nextSteps tells, on stderr (stdout may go to jq), what to do with the
// demo: keep it, serve it, scrape it, open the dashboards.
func (o *demoOptions) nextSteps(configPath, dbPath string) {
	asOf := demo.AsOf.Format("2006-01-02")
	if o.dir == "" && o.dbPath == "" {
		fmt.Fprintf(o.stderr, `
Next: keep the demo and look at it in Prometheus and Grafana:
  overtime demo --dir ./overtime-demo
  overtime serve --config ./overtime-demo/overtime.yaml
`)
		return
	}
	kept := "--config " + configPath
	if o.dir == "" {
		kept = "--db " + dbPath // the config went with the temporary directory
	}
	fmt.Fprintf(o.stderr, `
Next:
  overtime report %[1]s --as-of %[2]s --format json
  overtime serve %[1]s      # then scrape http://%[3]s/metrics
Point Prometheus at it (README.md, "Try it with Prometheus and Grafana") and open the
Grafana dashboards in dashboards/grafana/ (folder "Overtime": team overview, person drill-down).
`, kept, asOf, config.DefaultListen)
}

// demoRun is `overtime demo`.
func demoRun(ctx context.Context, o *demoOptions) error {
	if !slices.Contains(report.Formats, o.format) {
		return usageError{fmt.Errorf("--format: unknown format %q (want table, json or csv)", o.format)}
	}
	log := o.logger()
	dir := o.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "overtime-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	built := time.Now()
	res, err := demo.Build(ctx, dir, demo.Options{DBPath: o.dbPath})
	if err != nil {
		return err
	}
	log.Info("demo organisation built", "people", len(demo.People), "commits", res.Commits, "tickets", res.Tickets,
		"as_of", res.AsOf.Format("2006-01-02"), "config", res.ConfigPath, "database", res.DBPath, "kept", o.dir != "" || o.dbPath != "")
	db, err := store.Open(ctx, res.DBPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := analysis.SummarizeRisk(ctx, db, res.AsOf, res.Config.Analysis.WindowDays, "", analysis.RiskOptionsFor(res.Config))
	if err != nil {
		return err
	}
	if err := report.Write(o.stdout, o.format, w); err != nil {
		return err
	}
	if o.dir != "" || o.dbPath != "" {
		// A kept demo also gets the metrics snapshot a nightly run
		// writes, so `overtime serve --config <dir>/overtime.yaml`
		// shows it to Prometheus and Grafana.
		// The demo's one phase: building, collecting and analyzing it.
		phases := map[string]float64{"demo": time.Since(built).Seconds()}
		if _, err := pipeline.Publish(ctx, db, res.Config, pipeline.Options{AsOf: res.AsOf, Log: log, Now: o.now}, phases); err != nil {
			return err
		}
	}
	// Say plainly if the model did not see what was planted.
	for _, m := range demo.People {
		for _, f := range w.People {
			if f.ID == m.ID && f.Risk != nil && (f.Risk.Level != m.Level || f.Risk.Sustained != m.Sustained) {
				log.Warn("demo archetype judged otherwise than planted", "person", m.ID, "archetype", m.Archetype,
					"planted_level", m.Level, "level", f.Risk.Level, "planted_sustained", m.Sustained, "sustained", f.Risk.Sustained)
			}
		}
	}
	if !o.quiet {
		o.nextSteps(res.ConfigPath, res.DBPath)
	}
	return nil
}
