package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
)

type pushOptions struct {
	*globalOptions
	url    string
	urlSet bool // --url given; else export.prometheus.pushgateway
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
			o.urlSet = cmd.Flags().Changed("url")
			return pushRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.url, "url", "", "Pushgateway URL (default export.prometheus.pushgateway)")
	return cmd
}

// pushRun is `overtime push`.
func pushRun(ctx context.Context, o *pushOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if !o.urlSet {
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
	if err := promexport.Push(ctx, o.url, snap); err != nil {
		return err
	}
	o.logger().Info("pushed", "url", promexport.RedactURL(o.url), "people", len(snap.People), "generated_at", snap.GeneratedAt)
	return nil
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
