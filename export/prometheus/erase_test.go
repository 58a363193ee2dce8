package prometheus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestErasePerson(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "overtime.duckdb")
	if err := ErasePerson(db, "", "alice"); err != nil {
		t.Fatalf("with no files: %v", err)
	}
	if err := WriteSnapshotFile(SnapshotPath(db), *fixture(t)); err != nil {
		t.Fatal(err)
	}
	if err := WriteHistoryFile(HistoryPath(db), weeks()); err != nil {
		t.Fatal(err)
	}
	if err := ErasePerson(db, "", "alice"); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSnapshotFile(SnapshotPath(db))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.People {
		if p.ID == "alice" {
			t.Error("alice is still in the snapshot")
		}
	}
	if len(s.People) != 3 {
		t.Errorf("%d people left, want 3", len(s.People))
	}
	w, err := ReadHistoryFile(HistoryPath(db))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range w {
		if p.Person == "alice" {
			t.Fatal("alice is still in the history")
		}
	}
	if len(w) != len(weeks())-4 {
		t.Errorf("%d weekly points left, want %d", len(w), len(weeks())-4)
	}
}

// TestErasePersonRewritesTheTextfile: the textfile loses the person's
// series with the snapshot, and keeps everyone else's; with no snapshot to
// write it from, it goes.
func TestErasePersonRewritesTheTextfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "overtime.duckdb")
	textfile := filepath.Join(dir, "overtime.prom")
	s := fixture(t)
	if err := WriteSnapshotFile(SnapshotPath(db), *s); err != nil {
		t.Fatal(err)
	}
	if err := WriteTextfile(textfile, s); err != nil {
		t.Fatal(err)
	}
	if err := ErasePerson(db, textfile, "alice"); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(textfile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), `person="alice"`) || !strings.Contains(string(text), `person="`) {
		t.Errorf("textfile after erasing alice:\n%s", text)
	}
	if err := os.Remove(SnapshotPath(db)); err != nil {
		t.Fatal(err)
	}
	if err := ErasePerson(db, textfile, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(textfile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("with no snapshot the textfile should go: %v", err)
	}
}

// TestExportedFilesFollowTheUmask: a new snapshot, history or textfile gets
// 0666 less the umask, not a forced mode; a file replaced keeps its mode.
func TestExportedFilesFollowTheUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	db := filepath.Join(dir, "overtime.duckdb")
	s := fixture(t)
	for _, write := range []func() (string, error){
		func() (string, error) { return SnapshotPath(db), WriteSnapshotFile(SnapshotPath(db), *s) },
		func() (string, error) { return HistoryPath(db), WriteHistoryFile(HistoryPath(db), weeks()) },
		func() (string, error) { p := filepath.Join(dir, "x.prom"); return p, WriteTextfile(p, s) },
	} {
		path, err := write()
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v (err %v), want 0640 under umask 027", filepath.Base(path), fi.Mode(), err)
		}
	}
	if err := os.Chmod(SnapshotPath(db), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteSnapshotFile(SnapshotPath(db), *s); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(SnapshotPath(db)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a replaced snapshot: mode %v (err %v), want the 0600 it had", fi.Mode(), err)
	}
}
