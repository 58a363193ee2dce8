package git

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestRelayCopiesWholeLinesAndMendsBadUTF8 feeds the relay one byte at a
// time: what reaches DuckDB is git's output, whole lines only, with the one
// line holding a byte that is not UTF-8 mended; the summary counts every
// commit, bounds their dates and keeps each author's latest name.
func TestRelayCopiesWholeLinesAndMendsBadUTF8(t *testing.T) {
	t.Parallel()
	in := "a1\x1fAda\x1fAda@Example.com\x1f1767261600 +0100\x1fada@example.com\n" +
		"b2\x1fRen\xe9\x1frene@example.com\x1f1767200000 -0930\x1fnoreply@github.com\n" +
		"c3\x1fAda Lovelace\x1fada@example.com\x1f1767300000 +0100\x1fada@example.com\n" +
		"d4\x1f\x1f\x1f1767250000 +0000\x1fx@example.com" // no newline after the last line
	var out bytes.Buffer
	s := newLogSummary()
	if err := s.relay(iotest.OneByteReader(strings.NewReader(in)), &out); err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(in, "Ren\xe9", "Ren\uFFFD", 1); out.String() != want {
		t.Errorf("relayed\n%q\nwant\n%q", out.String(), want)
	}
	if s.commits != 4 || !s.first.Equal(time.Unix(1767200000, 0)) || !s.last.Equal(time.Unix(1767300000, 0)) {
		t.Errorf("summary: %d commits from %s to %s", s.commits, s.first, s.last)
	}
	names := map[string]string{}
	for _, e := range s.identities() {
		if e.At.Equal(s.last) || names[e.Identity] == "" {
			names[e.Identity] = e.Name
		}
	}
	want := map[string]string{"email:ada@example.com": "Ada Lovelace", "email:rene@example.com": "Ren\uFFFD", "name:": ""}
	for id, name := range want {
		if got, ok := names[id]; !ok || got != name {
			t.Errorf("identity %s named %q (present %v), want %q", id, got, ok, name)
		}
	}
}
