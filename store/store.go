package store

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrBusy says the database is held by another process.
var ErrBusy = errors.New("database is busy")

// DB is an open Overtime database.
type DB struct {
	sql      *sql.DB
	path     string // as the user named it
	real     string // with symbolic links resolved: the file DuckDB opens
	readOnly bool
	lock     *os.File   // the writer lock, held for as long as DB is open for writing
	weeksMu  sync.Mutex // one weekly history at a time: its SQL functions are the database's (weeks.go)
}

// Options tune Open.
type Options struct {
	// ReadOnly opens the file for reading only: no writer lock, no migrations.
	ReadOnly bool
	// OpenTimeout is how long to keep retrying while another process (a
	// scrape by `overtime serve`, say) briefly has the file open. Zero tries once.
	OpenTimeout time.Duration
}

// Open opens (creating it if missing) the DuckDB file at path and brings its
// schema up to date. A writer first takes the writer lock, a file beside the
// database: a second writer fails at once with ErrBusy instead of waiting
// or corrupting anything.
//
// path must be a local file: a DuckDB connection string such as "md:x" or
// "s3://…", or an existing file that is not a DuckDB database (a SQLite
// file, say), is refused before anything is created beside it. A path
// through symbolic links is resolved first, so the database, its WAL and
// its lock are the same whichever way the file is named.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	real, err := resolveDatabasePath(path, !opts.ReadOnly)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{path: path, real: real, readOnly: opts.ReadOnly}
	if !opts.ReadOnly {
		lock, err := acquireWriterLock(real, path)
		if err != nil {
			return nil, err
		}
		db.lock = lock
	}
	if err := db.openDuckDB(ctx, opts.OpenTimeout); err != nil {
		db.releaseLock()
		return nil, err
	}
	if !opts.ReadOnly {
		if err := db.migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		if err := db.ensureErasureKey(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	return db, nil
}

// resolveDatabasePath checks that path names a local file that is, or can
// become, a DuckDB database, and returns it with every symbolic link
// resolved. create allows a missing file (its directory is created).
func resolveDatabasePath(path string, create bool) (string, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, ":memory:") {
		return "", errors.New("the database must be a file path")
	}
	if i := strings.Index(path, ":"); i > 0 {
		prefix := strings.ToLower(path[:i])
		if prefix == "md" || prefix == "motherduck" || strings.HasPrefix(path[i:], "://") {
			return "", fmt.Errorf("the database must be a local file path, not a %q connection string", prefix+":")
		}
	}
	real, err := filepath.EvalSymlinks(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "", errors.New("it is a symbolic link to a file that does not exist")
		}
		if !create {
			return "", err
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", fmt.Errorf("create its directory: %w", err)
		}
		if dir, err = filepath.EvalSymlinks(dir); err != nil {
			return "", fmt.Errorf("resolve its directory: %w", err)
		}
		return filepath.Join(dir, filepath.Base(path)), nil
	default:
		return "", fmt.Errorf("resolve symbolic links: %w", err)
	}
	if err := checkDuckDBFile(real); err != nil {
		return "", err
	}
	return filepath.Abs(real)
}

// checkDuckDBFile fails unless the file at path is empty or starts with
// DuckDB's header ("DUCK" at byte 8), so that DuckDB is never asked to open
// another kind of file (for a SQLite file it would look for an extension).
func checkDuckDBFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read its header: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read its header: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return errors.New("it is not a regular file")
	}
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if n == 0 {
		return nil // a new, empty file: DuckDB makes it a database
	}
	if err == nil && string(head[8:12]) == "DUCK" {
		return nil
	}
	if bytes.HasPrefix(head[:n], []byte("SQLite format 3\x00")) {
		return errors.New("it is a SQLite database, not a DuckDB database")
	}
	return errors.New("it is not a DuckDB database")
}

func (db *DB) openDuckDB(ctx context.Context, timeout time.Duration) error {
	// The tool uses no DuckDB extension it does not ship: never download
	// or load one behind the user's back. External access stays on, for
	// the git collector reads git's output through read_csv; the
	// configuration is not locked, for Collecting changes it at run time.
	dsn := db.real + "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"
	if db.readOnly {
		dsn += "&access_mode=read_only"
	}
	deadline := time.Now().Add(timeout)
	for delay := 20 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		sqlDB, err := sql.Open("duckdb", dsn)
		if err == nil {
			err = sqlDB.PingContext(ctx)
			if err != nil {
				sqlDB.Close()
			}
		}
		if err == nil {
			db.sql = sqlDB
			return nil
		}
		if !isLockConflict(err) {
			return fmt.Errorf("open database %s: %w", db.path, err)
		}
		if time.Now().Add(delay).After(deadline) {
			return fmt.Errorf("open database %s: %w: another process has the file open (%v)", db.path, ErrBusy, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("open database %s: %w", db.path, ctx.Err())
		case <-time.After(delay):
		}
	}
}

func isLockConflict(err error) bool {
	return strings.Contains(err.Error(), "Could not set lock") || strings.Contains(err.Error(), "Conflicting lock")
}

// acquireWriterLock takes an exclusive, non-blocking lock on real+".lock"
// (real is the database's resolved path; name is how the user named it)
// and writes our pid into it. The kernel drops the lock when the process
// dies, so a run killed halfway never leaves a stale lock behind. The lock
// file is opened without following a symbolic link, so a link planted
// there can never get another file truncated.
func acquireWriterLock(real, name string) (*os.File, error) {
	lockPath := real + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o666)
	if err != nil {
		if fi, lerr := os.Lstat(lockPath); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("open lock %s: it is a symbolic link; remove it (the lock is always a plain file)", lockPath)
		}
		return nil, fmt.Errorf("open lock %s: %w", lockPath, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open lock %s: it is not a regular file", lockPath)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := make([]byte, 32)
		n, _ := f.ReadAt(holder, 0)
		f.Close()
		pid := strings.TrimSpace(string(holder[:n]))
		if pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("database %s: %w: another overtime process (pid %s) is writing to it; only one may run at a time", name, ErrBusy, pid)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

func (db *DB) releaseLock() {
	if db.lock != nil {
		db.lock.Close() // closing the descriptor releases the flock
		db.lock = nil
	}
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database and releases the writer lock.
func (db *DB) Close() error {
	var err error
	if db.sql != nil {
		if err = db.sql.Close(); err != nil {
			err = fmt.Errorf("close database %s: %w", db.path, err)
		}
	}
	db.releaseLock()
	return err
}

// migrate applies, each in its own transaction, every embedded migration not
// yet recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error { return db.migrateTo(ctx, math.MaxInt) }

// migrateTo applies the migrations up to and including version last; tests
// use it to build a database as an earlier release left it.
func (db *DB) migrateTo(ctx context.Context, last int) error {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	applied := map[int]bool{}
	rows, err := db.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if applied[version] || version > last {
			continue
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err // named below by the migration's file
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, ?)`, version, base, time.Now().UTC()); err != nil {
				return fmt.Errorf("record in schema_migrations: %w", err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err // fn names its step
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// collectingLimits are the DuckDB settings a collection runs under. A
// collector writes from one goroutine (a git log loaded in bulk, or pages of
// a few hundred GitHub or Jira events), where DuckDB's worker threads only
// add wake-ups and memory; the analysis wants every core and more memory,
// so Collecting returns a function that gives them back. Measured in
// bench/README.md: one thread took 10-20 % off the git collector's time, and
// the buffer cap its peak RSS at 3 M commits from 303 MB to 140 MB.
var collectingLimits = []struct{ name, value string }{
	{"threads", "1"},
	// Flush a transaction's appended rows to the file a row group at a
	// time (DuckDB's default buffers five, ~55 MB of events).
	{"write_buffer_row_group_count", "1"},
	// Bounds DuckDB's buffer pool, which otherwise keeps every block
	// written during the run; what does not fit is evicted or spilled to
	// the temp directory. An operator that needs one block larger than
	// this is refused, so statements run while collecting read in small
	// buffers (LoadGitLog: 1 MiB); a million-commit load, and the
	// dropping of a million copies, run within it (bench/README.md).
	{"memory_limit", "'64MB'"},
	// A run's events are written once, by a checkpoint at its commit,
	// instead of into the WAL first and again by the checkpoint at close.
	{"checkpoint_threshold", "'1MB'"},
}

// Collecting puts DuckDB under the collecting limits until the returned
// function gives the settings back the values they had before.
//
// The values are set back explicitly, never with RESET: DuckDB 1.5's RESET
// memory_limit makes current_setting read the default again but leaves the
// buffer pool capped at the collecting limit, so an analysis run in the same
// process failed with "Out of Memory" on a 64 MB allocation. restore checks
// the buffer pool's own limit (pragma_database_size) afterwards.
func (db *DB) Collecting(ctx context.Context) (restore func(context.Context) error, err error) {
	saved := make([]string, len(collectingLimits))
	for i, l := range collectingLimits {
		if err := db.sql.QueryRowContext(ctx, `SELECT current_setting('`+l.name+`')::VARCHAR`).Scan(&saved[i]); err != nil {
			return nil, fmt.Errorf("read %s: %w", l.name, err)
		}
	}
	restore = func(ctx context.Context) error {
		var errs []error
		for i, l := range collectingLimits {
			if _, err := db.sql.ExecContext(ctx, "SET "+l.name+" = "+sqlString(saved[i])); err != nil {
				errs = append(errs, fmt.Errorf("restore %s to %s: %w", l.name, saved[i], err))
			}
		}
		if len(errs) == 0 {
			if err := db.checkMemoryLimit(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	for _, l := range collectingLimits {
		if _, err := db.sql.ExecContext(ctx, "SET "+l.name+" = "+l.value); err != nil {
			return nil, errors.Join(fmt.Errorf("set %s: %w", l.name, err), restore(ctx))
		}
	}
	return restore, nil
}

// checkMemoryLimit fails when the buffer pool's limit is not the one the
// memory_limit setting reads.
func (db *DB) checkMemoryLimit(ctx context.Context) error {
	var setting, pool string
	if err := db.sql.QueryRowContext(ctx, `SELECT current_setting('memory_limit')::VARCHAR, memory_limit FROM pragma_database_size()`).Scan(&setting, &pool); err != nil {
		return fmt.Errorf("read the buffer pool's memory limit: %w", err)
	}
	if setting != pool {
		return fmt.Errorf("DuckDB's buffer pool is limited to %s though memory_limit reads %s", pool, setting)
	}
	return nil
}
