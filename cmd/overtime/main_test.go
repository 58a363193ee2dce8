package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/store"
)

// The end-to-end tests run the real command as a process of its own: the
// test binary itself, started again with OVERTIME_TEST_MAIN=1, runs main
// instead of the tests. That is the same code as the built binary, without
// linking DuckDB a second time. Most tests run commands in process (cli).
const asMainEnv = "OVERTIME_TEST_MAIN"

// overtimeBin is the executable the end-to-end tests start.
var overtimeBin string

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		return
	}
	bin, err := os.Executable()
	if err != nil {
		panic(err)
	}
	overtimeBin = bin
	os.Exit(m.Run())
}

// binary returns the command that runs overtime as a process of its own.
func binary(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, overtimeBin, args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

// overtime runs overtime as a process in dir and waits for it.
func overtime(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := binary(ctx, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("overtime %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout.String(), stderr.String(), code}
}

func writeConfig(t *testing.T, dir, repo string) string {
	t.Helper()
	path := filepath.Join(dir, "overtime.yaml")
	cfg := fmt.Sprintf("database: data/overtime.duckdb\nsources:\n  git:\n    - path: %s\n", repo)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func bulkRepo(t *testing.T, n int) *gittest.Repo {
	t.Helper()
	repo := gittest.New(t)
	var commits []gittest.Commit
	start := gittest.At(2026, 6, 1, 8, 0, "+0200")
	for i := range n {
		who := []string{"ana", "ben", "cai"}[i%3]
		commits = append(commits, gittest.Commit{AuthorName: who, AuthorEmail: who + "@example.com",
			When: start.Add(time.Duration(i) * 37 * time.Minute)})
	}
	repo.FastImport(commits)
	return repo
}

func TestRunTwiceGivesTheSameReport(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 300)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, repo.Dir)
	first := cli(t, "--config", cfg, "run")
	if first.code != 0 {
		t.Fatalf("run: exit %d\n%s", first.code, first.stderr)
	}
	if !strings.Contains(first.stdout, "Overtime report: 28 days,") {
		t.Errorf("run did not print the report table:\n%s", first.stdout)
	}
	report := func() string {
		r := cli(t, "--config", cfg, "report", "--format", "json", "--as-of", "2026-06-20", "--window", "28")
		if r.code != 0 {
			t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
		}
		return r.stdout
	}
	before := report()
	if second := cli(t, "--config", cfg, "run"); second.code != 0 {
		t.Fatalf("second run: exit %d\n%s", second.code, second.stderr)
	}
	if after := report(); after != before {
		t.Errorf("report changed after a second run:\n%s\n---\n%s", before, after)
	}
	var doc struct {
		AsOf       string `json:"as_of"`
		WindowDays int    `json:"window_days"`
		People     []struct {
			ID     string `json:"id"`
			Events int    `json:"events"`
		} `json:"people"`
	}
	if err := json.Unmarshal([]byte(before), &doc); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range doc.People {
		total += p.Events
	}
	if doc.AsOf != "2026-06-20" || doc.WindowDays != 28 || len(doc.People) != 3 || total != 300 {
		t.Errorf("report = %+v, want 3 people and all 300 commits in the window", doc)
	}
	csv := cli(t, "--config", cfg, "report", "--format", "csv", "--as-of", "2026-06-20")
	if !strings.HasPrefix(csv.stdout, "as_of,window_days,id,") || strings.Count(csv.stdout, "\n") != 4 {
		t.Errorf("csv report:\n%s", csv.stdout)
	}
}

// TestKilledCollectLeavesNoGapAndNoDuplicate kills `overtime collect` with
// SIGKILL while it loads the repository's git log in its transaction:
// nothing of that repository is kept, and the next run stores every commit
// exactly once.
//
// The kill lands in the load every time, whatever the machine's speed:
// the killed run finds on its PATH a git that runs the real one and, for
// `git log`, keeps its output open after the last commit until overtime is
// gone, as a slow log of a large repository would. The load (DuckDB reading
// that pipe, inside the repository's transaction) cannot end before the
// kill; the test kills once git has written every commit.
func TestKilledCollectLeavesNoGapAndNoDuplicate(t *testing.T) {
	t.Parallel()
	const commits = 2000
	repo := bulkRepo(t, commits)
	dir := t.TempDir()
	writeConfig(t, dir, repo.Dir)

	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	slowGit := t.TempDir()
	logWritten := filepath.Join(dir, "log-written")
	script := fmt.Sprintf(`#!/bin/sh
for arg in "$@"; do
	if [ "$arg" = log ]; then
		%[1]q "$@" || exit $?
		: > %[2]q
		while kill -0 $PPID 2>/dev/null; do sleep 0.05; done
		exit 0
	fi
done
exec %[1]q "$@"
`, realGit, logWritten)
	if err := os.WriteFile(filepath.Join(slowGit, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := binary(t.Context(), "collect", "-v")
	cmd.Env = append(cmd.Env, "PATH="+slowGit+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	reading := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "reading git log") {
			reading = true
			break
		}
	}
	killed := false
	for deadline := time.Now().Add(time.Minute); reading && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(logWritten); err == nil {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
	}
	if !killed {
		cmd.Process.Signal(syscall.SIGKILL)
	}
	go io.Copy(io.Discard, stderr)
	cmd.Wait()
	if !killed {
		t.Fatalf("collect never got to write the git log in its transaction (logged reading git log: %v); cannot test a kill", reading)
	}
	dbPath := filepath.Join(dir, "data", "overtime.duckdb")
	count := func() int {
		db, err := store.Open(t.Context(), dbPath, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, err := db.EventCount(t.Context(), "git")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("after the kill %d commits are stored; want none (the run's transaction was cut off)", n)
	}
	if r := overtime(t, dir, "collect"); r.code != 0 {
		t.Fatalf("collect after kill: exit %d\n%s", r.code, r.stderr)
	}
	if n := count(); n != commits {
		t.Errorf("after the rerun %d commits are stored, want exactly %d", n, commits)
	}
}

func TestSecondWriterFailsAtOnce(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 10)
	dir := t.TempDir()
	writeConfig(t, dir, repo.Dir)
	db, err := store.Open(t.Context(), filepath.Join(dir, "data", "overtime.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	r := overtime(t, dir, "run")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "another overtime process (pid ") || !strings.Contains(r.stderr, "only one may run at a time") {
		t.Errorf("stderr does not say the database is busy:\n%s", r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second run took %s to fail; want at once", d)
	}
}

func TestBadInputExitsWithUsageErrorNamingIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("people:\n  - id: a\n    timezone: Europe/Berln\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--config", bad}, `people[0].timezone: unknown time zone "Europe/Berln"`},
		{[]string{"run", "--config", bad}, `people[0].timezone`},
		{[]string{"report", "--config", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"report", "--format", "xml"}, `--format: unknown format "xml"`},
		{[]string{"report", "--as-of", "20-11-2026"}, `--as-of: want YYYY-MM-DD, got "20-11-2026"`},
		{[]string{"report", "--window", "0"}, `--window: want 1 to 366 days, got 0`},
		{[]string{"run", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"nope"}, `unknown command "nope" for "overtime"`},
		{[]string{"forget"}, "accepts 1 arg(s), received 0"},
		{[]string{"report", "extra"}, `unknown command "extra" for "overtime report"`},
	} {
		r := overtime(t, dir, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("overtime %v: exit %d, stderr %q; want exit 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, c := range newRootCmd(&bytes.Buffer{}, &bytes.Buffer{}).Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Example == "" || c.Long == "" {
			t.Errorf("%s: --help lacks a description or an example", c.Name())
		}
	}
}

func TestForgetErasesAPerson(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 30)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, repo.Dir)
	if r := cli(t, "--config", cfg, "run"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if r := cli(t, "--config", cfg, "forget", "ben@example.com"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("forget without --yes: exit %d, %q", r.code, r.stderr)
	}
	if r := cli(t, "--config", cfg, "forget", "nobody", "--yes"); r.code != 2 || !strings.Contains(r.stderr, `no person "nobody"`) {
		t.Errorf("forget of an unknown person: exit %d, %q", r.code, r.stderr)
	}
	r := cli(t, "--config", cfg, "forget", "ben@example.com", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "forgot ben@example.com: 1 identities, 10 events erased") {
		t.Fatalf("forget: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := cli(t, "--config", cfg, "report", "--format", "csv", "--as-of", "2026-06-03", "--window", "30")
	if strings.Contains(rep.stdout, "ben@") || !strings.Contains(rep.stdout, "ana@example.com") {
		t.Errorf("report after forget:\n%s", rep.stdout)
	}
	// Ben commits again, under another case of his email: the collector
	// does not bring him back, neither his events nor his identity.
	repo.Commit(gittest.Commit{AuthorName: "ben", AuthorEmail: "Ben@Example.com", When: gittest.At(2026, 6, 2, 22, 0, "+0200")})
	repo.Commit(gittest.Commit{AuthorName: "ana", AuthorEmail: "ana@example.com", When: gittest.At(2026, 6, 2, 22, 30, "+0200")})
	if r := cli(t, "--config", cfg, "run", "-v"); r.code != 0 || !strings.Contains(r.stderr, "read=2 inserted=1") {
		t.Fatalf("run after forget: exit %d, want 2 commits read and only ana's stored\n%s", r.code, r.stderr)
	}
	rep = cli(t, "--config", cfg, "report", "--format", "csv", "--as-of", "2026-06-03", "--window", "30")
	people := cli(t, "--config", cfg, "people")
	if strings.Contains(strings.ToLower(rep.stdout+people.stdout), "ben@") {
		t.Errorf("ben is back after a new commit:\n%s\n%s", rep.stdout, people.stdout)
	}
}

func TestFailingSourceDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 12)
	dir := t.TempDir()
	yaml := fmt.Sprintf(`database: o.duckdb
sources:
  git: [{path: %s}]
  jira: {url: "http://127.0.0.1:1", user_env: OVERTIME_TEST_NO_USER, token_env: OVERTIME_TEST_NO_TOKEN}
  github: {repos: [acme/api], token_env: OVERTIME_TEST_NO_GH_TOKEN}
`, repo.Dir)
	cfg := filepath.Join(dir, "overtime.yaml")
	os.WriteFile(cfg, []byte(yaml), 0o644)
	r := cli(t, "--config", cfg, "run")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (a source failed)", r.code)
	}
	if !strings.Contains(r.stderr, "source jira failed") || !strings.Contains(r.stderr, "OVERTIME_TEST_NO_TOKEN") ||
		!strings.Contains(r.stderr, "source github failed") || !strings.Contains(r.stderr, "OVERTIME_TEST_NO_GH_TOKEN is empty") {
		t.Errorf("stderr does not name the failing source and its variable:\n%s", r.stderr)
	}
	rep := cli(t, "--config", cfg, "report", "--format", "csv", "--as-of", "2026-06-01", "--window", "2")
	if strings.Count(rep.stdout, "@example.com") != 3 {
		t.Errorf("git source was not collected despite jira failing:\n%s%s", rep.stdout, rep.stderr)
	}
}
