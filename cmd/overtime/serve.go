package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
)

type serveOptions struct {
	*globalOptions
	listen string
}

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the last nightly run's metrics to Prometheus",
		Long: `Serve answers Prometheus scrapes on /metrics (and /healthz) with the metrics
of the last nightly run. It reads the snapshot that each run writes beside the
database (<database>.metrics.json), re-reading it only when it changed; it
never opens the database, so it never holds DuckDB's lock and the nightly run
never waits on it. While a run replaces the snapshot, or if the file goes
missing, scrapes get the last good snapshot. Before any run has written one,
/metrics answers overtime_snapshot_available 0 and nothing else.`,
		Example: `  overtime serve
  overtime serve --listen 0.0.0.0:9465 --config /etc/overtime/overtime.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("listen") && cfg.Export.Prometheus.Listen != "" {
				o.listen = cfg.Export.Prometheus.Listen
			}
			path := promexport.SnapshotPath(cfg.Database)
			if path == "" {
				return usageError{fmt.Errorf("database %q: an in-memory database has no snapshot to serve", cfg.Database)}
			}
			return o.serve(cmd.Context(), path)
		},
	}
	cmd.Flags().StringVar(&o.listen, "listen", config.DefaultListen, "host:port to listen on (overrides export.prometheus.listen)")
	return cmd
}

// serve runs the HTTP server until ctx ends (SIGINT, SIGTERM), then shuts
// it down gracefully; that is a clean exit.
func (o *serveOptions) serve(ctx context.Context, snapshotPath string) error {
	log := o.logger()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	srv := &http.Server{
		Handler:           promexport.NewHandler(snapshotPath, log),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving metrics", "listen", ln.Addr().String(), "snapshot", snapshotPath)
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", o.listen, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped serving")
	return nil
}
