// Package gittest builds real git repositories with planted author dates
// for tests.
package gittest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Repo is a git work tree made for a test.
type Repo struct {
	t   testing.TB
	Dir string
	n   int
}

// Commit describes one commit to plant.
type Commit struct {
	AuthorName     string
	AuthorEmail    string
	When           time.Time // the author date, in the zone (offset) it was made in
	CommitterEmail string    // defaults to the author's
	CommitterName  string
}

// New makes an empty repository (work tree) in a fresh temp dir.
func New(t testing.TB) *Repo {
	t.Helper()
	r := &Repo{t: t, Dir: t.TempDir()}
	r.Git(nil, "init", "-q", "-b", "main")
	return r
}

// Open wraps an existing repository (work tree or bare) in dir.
func Open(t testing.TB, dir string) *Repo {
	return &Repo{t: t, Dir: dir}
}

// Clone clones the repository (work tree) into a fresh temp dir.
func (r *Repo) Clone() *Repo {
	r.t.Helper()
	c := &Repo{t: r.t, Dir: filepath.Join(r.t.TempDir(), "clone"), n: r.n}
	r.Git(nil, "clone", "-q", r.Dir, c.Dir)
	return c
}

// Git runs git in the repository with extra environment and returns its output.
func (r *Repo) Git(env []string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.Dir}, args...)...)
	cmd.Env = append(append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// GitDate formats t as git's internal date, keeping its offset.
func GitDate(t time.Time) string {
	return fmt.Sprintf("%d %s", t.Unix(), t.Format("-0700"))
}

// Commit plants one commit touching a new file and returns its SHA.
func (r *Repo) Commit(c Commit) string {
	r.t.Helper()
	r.n++
	name := fmt.Sprintf("f%06d.txt", r.n)
	if err := os.WriteFile(filepath.Join(r.Dir, name), []byte(name), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.Git(nil, "add", name)
	ce, cn := c.CommitterEmail, c.CommitterName
	if ce == "" {
		ce = c.AuthorEmail
	}
	if cn == "" {
		cn = c.AuthorName
	}
	date := GitDate(c.When)
	r.Git([]string{
		"GIT_AUTHOR_NAME=" + c.AuthorName, "GIT_AUTHOR_EMAIL=" + c.AuthorEmail, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + cn, "GIT_COMMITTER_EMAIL=" + ce, "GIT_COMMITTER_DATE=" + date,
	}, "commit", "-q", "-m", "planted commit "+name)
	return r.Git(nil, "rev-parse", "HEAD")
}

// Merge makes a merge commit of branch into the current branch.
func (r *Repo) Merge(branch string, when time.Time) string {
	r.t.Helper()
	date := GitDate(when)
	r.Git([]string{"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date}, "merge", "-q", "--no-ff", "-m", "merge", branch)
	return r.Git(nil, "rev-parse", "HEAD")
}

// WriteFile writes a file in the work tree (a .mailmap, say) and commits nothing.
func (r *Repo) WriteFile(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.Dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// At is a helper for planting dates: the wall time in a fixed offset zone.
func At(y int, m time.Month, d, hh, mm int, offset string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -0700", fmt.Sprintf("%04d-%02d-%02d %02d:%02d %s", y, m, d, hh, mm, offset))
	if err != nil {
		panic(err)
	}
	return t
}

// FastImport appends the commits to branch main of the repository in one
// `git fast-import` run: thousands of commits a second, for large histories.
func (r *Repo) FastImport(commits []Commit) {
	r.t.Helper()
	var b strings.Builder
	parent := ""
	if out, err := exec.Command("git", "-C", r.Dir, "rev-parse", "--verify", "-q", "refs/heads/main").Output(); err == nil {
		parent = strings.TrimSpace(string(out))
	}
	for i, c := range commits {
		ce, cn := c.CommitterEmail, c.CommitterName
		if ce == "" {
			ce = c.AuthorEmail
		}
		if cn == "" {
			cn = c.AuthorName
		}
		msg := fmt.Sprintf("bulk commit %d", i)
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\nauthor %s <%s> %s\ncommitter %s <%s> %s\ndata %d\n%s\n",
			i+1, c.AuthorName, c.AuthorEmail, GitDate(c.When), cn, ce, GitDate(c.When), len(msg), msg)
		if i == 0 && parent != "" {
			fmt.Fprintf(&b, "from %s\n", parent)
		}
		fmt.Fprintf(&b, "M 644 inline bulk.txt\ndata %d\n%s\n\n", len(msg), msg)
	}
	cmd := exec.Command("git", "-C", r.Dir, "fast-import", "--quiet")
	if os.Getenv("GLIBC_TUNABLES") == "" {
		// As internal/demo runs it: fast-import grows and frees its heap
		// for every object, and glibc's default trim threshold hands it
		// back to the kernel each time, a dozen brk calls a commit, which
		// took 7 s of 2,000 commits on a virtual machine instead of 0.15 s.
		cmd.Env = append(os.Environ(), "GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456")
	}
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git fast-import: %v\n%s", err, out)
	}
	r.Git(nil, "reset", "-q", "--hard", "main")
}

// WebFlow makes c a commit GitHub's web-flow committed on a click ("Squash
// and merge", "Rebase and merge", an edit in the web UI): its committer is
// GitHub <noreply@github.com>, its author c's.
func WebFlow(c Commit) Commit {
	c.CommitterName, c.CommitterEmail = "GitHub", "noreply@github.com"
	return c
}

// CommitTree writes a commit with parent (a SHA or ref; "" for a root
// commit) and the parent's tree, without moving any ref or the work tree,
// and returns its SHA. Its committer date is its author date.
func (r *Repo) CommitTree(parent string, c Commit) string {
	r.t.Helper()
	r.n++
	ce, cn := c.CommitterEmail, c.CommitterName
	if ce == "" {
		ce = c.AuthorEmail
	}
	if cn == "" {
		cn = c.AuthorName
	}
	tree := "4b825dc642cb6eb9a060e54bf8d69288fbee4904" // the empty tree
	args := []string{"commit-tree", "-m", fmt.Sprintf("planted commit %d", r.n)}
	if parent != "" {
		tree = r.Git(nil, "rev-parse", parent+"^{tree}")
		args = append(args, "-p", parent)
	} else {
		r.Git(nil, "hash-object", "-t", "tree", "-w", "/dev/null")
	}
	date := GitDate(c.When)
	return r.Git([]string{
		"GIT_AUTHOR_NAME=" + c.AuthorName, "GIT_AUTHOR_EMAIL=" + c.AuthorEmail, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + cn, "GIT_COMMITTER_EMAIL=" + ce, "GIT_COMMITTER_DATE=" + date,
	}, append(args, tree)...)
}

// CommitOn writes the commits one after the other on top of ref (a
// branch, "HEAD", or a pull request's refs/pull/<n>/head), or on top of
// base first when base is not "", moves ref to the last one, and returns
// their SHAs. A ref that does not exist yet, with no base, starts with a
// root commit. The work tree is left alone.
func (r *Repo) CommitOn(ref, base string, commits ...Commit) []string {
	r.t.Helper()
	parent := base
	if parent == "" {
		if out, err := exec.Command("git", "-C", r.Dir, "rev-parse", "--verify", "-q", ref).Output(); err == nil {
			parent = strings.TrimSpace(string(out))
		}
	}
	var shas []string
	for _, c := range commits {
		parent = r.CommitTree(parent, c)
		shas = append(shas, parent)
	}
	r.Git(nil, "update-ref", ref, parent)
	return shas
}

// PullRequest plants commits on refs/pull/<n>/head, branched off base, as
// GitHub keeps a pull request's head, and returns their SHAs.
func (r *Repo) PullRequest(n int, base string, commits ...Commit) []string {
	r.t.Helper()
	return r.CommitOn(fmt.Sprintf("refs/pull/%d/head", n), base, commits...)
}

// RawCommit writes a commit object whose author line is exactly author
// ("Name <email> 1700000000 +0000", or anything a broken tool wrote), on
// top of parent ("" for a root commit), with `git hash-object --literally`,
// and returns its SHA. No ref moves.
func (r *Repo) RawCommit(parent, author string) string {
	r.t.Helper()
	r.n++
	tree := r.Git(nil, "hash-object", "-t", "tree", "-w", "/dev/null")
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", tree)
	if parent != "" {
		fmt.Fprintf(&b, "parent %s\n", r.Git(nil, "rev-parse", parent))
	}
	fmt.Fprintf(&b, "author %s\ncommitter C <c@example.com> 1767261600 +0000\n\nraw commit %d\n", author, r.n)
	cmd := exec.Command("git", "-C", r.Dir, "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	cmd.Stdin = strings.NewReader(b.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git hash-object: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}
