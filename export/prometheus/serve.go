package prometheus

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// SnapshotFile reads the snapshot file at a path when it has changed, and
// otherwise keeps answering with what it read last. A file that is missing or
// unreadable (mid-replacement, corrupt, of another version) leaves the last
// good snapshot in place: a scrape never fails because of the nightly run.
type SnapshotFile struct {
	path string
	log  *slog.Logger

	mu   sync.Mutex
	info os.FileInfo // of the file last read successfully
	snap *Snapshot
	err  error // of the last failed read, reported once per change
}

// NewSnapshotFile returns a reader of the snapshot at path. log may be nil.
func NewSnapshotFile(path string, log *slog.Logger) *SnapshotFile {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SnapshotFile{path: path, log: log}
}

// Current returns the latest good snapshot, or nil when there has never been
// one. It re-reads the file only when its identity, size or mtime changed
// since the last good read, so a scrape costs one stat.
func (f *SnapshotFile) Current() *Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	info, err := os.Stat(f.path)
	if err != nil {
		f.failed(err)
		return f.snap
	}
	if f.info != nil && os.SameFile(info, f.info) && info.ModTime().Equal(f.info.ModTime()) && info.Size() == f.info.Size() {
		return f.snap
	}
	s, err := ReadSnapshotFile(f.path)
	if err != nil {
		f.failed(err)
		return f.snap
	}
	f.snap, f.info, f.err = s, info, nil
	f.log.Info("snapshot loaded", "path", f.path, "people", len(s.People), "generated_at", s.GeneratedAt)
	return f.snap
}

// failed logs a read failure once, not at every scrape.
func (f *SnapshotFile) failed(err error) {
	if f.err != nil && f.err.Error() == err.Error() {
		return
	}
	f.err = err
	if errors.Is(err, fs.ErrNotExist) && f.snap == nil {
		f.log.Info("no snapshot yet: serving overtime_snapshot_available 0 until a nightly run writes one", "path", f.path)
		return
	}
	f.log.Warn("snapshot unreadable; serving the last good one", "path", f.path, "have_last_good", f.snap != nil, "err", err)
}

// NewHandler serves /metrics from the snapshot file at path (read per scrape
// when it changed, see SnapshotFile) on a registry of its own, and /healthz.
// Before any snapshot exists, /metrics answers overtime_snapshot_available 0
// and nothing else.
func NewHandler(path string, log *slog.Logger) http.Handler {
	file := NewSnapshotFile(path, log)
	reg := NewRegistry(file.Current)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(file.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.HTTPErrorOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<html><head><title>overtime</title></head><body><h1>overtime</h1><p><a href="/metrics">metrics</a> · <a href="/healthz">healthz</a></p></body></html>` + "\n"))
	})
	return mux
}
