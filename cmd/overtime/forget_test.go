package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/gittest"
)

// forgetFixture runs a nightly run over a repository where ben (configured
// by name, with two emails) and ana committed, with a textfile export, in
// dir; the database and every exported file live under dir/data.
func forgetFixture(t *testing.T) string {
	t.Helper()
	repo := gittest.New(t)
	var commits []gittest.Commit
	start := gittest.At(2026, 6, 1, 8, 0, "+0200")
	for i := range 40 {
		name, email := "ana", "ana@example.com"
		if i%2 == 1 {
			name, email = "Ben Bitdiddle-Zed", []string{"ben.bitdiddle@example.com", "bbz@home.example"}[i%4/2]
		}
		commits = append(commits, gittest.Commit{AuthorName: name, AuthorEmail: email, When: start.Add(time.Duration(i) * 97 * time.Minute)})
	}
	repo.FastImport(commits)
	dir := t.TempDir()
	cfg := "database: data/overtime.duckdb\n" +
		"people:\n  - id: ana\n    emails: [ana@example.com]\n  - id: ben\n    name: Ben the Builder\n    emails: [ben.bitdiddle@example.com, bbz@home.example]\n" +
		"export:\n  prometheus:\n    textfile: data/overtime.prom\n" +
		"sources:\n  git:\n    - path: " + repo.Dir + "\n"
	if err := os.WriteFile(filepath.Join(dir, "overtime.yaml"), []byte(cfg), 0o666); err != nil {
		t.Fatal(err)
	}
	if r := overtime(t, dir, "run"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	return dir
}

// bensBytes are what identifies ben in the files the tool writes: his
// emails, the name git recorded, and the name the config gives him.
var bensBytes = []string{"ben.bitdiddle@example.com", "bbz@home.example", "Ben Bitdiddle-Zed", "Ben the Builder"}

func scanFiles(t *testing.T, dir string, strs []string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range strs {
			if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(s))) {
				found = append(found, filepath.Base(path)+": "+s)
			}
		}
		return nil
	})
	return found
}

// TestForgetLeavesNoByteInAnyFile: after `forget ben --yes` exits 0, no
// file the tool wrote (database, WAL, snapshot, history, textfile, lock)
// holds any byte of ben's emails or names, though the config still names
// him; and ana is still reported.
func TestForgetLeavesNoByteInAnyFile(t *testing.T) {
	t.Parallel()
	dir := forgetFixture(t)
	data := filepath.Join(dir, "data")
	found := scanFiles(t, data, bensBytes)
	if len(found) == 0 {
		t.Fatal("before forget no file holds ben: the scan cannot see an erasure")
	}
	snap, _ := os.ReadFile(filepath.Join(data, "overtime.duckdb.metrics.json"))
	text, _ := os.ReadFile(filepath.Join(data, "overtime.prom"))
	if !bytes.Contains(snap, []byte(`"ben"`)) || !bytes.Contains(text, []byte(`person="ben"`)) {
		t.Fatalf("before forget ben is not exported:\n%s\n%s", snap, text)
	}
	r := overtime(t, dir, "forget", "ben", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "forgot ben: 2 identities, 20 events erased") {
		t.Fatalf("forget: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if found := scanFiles(t, data, bensBytes); len(found) > 0 {
		t.Errorf("after forget, files still hold ben: %v", found)
	}
	snap, _ = os.ReadFile(filepath.Join(data, "overtime.duckdb.metrics.json"))
	text, _ = os.ReadFile(filepath.Join(data, "overtime.prom"))
	if bytes.Contains(snap, []byte(`"ben"`)) || bytes.Contains(text, []byte(`person="ben"`)) {
		t.Errorf("ben is still exported after forget:\n%s\n%s", snap, text)
	}
	if !bytes.Contains(text, []byte(`person="ana"`)) {
		t.Errorf("the textfile lost ana:\n%s", text)
	}
	if rep := overtime(t, dir, "report", "--format", "csv", "--as-of", "2026-06-04", "--window", "30"); rep.code != 0 || !strings.Contains(rep.stdout, "ana") {
		t.Errorf("report after forget: exit %d\n%s%s", rep.code, rep.stdout, rep.stderr)
	}
}

// TestForgetStopsBeforeErasingWhenTheSnapshotCannotBeRewritten: when the
// metrics snapshot cannot be rewritten without the person, forget exits
// non-zero naming it and erases nothing, so the database and the exports
// agree (a running serve would otherwise keep exporting someone the
// database no longer has).
func TestForgetStopsBeforeErasingWhenTheSnapshotCannotBeRewritten(t *testing.T) {
	t.Parallel()
	dir := forgetFixture(t)
	snapshot := filepath.Join(dir, "data", "overtime.duckdb.metrics.json")
	if err := os.WriteFile(snapshot, []byte("{not json"), 0o666); err != nil {
		t.Fatal(err)
	}
	r := overtime(t, dir, "forget", "ben", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "metrics snapshot") || !strings.Contains(r.stderr, "nothing was erased") {
		t.Fatalf("forget with a broken snapshot: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if people := overtime(t, dir, "people"); !strings.Contains(people.stdout, "ben.bitdiddle@example.com") {
		t.Errorf("ben was erased from the database though forget failed:\n%s", people.stdout)
	}
}
