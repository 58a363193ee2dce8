package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func intp(n int) *int           { return &n }
func floatp(v float64) *float64 { return &v }

// window has an elevated person with open work from both sources, a low one
// whose team has no ticket or GitHub identity of theirs, and a newcomer.
func window() analysis.Window {
	return analysis.Window{
		AsOf: time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC), WindowDays: 28,
		People: []analysis.Figures{
			{
				ID: "alice", Name: "Alice Example", Team: "payments", Events: 42, AfterHoursEvents: 10, WeekendDays: 2,
				LateNightEvents: 1, AfterHoursRatio: 0.238, ActiveDays: 18,
				Risk: &analysis.Assessment{Score: intp(55), Level: analysis.LevelElevated, Sustained: true, HeavyWeeks: 4,
					Pattern: analysis.PatternRising, PatternExplanation: "rising: 4 heavy weeks of the last 4, usually 1 of 4",
					UsualExplanation: "usually 09:00-18:00, learned from 40 working days",
					Evidence:         analysis.Evidence{ActiveDays: 18, Explanation: "rests on 18 active days in the last 4 weeks"},
					Factors: []analysis.Factor{
						{Name: "heavy_weeks", Value: 4, Baseline: floatp(1), Weight: 30, Contribution: 30,
							Explanation: "after-hours work (3 h or more) in 4 of the last 4 weeks (own usual 1 of 4)"},
						{Name: "after_hours_ratio", Value: 0.238, Baseline: floatp(0.1), TeamBaseline: floatp(0.08), Weight: 25,
							Contribution: 17, Explanation: "24% of activity after hours in the last 4 weeks (own usual 10%, team 8%)"},
						{Name: "workday_span_hours", Value: 10.2, Weight: 15, Contribution: 8,
							Explanation: "working days stretch 10.2 h from first to last activity, median of 17 days"},
						{Name: "late_night_days", Value: 0, Baseline: floatp(0), Weight: 10,
							Explanation: "active between midnight and 05:00 on 0 days in the last 4 weeks (own usual 0)"},
					}},
				OpenTickets: intp(6), OpenPullRequests: intp(0),
			},
			{
				ID: "bob", Name: "Bob", Team: "payments", Events: 80, AfterHoursEvents: 2, AfterHoursRatio: 0.025, ActiveDays: 20,
				Risk: &analysis.Assessment{Score: intp(0), Level: analysis.LevelLow, Factors: []analysis.Factor{
					{Name: "heavy_weeks", Value: 0, Baseline: floatp(0), Weight: 30,
						Explanation: "after-hours work (3 h or more) in 0 of the last 4 weeks (own usual 0 of 4)"},
				}},
			},
			{
				ID: "nina", Name: "Nina New", Team: "", Events: 12, AfterHoursEvents: 1, AfterHoursRatio: 0.083, ActiveDays: 6,
				Risk: &analysis.Assessment{Level: analysis.LevelInsufficientData, Factors: []analysis.Factor{
					{Name: "history_days", Value: 13, Explanation: "only 13 days of history; judging needs 28"},
				}},
				OpenTickets: intp(1),
			},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	for _, format := range report.Formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := report.Write(&b, format, window()); err != nil {
				t.Fatal(err)
			}
			golden(t, "report."+format, b.Bytes())
		})
	}
}

// TestJSONContract reads the JSON back the way a user's script would.
func TestJSONContract(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.Write(&b, "json", window()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AsOf       string           `json:"as_of"`
		WindowDays int              `json:"window_days"`
		People     []map[string]any `json:"people"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for _, k := range []string{"id", "name", "team", "events", "after_hours_events", "weekend_days", "late_night_events",
			"after_hours_ratio", "risk_score", "risk_level", "sustained_after_hours", "factors", "open_tickets", "open_pull_requests"} {
			if _, ok := m[k]; ok {
				out = append(out, k)
			}
		}
		return out
	}
	base := []string{"id", "name", "team", "events", "after_hours_events", "weekend_days", "late_night_events",
		"after_hours_ratio", "risk_score", "risk_level", "sustained_after_hours", "factors"}
	if diff := cmp.Diff(append(append([]string{}, base...), "open_tickets", "open_pull_requests"), keys(doc.People[0])); diff != "" {
		t.Errorf("alice's keys (-want +got):\n%s", diff)
	}
	// No source sees bob's open work: the keys are absent, not 0.
	if diff := cmp.Diff(base, keys(doc.People[1])); diff != "" {
		t.Errorf("bob's keys (-want +got):\n%s", diff)
	}
	if doc.People[0]["open_pull_requests"] != float64(0) {
		t.Errorf("alice's open_pull_requests = %v, want a present 0", doc.People[0]["open_pull_requests"])
	}
	nina := doc.People[2]
	if nina["risk_score"] != nil || nina["risk_level"] != "insufficient_data" || nina["sustained_after_hours"] != false {
		t.Errorf("newcomer: score %v, level %v, sustained %v; want null, insufficient_data, false",
			nina["risk_score"], nina["risk_level"], nina["sustained_after_hours"])
	}
	f := doc.People[0]["factors"].([]any)[1].(map[string]any)
	want := map[string]any{"name": "after_hours_ratio", "value": 0.238, "baseline": 0.1, "contribution": float64(17),
		"explanation": "24% of activity after hours in the last 4 weeks (own usual 10%, team 8%)"}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("factor (-want +got):\n%s", diff)
	}
	if g := doc.People[0]["factors"].([]any)[2].(map[string]any); g["baseline"] != nil {
		t.Errorf("a factor without own usual has baseline %v, want null", g["baseline"])
	}
}

// TestWithoutAssessment: a window from analysis.Summarize, which does not
// assess, has none of the risk keys, columns or cells.
func TestWithoutAssessment(t *testing.T) {
	t.Parallel()
	w := window()
	for i := range w.People {
		w.People[i].Risk, w.People[i].OpenTickets, w.People[i].OpenPullRequests = nil, nil, nil
	}
	var j, c, tb bytes.Buffer
	for format, b := range map[string]*bytes.Buffer{"json": &j, "csv": &c, "table": &tb} {
		if err := report.Write(b, format, w); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(j.String(), "risk") || strings.Contains(j.String(), "factors") {
		t.Errorf("json without assessments mentions risk:\n%s", j.String())
	}
	if !strings.Contains(c.String(), "\n2026-08-21,28,bob,Bob,payments,80,2,0,0,0.025,,,,,,,\n") {
		t.Errorf("csv without assessments:\n%s", c.String())
	}
	if strings.Contains(tb.String(), "SCORE") || !strings.Contains(tb.String(), "highest after-hours share first") {
		t.Errorf("table without assessments:\n%s", tb.String())
	}
}

// Issue 10, item 14: names go to the terminal without control characters,
// and CSV cells a spreadsheet would run as formulas get a leading '.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	w := window()
	w.People[0].ID = "\x1b[2J\x1b[31malice\u202e\r"
	w.People[0].Team = "pay\tments"
	w.People[1].ID = "=HYPERLINK(\"http://evil.example\",\"bob\")"
	w.People[1].Name = "@SUM(1+1)*cmd|' /C calc'!A0"
	w.People[2].Name = "-2+3"
	var table, csvOut bytes.Buffer
	if err := report.Write(&table, "table", w); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(table.String(), "\x1b\r\u202e") || !strings.Contains(table.String(), "\n[2J[31malice ") || !strings.Contains(table.String(), " payments ") {
		t.Errorf("table keeps control characters:\n%q", table.String())
	}
	if err := report.Write(&csvOut, "csv", w); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`,"'=HYPERLINK(""http://evil.example"",""bob"")",`, `,'@SUM(1+1)*cmd|' /C calc'!A0,`, `,'-2+3,`} {
		if !strings.Contains(csvOut.String(), want) {
			t.Errorf("CSV lacks %s:\n%s", want, csvOut.String())
		}
	}
	for in, want := range map[string]string{"-3": "-3", "+1.5": "+1.5", "-": "'-", "=1+1": "'=1+1", "\tx": "'\tx", "alice": "alice", "": ""} {
		if got := report.CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
