package pipeline_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/pipeline"
	"github.com/overtime-project/overtime/store"
)

// setup builds a repository where ana and ben commit in the evenings of
// June 2026, a config reading it (with a textfile export), and an open
// database.
func setup(t *testing.T, extra string) (*gittest.Repo, *config.Config, *store.DB) {
	t.Helper()
	repo := gittest.New(t)
	var commits []gittest.Commit
	for i := range 20 {
		who := []string{"ana", "ben"}[i%2]
		commits = append(commits, gittest.Commit{AuthorName: who, AuthorEmail: who + "@example.com",
			When: gittest.At(2026, 6, 1+i/2, 19, i, "+0200")})
	}
	repo.FastImport(commits)
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`database: o.duckdb
sources: {git: [{path: %s}]%s}
export: {prometheus: {textfile: metrics.prom}}
`, repo.Dir, extra)), dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), cfg.Database, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return repo, cfg, db
}

func logger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestRunCollectsAnalyzesAndExports(t *testing.T) {
	t.Parallel()
	repo, cfg, db := setup(t, "")
	var log bytes.Buffer
	ended := time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)
	asOf := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	res, err := pipeline.Run(t.Context(), db, cfg, pipeline.Options{AsOf: asOf, Log: logger(&log), Now: func() time.Time { return ended }})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	if !res.Analyzed || len(res.Window.People) != 2 || res.Window.People[0].Events != 10 || res.Window.People[0].AfterHoursEvents != 10 {
		t.Errorf("window = %+v, want ana and ben with 10 after-hours commits each", res.Window.People)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Source != "git" || res.Outcomes[0].Stats.Read != 20 {
		t.Errorf("outcomes = %+v, want git with 20 commits read", res.Outcomes)
	}
	snap, err := promexport.ReadSnapshotFile(promexport.SnapshotPath(cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
	if snap.AsOf != "2026-06-10" || len(snap.People) != 2 || !snap.Job.LastSuccess.Equal(ended) ||
		snap.Job.CollectedRecords["git"] != 20 || snap.Job.SourceErrors["git"] != 0 ||
		snap.Job.PhaseSeconds["collect"] <= 0 || snap.Job.PhaseSeconds["analyze"] <= 0 {
		t.Errorf("snapshot = %+v", snap)
	}
	if snap.People[0].Windows["7d"].ActivityEvents["git"] == 0 || snap.People[0].Windows["28d"].AfterHoursRatio != 1 {
		t.Errorf("snapshot person = %+v, want the window figures", snap.People[0])
	}
	weeks, err := promexport.ReadHistoryFile(promexport.HistoryPath(cfg.Database))
	if err != nil || len(weeks) == 0 {
		t.Errorf("weekly history: %d weeks, %v", len(weeks), err)
	}
	if text, err := os.ReadFile(cfg.Export.Prometheus.Textfile); err != nil || !strings.Contains(string(text), `overtime_afterhours_ratio{`) {
		t.Errorf("textfile: %v\n%s", err, text)
	}

	// A collect after the analysis makes it stale until the next analysis.
	if stale, err := pipeline.AnalysisStale(t.Context(), db); err != nil || stale {
		t.Errorf("after Run: stale = %v, %v; want fresh", stale, err)
	}
	repo.Commit(gittest.Commit{AuthorName: "cai", AuthorEmail: "cai@example.com", When: gittest.At(2026, 6, 10, 23, 0, "+0200")})
	if _, err := pipeline.Collect(t.Context(), db, cfg, logger(&log)); err != nil {
		t.Fatal(err)
	}
	if stale, err := pipeline.AnalysisStale(t.Context(), db); err != nil || !stale {
		t.Errorf("after a collect: stale = %v, %v; want stale", stale, err)
	}
	if _, err := pipeline.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	if stale, err := pipeline.AnalysisStale(t.Context(), db); err != nil || stale {
		t.Errorf("after Analyze: stale = %v, %v; want fresh", stale, err)
	}
	people, err := pipeline.ResolvePeople(t.Context(), db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(people.People) != 3 || people.Events["email:cai@example.com"] != 1 || people.Events["email:ana@example.com"] != 10 {
		t.Errorf("people = %+v, events %v", people.People, people.Events)
	}
}

// A source that fails does not stop the others; the run is not a success,
// the snapshot counts the error and keeps the last success of the run before.
func TestRunGoesOnWhenASourceFails(t *testing.T) {
	t.Parallel()
	_, cfg, db := setup(t, ", github: {repos: [acme/api], token_env: OVERTIME_TEST_PIPELINE_NO_TOKEN}")
	var log bytes.Buffer
	asOf := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	first := time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)
	path := promexport.SnapshotPath(cfg.Database)
	prev := promexport.Snapshot{AsOf: "2026-06-09"}
	prev.Finish(nil, first, true)
	if err := promexport.WriteSnapshotFile(path, prev); err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(t.Context(), db, cfg, pipeline.Options{AsOf: asOf, Log: logger(&log),
		Now: func() time.Time { return first.Add(24 * time.Hour) }})
	if err == nil || !strings.Contains(err.Error(), "source github failed") || !strings.Contains(err.Error(), "OVERTIME_TEST_PIPELINE_NO_TOKEN") {
		t.Errorf("Run() = %v, want the github source named with its variable", err)
	}
	if !res.Analyzed || len(res.Window.People) != 2 {
		t.Errorf("the git source was not analyzed: %+v", res.Window)
	}
	snap, rerr := promexport.ReadSnapshotFile(path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if snap.Job.SourceErrors["github"] != 1 || snap.Job.SourceErrors["git"] != 0 || !snap.Job.LastSuccess.Equal(first) || len(snap.People) != 2 {
		t.Errorf("snapshot job = %+v with %d people; want github's error and the last success of the run before", snap.Job, len(snap.People))
	}
}

// Publish exports a database built by other means through the same export.
func TestPublish(t *testing.T) {
	t.Parallel()
	_, cfg, db := setup(t, "")
	var log bytes.Buffer
	if _, err := pipeline.Collect(t.Context(), db, cfg, logger(&log)); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)
	snap, err := pipeline.Publish(t.Context(), db, cfg, pipeline.Options{AsOf: time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC),
		Log: logger(&log), Now: func() time.Time { return now }}, map[string]float64{"demo": 1.5})
	if err != nil {
		t.Fatal(err)
	}
	read, err := promexport.ReadSnapshotFile(promexport.SnapshotPath(cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
	if len(read.People) != 2 || read.Job.PhaseSeconds["demo"] != 1.5 || !read.Job.LastSuccess.Equal(now) || len(snap.People) != 2 {
		t.Errorf("published snapshot = %+v", read)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg.Database), "metrics.prom")); err != nil {
		t.Errorf("textfile: %v", err)
	}
}
