package store

import (
	"path/filepath"
	"testing"
)

// BenchmarkForgottenCheck measures what keeping forgotten people out costs
// a load: a million rows of 5,000 identities checked against one
// forgotten identity, with the keyed digest (is_forgotten) and, for
// comparison, the plain SHA-256 digest earlier releases used.
//
//	go test ./store -run '^$' -bench ForgottenCheck -benchtime 5x
func BenchmarkForgottenCheck(b *testing.B) {
	ctx := b.Context()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "x.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE src AS SELECT 'email:user' || (range % 5000) || '@example.com' AS identity FROM range(1000000)`,
		`INSERT INTO forgotten_identities VALUES (forgotten_digest('email:user7@example.com'), now())`,
		`CREATE TABLE plain AS SELECT sha256('email:user7@example.com') AS digest`,
	} {
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct{ name, q string }{
		{"keyed", `SELECT count(*) FROM src a WHERE NOT is_forgotten(a.identity)`},
		{"plain", `SELECT count(*) FROM src a WHERE NOT EXISTS (SELECT 1 FROM plain f WHERE f.digest = sha256(a.identity))`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				var n int
				if err := db.sql.QueryRowContext(ctx, bc.q).Scan(&n); err != nil || n != 999800 {
					b.Fatalf("%d rows, err %v", n, err)
				}
			}
		})
	}
}

// BenchmarkCompact measures the rewrite that forget and retention end
// with, on a database of a million events.
//
//	go test ./store -run '^$' -bench Compact -benchtime 3x
func BenchmarkCompact(b *testing.B) {
	ctx := b.Context()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "x.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO events SELECT 'git', 'commit', 'c' || range,
		'email:user' || (range % 5000) || '@example.com', TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND,
		3600, 'repo', NULL, true FROM range(1000000)`); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := db.Compact(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
