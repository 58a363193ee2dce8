package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// CloneRefs are the refs of a clone the git collector reads: the default
// branch, and every pull request's head as GitHub keeps it, so that commits
// squash-merged (or not merged yet) count with their own times.
var CloneRefs = []string{"HEAD", "refs/pull/*/head"}

// pullRefspec keeps a clone's pull requests' heads as GitHub names them.
const pullRefspec = "+refs/pull/*/head:refs/pull/*/head"

// fetchRefspecs bring a clone's branches and pull requests' heads up to
// date, dropping those deleted on GitHub.
var fetchRefspecs = []string{"+refs/heads/*:refs/heads/*", pullRefspec}

// headIs reports whether the repository in dir has HEAD pointing at ref
// (its HEAD file reads "ref: <ref>"). Anything else, or no file, is false.
func headIs(dir, ref string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "HEAD"))
	return err == nil && strings.TrimSpace(string(b)) == "ref: "+ref
}

// clonePath is where a repository's bare clone lives:
// <cache>/<host>/<owner>/<name>.git, lowercased.
func (c *Collector) clonePath(rp repo) string {
	owner, name, _ := strings.Cut(rp.scope, "/")
	return filepath.Join(c.opts.CacheDir, c.host, owner, name+".git")
}

// syncClone makes dir a current bare clone of the repository: cloned the
// first time (into a temporary directory renamed when complete, so that a
// run killed halfway leaves nothing that looks like a clone), fetched after;
// its branches and its pull requests' heads (fetchRefspecs). Clones are
// partial (--filter=blob:none, which the clone records for every later
// fetch from origin): commit times and authors need no file contents, and
// servers that do not filter simply send everything.
func (c *Collector) syncClone(ctx context.Context, rp repo, dir string) error {
	if rp.CloneURL == "" {
		return fmt.Errorf("no clone_url")
	}
	if err := c.checkCloneURL(rp.CloneURL); err != nil {
		return err
	}
	env := c.gitEnv(rp.CloneURL)
	fetch := append([]string{"fetch", "--quiet", "--prune", "--no-tags", "origin"}, fetchRefspecs...)
	if exists(filepath.Join(dir, "HEAD")) {
		if err := c.runGit(ctx, env, dir, "remote", "set-url", "origin", rp.CloneURL); err != nil {
			return err
		}
		if err := c.runGit(ctx, env, dir, fetch...); err != nil {
			return err
		}
		// A fetch writes each new or moved ref as a file of its own; with
		// thousands of pull requests, resolving them (the git collector's
		// first step, every run) then reads thousands of files. Packed, it
		// reads one.
		if err := c.runGit(ctx, env, dir, "pack-refs", "--all", "--prune"); err != nil {
			c.log.Debug("refs left unpacked", "dir", dir, "err", err)
		}
	} else {
		parent := filepath.Dir(dir)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("clone: %w", err)
		}
		stale, _ := filepath.Glob(dir + ".partial-*")
		for _, s := range stale {
			os.RemoveAll(s)
		}
		tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".partial-")
		if err != nil {
			return fmt.Errorf("clone: %w", err)
		}
		// The pull requests' refspec, configured before the clone's
		// fetch, brings their heads in the same process; the clone
		// writes all its refs packed.
		if err := c.runGit(ctx, env, "", "clone", "--quiet", "--bare", "--filter=blob:none", "--no-tags",
			"--config", "remote.origin.fetch="+pullRefspec, rp.CloneURL, tmp); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		if err := os.RemoveAll(dir); err != nil { // a leftover without HEAD
			os.RemoveAll(tmp)
			return fmt.Errorf("clone: %w", err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("clone: %w", err)
		}
	}
	// HEAD follows the default branch, which may have been renamed; one
	// that already names it (the clone's, and every fetch's until a rename)
	// needs no git process.
	if b := rp.DefaultBranch; b != "" && !headIs(dir, "refs/heads/"+b) &&
		c.runGit(ctx, env, dir, "rev-parse", "--verify", "--quiet", "refs/heads/"+b) == nil {
		if err := c.runGit(ctx, env, dir, "symbolic-ref", "HEAD", "refs/heads/"+b); err != nil {
			return err
		}
	}
	// git log reads HEAD:.mailmap in a bare repository. Fetch that one blob
	// now, with credentials, rather than lazily inside the git collector's
	// git log, which has none. A repository without .mailmap fails here,
	// which is fine.
	_ = c.runGit(ctx, env, dir, "cat-file", "blob", "HEAD:.mailmap")
	return nil
}

// checkCloneURL accepts a clone_url on the configured GitHub host (the
// API's scheme, host and port; github.com for api.github.com), where the
// token may go, or a file:// URL (a local mirror), which gets none. An API
// answer naming any other host fails its repository rather than receive the
// token or send it there.
func (c *Collector) checkCloneURL(cloneURL string) error {
	u, err := url.Parse(cloneURL)
	if err != nil {
		return fmt.Errorf("clone_url: %w", err)
	}
	if u.Scheme == "file" {
		return nil
	}
	got := &url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host)}
	if got.Scheme == "https" && got.Port() == "443" || got.Scheme == "http" && got.Port() == "80" {
		got.Host = got.Hostname()
	}
	if *got != *c.gitOrigin {
		return fmt.Errorf("clone_url %s is not on %s, the configured GitHub host: credentials are sent there only, so the repository is not cloned",
			redactURL(u), c.gitOrigin)
	}
	return nil
}

// redactURL is u without user info, query or fragment, for a message.
func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
}

// gitEnv is the environment of git commands for cloneURL. The token goes in
// an http.extraHeader scoped to the clone URL's origin, through git's
// GIT_CONFIG_* variables: never in argv (visible to every user in ps), a
// URL (which git prints) or a file.
func (c *Collector) gitEnv(cloneURL string) []string {
	// No prompts in a nightly job; and only the transports a clone_url
	// from GitHub can name (file:// for tests and local mirrors), never
	// ext:: and the like.
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=https:http:file")
	u, err := url.Parse(cloneURL)
	if c.opts.Token == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return env
	}
	n, _ := strconv.Atoi(os.Getenv("GIT_CONFIG_COUNT"))
	n = max(n, 0)
	i := strconv.Itoa(n)
	return append(env,
		"GIT_CONFIG_COUNT="+strconv.Itoa(n+1),
		"GIT_CONFIG_KEY_"+i+"=http."+u.Scheme+"://"+u.Host+"/.extraheader",
		"GIT_CONFIG_VALUE_"+i+"=Authorization: Basic "+basicCredential(c.opts.Token),
	)
}

func (c *Collector) runGit(ctx context.Context, env []string, dir string, args ...string) error {
	bin := c.opts.GitBinary
	if bin == "" {
		bin = "git"
	}
	full := args
	if dir != "" {
		full = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = env
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return nil
}
