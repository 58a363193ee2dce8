package git

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestRelayCopiesWholeLinesAndMendsBadUTF8 feeds the relay one byte at a
// time, then all at once: what reaches DuckDB is git's output, whole lines
// only, with the one line holding a byte that is not UTF-8 mended and every
// author email lowercased; the summary counts every commit, bounds their
// dates and keeps each author's latest name.
func TestRelayCopiesWholeLinesAndMendsBadUTF8(t *testing.T) {
	t.Parallel()
	in := "c3\x1fAda Lovelace\x1fada@example.com\x1f1767300000 +0100\x1fada@example.com\n" +
		"a1\x1fAda\x1fAda@Example.com\x1f1767261600 +0100\x1fada@example.com\n" +
		"b2\x1fRen\xe9\x1frene@example.com\x1f1767200000 -0930\x1fnoreply@github.com\n" +
		"e5\x1f\u00c5sa\x1f\u00c5SA@Example.COM\x1f1767250000 +0000\x1fx@example.com\n" +
		"d4\x1f\x1f\x1f1767250000 +0000\x1fx@example.com" // no newline after the last line
	for _, feed := range []struct {
		name string
		r    io.Reader
	}{{"byte by byte", iotest.OneByteReader(strings.NewReader(in))}, {"at once", strings.NewReader(in)}} {
		var out bytes.Buffer
		s := newLogSummary()
		if err := s.relay(feed.r, &out); err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer("Ren\xe9", "Ren\uFFFD", "Ada@Example.com", "ada@example.com", "\u00c5SA@Example.COM", "\u00e5sa@example.com").Replace(in)
		if out.String() != want {
			t.Errorf("%s: relayed\n%q\nwant\n%q", feed.name, out.String(), want)
		}
		if s.commits != 5 || !s.first.Equal(time.Unix(1767200000, 0)) || !s.last.Equal(time.Unix(1767300000, 0)) {
			t.Errorf("summary: %d commits from %s to %s", s.commits, s.first, s.last)
		}
		names := map[string]string{}
		for _, e := range s.identities() {
			if e.At.Equal(s.last) || names[e.Identity] == "" {
				names[e.Identity] = e.Name
			}
		}
		wantNames := map[string]string{"email:ada@example.com": "Ada Lovelace", "email:rene@example.com": "Ren\uFFFD",
			"email:\u00e5sa@example.com": "\u00c5sa", "name:": ""}
		for id, name := range wantNames {
			if got, ok := names[id]; !ok || got != name {
				t.Errorf("identity %s named %q (present %v), want %q", id, got, ok, name)
			}
		}
	}
}

// TestRelayLeavesOutMalformedLines feeds the relay a log with malformed
// lines among good ones, one byte at a time and all at once: the good
// lines reach DuckDB whole, a carriage return is mended, the malformed
// lines are left out, and the summary counts and names them.
func TestRelayLeavesOutMalformedLines(t *testing.T) {
	t.Parallel()
	good1 := "a1\x1fAda\x1fada@example.com\x1f1767261600 +0100\x1fada@example.com\n"
	good2 := "b2\x1fBo\x1fbo@example.com\x1f1767265200 -0930\x1fbo@example.com\n"
	cr := "c3\x1fC\ry\x1fcy@example.com\x1f1767268800 +0000\x1fcy@example.com\n"
	bad := []string{
		"d4\x1fUni\x1fSep\x1fus@example.com\x1f1767261600 +0000\x1fus@example.com\n",
		"e5\x1fA\x1fa@example.com\x1f1767261600 +0099\x1fa@example.com\n",
		"f6\x1fA\x1fa@example.com\x1f0 +0000\x1fa@example.com\n",
		"g7\x1fA\x1fa@example.com\x1f\x1fa@example.com\n",
		"h8\x1fA\x1fa@example.com\x1f253402300800 +0000\x1fa@example.com\n",
	}
	in := bad[0] + good1 + bad[1] + bad[2] + cr + bad[3] + good2 + bad[4]
	want := good1 + strings.Replace(cr, "\r", "\uFFFD", 1) + good2
	for _, feed := range []struct {
		name string
		r    io.Reader
	}{{"byte by byte", iotest.OneByteReader(strings.NewReader(in))}, {"at once", strings.NewReader(in)}} {
		var out bytes.Buffer
		s := newLogSummary()
		if err := s.relay(feed.r, &out); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s: relayed\n%q\nwant\n%q", feed.name, out.String(), want)
		}
		if s.commits != 3 || s.skipped != 5 || s.mended != 1 {
			t.Errorf("%s: %d commits, %d skipped, %d mended; want 3, 5, 1", feed.name, s.commits, s.skipped, s.mended)
		}
		var named []string
		for _, m := range s.malformed {
			named = append(named, m.Commit)
		}
		if got := strings.Join(named, " "); got != "d4 e5 f6 c3 g7 h8" {
			t.Errorf("%s: named %q", feed.name, got)
		}
	}
}
