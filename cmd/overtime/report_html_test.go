package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/internal/demo"
)

// TestReportHTMLAndUnclaimed: on the kept demo, `report --format html` writes
// the page with every person's charts (the weekly history read before
// pseudonyms would hide the ids), the outside contributor is in no report,
// and `people` still lists them as not analysed. Then privacy.export_people
// off and a minimum group of 6: the nightly run exports team figures only,
// for the teams with 6 scored members, and writes the per-person history empty.
func TestReportHTMLAndUnclaimed(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	cmd := newDemoCmd(&globalOptions{stdout: &stdout, stderr: &stderr, now: time.Now})
	cmd.SetArgs([]string{"--dir", dir, "--format", "json"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stdout.String(), demo.Outsider.Email) {
		t.Errorf("the outside contributor is in the demo report")
	}
	r := overtime(t, dir, "report", "--config", "overtime.yaml", "--as-of", "2026-05-31", "--team", "payments", "--format", "html")
	if r.code != 0 {
		t.Fatalf("report --format html: exit %d\n%s", r.code, r.stderr)
	}
	page := r.stdout
	// Every planted member of payments, and the scored members of each team.
	payments, scored := 0, map[string]int{}
	for _, m := range demo.People {
		if m.Team == "payments" {
			payments++
		}
		if m.Level != analysis.LevelInsufficientData {
			scored[m.Team]++
		}
	}
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || strings.Count(page, `<section class="person`) != payments {
		t.Errorf("want a page with the %d people of payments:\n%.500s", payments, page)
	}
	if n := strings.Count(page, "<figure data-chart="); n != 3*payments {
		t.Errorf("%d charts, want 3 for each of %d people", n, payments)
	}
	if !strings.Contains(page, `data-person="dana"`) || !strings.Contains(page, "of active time outside usual hours in 3 of the last 4") {
		t.Errorf("dana or her reason is missing")
	}
	all := overtime(t, dir, "report", "--config", "overtime.yaml", "--as-of", "2026-05-31", "--format", "json")
	if all.code != 0 || strings.Contains(all.stdout, "drive.by") {
		t.Errorf("the outside contributor is in the report (exit %d)", all.code)
	}
	people := overtime(t, dir, "people", "--config", "overtime.yaml")
	if !strings.Contains(people.stdout, "Unclaimed identities (not analysed until a person claims them") ||
		!strings.Contains(people.stdout, "email:"+demo.Outsider.Email) {
		t.Errorf("people does not list the outsider as unclaimed and not analysed:\n%s", people.stdout)
	}

	f, err := os.OpenFile(filepath.Join(dir, "overtime.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("privacy:\n  export_people: false\n  min_group_size: 6\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The demo's Jira section has no token: that source fails, the rest runs.
	run := overtime(t, dir, "run", "--config", "overtime.yaml", "--as-of", "2026-05-31")
	if run.code != 1 || !strings.Contains(run.stderr, "source jira failed") {
		t.Fatalf("run: exit %d\n%s", run.code, run.stderr)
	}
	snap, err := promexport.ReadSnapshotFile(promexport.SnapshotPath(filepath.Join(dir, "overtime.duckdb")))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, tm := range snap.Teams {
		shown[tm.Name] = !tm.Withheld
	}
	want := map[string]bool{}
	for _, tm := range demo.Teams {
		want[tm.Name] = scored[tm.Name] >= 6
	}
	if !slices.Contains(slices.Collect(maps.Values(want)), true) || !slices.Contains(slices.Collect(maps.Values(want)), false) {
		t.Fatalf("the demo no longer has teams on both sides of a minimum of 6 (scored members %v)", scored)
	}
	if len(snap.People) != 0 || !maps.Equal(shown, want) {
		t.Errorf("export_people off, minimum 6: %d people, teams shown %v; want none, teams shown %v (scored members %v)", len(snap.People), shown, want, scored)
	}
	if snap.UnclaimedIdentities == nil || *snap.UnclaimedIdentities != 1 {
		t.Errorf("unclaimed identities %v, want 1", snap.UnclaimedIdentities)
	}
	weeks, err := promexport.ReadHistoryFile(promexport.HistoryPath(filepath.Join(dir, "overtime.duckdb")))
	if err != nil || len(weeks) != 0 {
		t.Errorf("per-person history with export_people off: %d points (%v)", len(weeks), err)
	}
}
