package demo_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/internal/demo"
	"github.com/overtime-project/overtime/store"
)

var update = flag.Bool("update", false, "rewrite testdata/report.json")

// TestArchetypes builds the demo and checks that the analysis finds every
// planted archetype: its level and sustained flag.
func TestArchetypes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	res, err := demo.Build(ctx, t.TempDir(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, res.DBPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	risks, err := analysis.AssessPeople(ctx, db, demo.AsOf, analysis.RiskOptionsFor(res.Config))
	if err != nil {
		t.Fatal(err)
	}
	teams := map[string]bool{}
	for _, m := range demo.People {
		teams[m.Team] = true
		r, ok := risks[m.ID]
		if !ok {
			t.Errorf("%s (%s) was not assessed", m.ID, m.Archetype)
			continue
		}
		if r.Level != m.Level || r.Sustained != m.Sustained {
			t.Errorf("%s (%s): %s, sustained %v; planted %s, sustained %v\n%s", m.ID, m.Archetype, r.Level, r.Sustained,
				m.Level, m.Sustained, reasons(r.Assessment))
		}
		// Jira knows platform and payments, not mobile and support: their
		// open tickets are unknown, not zero.
		if m.Jira != (r.OpenTickets != nil) {
			t.Errorf("%s: open tickets %v, Jira account %v", m.ID, r.OpenTickets, m.Jira)
		}
		if r.OpenPullRequests != nil {
			t.Errorf("%s: open pull requests %d without a GitHub source", m.ID, *r.OpenPullRequests)
		}
	}
	if len(demo.People) < 20 || len(teams) < 3 || demo.Weeks < 26 {
		t.Errorf("%d people in %d teams over %d weeks; want at least 20, 3, 26", len(demo.People), len(teams), demo.Weeks)
	}
	if olga := risks["olga"]; olga.OpenTickets == nil || *olga.OpenTickets != 9 {
		t.Errorf("olga's open tickets: %v, want 9", olga.OpenTickets)
	}

	// The night shift works until 23:00 Tokyo time: none of it is after hours.
	w, err := db.WindowSignals(ctx, demo.AsOf.AddDate(0, 0, -7*demo.Weeks+1), demo.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range w {
		if s.PersonID == "nico" && (s.Events < 500 || s.AfterHoursEvents != 0 || s.LateNightEvents != 0) {
			t.Errorf("nico: %d events, %d after hours, %d late; want hundreds, none, none", s.Events, s.AfterHoursEvents, s.LateNightEvents)
		}
	}

	// The weekly history at once is the assessments one by one.
	history, err := analysis.AssessWeeks(ctx, db, demo.AsOf, 6, analysis.RiskOptionsFor(res.Config))
	if err != nil {
		t.Fatal(err)
	}
	for k, got := range history {
		want, err := analysis.AssessPeople(ctx, db, demo.AsOf.AddDate(0, 0, -7*k), analysis.RiskOptionsFor(res.Config))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("week %d back: AssessWeeks differs from AssessPeople (-one +all):\n%s", k, diff)
		}
	}
	if eve := history[5]["eve"]; eve.Sustained {
		t.Errorf("eve was already sustained five weeks back, before the evenings crept in")
	}

	// The outsider's commits are stored, but no person is made of them.
	for id := range risks {
		if id == demo.Outsider.Email || id == "email:"+demo.Outsider.Email {
			t.Errorf("the outside contributor %s was assessed as a person", id)
		}
	}
	res2, err := analysis.ResolvePeople(ctx, db, res.Config)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Unmatched) != 1 || res2.Unmatched[0].Identity != "email:"+demo.Outsider.Email || res2.Unmatched[0].Events == 0 {
		t.Errorf("unclaimed identities %+v, want the outsider's, with events", res2.Unmatched)
	}
	// The two-person team is below privacy.min_group_size: no team usual.
	for _, id := range []string{"ida", "jon"} {
		for _, f := range risks[id].Factors {
			if f.TeamBaseline != nil || f.TeamWithheld != 5 {
				t.Errorf("%s: %s: team baseline %v, withheld %d; want none, 5", id, f.Name, f.TeamBaseline, f.TeamWithheld)
			}
		}
	}

	// The whole report, as a golden file: the demo is deterministic.
	win, err := analysis.SummarizeRisk(ctx, db, demo.AsOf, 28, "", analysis.RiskOptionsFor(res.Config))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Write(&b, "json", win); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.json")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("demo report differs from %s (-want +got; go test -update rewrites it):\n%s", golden, diff)
	}
}

func reasons(a analysis.Assessment) string {
	var b bytes.Buffer
	for _, f := range a.Factors {
		b.WriteString("  " + f.Name + ": " + f.Explanation + "\n")
	}
	return b.String()
}
