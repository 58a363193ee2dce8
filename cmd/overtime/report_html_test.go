package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/demo"
)

// TestReportHTMLAndUnclaimed: on the kept demo, `report --format html` writes
// the page with every person's charts (the weekly history read before
// pseudonyms would hide the ids), the outside contributor is in no report,
// and `people` still lists them as not analysed.
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
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || strings.Count(page, `<section class="person`) != 6 {
		t.Errorf("want a page with the 6 people of payments:\n%.500s", page)
	}
	if n := strings.Count(page, "<figure data-chart="); n != 3*6 {
		t.Errorf("%d charts, want 3 for each of 6 people", n)
	}
	if !strings.Contains(page, `data-person="dana"`) || !strings.Contains(page, "after-hours work (3 h or more) in 3 of the last 4 weeks") {
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
}
