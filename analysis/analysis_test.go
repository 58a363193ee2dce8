package analysis_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/overtime-project/overtime/analysis"
	gitcollector "github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
	"github.com/overtime-project/overtime/worktime"
)

func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), t.TempDir())
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func collect(t *testing.T, db *store.DB, repos ...string) {
	t.Helper()
	c := &gitcollector.Collector{}
	for _, r := range repos {
		c.Repositories = append(c.Repositories, gitcollector.Repository{Path: r})
	}
	if _, err := c.Collect(t.Context(), db); err != nil {
		t.Fatal(err)
	}
}

// expectedFromGitLog computes the report figures the way a person would
// check them by hand: from `git log --format='%aE %ad'
// --date=format:'%u %H %Y-%m-%d'` (each commit in its own offset), with
// working hours 09:00–18:00 Monday to Friday, no holidays.
func expectedFromGitLog(t *testing.T, repo string, from, to string) map[string]analysis.Figures {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "log", "--no-merges", "--format=%aE %ad %cE %at", "--date=format:%u %H %Y-%m-%d", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string]analysis.Figures{}
	weekendDays := map[string]map[string]bool{}
	seen := map[string]bool{} // one piece of work per author and author time
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		email, weekday, hour, day, committer := strings.ToLower(f[0]), f[1], f[2], f[3], f[4]
		if committer == "noreply@github.com" || day < from || day > to || seen[email+" "+f[5]] {
			continue
		}
		seen[email+" "+f[5]] = true
		g := figs[email]
		g.ID = email
		g.Events++
		weekend := weekday == "6" || weekday == "7"
		if weekend || hour < "09" || hour >= "18" {
			g.AfterHoursEvents++
		}
		if hour < "05" {
			g.LateNightEvents++
		}
		if weekend {
			if weekendDays[email] == nil {
				weekendDays[email] = map[string]bool{}
			}
			weekendDays[email][day] = true
		}
		figs[email] = g
	}
	for email, g := range figs {
		g.WeekendDays = len(weekendDays[email])
		figs[email] = g
	}
	return figs
}

func figuresByID(w analysis.Window) map[string]analysis.Figures {
	out := map[string]analysis.Figures{}
	for _, f := range w.People {
		out[f.ID] = analysis.Figures{ID: f.ID, Events: f.Events, AfterHoursEvents: f.AfterHoursEvents,
			LateNightEvents: f.LateNightEvents, WeekendDays: f.WeekendDays}
	}
	return out
}

// plantHistory makes a repository with commits of several people in several
// offsets, at hours that straddle every boundary, over ~10 weeks.
func plantHistory(t *testing.T) *gittest.Repo {
	repo := gittest.New(t)
	rng := rand.New(rand.NewPCG(1, 2))
	people := []struct{ name, email, offset string }{
		{"Alice", "alice@example.com", "+0100"},
		{"Bob", "Bob@Example.com", "-0500"},
		{"Chitra", "chitra@example.com", "+0530"},
		{"Kiran", "kiran@example.com", "+0545"},
		{"Moana", "moana@example.com", "-0930"},
	}
	var commits []gittest.Commit
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 700; i++ {
		p := people[rng.IntN(len(people))]
		day := start.AddDate(0, 0, rng.IntN(75))
		hour, minute := rng.IntN(24), []int{0, 0, 59, 30, 1}[rng.IntN(5)]
		when := gittest.At(day.Year(), day.Month(), day.Day(), hour, minute, p.offset)
		commits = append(commits, gittest.Commit{AuthorName: p.name, AuthorEmail: p.email, When: when})
	}
	repo.FastImport(commits)
	return repo
}

func TestWindowMatchesGitLog(t *testing.T) {
	t.Parallel()
	repo := plantHistory(t)
	db := storetest.Open(t)
	collect(t, db, repo.Dir)
	cfg := parseConfig(t, "sources: {git: []}\n")
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		asOf string
		days int
	}{{"2026-10-31", 28}, {"2026-11-20", 7}, {"2026-11-30", 120}} {
		asOf, _ := time.Parse("2006-01-02", tc.asOf)
		w, err := analysis.Summarize(t.Context(), db, asOf, tc.days, "")
		if err != nil {
			t.Fatal(err)
		}
		from, to := w.Days()
		want := expectedFromGitLog(t, repo.Dir, from.Format("2006-01-02"), to.Format("2006-01-02"))
		if diff := cmp.Diff(want, figuresByID(w)); diff != "" {
			t.Errorf("as of %s, %d days (-git log +overtime):\n%s", tc.asOf, tc.days, diff)
		}
	}
}

// TestWindowMatchesGitLogOnThisRepository runs the same check on the
// project's own history, as `overtime run --config config.example.yaml` does.
func TestWindowMatchesGitLogOnThisRepository(t *testing.T) {
	t.Parallel()
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not inside a git checkout")
	}
	repo := strings.TrimSpace(string(top))
	db := storetest.Open(t)
	collect(t, db, repo)
	cfg := parseConfig(t, "sources: {git: []}\n")
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	w, err := analysis.Summarize(t.Context(), db, time.Now().UTC(), 400, "")
	if err != nil {
		t.Fatal(err)
	}
	from, to := w.Days()
	want := expectedFromGitLog(t, repo, from.Format("2006-01-02"), to.Format("2006-01-02"))
	if diff := cmp.Diff(want, figuresByID(w)); diff != "" {
		t.Errorf("(-git log +overtime):\n%s", diff)
	}
}

func TestConfiguredZoneHolidaysAndTeamInheritance(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	// Nadia's laptop commits in UTC; she lives in New York (team zone).
	// 2026-03-09 is the Monday after the US DST switch (EDT, UTC-4).
	nadia := func(y int, m time.Month, d, hh, mm int) {
		repo.Commit(gittest.Commit{AuthorName: "Nadia", AuthorEmail: "nadia@example.com", When: gittest.At(y, m, d, hh, mm, "+0000")})
	}
	nadia(2026, 3, 9, 12, 59) // 08:59 EDT: after hours
	nadia(2026, 3, 9, 13, 0)  // 09:00 EDT: working
	nadia(2026, 3, 6, 13, 30) // Friday 08:30 EST (UTC-5): after hours
	nadia(2026, 3, 6, 14, 0)  // Friday 09:00 EST: working
	nadia(2026, 3, 10, 3, 30) // Monday 23:30 EDT: after hours, not late night
	nadia(2026, 3, 11, 7, 30) // Wednesday 03:30 EDT: after hours, late night
	nadia(2026, 7, 3, 15, 0)  // Friday 2026-07-03, US Independence Day observed: non-working
	nadia(2026, 3, 17, 15, 0) // team holiday 2026-03-17: non-working
	db := storetest.Open(t)
	collect(t, db, repo.Dir)
	cfg := parseConfig(t, `
teams:
  - name: east
    timezone: America/New_York
    holiday_calendar: us
    holidays: ["2026-03-17"]
people:
  - id: nadia
    name: Nadia
    team: east
    emails: [NADIA@example.com]
`)
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	asOf, _ := time.Parse("2006-01-02", "2026-07-31")
	w, err := analysis.Summarize(t.Context(), db, asOf, 180, "east")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.People) != 1 {
		t.Fatalf("people = %+v, want nadia only", w.People)
	}
	got := w.People[0]
	want := analysis.Figures{ID: "nadia", Name: "Nadia", Team: "east", Events: 8, AfterHoursEvents: 6,
		WeekendDays: 2, LateNightEvents: 1, AfterHoursRatio: 0.75, ActiveDays: 5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSQLAgreesWithWorktime checks the DuckDB classification against the Go
// reference (worktime.Rules.Classify with worktime.ZoneFor) on random
// instants across DST switches, odd offsets and odd workweeks.
func TestSQLAgreesWithWorktime(t *testing.T) {
	t.Parallel()
	cfg := parseConfig(t, `
defaults: {timezone: Europe/Berlin}
teams:
  - {name: il, timezone: Asia/Jerusalem, workdays: [sun, mon, tue, wed, thu], hours: "08:30-17:00"}
people:
  - {id: ny, team: il, timezone: America/New_York, hours: "10:00-19:00", emails: [ny@example.com], holidays: ["2026-11-03"]}
  - {id: ktm, team: il, timezone: Asia/Kathmandu, emails: [ktm@example.com], holiday_calendar: gb}
  - {id: il, team: il, emails: [il@example.com]}
  - {id: noz, emails: [noz@example.com], hours: "07:00-15:30"}
privacy: {include_unclaimed: true} # the stranger is judged by the defaults
`)
	db := storetest.Open(t)
	rng := rand.New(rand.NewPCG(7, 9))
	var events []store.Event
	emails := []string{"ny@example.com", "ktm@example.com", "il@example.com", "noz@example.com", "stranger@example.com"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4000 {
		e := store.Event{Source: "git", Kind: "commit", ID: fmt.Sprintf("c%05d", i),
			Identity: "email:" + emails[rng.IntN(len(emails))], At: start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Minute), Scope: "r"}
		if rng.IntN(3) > 0 {
			offsets := []int{0, 0, 0, 3600, 3600, -5 * 3600, 5*3600 + 45*60, -(9*3600 + 30*60)}
			e.HasOffset, e.Offset = true, offsets[rng.IntN(len(offsets))]
		}
		if rng.IntN(10) == 0 {
			e.Source, e.Kind, e.HasOffset = "github", "review", false // API event: no recorded offset
		}
		events = append(events, e)
	}
	if _, err := db.Write(t.Context(), store.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(t.Context(), db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	local, err := db.LocalEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != len(events) {
		t.Fatalf("%d local events, want %d", len(local), len(events))
	}
	// The Go reference reads a +0000 stamp that the person's other stamps
	// contradict at their offset (docs/methodology.md), for people without
	// a configured zone.
	// Each person's rules: their own, else the defaults.
	rulesOf := map[string]worktime.Rules{}
	unzoned := map[string]bool{}
	for _, e := range events {
		p := res.ByIdentity[e.Identity]
		if _, ok := rulesOf[p]; ok {
			continue
		}
		rules, err := cfg.DefaultRules()
		if cp, ok := cfg.Person(p); ok {
			rules, err = cfg.Rules(cp)
		}
		if err != nil {
			t.Fatal(err)
		}
		rulesOf[p], unzoned[p] = rules, rules.Location == nil
	}
	readAs := contradictedUTCDays(events, res.ByIdentity, unzoned)
	asRead := func(p string, e store.Event) int {
		if o, ok := readAs[personDay{p, utcDay(e.At)}]; ok && e.Offset == 0 {
			return o
		}
		return e.Offset
	}
	if len(readAs) == 0 {
		t.Fatal("no +0000 stamp is contradicted: the test does not exercise the rule")
	}
	// The Go reference needs each person's inferred offset: the most common
	// offset, as read, in the 90 days before their last recorded one.
	inferred := map[string]*int{}
	counts := map[string]map[int]int{}
	lastRecorded := map[string]time.Time{}
	for _, e := range events {
		if p := res.ByIdentity[e.Identity]; e.HasOffset && e.At.After(lastRecorded[p]) {
			lastRecorded[p] = e.At
		}
	}
	for _, e := range events {
		if e.HasOffset && !e.At.Before(lastRecorded[res.ByIdentity[e.Identity]].AddDate(0, 0, -90)) {
			p := res.ByIdentity[e.Identity]
			if counts[p] == nil {
				counts[p] = map[int]int{}
			}
			counts[p][asRead(p, e)]++
		}
	}
	for p, c := range counts {
		best, n := 0, -1
		for off, k := range c {
			if k > n || (k == n && off < best) {
				best, n = off, k
			}
		}
		inferred[p] = &best
	}
	type facts struct {
		Local                             string
		WorkingDay, AfterHours, LateNight bool
	}
	var want, got []facts
	byKey := map[string]facts{}
	for _, e := range events {
		p := res.ByIdentity[e.Identity]
		rules := rulesOf[p]
		var recorded *int
		if e.HasOffset {
			off := asRead(p, e)
			recorded = &off
		}
		f := rules.Classify(e.At, worktime.ZoneFor(rules.Location, recorded, inferred[p], cfg.DefaultLocation()))
		byKey[p+f.Local.Format("2006-01-02T15:04")] = facts{f.Local.Format("2006-01-02T15:04"), f.WorkingDay, f.AfterHours, f.LateNight}
	}
	for _, l := range local {
		k := l.PersonID + l.Local.Format("2006-01-02T15:04")
		got = append(got, facts{l.Local.Format("2006-01-02T15:04"), l.WorkingDay, l.AfterHours, l.LateNight})
		w, ok := byKey[k]
		if !ok {
			w = facts{Local: "missing in Go reference"}
		}
		want = append(want, w)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SQL and Go disagree (-go +sql):\n%s", diff)
	}
}

type personDay struct {
	person string
	day    int64
}

func utcDay(t time.Time) int64 {
	u := t.Unix()
	if u < 0 {
		return (u+1)/86400 - 1
	}
	return u / 86400
}

// contradictedUTCDays is the Go reference of the rule that reads +0000
// stamps at the offset of the person's other stamps: per person without a
// configured zone and UTC day, the offset the day's +0000 stamps are read
// at.
func contradictedUTCDays(events []store.Event, person map[string]string, unzoned map[string]bool) map[personDay]int {
	type stamp struct {
		at  time.Time
		off int
	}
	stamps := map[string][]stamp{}
	for _, e := range events {
		if p := person[e.Identity]; e.HasOffset && unzoned[p] {
			stamps[p] = append(stamps[p], stamp{e.At, e.Offset})
		}
	}
	const within = 3 * 24 * time.Hour
	votes := map[personDay]map[int]int{}
	for p, ss := range stamps {
		slices.SortFunc(ss, func(a, b stamp) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.off - b.off
		})
		sameDay := map[personDay]map[int]bool{}
		for _, s := range ss {
			k := personDay{p, utcDay(s.at)}
			if sameDay[k] == nil {
				sameDay[k] = map[int]bool{}
			}
			sameDay[k][s.off] = true
		}
		for i, s := range ss {
			if s.off != 0 {
				continue
			}
			var prev, next *stamp
			for j := i - 1; j >= 0 && prev == nil; j-- {
				if ss[j].off != 0 {
					prev = &ss[j]
				}
			}
			for j := i + 1; j < len(ss) && next == nil; j++ {
				if ss[j].off != 0 {
					next = &ss[j]
				}
			}
			if prev == nil || next == nil || s.at.Sub(prev.at) > within || next.at.Sub(s.at) > within ||
				abs(prev.off-next.off) > 3600 || (prev.off > 0) != (next.off > 0) {
				continue
			}
			o := next.off
			if s.at.Sub(prev.at) <= next.at.Sub(s.at) {
				o = prev.off
			}
			k := personDay{p, utcDay(s.at)}
			if abs(o) == 3600 && !sameDay[k][o] {
				continue
			}
			if votes[k] == nil {
				votes[k] = map[int]int{}
			}
			votes[k][o]++
		}
	}
	out := map[personDay]int{}
	for k, v := range votes {
		best, n := 0, -1
		for o, c := range v {
			if c > n || (c == n && o < best) {
				best, n = o, c
			}
		}
		out[k] = best
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// TestUnclaimedIdentitiesAreNoPersons: when the config names people, an
// identity none of them claims is no person of the analysis (no report line,
// no team punchcard events), yet stays listed as unmatched;
// privacy.include_unclaimed and a config without people bring it back.
func TestUnclaimedIdentitiesAreNoPersons(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	for d := 1; d <= 5; d++ {
		repo.Commit(gittest.Commit{AuthorName: "Nadia", AuthorEmail: "nadia@example.com", When: gittest.At(2026, 3, d, 10, 0, "+0000")})
		repo.Commit(gittest.Commit{AuthorName: "Drive By", AuthorEmail: "drive.by@gmail.example", When: gittest.At(2026, 3, d, 22, 0, "+0000")})
	}
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"configured people only", "teams: [{name: east}]\npeople: [{id: nadia, team: east, emails: [nadia@example.com]}]", []string{"nadia"}},
		{"include_unclaimed", "teams: [{name: east}]\npeople: [{id: nadia, team: east, emails: [nadia@example.com]}]\nprivacy: {include_unclaimed: true}", []string{"drive.by@gmail.example", "nadia"}},
		{"nobody configured", "", []string{"drive.by@gmail.example", "nadia@example.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			collect(t, db, repo.Dir)
			res, err := analysis.Analyze(t.Context(), db, parseConfig(t, tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unmatched) == 0 && tt.yaml != "" {
				t.Errorf("the unclaimed identity is not listed as unmatched: %+v", res)
			}
			w, err := analysis.Summarize(t.Context(), db, asOf, 31, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			events := 0
			for _, f := range w.People {
				got = append(got, f.ID)
				events += f.Events
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("people (-want +got):\n%s", diff)
			}
			cells, err := db.TeamPunchcard(t.Context(), asOf.AddDate(0, 0, -30), asOf)
			if err != nil {
				t.Fatal(err)
			}
			punched := 0
			for _, c := range cells {
				punched += c.Events
			}
			if punched != events {
				t.Errorf("the punchcard counts %d events, the people %d", punched, events)
			}
		})
	}
}
