package prometheus

import (
	"path/filepath"
	"testing"
)

func TestErasePerson(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "overtime.duckdb")
	if err := ErasePerson(db, "alice"); err != nil {
		t.Fatalf("with no files: %v", err)
	}
	if err := WriteSnapshotFile(SnapshotPath(db), *fixture(t)); err != nil {
		t.Fatal(err)
	}
	if err := WriteHistoryFile(HistoryPath(db), weeks()); err != nil {
		t.Fatal(err)
	}
	if err := ErasePerson(db, "alice"); err != nil {
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
