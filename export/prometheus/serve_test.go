package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs /metrics and returns the samples by series, failing the test
// on anything but a 200 with a parseable body.
func scrape(t *testing.T, srv *httptest.Server) map[string]float64 {
	t.Helper()
	got, err := tryScrape(t.Context(), srv.URL+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func tryScrape(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return parseText(body)
}

// parseText turns a text exposition into series → value, the series written
// as name{label="value",...} with labels sorted.
func parseText(body []byte) (map[string]float64, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.Metric {
			ls := model.Metric{model.MetricNameLabel: model.LabelValue(name)}
			for _, lp := range m.Label {
				ls[model.LabelName(lp.GetName())] = model.LabelValue(lp.GetValue())
			}
			var v float64
			switch {
			case m.Gauge != nil:
				v = m.Gauge.GetValue()
			case m.Untyped != nil:
				v = m.Untyped.GetValue()
			case m.Counter != nil:
				v = m.Counter.GetValue()
			}
			out[ls.String()] = v
		}
	}
	return out, nil
}

const (
	aliceRisk      = `overtime_risk_score{person="alice", team="payments"}`
	bobRisk        = `overtime_risk_score{person="bob", team="payments"}`
	availableNow   = `overtime_snapshot_available`
	lastSuccessKey = `overtime_last_success_timestamp_seconds`
)

func TestHandlerFollowsTheSnapshotFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "overtime.duckdb.metrics.json")
	srv := httptest.NewServer(NewHandler(path, nil))
	t.Cleanup(srv.Close)

	// No snapshot yet: only the availability gauge, at 0.
	got := scrape(t, srv)
	if v, ok := got[availableNow]; len(got) != 1 || !ok || v != 0 {
		t.Fatalf("before any snapshot: %v, want only %s 0", got, availableNow)
	}

	s := fixture(t)
	if err := WriteSnapshotFile(path, *s); err != nil {
		t.Fatal(err)
	}
	got = scrape(t, srv)
	if got[availableNow] != 1 || got[aliceRisk] != 78 {
		t.Fatalf("after the first snapshot: available %v, alice %v", got[availableNow], got[aliceRisk])
	}

	// A new night: bob has left, alice's score moved.
	s.People = s.People[:1]
	s.People[0].RiskScore = floatp(81)
	if err := WriteSnapshotFile(path, *s); err != nil {
		t.Fatal(err)
	}
	got = scrape(t, srv)
	if got[aliceRisk] != 81 {
		t.Errorf("after a new snapshot: alice %v, want 81", got[aliceRisk])
	}
	if _, ok := got[bobRisk]; ok {
		t.Errorf("bob left but is still served")
	}

	// A broken file (a crash mid-write outside WriteSnapshotFile, a
	// hand edit) and then no file: the last good snapshot answers.
	if err := os.WriteFile(path, []byte(`{"version": 1, "people": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got = scrape(t, srv); got[aliceRisk] != 81 {
		t.Errorf("with a broken file: alice %v, want the last good 81", got[aliceRisk])
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got = scrape(t, srv); got[aliceRisk] != 81 || got[availableNow] != 1 {
		t.Errorf("with no file: alice %v, available %v; want the last good snapshot", got[aliceRisk], got[availableNow])
	}
}

func TestSnapshotFileReadsOnlyOnChange(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.json")
	if err := WriteSnapshotFile(path, *fixture(t)); err != nil {
		t.Fatal(err)
	}
	f := NewSnapshotFile(path, nil)
	first := f.Current()
	if first == nil {
		t.Fatal("no snapshot read")
	}
	if again := f.Current(); again != first {
		t.Error("an unchanged file was read again")
	}
	next := fixture(t)
	next.People = next.People[:2]
	if err := WriteSnapshotFile(path, *next); err != nil {
		t.Fatal(err)
	}
	if got := f.Current(); got == first || len(got.People) != 2 {
		t.Errorf("a replaced file was not read again")
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(NewHandler(filepath.Join(t.TempDir(), "none.json"), nil))
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{"/healthz": 200, "/": 200, "/nothing": 404} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestScrapesDuringNightlyRewrites scrapes steadily while the snapshot is
// replaced again and again, as nightly runs do: no scrape fails, and every
// scrape sees one whole snapshot (its person count matches its job metrics).
func TestScrapesDuringNightlyRewrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.json")
	srv := httptest.NewServer(NewHandler(path, nil))
	t.Cleanup(srv.Close)
	base := fixture(t)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for night := 0; ctx.Err() == nil; night++ {
			s := *base
			s.People = base.People[:1+night%len(base.People)]
			// The collected records stand for "this snapshot has n people".
			s.Job.CollectedRecords = map[string]int{"git": len(s.People)}
			if err := WriteSnapshotFile(path, s); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	scrapes := 0
	for ctx.Err() == nil {
		got, err := tryScrape(t.Context(), srv.URL+"/metrics")
		if err != nil {
			t.Fatalf("scrape %d failed: %v", scrapes, err)
		}
		scrapes++
		if got[availableNow] == 0 {
			continue // before the first write
		}
		people := 0
		for k := range got {
			if strings.HasPrefix(k, "overtime_sustained_afterhours{") {
				people++
			}
		}
		if want := got[`overtime_collected_records{source="git"}`]; float64(people) != want {
			t.Fatalf("scrape %d mixes snapshots: %d people, the job says %v", scrapes, people, want)
		}
	}
	wg.Wait()
	if scrapes < 5 {
		t.Errorf("only %d scrapes in 2s", scrapes)
	}
	t.Logf("%d scrapes during steady rewrites, none failed", scrapes)
}
