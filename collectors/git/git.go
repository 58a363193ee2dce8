// Package git collects commits from local git repositories (bare or not):
// `git log` is piped into DuckDB's CSV reader, which stores the author date
// with the offset it was made in, the author after .mailmap, and whether
// GitHub's web-flow committed it. Messages and diffs are never read.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/store"
)

// Source is the name git events and cursors are stored under.
const Source = "git"

// WebFlowEmail is the committer email of commits GitHub makes on a click
// (squash and rebase merges, web edits); they are stored as not counted.
const WebFlowEmail = store.WebFlowEmail

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
	if c.Logger != nil {
		c.Logger.Debug("reading git log", "source", Source, "repository", scope, "range", rangeArg)
	}
	stats.Read, stats.Inserted, err = c.load(ctx, tx, r.Path, rangeArg, scope)
	if err != nil {
		return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	if err := tx.SetCursor(ctx, store.Cursor{Source: Source, Scope: cursorScope(r.Path), Position: head}); err != nil {
		return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	return stats, nil
}

// load streams `git log` of rangeArg (non-merge commits) into DuckDB's CSV
// reader (store.EventTx.LoadGitLog): git formats, DuckDB parses and stores.
// On the way a relay counts the commits, bounds their dates and gathers the
// identities with their names, which events do not keep; nothing else of a
// commit is looked at in Go. It returns how many commits were read and how
// many were new.
func (c *Collector) load(ctx context.Context, tx *store.EventTx, repo, rangeArg, scope string) (read, inserted int, err error) {
	fromGit, toRelay, err := os.Pipe()
	if err != nil {
		return 0, 0, err
	}
	defer fromGit.Close()
	toDuckDB, fromRelay, err := os.Pipe()
	if err != nil {
		toRelay.Close()
		return 0, 0, err
	}
	defer toDuckDB.Close()
	growPipe(toRelay)
	growPipe(fromRelay)
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "-c", "core.packedGitLimit=32m", "-c", "core.packedGitWindowSize=8m",
		"log", "--no-merges", "--date=raw", store.GitLogFormat, rangeArg, "--")
	// git log flushes its output after every commit when it writes to a
	// pipe: one write, and one wake-up of the reader, per commit. With
	// GIT_FLUSH=0 it fills its buffer first.
	cmd.Env = append(os.Environ(), "GIT_FLUSH=0")
	cmd.Stdout = toRelay
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		toRelay.Close()
		fromRelay.Close()
		return 0, 0, fmt.Errorf("start git log: %w", err)
	}
	toRelay.Close() // git holds the only write end: its exit ends the relay's input

	log := newLogSummary()
	relayed := make(chan error, 1)
	go func() {
		err := log.relay(fromGit, fromRelay)
		fromRelay.Close() // DuckDB's end of file
		fromGit.Close()   // should DuckDB stop early, git's next write fails instead of blocking
		relayed <- err
	}()
	// DuckDB opens the read end by name; Fd puts it in blocking mode, which
	// that reader expects.
	inserted, loadErr := tx.LoadGitLog(ctx, fmt.Sprintf("/dev/fd/%d", toDuckDB.Fd()), scope)
	toDuckDB.Close() // should the load stop early, the relay's next write fails instead of blocking
	relayErr := <-relayed
	gitErr := cmd.Wait()
	switch {
	case loadErr != nil && (gitErr == nil || brokenPipe(gitErr)):
		// git was cut off because the load stopped: the load's error says why.
		return 0, 0, loadErr
	case gitErr != nil:
		// A failing git wins: its output may have ended early.
		return 0, 0, fmt.Errorf("git log: %w: %s", gitErr, strings.TrimSpace(stderr.String()))
	case relayErr != nil:
		return 0, 0, fmt.Errorf("relay git log: %w", relayErr)
	}
	if inserted, err = tx.DropCopiesOfStoredCommits(ctx, inserted, log.first, log.last); err != nil {
		return 0, 0, err
	}
	if err := tx.NoteIdentities(ctx, log.identities()); err != nil {
		return 0, 0, err
	}
	return log.commits, inserted, nil
}

// brokenPipe tells whether git died writing into a pipe nobody reads:
// killed by SIGPIPE, or exiting 141 (128 + SIGPIPE) as git and shells do
// when they catch it.
func brokenPipe(err error) bool {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return false
	}
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGPIPE {
		return true
	}
	return exitErr.ExitCode() == 128+int(syscall.SIGPIPE)
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
