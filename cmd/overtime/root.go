package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

const defaultConfigPath = "overtime.yaml"

// globalOptions are the flags every command takes.
type globalOptions struct {
	configPath string
	dbPath     string
	verbose    bool

	stdout, stderr io.Writer
	now            func() time.Time
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdout: stdout, stderr: stderr, now: time.Now}
	root := &cobra.Command{
		Use:   "overtime",
		Short: "Early, explainable burnout signals from engineering activity",
		Long: `Overtime reads commits, pull requests, reviews and tickets into one DuckDB file,
judges every event in the person's own local time (timezone, workdays, working
hours, holidays) and reports after-hours work per person.`,
		Example: `  overtime run --config overtime.yaml
  overtime report --format json --as-of 2026-11-20 --window 28`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", defaultConfigPath, "config file (YAML)")
	pf.StringVar(&g.dbPath, "db", "", "DuckDB file (overrides the config's database)")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "log debug detail")
	root.AddCommand(
		newRunCmd(g),
		newCollectCmd(g),
		newAnalyzeCmd(g),
		newReportCmd(g),
		newPeopleCmd(g),
		newCheckCmd(g),
		newForgetCmd(g),
		newServeCmd(g),
		newPushCmd(g),
		newBackfillCmd(g),
		newDemoCmd(g),
	)
	return root
}

func (g *globalOptions) logger() *slog.Logger {
	level := slog.LevelInfo
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig reads --config. When the flag was left at its default and no
// overtime.yaml exists, the built-in defaults apply (this directory as the
// only git source), so a first try needs no file at all.
func (g *globalOptions) loadConfig(cmd *cobra.Command) (*config.Config, error) {
	if !cmd.Flags().Changed("config") {
		if _, err := os.Stat(g.configPath); errors.Is(err, fs.ErrNotExist) {
			g.logger().Info("no config file; using built-in defaults", "config", g.configPath)
			cfg := config.Default(".")
			g.applyDB(cfg)
			return cfg, nil
		}
	}
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return nil, usageError{err}
	}
	g.applyDB(cfg)
	return cfg, nil
}

func (g *globalOptions) applyDB(cfg *config.Config) {
	if g.dbPath != "" {
		cfg.Database = g.dbPath
	} else if !filepath.IsAbs(cfg.Database) {
		cfg.Database = filepath.Join(cfg.Dir, cfg.Database)
	}
}

// openStore opens the database for writing (taking the writer lock).
func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	return store.Open(ctx, cfg.Database, store.Options{OpenTimeout: 10 * time.Second})
}

// openStoreReadOnly opens an existing database for reading.
func openStoreReadOnly(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if _, err := os.Stat(cfg.Database); err != nil {
		return nil, fmt.Errorf("database %s does not exist yet: run `overtime run` (or `overtime collect` and `overtime analyze`) first", cfg.Database)
	}
	return store.Open(ctx, cfg.Database, store.Options{ReadOnly: true, OpenTimeout: 10 * time.Second})
}
