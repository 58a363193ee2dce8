package main

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestTZ(t *testing.T) {
	t.Parallel()
	for minutes, want := range map[int]string{0: "+0000", 345: "+0545", 330: "+0530", -570: "-0930", 765: "+1245", -60: "-0100"} {
		if got := tz(minutes); got != want {
			t.Errorf("tz(%d) = %q, want %q", minutes, got, want)
		}
	}
}

// TestStreamImports feeds a small stream to git fast-import and checks the
// history it builds: the count, the merges, the .mailmap and the offsets.
func TestStreamImports(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	var stream bytes.Buffer
	st, err := generate(&stream, options{commits: 300, authors: 40, mergeEvery: 25, seed: 7, years: 1})
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	git := func(stdin *bytes.Buffer, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		if stdin != nil {
			cmd.Stdin = stdin
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git(nil, "init", "-q", "-b", "main")
	git(&stream, "fast-import", "--quiet")
	git(nil, "checkout", "-q", "main")

	if got := git(nil, "rev-list", "--count", "HEAD"); got != "300" || st.total != 300 {
		t.Errorf("commits: git says %s, generator %d; want 300", got, st.total)
	}
	if got := git(nil, "rev-list", "--count", "--merges", "HEAD"); got == "0" || got != strconv.Itoa(st.merges) {
		t.Errorf("merges: git says %s, generator %d", got, st.merges)
	}
	mapped := git(nil, "log", "--format=%aE")
	raw := git(nil, "log", "--format=%ae")
	if !strings.Contains(raw, "@laptop.local") {
		t.Error("no commit uses an alias email: the .mailmap is not exercised")
	}
	if strings.Contains(mapped, "@laptop.local") {
		t.Error("an alias email survives .mailmap")
	}
	dates := git(nil, "log", "--date=raw", "--format=%ad")
	for _, offset := range []string{"+0545", "-0930", "+1245"} {
		if !strings.Contains(dates, offset) {
			t.Errorf("no author date with offset %s", offset)
		}
	}
	if !strings.Contains(git(nil, "log", "--format=%cE"), "noreply@github.com") {
		t.Error("no commit by GitHub's web-flow")
	}
}
