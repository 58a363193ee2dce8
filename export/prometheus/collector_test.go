package prometheus

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture reads testdata/snapshot.json, the snapshot every golden file and
// the end-to-end tests start from.
func fixture(t *testing.T) *Snapshot {
	t.Helper()
	s, err := ReadSnapshotFile(filepath.Join("testdata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

func TestCollectorGolden(t *testing.T) {
	t.Parallel()
	full := fixture(t)

	// Without ticket and GitHub sources, and before any successful run:
	// open work and last success are absent, never 0.
	failedFirst := &Snapshot{
		Version: SnapshotVersion,
		People: []Person{{
			ID: "erin", Team: "mobile", RiskScore: floatp(12),
			Windows: map[string]WindowFigures{"28d": {
				AfterHoursRatio: 0.125, AfterHoursActiveSeconds: 7200, ActivityEvents: map[string]int{"git": 40},
			}},
			WorkdaySpanSeconds: 30600, LongestActiveStreak: 4,
		}},
		Job: Job{
			LastRun:          time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC),
			CollectedRecords: map[string]int{"git": 40},
			SourceErrors:     map[string]int{"git": 1},
			PhaseSeconds:     map[string]float64{"collect": 2},
		},
	}

	for _, tc := range []struct {
		golden string
		snap   *Snapshot
	}{
		{"full.prom", full},
		{"no_ticket_source.prom", failedFirst},
		{"no_snapshot.prom", nil},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			c := NewCollector(Static(tc.snap))
			problems, err := testutil.CollectAndLint(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("lint: %s: %s", p.Metric, p.Text)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				got, err := encodeText(tc.snap)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if err := testutil.CollectAndCompare(c, bytes.NewReader(want)); err != nil {
				t.Error(err)
			}
			// The pedantic registry checks what Collect sends against Describe.
			if _, err := NewRegistry(Static(tc.snap)).Gather(); err != nil {
				t.Errorf("gather: %v", err)
			}
		})
	}
}

func TestCollectorCounts(t *testing.T) {
	t.Parallel()
	s := fixture(t)
	c := NewCollector(Static(s))
	for _, tc := range []struct {
		metric string
		want   int
	}{
		{"overtime_risk_score", 3}, // carol has insufficient data
		{"overtime_sustained_afterhours", 4},
		{"overtime_afterhours_ratio", 4 * 2},      // people × windows
		{"overtime_activity_events", 4 * 2 * 3},   // people × windows × sources
		{"overtime_team_activity_events", 7 * 24}, // the full grid of payments; platform's is withheld
		{"overtime_risk_level", 4 * 4},            // people × levels
		{"overtime_risk_factor_points", 3 * 6},    // scored people × factors
		{"overtime_risk_factor_value", 3*6 + 1},   // and carol's history_days
		{"overtime_team_figures_withheld", 2},
		{"overtime_team_people", 4}, // payments × levels
		{"overtime_team_afterhours_ratio_median", 2},
		{"overtime_team_risk_score_median", 1},
		{"overtime_unclaimed_identities", 1},
		{"overtime_source_errors", 3},
		{"overtime_snapshot_available", 1},
	} {
		if got := testutil.CollectAndCount(c, tc.metric); got != tc.want {
			t.Errorf("%s: %d series, want %d", tc.metric, got, tc.want)
		}
	}
}

func TestPunchcardLabels(t *testing.T) {
	t.Parallel()
	s := &Snapshot{Version: SnapshotVersion, Punchcard: []PunchcardCell{
		{Team: "payments", Weekday: time.Sunday, Hour: 1, Events: 2},
		{Team: "payments", Weekday: time.Monday, Hour: 21, Events: 6},
	}}
	// Only the two cells are non-zero; check them and the grid size.
	if n := testutil.CollectAndCount(NewCollector(Static(s)), "overtime_team_activity_events"); n != 168 {
		t.Fatalf("%d cells, want 168", n)
	}
	mfs, err := NewRegistry(Static(s)).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "overtime_team_activity_events" {
			continue
		}
		for _, m := range mf.Metric {
			l := map[string]string{}
			for _, lp := range m.Label {
				l[lp.GetName()] = lp.GetValue()
			}
			if v := m.GetGauge().GetValue(); v != 0 {
				got[l["weekday"]+" "+l["hour"]] = v
			}
		}
	}
	if len(got) != 2 || got["sun 01"] != 2 || got["mon 21"] != 6 {
		t.Errorf("non-zero cells %v, want sun 01 = 2, mon 21 = 6", got)
	}
}
