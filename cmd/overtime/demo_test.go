package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `overtime demo` in process (newDemoCmd, whether or not
// root.go registers it yet), keeping its files, and reads the kept database
// back with `overtime report`.
func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	g := &globalOptions{stdout: &stdout, stderr: &stderr, now: time.Now, logFormat: "text"}
	cmd := newDemoCmd(g)
	cmd.SetArgs([]string{"--dir", dir, "--format", "json"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	var doc struct {
		AsOf   string `json:"as_of"`
		People []struct {
			ID        string `json:"id"`
			Level     string `json:"risk_level"`
			Sustained bool   `json:"sustained_after_hours"`
		} `json:"people"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	got := map[string]string{}
	for _, p := range doc.People {
		got[p.ID] = p.Level
		if p.Sustained {
			got[p.ID] += ", sustained"
		}
	}
	for id, want := range map[string]string{"sam": "low", "eve": "elevated, sustained", "cory": "low", "nico": "low",
		"dana": "high, sustained", "olga": "elevated", "nell": "insufficient_data"} {
		if got[id] != want {
			t.Errorf("%s: %q, want %q", id, got[id], want)
		}
	}
	if doc.AsOf != "2026-05-31" || len(doc.People) < 20 {
		t.Errorf("as of %s with %d people", doc.AsOf, len(doc.People))
	}
	if !strings.Contains(stderr.String(), "overtime serve --config "+filepath.Join(dir, "overtime.yaml")) ||
		!strings.Contains(stderr.String(), "dashboards/grafana") {
		t.Errorf("the demo ends without its next steps (serve, scrape, dashboards):\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "judged otherwise") {
		t.Errorf("the demo warned:\n%s", stderr.String())
	}
	for _, f := range []string{"overtime.yaml", "overtime.duckdb", "repo"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("--dir did not keep %s: %v", f, err)
		}
	}
	r := cli(t, "report", "--config", filepath.Join(dir, "overtime.yaml"), "--as-of", "2026-05-31", "--team", "payments")
	if r.code != 0 || !strings.Contains(r.stdout, "dana") || strings.Contains(r.stdout, "olga") {
		t.Errorf("report on the kept demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestDemoBadFormat(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	cmd := newDemoCmd(&globalOptions{stdout: &out, stderr: &out, now: time.Now})
	cmd.SetArgs([]string{"--format", "xml"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), `--format: unknown format "xml"`) {
		t.Errorf("err = %v, want a usage error naming the format", err)
	}
	if cmd.Long == "" || cmd.Example == "" || !strings.Contains(cmd.Long, "2026-05-31") {
		t.Errorf("--help lacks a description, an example or the fixed as-of date")
	}
}
