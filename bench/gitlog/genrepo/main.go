// Command genrepo writes a `git fast-import` stream of a synthetic history
// for the git collector benchmark: many authors in many time zones (including
// +05:45, +05:30, −09:30 and +12:45), author dates with their own offsets,
// aliases folded by a .mailmap, a bot, commits GitHub's web-flow made, and a
// merge every -merge-every commits. The stream is deterministic for a seed,
// so two runs build the same repository.
//
//	go run ./bench/gitlog/genrepo -commits 100000 | git -C repo fast-import --quiet
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// offsets are minutes east of UTC; the odd ones are there on purpose.
var offsets = []int{0, 60, 120, 180, 330, 345, 480, 540, 600, 765, -180, -300, -420, -480, -570, -600}

type author struct {
	name, email string
	alias       string // an older email the .mailmap folds into email, or ""
	offset      int    // minutes east of UTC
}

type options struct {
	commits    int // commits on the history, merges included
	authors    int
	mergeEvery int
	seed       uint64
	years      int
	pulls      int
}

func main() {
	var o options
	flag.IntVar(&o.commits, "commits", 100000, "commits to write, merges and their topic commits included")
	flag.IntVar(&o.authors, "authors", 500, "distinct human authors")
	flag.IntVar(&o.mergeEvery, "merge-every", 50, "make every n-th commit a merge of a one-commit topic branch (0: none)")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed")
	flag.IntVar(&o.years, "years", 3, "years the history spans, ending around 2026-01-01")
	flag.IntVar(&o.pulls, "pulls", 0, "then add this many pull requests (refs/pull/<n>/head, 1-4 commits each), "+
		"70% squash-merged and 15% rebase-merged on main by web-flow, 15% left open")
	flag.Parse()
	if o.commits < 1 || o.authors < 1 || o.mergeEvery < 0 || o.years < 1 || o.pulls < 0 {
		fmt.Fprintln(os.Stderr, "genrepo: -commits, -authors and -years must be positive, -merge-every and -pulls not negative")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	st, err := generate(w, o)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genrepo:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genrepo: %d commits (%d merges, %d non-merge, %d by web-flow, %d by a bot), %d authors\n",
		st.total, st.merges, st.total-st.merges, st.webFlow, st.bot, o.authors)
	if o.pulls > 0 {
		fmt.Fprintf(os.Stderr, "genrepo: %d pull requests with %d commits: %d squash-merged, %d rebase-merged (%d copies), %d open\n",
			o.pulls, st.pullCommits, st.squashed, st.rebased, st.copies, o.pulls-st.squashed-st.rebased)
	}
}

type stats struct {
	total, merges, webFlow, bot            int
	pullCommits, squashed, rebased, copies int
}

// stream writes fast-import commands; the first error sticks.
type stream struct {
	w   io.Writer
	err error
}

func (s *stream) printf(format string, args ...any) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, format, args...)
	}
}

func (s *stream) data(b string) { s.printf("data %d\n%s\n", len(b), b) }

func generate(w io.Writer, o options) (stats, error) {
	r := rand.New(rand.NewPCG(o.seed, 0x6f76657274696d65))
	authors := make([]author, o.authors)
	var mailmap strings.Builder
	for i := range authors {
		a := author{
			name:   fmt.Sprintf("Author %04d", i),
			email:  fmt.Sprintf("author%04d@example.com", i),
			offset: offsets[i%len(offsets)],
		}
		if i%10 == 0 {
			a.alias = fmt.Sprintf("a%04d@laptop.local", i)
			fmt.Fprintf(&mailmap, "%s <%s> <%s>\n", a.name, a.email, a.alias)
		}
		authors[i] = a
	}
	bot := author{name: "dependabot[bot]", email: "49699333+dependabot[bot]@users.noreply.github.com"}

	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	at := end - int64(o.years)*365*86400
	step := (end - at) / int64(o.commits) // mean gap between commits

	s := &stream{w: w}
	var st stats
	mark := 0
	var mainMarks []int // marks of main's commits, newest last
	// commitAt writes a commit authored at when (0: the next moment).
	var commitAt func(ref string, from, merge int, a author, useAlias, webFlow bool, path, msg string, when int64) int
	commit := func(ref string, from, merge int, a author, useAlias, webFlow bool, path, msg string) int {
		return commitAt(ref, from, merge, a, useAlias, webFlow, path, msg, 0)
	}
	commitAt = func(ref string, from, merge int, a author, useAlias, webFlow bool, path, msg string, when int64) int {
		mark++
		at += r.Int64N(2*step + 1)
		if when == 0 {
			when = at
		}
		email := a.email
		if useAlias && a.alias != "" {
			email = a.alias
		}
		date := fmt.Sprintf("%d %s", when, tz(a.offset))
		s.printf("commit %s\nmark :%d\n", ref, mark)
		s.printf("author %s <%s> %s\n", a.name, email, date)
		if webFlow {
			s.printf("committer GitHub <noreply@github.com> %d +0000\n", at)
		} else {
			s.printf("committer %s <%s> %s\n", a.name, email, date)
		}
		s.data(msg)
		if from > 0 {
			s.printf("from :%d\n", from)
		}
		if merge > 0 {
			s.printf("merge :%d\n", merge)
		}
		s.printf("M 100644 inline %s\n", path)
		s.data(fmt.Sprintf("%d\n", mark))
		s.printf("\n")
		st.total++
		return mark
	}
	// The first commit carries the .mailmap, so every later one sees it.
	mark++
	s.printf("commit refs/heads/main\nmark :%d\n", mark)
	first := authors[0]
	s.printf("author %s <%s> %d %s\n", first.name, first.email, at, tz(first.offset))
	s.printf("committer %s <%s> %d %s\n", first.name, first.email, at, tz(first.offset))
	s.data("initial commit")
	s.printf("M 100644 inline .mailmap\n")
	s.data(mailmap.String())
	s.printf("\n")
	st.total++
	mainMarks = append(mainMarks, mark)

	for st.total < o.commits {
		i := st.total
		a := authors[r.IntN(len(authors))]
		path := fmt.Sprintf("src/pkg%02d/file%02d.txt", i%16, i%64)
		webFlow := r.IntN(100) < 3
		if r.IntN(100) < 2 {
			a, webFlow = bot, false
			st.bot++
		}
		if webFlow {
			st.webFlow++
		}
		alias := r.IntN(5) == 0
		prev := mainMarks[len(mainMarks)-1]
		if o.mergeEvery > 0 && i%o.mergeEvery == 0 && len(mainMarks) > 3 && st.total+2 <= o.commits {
			// A one-commit topic branch forked three commits back, merged now.
			base := mainMarks[len(mainMarks)-3]
			topic := commit("refs/heads/topic", base, 0, a, alias, false, fmt.Sprintf("topic/%d.txt", i), "topic work")
			m := commit("refs/heads/main", prev, topic, a, false, webFlow, "MERGES", "merge topic")
			mainMarks = append(mainMarks, m)
			st.merges++
			continue
		}
		m := commit("refs/heads/main", prev, 0, a, alias, webFlow, path, "change")
		mainMarks = append(mainMarks, m)
		if len(mainMarks) > 8 {
			mainMarks = append(mainMarks[:0], mainMarks[len(mainMarks)-4:]...)
		}
	}
	s.printf("reset refs/heads/topic\nfrom 0000000000000000000000000000000000000000\n\n")

	// Pull requests, as a squash-merging organisation has them: the
	// people's commits on refs/pull/<n>/head only; main gets one web-flow
	// squash commit per merged pull request, or, for "Rebase and merge",
	// web-flow copies of its commits with their authors and author dates.
	step = max(step, 60)
	for n := 1; n <= o.pulls; n++ {
		a := authors[r.IntN(len(authors))]
		if r.IntN(100) < 2 {
			a = bot
			st.bot++
		}
		base := mainMarks[len(mainMarks)-1]
		head := base
		var dates []int64
		for range 1 + r.IntN(4) {
			head = commit(fmt.Sprintf("refs/pull/%d/head", n), head, 0, a, false, false, fmt.Sprintf("pr/%d.txt", n), "pull request work")
			dates = append(dates, at)
			st.pullCommits++
		}
		switch k := r.IntN(100); {
		case k < 70:
			m := commit("refs/heads/main", base, 0, a, false, true, fmt.Sprintf("pr/%d.txt", n), "squash")
			mainMarks = append(mainMarks, m)
			st.squashed++
			st.webFlow++
		case k < 85:
			m := base
			for _, d := range dates {
				m = commitAt("refs/heads/main", m, 0, a, false, true, fmt.Sprintf("pr/%d.txt", n), "rebased", d)
				st.copies++
				st.webFlow++
			}
			mainMarks = append(mainMarks, m)
			st.rebased++
		}
		if len(mainMarks) > 8 {
			mainMarks = append(mainMarks[:0], mainMarks[len(mainMarks)-4:]...)
		}
	}
	return st, s.err
}

// tz formats minutes east of UTC as git does: +0545, -0930.
func tz(minutes int) string {
	sign := '+'
	if minutes < 0 {
		sign, minutes = '-', -minutes
	}
	return fmt.Sprintf("%c%02d%02d", sign, minutes/60, minutes%60)
}
