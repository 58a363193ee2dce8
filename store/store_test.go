package store

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestMigrationDropsTheEventsKeyAndKeepsEveryEvent builds a database as
// release migrations 001-006 left it (events under a primary key), then
// opens it with this release: the events are all still there, the key is
// gone, and writing a stored event again still adds nothing.
func TestMigrationDropsTheEventsKeyAndKeepsEveryEvent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	old := &DB{path: path, real: path}
	if err := old.openDuckDB(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := old.migrateTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if _, err := old.sql.ExecContext(ctx, `INSERT INTO events VALUES
		('git', 'commit', 'c1', 'email:a@x.com', ?, 3600, 'repo', NULL, true),
		('git', 'commit', 'c2', 'email:a@x.com', ?, NULL, 'repo', NULL, false),
		('jira', 'worklog', 'w1', 'jira:1', ?, NULL, 'OPS', 5400, true)`, at, at.Add(time.Hour), at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := old.sql.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_constraints()
		WHERE table_name = 'events' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 0 {
		t.Errorf("events still has %d key constraints after migration 007", keys)
	}
	events, err := db.Events(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events after the migration, want the 3 stored before it", len(events))
	}
	if e := events[0]; e.ID != "c1" || !e.HasOffset || e.Offset != 3600 || e.NotCounted || !e.At.Equal(at) {
		t.Errorf("first event changed by the migration: %+v", e)
	}
	if e := events[1]; e.ID != "c2" || e.HasOffset || !e.NotCounted {
		t.Errorf("second event changed by the migration: %+v", e)
	}
	if e := events[2]; e.Source != "jira" || !e.HasSize || e.Size != 5400 {
		t.Errorf("third event changed by the migration: %+v", e)
	}
	again := Event{Source: "git", Kind: "commit", ID: "c1", Identity: "email:a@x.com", At: at, Scope: "repo"}
	if n, err := db.Write(ctx, Batch{Events: []Event{again}}); err != nil || n != 0 {
		t.Errorf("writing a stored event after the migration: inserted %d, err %v; want 0, nil", n, err)
	}
}

// TestCollectingLimitsAndBack: the collecting limits hold until restored,
// and then DuckDB's defaults are back.
func TestCollectingLimitsAndBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	settings := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, l := range collectingLimits {
			var v string
			if err := db.sql.QueryRowContext(ctx, `SELECT current_setting('`+l.name+`')::VARCHAR`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			out[l.name] = v
		}
		return out
	}
	defaults := settings()
	restore, err := db.Collecting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	limited := settings()
	want := map[string]string{"threads": "1", "write_buffer_row_group_count": "1", "memory_limit": "61.0 MiB", "checkpoint_threshold": "976.5 KiB"}
	for name, v := range want {
		if limited[name] != v {
			t.Errorf("while collecting %s = %q, want %q", name, limited[name], v)
		}
		if defaults[name] == v && !(name == "threads" && runtime.NumCPU() == 1) {
			t.Errorf("%s is %q by default: the test cannot see it restored", name, v)
		}
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	// memory_limit is set back from its printed value, one decimal of
	// GiB: it may come back 0.1 GiB off.
	back := settings()
	if !closeSizes(back["memory_limit"], defaults["memory_limit"]) {
		t.Errorf("after restore memory_limit = %s, want about %s", back["memory_limit"], defaults["memory_limit"])
	}
	delete(back, "memory_limit")
	delete(defaults, "memory_limit")
	if fmt.Sprint(back) != fmt.Sprint(defaults) {
		t.Errorf("after restore %v, want the defaults %v", back, defaults)
	}
}

// TestAnalysisHasItsMemoryAfterCollecting: after a collect under the 64 MB
// cap, the same process can run a statement that needs far more than 64 MB
// at once (one list of 20 million integers, ~160 MB). DuckDB's RESET left
// the buffer pool capped while current_setting read the default, and `run`
// failed its analysis with "Out of Memory".
func TestAnalysisHasItsMemoryAfterCollecting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	restore, err := db.Collecting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(9999, 1, 1, 10, 0, 0, 0, time.UTC)
	if _, err := db.Write(ctx, Batch{Events: []Event{{Source: "git", Kind: "commit", ID: "c1", Identity: "email:a@x.com", At: at, Scope: "repo"}}}); err != nil {
		t.Fatal(err)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT len(list(range)) FROM range(20000000)`).Scan(&n); err != nil {
		t.Fatalf("a 160 MB statement after collecting: %v", err)
	}
	if n != 20000000 {
		t.Fatalf("list of %d, want 20000000", n)
	}
}

// closeSizes reports whether two sizes DuckDB printed ("18.8 GiB") are in
// the same unit and at most 0.1 apart.
func closeSizes(a, b string) bool {
	var x, y float64
	var ux, uy string
	if _, err := fmt.Sscanf(a, "%g %s", &x, &ux); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b, "%g %s", &y, &uy); err != nil {
		return false
	}
	return ux == uy && math.Abs(x-y) <= 0.1001
}
