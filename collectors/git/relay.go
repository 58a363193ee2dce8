package git

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/overtime-project/overtime/store"
)

// logSummary is what the relay keeps of a git log on its way to DuckDB:
// how many commits, the range of their author dates, and each author
// identity with the names it carried. Nothing else of a commit stays in Go.
type logSummary struct {
	commits     int
	first, last time.Time
	authors     map[string]*author // by the raw "name\x1femail" of the log line
	key         []byte             // scratch for the authors key
	// mended and skipped count the malformed commits check mended or left
	// out; malformed names the first maxNamed of them.
	mended, skipped int
	malformed       []Malformed
}

// Malformed is a commit whose log line was mended or left out.
type Malformed struct {
	Commit  string // its SHA, as git printed it
	Problem string
}

type author struct {
	identity, name string
	first, last    time.Time
}

func newLogSummary() *logSummary {
	return &logSummary{authors: map[string]*author{}}
}

// relay copies git's output to DuckDB's pipe a run of whole lines at a
// time, reading each line along. git prints names and emails as the commit
// holds them, and an old commit may hold bytes that are not UTF-8 (a
// Latin-1 name under a UTF-8 header), which DuckDB's reader refuses for the
// whole log: such bytes become U+FFFD, in that line only.
func (s *logSummary) relay(from io.Reader, to io.Writer) error {
	buf := make([]byte, 256<<10)
	var pending []byte // bytes read but not yet written: the start of a line
	for {
		n, err := from.Read(buf)
		data := buf[:n]
		if len(pending) > 0 {
			pending = append(pending, data...)
			data = pending
		}
		end := bytes.LastIndexByte(data, '\n') + 1
		if err == io.EOF {
			end = len(data) // a last line without its newline
		}
		if end > 0 {
			if werr := s.write(to, data[:end]); werr != nil {
				return werr
			}
		}
		pending = append(pending[:0:0], data[end:]...)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// write reads the whole lines in b and writes them on, made valid UTF-8,
// with the author email lowercased (the identity is "email:" and that,
// lowercased by Go as the config's emails are, so that both always match)
// and with a malformed commit mended or left out (see check). Lines that
// need none of that are passed on as they are, without a copy.
func (s *logSummary) write(to io.Writer, b []byte) error {
	valid := utf8.Valid(b)
	var out []byte // nil while every line so far is passed on as it is
	done := 0      // b[:done] is accounted for in out
	for start := 0; start < len(b); {
		end := len(b)
		if i := bytes.IndexByte(b[start:], '\n'); i >= 0 {
			end = start + i
		}
		line := b[start:end]
		mended := line
		if !valid {
			mended = bytes.ToValidUTF8(mended, []byte("\uFFFD"))
		}
		mended, keep := s.check(mended)
		if keep {
			mended = lowerEmail(mended)
		}
		if out != nil || !keep || !sameBytes(mended, line) {
			if out == nil {
				out = append(make([]byte, 0, len(b)), b[:start]...)
			}
			if keep {
				out = append(out, mended...)
				if end < len(b) {
					out = append(out, '\n')
				}
			}
			done = min(end+1, len(b))
		}
		if keep {
			s.line(mended)
		}
		start = end + 1
	}
	if out == nil {
		out = b
	} else {
		out = append(out, b[done:]...)
	}
	if len(out) == 0 {
		return nil
	}
	_, err := to.Write(out)
	return err
}

// maxAuthorSecs is the latest author date stored: the end of year 9999.
// git prints a date it cannot read as 0, and one past this is no date a
// person worked at; either would stop DuckDB's load or distort the figures.
const maxAuthorSecs = 253402300799

// check reads one "sha US name US email US secs offset US committer" line
// and says whether it goes on to DuckDB, mended if need be. A carriage
// return in a name or email (which DuckDB's reader would take for the end
// of the line) becomes U+FFFD; a line without exactly five fields (a unit
// separator in a name or email), or whose author date is missing, 0, past
// year 9999, or has an offset that is no clock time (+0099, +9999), is left
// out: the commit is counted and named in the summary, and every other
// commit of the log is stored.
func (s *logSummary) check(l []byte) ([]byte, bool) {
	if len(l) == 0 {
		return l, false
	}
	mended := bytes.IndexByte(l, '\r') >= 0
	if mended {
		l = bytes.ReplaceAll(l, []byte{'\r'}, []byte("\uFFFD"))
	}
	if n := bytes.Count(l, []byte{0x1f}); n != 4 {
		s.skip(l, fmt.Sprintf("%d fields instead of 5 (a unit separator, 0x1f, in the author or committer)", n+1))
		return l, false
	}
	i := nthIndex(l, 0x1f, 3)
	j := i + 1 + bytes.IndexByte(l[i+1:], 0x1f)
	if reason := badDate(l[i+1 : j]); reason != "" {
		s.skip(l, reason)
		return l, false
	}
	if mended {
		s.mend(l, "carriage return in the author or committer")
	}
	return l, true
}

// badDate says what is wrong with a raw git author date, or "" when it is
// "secs ±hhmm" with secs in 1..maxAuthorSecs, hh < 24 and mm < 60.
func badDate(d []byte) string {
	if len(d) == 0 {
		return "no author date"
	}
	secs, off, ok := bytes.Cut(d, []byte{' '})
	if !ok || len(secs) == 0 || len(secs) > 12 || !allDigits(secs) {
		return fmt.Sprintf("malformed author date %q", d)
	}
	var n int64
	for _, c := range secs {
		n = n*10 + int64(c-'0')
	}
	if n == 0 || n > maxAuthorSecs {
		return fmt.Sprintf("author date %q out of range (git prints 0 for a date it cannot read)", d)
	}
	if len(off) != 5 || (off[0] != '+' && off[0] != '-') || !allDigits(off[1:]) ||
		(off[1]-'0')*10+(off[2]-'0') > 23 || off[3] > '5' {
		return fmt.Sprintf("author date %q has no valid UTC offset", d)
	}
	return ""
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// maxNamed bounds the commits a summary names: a history rewritten by a
// broken tool could hold thousands, and a count says the rest.
const maxNamed = 20

// mend and skip note a commit the relay mended or left out.
func (s *logSummary) mend(l []byte, why string) {
	s.mended++
	s.name(l, why+": mended")
}

func (s *logSummary) skip(l []byte, why string) {
	s.skipped++
	s.name(l, why+": left out")
}

func (s *logSummary) name(l []byte, why string) {
	if len(s.malformed) >= maxNamed {
		return
	}
	sha, _, _ := bytes.Cut(l, []byte{0x1f})
	if len(sha) > 64 {
		sha = sha[:64]
	}
	s.malformed = append(s.malformed, Malformed{Commit: string(sha), Problem: why})
}

// sameBytes tells whether a and b are the same memory, not just equal.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// lowerEmail returns the line with its third field, the author email,
// lowercased, or the line itself when there is nothing to lower.
func lowerEmail(line []byte) []byte {
	i := nthIndex(line, 0x1f, 2)
	if i < 0 {
		return line
	}
	j := bytes.IndexByte(line[i+1:], 0x1f)
	if j < 0 {
		return line
	}
	email := line[i+1 : i+1+j]
	needs := false
	for _, c := range email {
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			needs = true
			break
		}
	}
	if !needs {
		return line
	}
	lower := strings.ToLower(string(email))
	if lower == string(email) {
		return line
	}
	out := make([]byte, 0, len(line)+len(lower)-len(email))
	out = append(append(append(out, line[:i+1]...), lower...), line[i+1+j:]...)
	return out
}

// nthIndex is the index of the n-th (1-based) c in b, or -1.
func nthIndex(b []byte, c byte, n int) int {
	at := -1
	for ; n > 0; n-- {
		i := bytes.IndexByte(b[at+1:], c)
		if i < 0 {
			return -1
		}
		at += i + 1
	}
	return at
}

// line reads one line that check let through.
func (s *logSummary) line(l []byte) {
	_, rest, ok := bytes.Cut(l, []byte{0x1f})
	if !ok {
		return
	}
	name, rest, _ := bytes.Cut(rest, []byte{0x1f})
	email, rest, _ := bytes.Cut(rest, []byte{0x1f})
	date, _, _ := bytes.Cut(rest, []byte{0x1f})
	secs, ok := leadingInt(date)
	if !ok {
		return
	}
	at := time.Unix(secs, 0).UTC()
	s.commits++
	if s.commits == 1 || at.Before(s.first) {
		s.first = at
	}
	if s.commits == 1 || at.After(s.last) {
		s.last = at
	}
	s.key = append(append(append(s.key[:0], name...), 0x1f), email...)
	a, ok := s.authors[string(s.key)]
	if !ok {
		a = &author{name: string(name), identity: identity(string(name), string(email)), first: at, last: at}
		s.authors[string(s.key)] = a
	}
	if at.Before(a.first) {
		a.first = at
	}
	if at.After(a.last) {
		a.last = at
	}
}

// identities turns the authors into one sighting each at their first and
// last commit, which is all store.EventTx.NoteIdentities needs to keep the
// most recent name, the first and the last seen.
func (s *logSummary) identities() []store.Event {
	out := make([]store.Event, 0, 2*len(s.authors))
	for _, a := range s.authors {
		out = append(out,
			store.Event{Identity: a.identity, Name: a.name, At: a.first},
			store.Event{Identity: a.identity, Name: a.name, At: a.last})
	}
	return out
}

// identity is a commit author's identity, as store.LoadGitLog builds it in
// SQL: the email lowercased, or the name when there is no email.
func identity(name, email string) string {
	if email == "" {
		return store.IdentityKey("name", name)
	}
	return store.IdentityKey("email", strings.ToLower(email))
}

// leadingInt reads the decimal seconds at the start of a raw git date.
func leadingInt(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i > 0 && i < len(b) && b[i] == ' '
}
