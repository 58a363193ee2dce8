package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"runtime/debug"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
)

// buildVersion describes the binary: the module version (a tag, a pseudo
// version, or "(devel)" for `go build` in a checkout) and the VCS revision
// the Go toolchain stamped into it.
func buildVersion() (version, revision string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", "unknown"
	}
	version, revision = info.Main.Version, "unknown"
	if version == "" {
		version = "(devel)"
	}
	var modified bool
	var when string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "unknown" {
		if when != "" {
			revision += " (" + when + ")"
		}
		if modified {
			revision += ", with uncommitted changes"
		}
	}
	return version, revision
}

// duckDBVersion asks an in-memory DuckDB for the version of the library
// linked in.
func duckDBVersion(ctx context.Context) (string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", fmt.Errorf("open DuckDB: %w", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("DuckDB version: %w", err)
	}
	return v, nil
}

// writeVersion prints what --version shows.
func writeVersion(ctx context.Context, out io.Writer) error {
	version, revision := buildVersion()
	duck, err := duckDBVersion(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "overtime %s\nrevision %s\nDuckDB %s\n", version, revision, duck)
	return err
}
