package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/proctest"
)

// cli runs one command line in process, as main does, and returns what it
// printed and its exit status.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr proctest.LockedBuffer
	code := execute(t.Context(), args, &stdout, &stderr)
	return result{stdout.String(), stderr.String(), code}
}

// minimalConfig writes a config with no sources and its database in a
// temporary directory.
func minimalConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "overtime.yaml")
	if err := os.WriteFile(p, []byte("database: o.duckdb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// reportPeople reads the people of a JSON report.
func reportPeople(t *testing.T, r result) map[string]int {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	var doc struct {
		People []struct {
			ID     string `json:"id"`
			Events int    `json:"events"`
		} `json:"people"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	out := map[string]int{}
	for _, p := range doc.People {
		out[p.ID] = p.Events
	}
	return out
}

// Issue 10, item 3: a report right after a collect (no analyze in between)
// analyzes first instead of printing an empty report, and again after the
// next collect.
func TestReportRightAfterCollectAnalyzesFirst(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 30)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, repo.Dir)
	if r := cli(t, "collect", "--config", cfg); r.code != 0 {
		t.Fatalf("collect: exit %d\n%s", r.code, r.stderr)
	}
	r := cli(t, "report", "--config", cfg, "--format", "json", "--as-of", "2026-06-03", "--window", "7")
	got := reportPeople(t, r)
	if len(got) != 3 || got["ana@example.com"] != 10 {
		t.Fatalf("report right after collect = %v, want ana, ben and cai with 10 commits each\n%s", got, r.stderr)
	}
	if !strings.Contains(r.stderr, "analyzing first") {
		t.Errorf("report did not say it analyzed first:\n%s", r.stderr)
	}
	// Analyzed now: the next report does not analyze again.
	if r := cli(t, "report", "--config", cfg, "--format", "json", "--as-of", "2026-06-03"); strings.Contains(r.stderr, "analyzing first") {
		t.Errorf("second report analyzed again:\n%s", r.stderr)
	}
	repo.Commit(gittest.Commit{AuthorName: "dee", AuthorEmail: "dee@example.com", When: gittest.At(2026, 6, 2, 23, 0, "+0200")})
	if r := cli(t, "collect", "--config", cfg); r.code != 0 {
		t.Fatalf("second collect: exit %d\n%s", r.code, r.stderr)
	}
	got = reportPeople(t, cli(t, "report", "--config", cfg, "--format", "json", "--as-of", "2026-06-03", "--window", "7"))
	if got["dee@example.com"] != 1 {
		t.Errorf("report after a second collect = %v, want dee's new commit", got)
	}
}

// Issue 10, item 3: --as-of far in the future and an unknown --team are
// usage errors that say what is wrong; an empty window is said so.
func TestReportRefusesWhatCannotBeAnswered(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 12)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "overtime.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`database: o.duckdb
sources: {git: [{path: %s}]}
teams: [{name: payments}, {name: core}]
`, repo.Dir)), 0o644)
	if r := cli(t, "run", "--config", cfg, "--as-of", "2026-06-02"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--as-of", "2999-01-01"}, "--as-of 2999-01-01 lies in the future (today is "},
		{[]string{"run", "--as-of", "2999-01-01"}, "--as-of 2999-01-01 lies in the future"},
		{[]string{"report", "--team", "paymnts"}, `--team: no team "paymnts" in the config; the teams are "payments", "core"`},
	} {
		r := cli(t, append(tc.args, "--config", cfg)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("overtime %v: exit %d, stderr %q; want exit 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	r := cli(t, "report", "--config", cfg, "--as-of", "2025-01-01", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stderr, "no activity in the window") ||
		!strings.Contains(r.stderr, "activity_from=2026-06-01 activity_to=2026-06-01") {
		t.Errorf("report of an empty window: exit %d, stderr does not say where the activity is:\n%s", r.code, r.stderr)
	}
}

// Issue 10, item 4: usage errors exit 2.
func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"forget"}, "accepts 1 arg(s), received 0"},
		{[]string{"forget", "a", "b", "--yes"}, "accepts 1 arg(s), received 2"},
		{[]string{"reprot"}, `unknown command "reprot" for "overtime"; did you mean "report"?`},
		{[]string{"report", "extra"}, `unknown command "extra" for "overtime report"`},
		{[]string{"serve", "--listen", "nope"}, `--listen: want host:port like "127.0.0.1:9465", got "nope"`},
		{[]string{"serve", "--listen", "127.0.0.1:http"}, `port "http" is not a number`},
		{[]string{"check", "--log-format", "xml"}, `--log-format: want text or json, got "xml"`},
	} {
		r := cli(t, append(tc.args, "--config", minimalConfig(t))...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("overtime %v: exit %d, stderr %q; want exit 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// Issue 10, item 5: --version names the build and the DuckDB library.
func TestVersion(t *testing.T) {
	t.Parallel()
	r := cli(t, "--version")
	if r.code != 0 || !regexp.MustCompile(`(?m)\Aovertime \S+\nrevision .+\nDuckDB v\d+\.\d+\.\d+`).MatchString(r.stdout) {
		t.Errorf("--version: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Issue 10, item 9: push never prints the user info of its URL, not even
// when the gateway echoes the Authorization header back.
func TestPushNeverPrintsThePassword(t *testing.T) {
	t.Parallel()
	const user, password = "pusher", "s3cr3t-pw"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad push from %s, Authorization: %s", r.URL, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "o.duckdb")
	snap := promexport.Snapshot{AsOf: "2026-06-01", GeneratedAt: time.Now()}
	snap.Finish(nil, time.Now(), true)
	if err := promexport.WriteSnapshotFile(promexport.SnapshotPath(db), snap); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(echo.URL, "http://")
	for _, url := range []string{
		"http://" + user + ":" + password + "@" + host,
		"http://" + user + ":" + password + "@127.0.0.1:1",
		"http://" + user + ":" + password + "@[::1",
		"ftp://" + user + ":" + password + "@" + host,
	} {
		r := cli(t, "push", "--db", db, "--config", minimalConfig(t), "--url", url, "-v")
		if r.code == 0 {
			t.Errorf("push to %s succeeded", url)
		}
		out := r.stdout + r.stderr
		if strings.Contains(out, password) || strings.Contains(out, basic) {
			t.Errorf("push --url %s printed the password:\n%s", url, out)
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("push --url %s: the message does not show where the credentials were:\n%s", url, out)
		}
	}
}

// Issue 10, item 11: numbers that are not numbers fail check with exit 2.
// Issue 10, item 12: check finds a git source that is not a repository and
// warns about unset variables, naming them.
func TestCheckFindsWhatRunWouldFailOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := filepath.Join(dir, "not-a-repo")
	os.Mkdir(plain, 0o755)
	repo := gittest.New(t)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"fraction.yaml", "analysis: {window_days: 28.5}\n", `analysis.window_days: want an integer, got "28.5"`},
		{"nan.yaml", "analysis: {factors: {after_hours_ratio: {bands: [.nan]}}}\n", `analysis.factors.after_hours_ratio.bands[0]: want a finite number, got ".nan"`},
		{"norepo.yaml", "sources: {git: [{path: " + plain + "}]}\n", `sources.git[0].path: "` + plain + `" is not a git repository`},
	} {
		r := cli(t, "check", "--config", write(tc.name, tc.body))
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("check %s: exit %d, stderr %q; want exit 2 naming %q", tc.name, r.code, r.stderr, tc.want)
		}
	}
	cfg := write("tokens.yaml", `sources:
  git: [{path: `+repo.Dir+`}]
  github: {repos: [acme/api], token_env: OVERTIME_TEST_UNSET_GH}
  jira: {url: "https://example.atlassian.net", token_env: OVERTIME_TEST_UNSET_JIRA, user_env: OVERTIME_TEST_UNSET_USER}
`)
	r := cli(t, "check", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, ": ok (") {
		t.Errorf("check with unset variables: exit %d, want 0 (warnings only)\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, v := range []string{"sources.github.token_env: the environment variable OVERTIME_TEST_UNSET_GH is unset",
		"sources.jira.token_env: the environment variable OVERTIME_TEST_UNSET_JIRA is unset",
		"sources.jira.user_env: the environment variable OVERTIME_TEST_UNSET_USER is unset"} {
		if !strings.Contains(r.stderr, "warning: "+v) {
			t.Errorf("check does not warn %q:\n%s", v, r.stderr)
		}
	}
}

// Issue 10, item 14: names from commits reach the terminal without control
// characters, and CSV cells that a spreadsheet would run are neutralised.
func TestHostileNamesAreNeutralised(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	const evil = "Mallory \x1b]8;;http://evil.example\x07\x1b[31mred\x1b[0m\r"
	repo.FastImport([]gittest.Commit{
		{AuthorName: evil, AuthorEmail: "mallory@example.com", When: gittest.At(2026, 6, 1, 10, 0, "+0000")},
		{AuthorName: "f", AuthorEmail: "=HYPERLINK(\"http://evil.example\")@example.com", When: gittest.At(2026, 6, 1, 11, 0, "+0000")},
		{AuthorName: "g", AuthorEmail: "+cmd|' /C calc'!A0@example.com", When: gittest.At(2026, 6, 1, 12, 0, "+0000")},
	})
	dir := t.TempDir()
	cfg := writeConfig(t, dir, repo.Dir)
	if r := cli(t, "run", "--config", cfg, "--as-of", "2026-06-02"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	people := cli(t, "people", "--config", cfg)
	if people.code != 0 || !strings.Contains(people.stdout, "Mallory ]8;;http://evil.example[31mred[0m") {
		t.Errorf("people: exit %d, want Mallory's name without its control characters:\n%q", people.code, people.stdout)
	}
	table := cli(t, "report", "--config", cfg, "--as-of", "2026-06-02")
	for name, out := range map[string]string{"people": people.stdout, "report": table.stdout} {
		if strings.ContainsAny(out, "\x1b\x07\r") {
			t.Errorf("%s printed control characters:\n%q", name, out)
		}
	}
	csv := cli(t, "report", "--config", cfg, "--as-of", "2026-06-02", "--format", "csv")
	if !strings.Contains(csv.stdout, `,"'=hyperlink(""http://evil.example"")@example.com",`) ||
		!strings.Contains(csv.stdout, `,'+cmd|' /c calc'!a0@example.com,`) {
		t.Errorf("CSV cells not neutralised:\n%s", csv.stdout)
	}
}

// Issue 10, item 15: serve closes keep-alive connections left idle.
func TestServeClosesIdleConnections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := proctest.FreeAddr(t)
	var stderr proctest.LockedBuffer
	g := &globalOptions{stdout: io.Discard, stderr: &stderr, now: time.Now, logFormat: "text"}
	o := &serveOptions{globalOptions: g, listen: addr, idleTimeout: serveIdleTimeout}
	if o.idleTimeout <= 0 || o.idleTimeout > 5*time.Minute {
		t.Fatalf("serve's idle timeout is %s; want a few minutes at most", o.idleTimeout)
	}
	o.idleTimeout = 300 * time.Millisecond // the same setting, short enough to watch
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- o.serve(ctx, filepath.Join(dir, "o.duckdb.metrics.json")) }()
	defer func() { cancel(); <-done }()
	var conn net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if conn, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("an idle keep-alive connection was not closed by serve: read = %v, want EOF", err)
	}
}

// The new-user trial: --quiet prints no table and only warnings; --log-format
// json writes one JSON object a line.
func TestQuietAndJSONLogs(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 12)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, repo.Dir)
	r := cli(t, "run", "--config", cfg, "--quiet")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("run --quiet: exit %d, want no output at all\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, "run", "--config", cfg, "--log-format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, "Overtime report:") {
		t.Fatalf("run --log-format json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Errorf("log line is not a JSON record with level and msg: %q (%v)", l, err)
		}
	}
	if len(lines) < 3 {
		t.Errorf("only %d log lines:\n%s", len(lines), r.stderr)
	}
	if r := cli(t, "run", "--config", cfg, "-q", "-v"); r.code != 2 {
		t.Errorf("--quiet with --verbose: exit %d, want 2", r.code)
	}
}
