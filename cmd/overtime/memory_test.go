package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunOnAnEmptyRepositoryAnalyzes: `run` over a repository with no
// commits (and with no sources at all) collects and analyzes in one
// process. The collecting phase's 64 MB memory cap used to stay on DuckDB's
// buffer pool and fail the analysis with "Out of Memory".
func TestRunOnAnEmptyRepositoryAnalyzes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	writeConfig(t, dir, repo)
	for _, cfg := range []string{"", "database: data/overtime.duckdb\n"} {
		if cfg != "" {
			if err := os.WriteFile(filepath.Join(dir, "overtime.yaml"), []byte(cfg), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		r := overtime(t, dir, "run")
		if r.code != 0 || strings.Contains(r.stderr, "Out of Memory") {
			t.Errorf("run (config %q): exit %d\n%s", cfg, r.code, r.stderr)
		}
	}
}
