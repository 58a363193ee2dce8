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
	quiet      bool
	logFormat  string
	// configSet is whether --config was given: without it, a missing
	// overtime.yaml means the built-in defaults.
	configSet bool

	stdout, stderr io.Writer
	now            func() time.Time
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdout: stdout, stderr: stderr, now: time.Now}
	var showVersion bool
	root := &cobra.Command{
		Use:   "overtime",
		Short: "Early, explainable burnout signals from engineering activity",
		Long: `Overtime reads commits, pull requests, reviews and tickets into one DuckDB file,
judges every event in the person's own local time (timezone, workdays, working
hours, holidays) and reports after-hours work per person.`,
		Example: `  overtime run --config overtime.yaml
  overtime report --format json --as-of 2026-11-20 --window 28
  overtime --version`,
		SilenceUsage:               true,
		SilenceErrors:              true,
		Args:                       unknownCommand,
		SuggestionsMinimumDistance: 2,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			g.configSet = cmd.Flags().Changed("config")
			return g.validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if showVersion {
				return writeVersion(cmd.Context(), g.stdout)
			}
			return cmd.Help()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.Flags().BoolVar(&showVersion, "version", false, "print the version, the VCS revision it was built from and the DuckDB version")
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", defaultConfigPath, "config file (YAML)")
	pf.StringVar(&g.dbPath, "db", "", "DuckDB file (overrides the config's database)")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "log debug detail")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "log only warnings and errors, and let run print no report table (for cron)")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json")
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
	for _, c := range root.Commands() {
		usageArgs(c)
	}
	return root
}

// unknownCommand is the root's argument check: any argument is a command
// that does not exist.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return usageError{errors.New(msg + " ('overtime --help' lists the commands)")}
}

// usageArgs makes a wrong number of arguments a usage error (exit 2).
func usageArgs(c *cobra.Command) {
	check := c.Args
	if check == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{fmt.Errorf("%s: %w", cmd.CommandPath(), err)}
		}
		return nil
	}
}

// validate checks the global flags.
func (g *globalOptions) validate() error {
	if g.logFormat != "text" && g.logFormat != "json" {
		return usageError{fmt.Errorf("--log-format: want text or json, got %q", g.logFormat)}
	}
	if g.quiet && g.verbose {
		return usageError{errors.New("--quiet and --verbose: give one or the other")}
	}
	return nil
}

func (g *globalOptions) logger() *slog.Logger {
	level := slog.LevelInfo
	switch {
	case g.verbose:
		level = slog.LevelDebug
	case g.quiet:
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if g.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(g.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(g.stderr, opts))
}

// loadConfig reads --config (see config).
func (g *globalOptions) loadConfig(cmd *cobra.Command) (*config.Config, error) {
	g.configSet = cmd.Flags().Changed("config")
	return g.config()
}

// config reads --config. When the flag was left at its default and no
// overtime.yaml exists, the built-in defaults apply (this directory as the
// only git source), so a first try needs no file at all.
func (g *globalOptions) config() (*config.Config, error) {
	if !g.configSet {
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
