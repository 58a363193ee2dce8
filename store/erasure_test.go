package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// alice's identities and name, as a collector stores them.
var aliceBytes = []string{"alice.liddell@wonderland.example", "Alice Liddell-Wonder", "alice-wonder-login", "5b10ac8d82e05b22cc7d4ef5"}

func aliceEvents(day time.Time) []Event {
	var evs []Event
	for i, id := range []string{"email:alice.liddell@wonderland.example", "github:alice-wonder-login", "jira:5b10ac8d82e05b22cc7d4ef5"} {
		for j := range 50 {
			evs = append(evs, Event{Source: "git", Kind: "commit", ID: hex.EncodeToString([]byte{byte(i), byte(j)}), Identity: id,
				Name: "Alice Liddell-Wonder", At: day.Add(time.Duration(j) * time.Hour), Scope: "repo"})
		}
	}
	return evs
}

// filesHolding lists the files under dir that hold any of the strings.
func filesHolding(t *testing.T, dir string, strs []string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range strs {
			if bytes.Contains(data, []byte(s)) {
				out = append(out, filepath.Base(path)+" holds "+s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestForgetLeavesNoByteOnDisk: after Forget returns, no file in the
// database's directory (the DuckDB file, its WAL) holds any byte of the
// person's email, name, login or Jira id, while everyone else's events are
// still there and the forgotten person is still kept out. The bytes are
// there before, checkpointed into the file, so the scan can see them.
func TestForgetLeavesNoByteOnDisk(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "overtime.duckdb")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	bob := Event{Source: "git", Kind: "commit", ID: "bob1", Identity: "email:bob@example.com", Name: "Bob", At: day, Scope: "repo"}
	if _, err := db.Write(ctx, Batch{Events: append(aliceEvents(day), bob)}); err != nil {
		t.Fatal(err)
	}
	pr := PullRequest{ID: 7, Repo: "repo", Number: 7, Author: "github:alice-wonder-login", CreatedAt: day, MergedAt: day, ClosedAt: day,
		MergedBy: "github:alice-wonder-login", UpdatedAt: day}
	links := []IdentityLink{{Email: "email:alice.liddell@wonderland.example", Login: "github:alice-wonder-login"}}
	if _, err := db.WriteGitHubPage(ctx, nil, []PullRequest{pr}, links, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `FORCE CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	if got := filesHolding(t, dir, aliceBytes); len(got) < len(aliceBytes) {
		t.Fatalf("before forget the files hold only %v: the scan cannot see an erasure", got)
	}

	erased, err := db.Forget(ctx, "alice", []string{"email:alice.liddell@wonderland.example", "github:alice-wonder-login", "jira:5b10ac8d82e05b22cc7d4ef5"})
	if err != nil {
		t.Fatal(err)
	}
	if erased != 150 {
		t.Errorf("forget erased %d events, want 150", erased)
	}
	if got := filesHolding(t, dir, aliceBytes); len(got) > 0 {
		t.Errorf("after Forget: %v", got)
	}
	if n, err := db.EventCount(ctx, ""); err != nil || n != 1 {
		t.Errorf("after Forget %d events (err %v), want bob's 1", n, err)
	}
	if n, err := db.Write(ctx, Batch{Events: aliceEvents(day)}); err != nil || n != 0 {
		t.Errorf("writing alice again after Forget: inserted %d, err %v; want 0, nil", n, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten file's mode: %v (err %v), want the 0600 it had", fi.Mode(), err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := filesHolding(t, dir, aliceBytes); len(got) > 0 {
		t.Errorf("after Close: %v", got)
	}
	if db, err = Open(ctx, path, Options{}); err != nil {
		t.Fatalf("reopening the rewritten file: %v", err)
	}
	var migrations int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&migrations); err != nil || migrations < 9 {
		t.Errorf("schema_migrations after the rewrite: %d (err %v)", migrations, err)
	}
}

// TestRetentionLeavesNoByteOnDisk: what retention deletes is gone from the
// file too.
func TestRetentionLeavesNoByteOnDisk(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "overtime.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	recent := Event{Source: "git", Kind: "commit", ID: "bob1", Identity: "email:bob@example.com", Name: "Bob", At: old.AddDate(1, 0, 0), Scope: "repo"}
	if _, err := db.Write(ctx, Batch{Events: append(aliceEvents(old), recent)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `FORCE CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	if got := filesHolding(t, dir, aliceBytes); len(got) == 0 {
		t.Fatal("before retention no file holds alice: the scan cannot see an erasure")
	}
	if n, err := db.ApplyRetention(ctx, old.AddDate(0, 6, 0)); err != nil || n != 150 {
		t.Fatalf("retention erased %d (err %v), want 150", n, err)
	}
	if got := filesHolding(t, dir, aliceBytes); len(got) > 0 {
		t.Errorf("after retention: %v", got)
	}
}

// TestForgottenDigestIsKeyed: the digest stored for a forgotten identity is
// HMAC-SHA256 under the database's own key, not a plain SHA-256 anyone can
// recompute from a guessed email; two databases have two keys.
func TestForgottenDigestIsKeyed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const id = "email:carol@example.com"
	var digests []string
	for range 2 {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "overtime.duckdb"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Forget(ctx, "carol", []string{id}); err != nil {
			t.Fatal(err)
		}
		var digest string
		var inner, outer []byte
		if err := db.sql.QueryRowContext(ctx, `SELECT digest FROM forgotten_identities`).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		if err := db.sql.QueryRowContext(ctx, `SELECT inner_pad, outer_pad FROM erasure_key`).Scan(&inner, &outer); err != nil {
			t.Fatal(err)
		}
		key := make([]byte, 64)
		for i := range key {
			key[i] = inner[i] ^ 0x36
			if outer[i]^0x5c != key[i] {
				t.Fatalf("the pads do not come from one key")
			}
		}
		if want := keyedDigest(key, id); digest != want {
			t.Errorf("digest %s, want HMAC-SHA256(key, SHA-256(identity)) %s", digest, want)
		}
		plain := sha256.Sum256([]byte(id))
		if digest == hex.EncodeToString(plain[:]) {
			t.Error("the digest is the plain SHA-256 of the identity")
		}
		digests = append(digests, digest)
	}
	if digests[0] == digests[1] {
		t.Error("two databases gave the same digest: the key is not the database's own")
	}
}

// keyedDigest is HMAC-SHA256(key, SHA-256(identity)) in hex.
func keyedDigest(key []byte, identity string) string {
	h := sha256.Sum256([]byte(identity))
	m := hmac.New(sha256.New, key)
	m.Write(h[:])
	return hex.EncodeToString(m.Sum(nil))
}

// TestUnkeyedDigestsOfEarlierReleasesAreRekeyed: a database whose forgotten
// identities an earlier release stored as plain SHA-256 has them re-keyed
// when this release opens it; the plain digests are gone from the file,
// and the person is still kept out.
func TestUnkeyedDigestsOfEarlierReleasesAreRekeyed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.duckdb")
	old := &DB{path: path, real: path}
	if err := old.openDuckDB(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := old.migrateTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	const dave = "email:dave@example.com"
	plain := sha256.Sum256([]byte(dave))
	plainHex := hex.EncodeToString(plain[:])
	if _, err := old.sql.ExecContext(ctx, `INSERT INTO forgotten_identities VALUES (?, now())`, plainHex); err != nil {
		t.Fatal(err)
	}
	if _, err := old.sql.ExecContext(ctx, `CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	old.sql.Close()
	if got := filesHolding(t, dir, []string{plainHex}); len(got) == 0 {
		t.Fatal("the plain digest is not in the old file: the scan cannot see it go")
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var digest string
	var inner []byte
	if err := db.sql.QueryRowContext(ctx, `SELECT digest FROM forgotten_identities`).Scan(&digest); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRowContext(ctx, `SELECT inner_pad FROM erasure_key`).Scan(&inner); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 64)
	for i := range key {
		key[i] = inner[i] ^ 0x36
	}
	if want := keyedDigest(key, dave); digest != want {
		t.Errorf("re-keyed digest %s, want %s", digest, want)
	}
	if got := filesHolding(t, dir, []string{plainHex}); len(got) > 0 {
		t.Errorf("the plain digest is still on disk: %v", got)
	}
	day := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	e := Event{Source: "git", Kind: "commit", ID: "d1", Identity: dave, Name: "Dave", At: day, Scope: "repo"}
	if n, err := db.Write(ctx, Batch{Events: []Event{e}}); err != nil || n != 0 {
		t.Errorf("writing a person forgotten before the upgrade: inserted %d, err %v; want 0, nil", n, err)
	}
}
