package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
)

type serveOptions struct {
	*globalOptions
	listen    string
	listenSet bool // --listen given; else export.prometheus.listen
	// idleTimeout closes keep-alive connections idle this long, so clients
	// that vanish do not hold connections (and descriptors) forever.
	idleTimeout time.Duration
}

// Timeouts of the metrics server. A scrape sends its headers at once and
// reads a response of a few hundred kilobytes at most; Prometheus reuses
// its connection every scrape interval (1m by default), well within the
// idle timeout.
const (
	serveReadHeaderTimeout = 10 * time.Second
	serveWriteTimeout      = 30 * time.Second
	serveIdleTimeout       = 2 * time.Minute
)

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{globalOptions: g, idleTimeout: serveIdleTimeout}
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
			o.listenSet = cmd.Flags().Changed("listen")
			return serveRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.listen, "listen", config.DefaultListen, "host:port to listen on (overrides export.prometheus.listen)")
	return cmd
}

// serveRun is `overtime serve`.
func serveRun(ctx context.Context, o *serveOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if !o.listenSet && cfg.Export.Prometheus.Listen != "" {
		o.listen = cfg.Export.Prometheus.Listen
	}
	if err := checkListen(o.listen); err != nil {
		return usageError{fmt.Errorf("--listen: want host:port like %q, got %q: %w", config.DefaultListen, o.listen, err)}
	}
	path := promexport.SnapshotPath(cfg.Database)
	if path == "" {
		return usageError{fmt.Errorf("database %q: an in-memory database has no snapshot to serve", cfg.Database)}
	}
	return o.serve(ctx, path)
}

// checkListen accepts host:port with a numeric port; the host may be empty
// (every interface).
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
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
		ReadHeaderTimeout: serveReadHeaderTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       o.idleTimeout,
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
