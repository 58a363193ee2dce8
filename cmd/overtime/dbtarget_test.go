package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabaseThatIsNotADuckDBFile: --db naming a SQLite file or a
// MotherDuck connection string fails at once with an error that says so,
// without DuckDB trying to download an extension, and leaves no lock file.
func TestDatabaseThatIsNotADuckDBFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeConfig(t, dir, dir)
	sqlite := append([]byte("SQLite format 3\x00"), make([]byte, 4080)...)
	if err := os.WriteFile(filepath.Join(dir, "x.sqlite"), sqlite, 0o666); err != nil {
		t.Fatal(err)
	}
	for db, want := range map[string]string{
		"x.sqlite": "x.sqlite: it is a SQLite database, not a DuckDB database",
		"md:x":     `md:x: the database must be a local file path, not a "md:" connection string`,
	} {
		r := overtime(t, dir, "analyze", "--db", db)
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("--db %s: exit %d, %q; want an error saying %q", db, r.code, r.stderr, want)
		}
		if strings.Contains(r.stderr, "extension") || strings.Contains(r.stderr, "http") {
			t.Errorf("--db %s: DuckDB went for an extension: %s", db, r.stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("%s left behind", e.Name())
		}
	}
}
