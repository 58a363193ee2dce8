package pipeline

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
)

// ExportMetrics is the export phase of the nightly run: it writes the
// snapshot beside the database (for serve) and, when weeks is not nil, the
// weekly history (for backfill); then the node_exporter textfile and the
// Pushgateway push when the config asks for them. snap must already be
// stamped with Finish. Every output is attempted; the errors are joined.
func ExportMetrics(ctx context.Context, cfg *config.Config, snap *promexport.Snapshot, weeks []promexport.WeeklyPoint, log *slog.Logger) error {
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

// PreviousSnapshot returns the snapshot of the run before, or nil; the run
// needs it to carry the last success over a failure (Snapshot.Finish).
func PreviousSnapshot(cfg *config.Config, log *slog.Logger) *promexport.Snapshot {
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

// publish is the end of every run: it stamps the snapshot as a run that
// ended now (carrying prev's last success over a failure) and exports it.
func publish(ctx context.Context, cfg *config.Config, snap *promexport.Snapshot, weeks []promexport.WeeklyPoint,
	prev *promexport.Snapshot, job promexport.Job, now time.Time, succeeded bool, log *slog.Logger) error {
	snap.GeneratedAt = now
	snap.Job = job
	snap.Finish(prev, now, succeeded)
	return ExportMetrics(ctx, cfg, snap, weeks, log)
}
