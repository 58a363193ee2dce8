// Package git collects commits from local git repositories (bare or not)
// by streaming `git log`: the author date with the offset it was made in,
// the author after .mailmap, and whether GitHub's web-flow committed it.
// Messages and diffs are never read.
package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/store"
)

// Source is the name git events and cursors are stored under.
const Source = "git"

// WebFlowEmail is the committer email of commits GitHub makes on a click
// (squash and rebase merges, web edits).
const WebFlowEmail = "noreply@github.com"

// BatchSize is how many commits go into one transaction.
const BatchSize = 5000

// Repository is one local clone to read.
type Repository struct {
	Path  string // the work tree or bare repository
	Scope string // the name events are stored under; defaults to the directory's base name
}

// Collector reads commits reachable from HEAD of each repository.
type Collector struct {
	Repositories []Repository
	GitBinary    string       // defaults to "git"
	Logger       *slog.Logger // optional; batches are logged at debug level
}

var _ collectors.Collector = (*Collector)(nil)

// Source implements collectors.Collector.
func (c *Collector) Source() string { return Source }

// Collect reads every repository; an error in one does not stop the others,
// and all errors are returned joined.
func (c *Collector) Collect(ctx context.Context, db *store.DB) (collectors.Stats, error) {
	var total collectors.Stats
	var errs []error
	for _, r := range c.Repositories {
		s, err := c.CollectRepository(ctx, db, r)
		total.Read += s.Read
		total.Inserted += s.Inserted
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

func (c *Collector) git() string {
	if c.GitBinary != "" {
		return c.GitBinary
	}
	return "git"
}

// cursorScope keys the cursor by the repository's absolute path, so two
// clones with the same name do not share one.
func cursorScope(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// CollectRepository reads one repository. It reads only the commits after
// the stored cursor when the cursor is still an ancestor of HEAD, and the
// whole history otherwise (a force-push); commits already stored are
// skipped, so a rescan never duplicates. The commits and the cursor moving
// to HEAD are written in one transaction: a run killed halfway leaves
// nothing behind, and the next run reads the same range again.
func (c *Collector) CollectRepository(ctx context.Context, db *store.DB, r Repository) (collectors.Stats, error) {
	var stats collectors.Stats
	scope := r.Scope
	if scope == "" {
		scope = filepath.Base(cursorScope(r.Path))
	}
	head, err := c.output(ctx, r.Path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 {
			return stats, nil // no commits yet: nothing to read
		}
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	cur, ok, err := db.GetCursor(ctx, Source, cursorScope(r.Path))
	if err != nil {
		return stats, err
	}
	if ok && cur.Position == head {
		return stats, nil
	}
	rangeArg := "HEAD"
	if ok && c.isAncestor(ctx, r.Path, cur.Position) {
		rangeArg = cur.Position + "..HEAD"
	}
	tx, err := db.BeginEvents(ctx)
	if err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	defer tx.Rollback()
	// A writer goroutine stores one batch while git and the parser fill the
	// next, so git never waits on DuckDB. At most three batches are alive:
	// the one being written, one queued, one being filled.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	batches := make(chan []store.Event, 1)
	written := make(chan error, 1)
	go func() {
		var werr error
		for batch := range batches {
			if werr != nil {
				continue // drain, so the reader never blocks
			}
			n, err := tx.Write(ctx, batch)
			if err != nil {
				werr = fmt.Errorf("git repository %s: %w", r.Path, err)
				stopReading()
				continue
			}
			stats.Inserted += n // only this goroutine writes it until written is read
			if c.Logger != nil {
				c.Logger.Debug("stored batch", "source", Source, "repository", scope, "commits", len(batch), "new", n)
			}
		}
		written <- werr
	}()
	batch := make([]store.Event, 0, BatchSize)
	readErr := c.log(readCtx, r.Path, rangeArg, func(cm Commit) error {
		stats.Read++
		batch = append(batch, cm.Event(scope))
		if len(batch) == BatchSize {
			batches <- batch
			batch = make([]store.Event, 0, BatchSize)
		}
		return nil
	})
	if readErr == nil && len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	if err := <-written; err != nil {
		return stats, err
	}
	if readErr != nil {
		return stats, readErr
	}
	if err := tx.SetCursor(ctx, store.Cursor{Source: Source, Scope: cursorScope(r.Path), Position: head}); err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	return stats, nil
}

func (c *Collector) isAncestor(ctx context.Context, repo, sha string) bool {
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "merge-base", "--is-ancestor", sha, "HEAD")
	return cmd.Run() == nil
}

func (c *Collector) output(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.git(), append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Commit is what is kept of one commit.
type Commit struct {
	SHA            string
	AuthorName     string // after .mailmap
	AuthorEmail    string // after .mailmap
	AuthorTime     time.Time
	AuthorOffset   int // seconds east of UTC
	CommitterEmail string
}

// Event turns the commit into the store's activity event.
func (cm Commit) Event(scope string) store.Event {
	identity := store.IdentityKey("email", strings.ToLower(cm.AuthorEmail))
	if cm.AuthorEmail == "" {
		identity = store.IdentityKey("name", cm.AuthorName)
	}
	return store.Event{
		Source:     Source,
		Kind:       "commit",
		ID:         cm.SHA,
		Identity:   identity,
		Name:       cm.AuthorName,
		At:         cm.AuthorTime,
		Offset:     cm.AuthorOffset,
		HasOffset:  true,
		Scope:      scope,
		NotCounted: strings.EqualFold(cm.CommitterEmail, WebFlowEmail),
	}
}

// Fields are separated by US (0x1f) and records by RS (0x1e): neither can
// appear in names or emails. %aN/%aE apply .mailmap as git does.
const logFormat = "--format=%H%x1f%aN%x1f%aE%x1f%ad%x1f%cE%x1e"

// log streams the non-merge commits of rangeArg to fn, newest first.
func (c *Collector) log(ctx context.Context, repo, rangeArg string, fn func(Commit) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "-c", "core.packedGitLimit=32m", "-c", "core.packedGitWindowSize=8m", "log", "--no-merges", "--date=raw", logFormat, rangeArg, "--")
	// git log flushes its output after every commit when it writes to a
	// pipe: one write, and one wake-up of this reader, per commit. With
	// GIT_FLUSH=0 it fills its buffer first, which took about a third off
	// the whole collection.
	cmd.Env = append(os.Environ(), "GIT_FLUSH=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git repository %s: start git log: %w", repo, err)
	}
	readErr := parseLog(stdout, fn)
	if readErr != nil {
		cancel()
		cmd.Wait()
		return fmt.Errorf("git repository %s: %w", repo, readErr)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git repository %s: git log: %w: %s", repo, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func parseLog(r io.Reader, fn func(Commit) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		rec, err := br.ReadBytes(0x1e)
		if len(rec) > 0 && rec[len(rec)-1] == 0x1e {
			cm, perr := parseRecord(bytes.TrimLeft(rec[:len(rec)-1], "\n"))
			if perr != nil {
				return perr
			}
			if ferr := fn(cm); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseRecord(rec []byte) (Commit, error) {
	// One string for the whole record; the fields are slices of it.
	var f [5]string
	rest := string(rec)
	for i := range f {
		field, tail, found := strings.Cut(rest, "\x1f")
		if found == (i == len(f)-1) {
			return Commit{}, fmt.Errorf("malformed git log record %q", rec)
		}
		f[i], rest = field, tail
	}
	secs, offset, err := parseRawDate(f[3])
	if err != nil {
		return Commit{}, fmt.Errorf("commit %s: %w", f[0], err)
	}
	return Commit{
		SHA:            f[0],
		AuthorName:     f[1],
		AuthorEmail:    f[2],
		AuthorTime:     time.Unix(secs, 0).UTC(),
		AuthorOffset:   offset,
		CommitterEmail: f[4],
	}, nil
}

// parseRawDate reads git's raw date, "1700000000 +0530".
func parseRawDate(s string) (secs int64, offset int, err error) {
	ts, tz, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok || len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return 0, 0, fmt.Errorf("malformed author date %q", s)
	}
	secs, err = strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed author date %q", s)
	}
	hh, err1 := strconv.Atoi(tz[1:3])
	mm, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil || mm >= 60 {
		return 0, 0, fmt.Errorf("malformed author date offset %q", s)
	}
	offset = hh*3600 + mm*60
	if tz[0] == '-' {
		offset = -offset
	}
	return secs, offset, nil
}
