package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sqliteHeader is how every SQLite 3 database file begins.
const sqliteHeader = "SQLite format 3\x00"

// TestOpenRefusesWhatIsNotADuckDBFile: a SQLite file, a text file, a
// directory and DuckDB connection strings ("md:", "s3://") are refused with
// an error that says why, and no "<target>.lock" is left beside them.
func TestOpenRefusesWhatIsNotADuckDBFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	sqlite := append([]byte(sqliteHeader), make([]byte, 4080)...)
	if err := os.WriteFile("x.sqlite", sqlite, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("overtime.yaml", []byte("database: x.duckdb\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("adir", 0o777); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{
		"x.sqlite":      "it is a SQLite database, not a DuckDB database",
		"overtime.yaml": "it is not a DuckDB database",
		"adir":          "it is not a regular file",
		"md:x":          `not a "md:" connection string`,
		"motherduck:x":  `not a "motherduck:" connection string`,
		"s3://bucket/x": `not a "s3:" connection string`,
		":memory:":      "must be a file path",
	} {
		db, err := Open(t.Context(), target, Options{})
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", target)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), target) {
			t.Errorf("Open(%q): %v; want it to name the target and say %q", target, err, want)
		}
		if strings.Contains(err.Error(), "http") || strings.Contains(strings.ToLower(err.Error()), "install") {
			t.Errorf("Open(%q) tried to fetch an extension: %v", target, err)
		}
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".lock") || strings.HasSuffix(e.Name(), ".wal") {
			t.Errorf("%s left behind by a refused open", e.Name())
		}
	}
	got, _ := os.ReadFile("x.sqlite")
	if string(got) != string(sqlite) {
		t.Error("x.sqlite changed by a refused open")
	}
}

// TestDuckDBNeverFetchesExtensions: with the database open, a statement
// that needs an extension DuckDB would download (sqlite_scanner, to attach
// a SQLite file) fails at once saying the extension is not loaded,
// without trying the network.
func TestDuckDBNeverFetchesExtensions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	sqlite := filepath.Join(dir, "x.sqlite")
	if err := os.WriteFile(sqlite, append([]byte(sqliteHeader), make([]byte, 4080)...), 0o666); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, filepath.Join(dir, "t.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"autoinstall_known_extensions", "autoload_known_extensions"} {
		var v string
		if err := db.sql.QueryRowContext(ctx, `SELECT current_setting('`+name+`')::VARCHAR`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "false" {
			t.Errorf("%s = %s, want false", name, v)
		}
	}
	for _, q := range []string{
		`ATTACH '` + sqlite + `' AS s (TYPE sqlite)`,
		`SELECT * FROM read_json('https://example.invalid/x.json')`,
	} {
		_, err := db.sql.ExecContext(ctx, q)
		if err == nil {
			t.Errorf("%s succeeded", q)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "Could not establish connection") || strings.Contains(msg, "Failed to download") {
			t.Errorf("%s tried to download an extension: %v", q, err)
		}
		if !strings.Contains(msg, "not loaded") && !strings.Contains(msg, "not found") && !strings.Contains(msg, "autoload") {
			t.Errorf("%s: %v; want it to say the extension is not there", q, err)
		}
	}
}

// TestWriterLockDoesNotFollowSymlinks: a "<db>.lock" that is a symbolic
// link to another file makes Open fail, and that file is left untouched.
func TestWriterLockDoesNotFollowSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "db.duckdb")
	if err := os.Symlink(victim, path+".lock"); err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open took a lock through a symbolic link")
	}
	if !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("error %v; want it to say the lock is a symbolic link", err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "keep me\n" {
		t.Errorf("the link's target now holds %q", got)
	}
}

// TestOneLockWhicheverPathNamesTheDatabase: a database reached through a
// symbolic link (to the file, or to its directory) takes the same writer
// lock as through its real path.
func TestOneLockWhicheverPathNamesTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	realDir := filepath.Join(dir, "real")
	if err := os.Mkdir(realDir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(realDir, "db.duckdb")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fileLink := filepath.Join(dir, "link.duckdb")
	if err := os.Symlink(path, fileLink); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "linkdir")
	if err := os.Symlink(realDir, dirLink); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{fileLink, filepath.Join(dirLink, "db.duckdb")} {
		second, err := Open(ctx, other, Options{})
		if err == nil {
			second.Close()
			t.Errorf("a second writer opened %s while %s is held", other, path)
			continue
		}
		if !errors.Is(err, ErrBusy) {
			t.Errorf("Open(%s): %v; want ErrBusy", other, err)
		}
	}
	if _, err := os.Lstat(fileLink + ".lock"); err == nil {
		t.Errorf("a second lock file %s.lock was created", fileLink)
	}
}
