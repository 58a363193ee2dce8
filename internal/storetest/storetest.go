// Package storetest opens a real, fresh DuckDB store in a test's temporary
// directory.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/overtime-project/overtime/store"
)

// Open opens a new database file in t.TempDir(), closed when the test ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "overtime.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
