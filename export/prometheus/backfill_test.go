package prometheus

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/proctest"
)

// weeks is a planted history: alice's evenings creep in over four weeks,
// carol has no score until her third week, and a person id that needs
// escaping in the exposition.
func weeks() []WeeklyPoint {
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday 00:00
	var out []WeeklyPoint
	for i := range 4 {
		at := end.AddDate(0, 0, -7*(3-i))
		out = append(out,
			WeeklyPoint{WeekEnd: at, Person: "alice", Team: "payments", AfterHoursRatio: 0.1 + 0.1*float64(i),
				AfterHoursActiveSeconds: float64(3600 * 3 * i), NonWorkdaysActive: i / 2,
				RiskScore: floatp(float64(30 + 15*i)), SustainedAfterHours: i >= 3},
			WeeklyPoint{WeekEnd: at, Person: `o'neil "ace"`, Team: "platform", AfterHoursRatio: 0.05,
				RiskScore: floatp(10)},
		)
		if i >= 2 {
			out = append(out, WeeklyPoint{WeekEnd: at, Person: "carol", Team: "platform", RiskScore: floatp(5)})
		} else {
			out = append(out, WeeklyPoint{WeekEnd: at, Person: "carol", Team: "platform"})
		}
	}
	// Out of order on purpose: the writer sorts.
	out[0], out[len(out)-1] = out[len(out)-1], out[0]
	return out
}

func TestWriteOpenMetricsGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteOpenMetrics(&buf, weeks()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "backfill.om.txt")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if buf.String() != string(want) {
		t.Errorf("backfill output differs from %s (go test -update rewrites it):\n%s", path, buf.String())
	}
	if !strings.HasSuffix(buf.String(), "# EOF\n") {
		t.Error("no # EOF at the end")
	}
}

func TestWriteOpenMetricsRefusesDuplicates(t *testing.T) {
	t.Parallel()
	w := weeks()
	w = append(w, w[1])
	if err := WriteOpenMetrics(&bytes.Buffer{}, w); err == nil || !strings.Contains(err.Error(), "second point for person") {
		t.Errorf("WriteOpenMetrics() = %v, want a duplicate-point error", err)
	}
}

func TestHistoryFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "overtime.duckdb.history.json")
	want := weeks()
	if err := WriteHistoryFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHistoryFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || !got[0].WeekEnd.Equal(want[0].WeekEnd) || got[0].Person != want[0].Person {
		t.Errorf("round trip lost points: %d of %d", len(got), len(want))
	}
	if HistoryPath("/x/o.duckdb") != "/x/o.duckdb.history.json" || HistoryPath(":memory:") != "" {
		t.Error("HistoryPath")
	}
}

// TestBackfillWithPromtool feeds the output to the real promtool, as the
// README tells users to, and reads the samples back from the blocks.
func TestBackfillWithPromtool(t *testing.T) {
	t.Parallel()
	promtool := proctest.RequireBinary(t, "promtool")
	dir := t.TempDir()
	in := filepath.Join(dir, "history.om")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteOpenMetrics(f, weeks()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	data := filepath.Join(dir, "data")
	out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", in, data).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	// promtool 2.42's dump opens the directory as a database and wants a WAL.
	if err := os.Mkdir(filepath.Join(data, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	dump, err := exec.CommandContext(ctx, promtool, "tsdb", "dump", data).Output()
	if err != nil {
		t.Fatalf("promtool tsdb dump: %v\n%s", err, dump)
	}
	lastWeek := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, want := range []string{
		`{__name__="overtime_risk_score", person="alice", team="payments"} 75 ` + itoa(lastWeek),
		`{__name__="overtime_sustained_afterhours", person="alice", team="payments"} 1 ` + itoa(lastWeek),
		`{__name__="overtime_afterhours_ratio", person="alice", team="payments", window="7d"} 0.4 ` + itoa(lastWeek),
		`{__name__="overtime_risk_score", person="o'neil \"ace\"", team="platform"} 10 ` + itoa(lastWeek),
	} {
		if !strings.Contains(string(dump), want) {
			t.Errorf("the blocks lack the sample %s", want)
		}
	}
	samples := strings.Count(string(dump), "\n")
	// 4 weeks × (alice 5 + o'neil 5 + carol 4) + carol's 2 scored weeks.
	if want := 4*14 + 2; samples != want {
		t.Errorf("%d samples in the blocks, want %d:\n%s", samples, want, dump)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
