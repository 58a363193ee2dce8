package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ensureErasureKey draws the key of the forgotten-identity digests (see
// migration 009) when the database has none yet, and re-keys the plain
// SHA-256 digests an earlier release stored, then rewrites the file so
// that they are gone from it. The key never leaves the database.
func (db *DB) ensureErasureKey(ctx context.Context) error {
	var keys, unkeyed int
	if err := db.sql.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM erasure_key), (SELECT count(*) FROM forgotten_unkeyed)`).Scan(&keys, &unkeyed); err != nil {
		return fmt.Errorf("read the erasure key: %w", err)
	}
	if keys == 0 {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return fmt.Errorf("draw the erasure key: %w", err)
		}
		inner, outer := hmacPads(key)
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO erasure_key VALUES (?, ?)`, inner, outer); err != nil {
			return fmt.Errorf("store the erasure key: %w", err)
		}
	}
	if unkeyed == 0 {
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO forgotten_identities
			SELECT forgotten_digest_of_sha256(digest), forgotten_at FROM forgotten_unkeyed ON CONFLICT DO NOTHING`); err != nil {
			return fmt.Errorf("copy into forgotten_identities: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM forgotten_unkeyed`); err != nil {
			return fmt.Errorf("delete from forgotten_unkeyed: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("re-key the forgotten identities: %w", err)
	}
	if err := db.Compact(ctx); err != nil {
		return fmt.Errorf("re-key the forgotten identities: %w", err)
	}
	return nil
}

// hmacPads returns HMAC-SHA256's inner and outer padded keys (RFC 2104) for
// a key of at most 64 bytes.
func hmacPads(key []byte) (inner, outer []byte) {
	inner, outer = make([]byte, 64), make([]byte, 64)
	copy(inner, key)
	copy(outer, key)
	for i := range inner {
		inner[i] ^= 0x36
		outer[i] ^= 0x5c
	}
	return inner, outer
}

// Compact rewrites the database into a new file and puts it in the old
// one's place, so that deleted rows leave no byte behind: DuckDB marks a
// deleted row and later reuses its block, but the bytes stay in the file
// until then. The new file is written beside the old one by COPY FROM
// DATABASE, which copies the schema (tables, keys, macros, sequences) and
// every live row; it takes the old file's permissions and is renamed over
// it, so a crash at any point leaves the old file or the new one whole.
// The database is closed and reopened around the rename; the writer lock
// is held throughout. Nothing else may use db while it runs.
func (db *DB) Compact(ctx context.Context) (err error) {
	if db.readOnly {
		return errors.New("compact: the database is open read-only")
	}
	next := db.real + ".rewrite"
	removeFiles(next, next+".wal")
	defer func() {
		if err != nil {
			removeFiles(next, next+".wal")
		}
	}()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("compact: take a connection: %w", err)
	}
	var name string
	if err = conn.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		err = fmt.Errorf("read the database name: %w", err)
	}
	for _, q := range []string{
		`FORCE CHECKPOINT`,
		`ATTACH ` + sqlString(next) + ` AS overtime_rewrite`,
		`COPY FROM DATABASE "` + name + `" TO overtime_rewrite`,
		`DETACH overtime_rewrite`,
	} {
		if err != nil {
			break
		}
		if _, err = conn.ExecContext(ctx, q); err != nil {
			err = fmt.Errorf("%s: %w", q, err)
		}
	}
	conn.Close()
	if err != nil {
		conn, _ := db.sql.Conn(context.WithoutCancel(ctx))
		if conn != nil {
			conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE IF EXISTS overtime_rewrite`)
			conn.Close()
		}
		return fmt.Errorf("compact: %w", err)
	}
	// DuckDB writes the WAL into the file at a clean close; a WAL left over
	// would be replayed against the new file.
	if err := db.sql.Close(); err != nil {
		db.reopenAfterCompact(ctx)
		return fmt.Errorf("compact: close: %w", err)
	}
	db.sql = nil
	for _, wal := range []string{db.real + ".wal", next + ".wal"} {
		if _, err := os.Lstat(wal); err == nil {
			if rerr := db.reopenAfterCompact(ctx); rerr != nil {
				return fmt.Errorf("compact: %s remains after a clean close; the old file is kept: %w", wal, rerr)
			}
			return fmt.Errorf("compact: %s remains after a clean close; the old file is kept", wal)
		}
	}
	if fi, err := os.Stat(db.real); err == nil {
		if err := os.Chmod(next, fi.Mode().Perm()); err != nil {
			return errors.Join(fmt.Errorf("compact: %w", err), db.reopenAfterCompact(ctx))
		}
	}
	if err := syncFile(next); err != nil {
		return errors.Join(fmt.Errorf("compact: sync the rewritten file: %w", err), db.reopenAfterCompact(ctx))
	}
	if err := os.Rename(next, db.real); err != nil {
		return errors.Join(fmt.Errorf("compact: %w", err), db.reopenAfterCompact(ctx))
	}
	syncDir(filepath.Dir(db.real))
	if err := db.reopenAfterCompact(ctx); err != nil {
		return fmt.Errorf("compact: reopen: %w", err)
	}
	return nil
}

func (db *DB) reopenAfterCompact(ctx context.Context) error {
	if db.sql != nil {
		return nil
	}
	return db.openDuckDB(context.WithoutCancel(ctx), 0)
}

func removeFiles(paths ...string) {
	for _, p := range paths {
		os.Remove(p) // missing is fine; anything else shows at the next step
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
