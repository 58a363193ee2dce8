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
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/overtime-project/overtime/collectors"
	"github.com/overtime-project/overtime/store"
)

// Source is the name git events and cursors are stored under.
const Source = "git"

// WebFlowEmail is the committer email of commits GitHub makes on a click
// (squash and rebase merges, web edits); they are stored as not counted.
const WebFlowEmail = store.WebFlowEmail

// DefaultFetchTimeout bounds `git fetch` of a repository with Fetch set.
const DefaultFetchTimeout = 5 * time.Minute

// Repository is one local clone to read.
type Repository struct {
	Path  string // the work tree or bare repository
	Scope string // the name events are stored under; defaults to the directory's base name
	// Refs are what to read the history of: names git resolves to a commit
	// (HEAD, main, origin/main, refs/heads/main) and patterns of full ref
	// names with *, ? or [...], as git log --glob reads them
	// (refs/pull/*/head, refs/remotes/origin/*; * also matches a slash). A
	// name that does not resolve is an error, except HEAD of a repository
	// without commits; a pattern may match nothing. Empty means HEAD.
	Refs []string
	// Fetch runs `git fetch` (the repository's default remote and
	// refspecs) before reading, bounded by Collector.FetchTimeout.
	Fetch bool
}

// Collector reads the commits reachable from each repository's refs.
type Collector struct {
	Repositories []Repository
	GitBinary    string       // defaults to "git"
	Logger       *slog.Logger // optional; batches are logged at debug level, malformed commits as warnings
	// FetchTimeout bounds each fetch; zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
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
		total.Skipped += s.Skipped
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

// CollectRepository reads one repository. Its cursor holds the commits the
// refs pointed at when it was last read (their tips); a run reads only the
// commits reachable from the tips that are new and from none of the old
// ones, so an unchanged repository costs one look at its refs, and a ref
// that was force-pushed or deleted loses nothing stored. A commit reachable
// from several refs is read once; one read again (a ref moved back onto
// history read before, another clone) is dropped as a copy of the stored
// one, and so is a counted copy of stored work (see
// store.EventTx.DropCopiesOfStoredCommits). The commits and the cursor are
// written in one transaction: a run killed halfway leaves nothing behind,
// and the next run reads the same range again.
func (c *Collector) CollectRepository(ctx context.Context, db *store.DB, r Repository) (collectors.Stats, error) {
	var stats collectors.Stats
	scope := r.Scope
	if scope == "" {
		scope = filepath.Base(cursorScope(r.Path))
	}
	if r.Fetch {
		if err := c.fetch(ctx, r.Path); err != nil {
			return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
		}
	}
	tips, err := c.tips(ctx, r.Path, r.Refs)
	if err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	if len(tips) == 0 {
		return stats, nil // no commits yet: nothing to read
	}
	cur, ok, err := db.GetCursor(ctx, Source, cursorScope(r.Path))
	if err != nil {
		return stats, err
	}
	position := strings.Join(tips, " ")
	if ok && cur.Position == position {
		return stats, nil
	}
	var old []string
	if ok {
		old = strings.Fields(cur.Position)
	}
	revs, err := c.revisions(ctx, r.Path, tips, old)
	if err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	tx, err := db.BeginEvents(ctx)
	if err != nil {
		return stats, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	defer tx.Rollback()
	if revs.read > 0 {
		if c.Logger != nil {
			c.Logger.Debug("reading git log", "source", Source, "repository", scope, "new_tips", revs.read, "old_tips", revs.excluded)
		}
		stats, err = c.load(ctx, tx, r.Path, revs.stdin, scope)
		if err != nil {
			return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
		}
	}
	if err := tx.SetCursor(ctx, store.Cursor{Source: Source, Scope: cursorScope(r.Path), Position: position}); err != nil {
		return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return collectors.Stats{}, fmt.Errorf("git repository %s: %w", r.Path, err)
	}
	return stats, nil
}

// tips resolves refs (HEAD when empty) to the distinct objects they point
// at (commits, or annotated tags, which git log reads through), sorted.
// One `git rev-parse` resolves them all; when it fails, each name is
// resolved on its own, to skip HEAD of a repository without commits and to
// name the ref that resolves to nothing.
func (c *Collector) tips(ctx context.Context, repo string, refs []string) ([]string, error) {
	if len(refs) == 0 {
		refs = []string{"HEAD"}
	}
	var names, globs []string
	for _, ref := range refs {
		switch {
		case ref == "" || strings.HasPrefix(ref, "-"):
			return nil, fmt.Errorf("ref %q: not a ref name or pattern", ref)
		case IsPattern(ref):
			globs = append(globs, "--glob="+ref)
		default:
			names = append(names, ref+"^{commit}")
		}
	}
	// "--" ends the revisions: a name is never taken for a path.
	out, err := c.output(ctx, repo, slices.Concat([]string{"rev-parse"}, globs, names, []string{"--"})...)
	if err != nil {
		if out, err = c.output(ctx, repo, slices.Concat([]string{"rev-parse"}, globs, []string{"--"})...); err != nil {
			return nil, fmt.Errorf("refs %s: %w", strings.Join(refs, " "), err)
		}
		for _, name := range names {
			sha, err := c.output(ctx, repo, "rev-parse", "--verify", "--quiet", name)
			if err != nil {
				ref := strings.TrimSuffix(name, "^{commit}")
				var exitErr *exec.ExitError
				if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 {
					if ref == "HEAD" {
						continue // no commits yet, or HEAD names a branch not made yet
					}
					return nil, fmt.Errorf("ref %q: no such commit", ref)
				}
				return nil, fmt.Errorf("ref %q: %w", ref, err)
			}
			out += "\n" + sha
		}
	}
	seen := map[string]bool{}
	for line := range strings.Lines(out) {
		if sha := strings.TrimSpace(line); isSHA(sha) {
			seen[sha] = true
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// isSHA tells whether s is a full SHA-1 or SHA-256 object name.
func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsPattern tells whether a ref is a pattern (holds *, ? or [) rather
// than a name.
func IsPattern(ref string) bool { return strings.ContainsAny(ref, "*?[") }

// revs is what git log reads on its standard input: the new tips, and the
// old tips (those still in the repository) to stop at.
type revs struct {
	stdin          string
	read, excluded int
}

// revisions lists the tips to read from and the old tips to stop at. An
// old tip that is not a tip any more (a ref force-pushed, deleted) is
// excluded only while the repository still has it: git stops at a
// missing object, and its history is stored anyway.
func (c *Collector) revisions(ctx context.Context, repo string, tips, old []string) (revs, error) {
	current := make(map[string]bool, len(tips))
	for _, t := range tips {
		current[t] = true
	}
	var b strings.Builder
	var r revs
	oldSet := make(map[string]bool, len(old))
	var gone []string // old tips that are not tips now
	for _, o := range old {
		oldSet[o] = true
		if !current[o] {
			gone = append(gone, o)
		}
	}
	for _, t := range tips {
		if !oldSet[t] {
			b.WriteString(t + "\n")
			r.read++
		}
	}
	if r.read == 0 {
		return r, nil
	}
	for _, t := range tips {
		if oldSet[t] {
			b.WriteString("^" + t + "\n")
			r.excluded++
		}
	}
	if len(gone) > 0 {
		present, err := c.commitsPresent(ctx, repo, gone)
		if err != nil {
			return r, err
		}
		for _, t := range present {
			b.WriteString("^" + t + "\n")
			r.excluded++
		}
	}
	r.stdin = b.String()
	return r, nil
}

// commitsPresent keeps the SHAs the repository holds as commits (or
// annotated tags, which patterns may match). It never
// fetches a missing one from a partial clone's remote.
func (c *Collector) commitsPresent(ctx context.Context, repo string, shas []string) ([]string, error) {
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "cat-file", "--batch-check=%(objectname) %(objecttype)")
	cmd.Env = append(os.Environ(), "GIT_NO_LAZY_FETCH=1", "GIT_TERMINAL_PROMPT=0")
	cmd.Stdin = strings.NewReader(strings.Join(shas, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var present []string
	for line := range strings.Lines(string(out)) {
		if sha, kind, _ := strings.Cut(strings.TrimSpace(line), " "); kind == "commit" || kind == "tag" {
			present = append(present, sha)
		}
	}
	return present, nil
}

// fetch runs `git fetch` in the repository, bounded by FetchTimeout: git
// and whatever it started (a remote helper, ssh) are ended when it passes.
func (c *Collector) fetch(ctx context.Context, repo string) error {
	timeout := c.FetchTimeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "fetch", "--quiet", "--prune")
	// Never a prompt for a password in a nightly job.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_SSH_COMMAND="+sshCommand())
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("git fetch: no answer within %s", timeout)
	}
	if err != nil {
		return fmt.Errorf("git fetch: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// sshCommand is ssh as git would run it, made to fail rather than ask.
func sshCommand() string {
	if s := os.Getenv("GIT_SSH_COMMAND"); s != "" {
		return s
	}
	return "ssh -o BatchMode=yes"
}

// load streams `git log` of the revisions on stdin (non-merge commits)
// into DuckDB's CSV reader (store.EventTx.LoadGitLog): git formats, DuckDB
// parses and stores. On the way a relay counts the commits, bounds their
// dates, gathers the identities with their names, which events do not
// keep, and mends or leaves out a malformed commit; nothing else of a
// commit is looked at in Go. It returns how many commits were read, how
// many were new and how many were left out.
func (c *Collector) load(ctx context.Context, tx *store.EventTx, repo, stdin, scope string) (collectors.Stats, error) {
	var none collectors.Stats
	fromGit, toRelay, err := os.Pipe()
	if err != nil {
		return none, err
	}
	defer fromGit.Close()
	toDuckDB, fromRelay, err := os.Pipe()
	if err != nil {
		toRelay.Close()
		return none, err
	}
	defer toDuckDB.Close()
	growPipe(toRelay)
	growPipe(fromRelay)
	cmd := exec.CommandContext(ctx, c.git(), "-C", repo, "-c", "core.packedGitLimit=32m", "-c", "core.packedGitWindowSize=8m",
		"log", "--no-merges", "--date=raw", store.GitLogFormat, "--stdin", "--")
	// git log flushes its output after every commit when it writes to a
	// pipe: one write, and one wake-up of the reader, per commit. With
	// GIT_FLUSH=0 it fills its buffer first.
	cmd.Env = append(os.Environ(), "GIT_FLUSH=0", "GIT_TERMINAL_PROMPT=0")
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = toRelay
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		toRelay.Close()
		fromRelay.Close()
		return none, fmt.Errorf("start git log: %w", err)
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
		return none, loadErr
	case gitErr != nil:
		// A failing git wins: its output may have ended early.
		return none, fmt.Errorf("git log: %w: %s", gitErr, strings.TrimSpace(stderr.String()))
	case relayErr != nil:
		return none, fmt.Errorf("relay git log: %w", relayErr)
	}
	if inserted, err = tx.DropCopiesOfStoredCommits(ctx, inserted, log.first, log.last); err != nil {
		return none, err
	}
	if err := tx.NoteIdentities(ctx, log.identities()); err != nil {
		return none, err
	}
	c.warnMalformed(scope, log)
	return collectors.Stats{Read: log.commits + log.skipped, Inserted: inserted, Skipped: log.skipped}, nil
}

// warnMalformed names the commits the relay mended or left out.
func (c *Collector) warnMalformed(scope string, log *logSummary) {
	if c.Logger == nil || len(log.malformed) == 0 {
		return
	}
	for _, m := range log.malformed {
		c.Logger.Warn("malformed commit", "source", Source, "repository", scope, "commit", m.Commit, "problem", m.Problem)
	}
	if more := log.mended + log.skipped - len(log.malformed); more > 0 {
		c.Logger.Warn("more malformed commits", "source", Source, "repository", scope, "unnamed", more,
			"mended", log.mended, "left_out", log.skipped)
	}
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
