package prometheus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSnapshotFileRoundTrip(t *testing.T) {
	t.Parallel()
	want := fixture(t)
	path := filepath.Join(t.TempDir(), "overtime.duckdb.metrics.json")
	if err := WriteSnapshotFile(path, *want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSnapshotFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the snapshot (no temp file left)", len(entries))
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("snapshot mode %v, %v; want 0644", info.Mode(), err)
	}
}

func TestReadSnapshotFileMissing(t *testing.T) {
	t.Parallel()
	_, err := ReadSnapshotFile(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestSnapshotValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(s *Snapshot)
		wantErr string
	}{
		{"other version", func(s *Snapshot) { s.Version = 2 }, "version: want 1, got 2"},
		{"empty id", func(s *Snapshot) { s.People[1].ID = "" }, "people[1].id: empty"},
		{"invalid UTF-8", func(s *Snapshot) { s.People[1].Team = "pay\xffments" }, "people[1]: id or team is not valid UTF-8"},
		{"duplicate id", func(s *Snapshot) { s.People[1].ID = "alice" }, `people[1].id: duplicate "alice"`},
		{"score above 100", func(s *Snapshot) { s.People[0].RiskScore = floatp(101) }, "people[0].risk_score: want 0 to 100, got 101"},
		{"ratio above 1", func(s *Snapshot) {
			w := s.People[0].Windows["7d"]
			w.AfterHoursRatio = 1.5
			s.People[0].Windows["7d"] = w
		}, `people[0].windows["7d"].after_hours_ratio: want 0 to 1, got 1.5`},
		{"bad window label", func(s *Snapshot) {
			s.People[0].Windows["week"] = WindowFigures{}
		}, `people[0].windows["week"]: window label must look like "28d"`},
		{"bad source name", func(s *Snapshot) {
			s.People[0].Windows["7d"].ActivityEvents["Git Hub"] = 1
		}, `people[0].windows["7d"].activity_events: bad source name "Git Hub"`},
		{"negative open tickets", func(s *Snapshot) { s.People[2].OpenTickets = intp(-1) }, "people[2].open_tickets: negative"},
		{"span over a day", func(s *Snapshot) { s.People[0].WorkdaySpanSeconds = 90000 }, "people[0].workday_span_seconds: want 0 to 86400, got 90000"},
		{"hour 24", func(s *Snapshot) { s.Punchcard[0].Hour = 24 }, "punchcard[0].hour: want 0 to 23, got 24"},
		{"weekday 7", func(s *Snapshot) { s.Punchcard[0].Weekday = 7 }, "punchcard[0].weekday: want 0 to 6, got 7"},
		{"duplicate cell", func(s *Snapshot) { s.Punchcard[1] = s.Punchcard[0] }, `punchcard[1]: duplicate cell team "payments" weekday 1 hour 9`},
		{"negative errors", func(s *Snapshot) { s.Job.SourceErrors["git"] = -1 }, `job: bad source "git" or negative count -1`},
		{"unknown level", func(s *Snapshot) { s.People[0].Level = "severe" }, `people[0].level: want one of [low elevated high insufficient_data], got "severe"`},
		{"repeated factor", func(s *Snapshot) { s.People[0].Factors[1].Name = s.People[0].Factors[0].Name }, `people[0].factors[1]: bad or repeated name "heavy_weeks"`},
		{"factor points above 100", func(s *Snapshot) { s.People[0].Factors[0].Points = intp(130) }, "people[0].factors[0].points: want 0 to 100, got 130"},
		{"repeated team", func(s *Snapshot) { s.Teams[1].Name = "payments" }, `teams[1].name: empty, repeated or not valid UTF-8: "payments"`},
		{"team median share above 1", func(s *Snapshot) { s.Teams[0].AfterHoursRatioMedian["7d"] = 2 }, `teams[0].after_hours_ratio_median: bad window "7d" or share 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := fixture(t)
			tc.change(s)
			err := s.Validate()
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
			// A bad snapshot never replaces a good file.
			path := filepath.Join(t.TempDir(), "s.json")
			if err := WriteSnapshotFile(path, *s); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("WriteSnapshotFile() = %v, want it to fail with %q", err, tc.wantErr)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused snapshot left a file: %v", err)
			}
		})
	}
}

func TestFinishKeepsLastSuccessThroughFailures(t *testing.T) {
	t.Parallel()
	night1 := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	night2 := night1.AddDate(0, 0, 1)
	night3 := night2.AddDate(0, 0, 1)

	var first Snapshot
	first.Finish(nil, night1, false)
	if !first.Job.LastSuccess.IsZero() || !first.Job.LastRun.Equal(night1) {
		t.Errorf("failed first run: job %+v, want last run %v and no success", first.Job, night1)
	}
	var ok Snapshot
	ok.Finish(&first, night2, true)
	var failed Snapshot
	failed.Finish(&ok, night3, false)
	if !failed.Job.LastRun.Equal(night3) || !failed.Job.LastSuccess.Equal(night2) {
		t.Errorf("failed run after a success: last run %v, last success %v; want %v, %v",
			failed.Job.LastRun, failed.Job.LastSuccess, night3, night2)
	}
	if failed.Version != SnapshotVersion {
		t.Errorf("Finish left version %d", failed.Version)
	}
}

func TestSnapshotPath(t *testing.T) {
	t.Parallel()
	for db, want := range map[string]string{
		"/var/lib/overtime/overtime.duckdb": "/var/lib/overtime/overtime.duckdb.metrics.json",
		":memory:":                          "",
		"":                                  "",
	} {
		if got := SnapshotPath(db); got != want {
			t.Errorf("SnapshotPath(%q) = %q, want %q", db, got, want)
		}
	}
}

// Issue 10, item 15: a snapshot that claims a success in the future is not
// believed, neither when read (serve, push, the next run) nor when a failed
// run would carry it over.
func TestSnapshotFromTheFutureIsRefused(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	for _, key := range []string{"job.last_success", "job.last_run", "generated_at"} {
		s := *fixture(t)
		s.GeneratedAt, s.Job.LastRun, s.Job.LastSuccess = now, now, now
		future := now.Add(24 * time.Hour)
		switch key {
		case "job.last_success":
			s.Job.LastSuccess = future
		case "job.last_run":
			s.Job.LastRun = future
		default:
			s.GeneratedAt = future
		}
		path := filepath.Join(t.TempDir(), "o.duckdb.metrics.json")
		if err := WriteSnapshotFile(path, s); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSnapshotFile(path); err == nil || !strings.Contains(err.Error(), key+" ") || !strings.Contains(err.Error(), "lies in the future") {
			t.Errorf("%s in the future: ReadSnapshotFile() = %v, want it refused naming the key", key, err)
		}
	}
	// A few seconds ahead (another host's clock) is fine.
	s := *fixture(t)
	s.GeneratedAt, s.Job.LastRun, s.Job.LastSuccess = now.Add(time.Minute), now.Add(time.Minute), now.Add(time.Minute)
	path := filepath.Join(t.TempDir(), "o.duckdb.metrics.json")
	if err := WriteSnapshotFile(path, s); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSnapshotFile(path); err != nil {
		t.Errorf("a minute of clock skew: %v", err)
	}

	prev := Snapshot{Job: Job{LastSuccess: now.AddDate(1, 0, 0)}}
	var failed Snapshot
	failed.Finish(&prev, now, false)
	if !failed.Job.LastSuccess.IsZero() {
		t.Errorf("a failed run carried over a last success a year ahead: %v", failed.Job.LastSuccess)
	}
}
