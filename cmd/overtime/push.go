package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
)

type pushOptions struct {
	*globalOptions
	url string
}

func newPushCmd(g *globalOptions) *cobra.Command {
	o := &pushOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Push the last nightly run's metrics to a Pushgateway",
		Long: `Push sends the metrics of the last nightly run (the snapshot beside the
database) to a Prometheus Pushgateway under the grouping key job="overtime".
It replaces the whole group (HTTP PUT), so a person who is no longer reported
disappears instead of lingering with old values. The nightly run pushes by
itself when export.prometheus.pushgateway is set; this command re-pushes by
hand, for example after the gateway restarted without persistence.`,
		Example: `  overtime push
  overtime push --url http://pushgateway.monitoring:9091`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("url") {
				o.url = cfg.Export.Prometheus.Pushgateway
			}
			if o.url == "" {
				return usageError{errors.New("--url: no Pushgateway given and export.prometheus.pushgateway is empty")}
			}
			if u, err := url.Parse(o.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usageError{fmt.Errorf("--url: want an http or https URL, got %q", promexport.RedactURL(o.url))}
			}
			snap, err := readSnapshot(cfg)
			if err != nil {
				return err
			}
			if err := promexport.Push(cmd.Context(), o.url, snap); err != nil {
				return err
			}
			o.logger().Info("pushed", "url", promexport.RedactURL(o.url), "people", len(snap.People), "generated_at", snap.GeneratedAt)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.url, "url", "", "Pushgateway URL (default export.prometheus.pushgateway)")
	return cmd
}

// readSnapshot reads the snapshot the last nightly run wrote.
func readSnapshot(cfg *config.Config) (*promexport.Snapshot, error) {
	path := promexport.SnapshotPath(cfg.Database)
	if path == "" {
		return nil, usageError{fmt.Errorf("database %q: an in-memory database has no snapshot", cfg.Database)}
	}
	snap, err := promexport.ReadSnapshotFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no metrics snapshot at %s yet: run `overtime run` first", path)
	}
	return snap, err
}

// exportMetrics is the export phase of the nightly run: it writes the
// snapshot beside the database (for serve) and, when weeks is not nil, the
// weekly history (for backfill); then the node_exporter textfile and the
// Pushgateway push when the config asks for them. snap must already be
// stamped with Finish. Every output is attempted; the errors are joined.
func exportMetrics(ctx context.Context, cfg *config.Config, snap *promexport.Snapshot, weeks []promexport.WeeklyPoint, log *slog.Logger) error {
	path := promexport.SnapshotPath(cfg.Database)
	if path == "" {
		return nil
	}
	var errs []error
	if err := promexport.WriteSnapshotFile(path, *snap); err != nil {
		errs = append(errs, err)
	} else {
		log.Info("metrics snapshot written", "path", path, "people", len(snap.People))
	}
	if weeks != nil {
		if err := promexport.WriteHistoryFile(promexport.HistoryPath(cfg.Database), weeks); err != nil {
			errs = append(errs, err)
		}
	}
	p := cfg.Export.Prometheus
	if p.Textfile != "" {
		if err := promexport.WriteTextfile(p.Textfile, snap); err != nil {
			errs = append(errs, err)
		} else {
			log.Info("textfile written", "path", p.Textfile)
		}
	}
	if p.Pushgateway != "" {
		if err := promexport.Push(ctx, p.Pushgateway, snap); err != nil {
			errs = append(errs, err)
		} else {
			log.Info("pushed", "url", promexport.RedactURL(p.Pushgateway))
		}
	}
	return errors.Join(errs...)
}

// previousSnapshot returns the snapshot of the run before, or nil; the run
// needs it to carry the last success over a failure (Snapshot.Finish).
func previousSnapshot(cfg *config.Config, log *slog.Logger) *promexport.Snapshot {
	path := promexport.SnapshotPath(cfg.Database)
	if path == "" {
		return nil
	}
	prev, err := promexport.ReadSnapshotFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("previous metrics snapshot unreadable; last success starts over", "path", path, "err", err)
		}
		return nil
	}
	return prev
}
