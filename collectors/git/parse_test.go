package git

import (
	"strings"
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	t.Parallel()
	good := "0123abc\x1fAda L\x1fada@example.com\x1f1700000000 +0545\x1fnoreply@github.com"
	cm, err := parseRecord([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := Commit{SHA: "0123abc", AuthorName: "Ada L", AuthorEmail: "ada@example.com",
		AuthorTime: time.Unix(1700000000, 0).UTC(), AuthorOffset: 5*3600 + 45*60, CommitterEmail: "noreply@github.com"}
	if cm != want {
		t.Errorf("parseRecord = %+v, want %+v", cm, want)
	}
	for _, bad := range []struct{ rec, says string }{
		{"0123abc\x1fAda\x1fada@example.com\x1f1700000000 +0545", "malformed git log record"},
		{good + "\x1fextra", "malformed git log record"},
		{"0123abc\x1fAda\x1fada@example.com\x1f1700000000\x1fc@x", "malformed author date"},
		{"0123abc\x1fAda\x1fada@example.com\x1fyesterday +0000\x1fc@x", "malformed author date"},
		{"0123abc\x1fAda\x1fada@example.com\x1f1700000000 +0575\x1fc@x", "malformed author date offset"},
	} {
		_, err := parseRecord([]byte(bad.rec))
		if err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("parseRecord(%q) error %v, want one saying %q", bad.rec, err, bad.says)
		}
	}
}
