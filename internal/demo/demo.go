// Package demo builds a synthetic organisation end to end: a real git
// repository (written with git fast-import) that the git collector reads,
// Jira tickets written through the store's Jira writer, a config with teams
// in several time zones, and the analysis over all of it. Everything is
// deterministic: the same organisation, to the second, on every run.
//
// The people carry planted archetypes (a steady 9-to-5, evenings creeping
// in, a crunch that ended, a night shift, no day off for three weeks, an
// overloaded ticket owner, a newcomer; early and late starters and a +0000
// laptop with nothing configured, a patch-series batcher, a release weekend,
// always-on evenings, Saturdays) whose expected level and sustained
// flag are in People, for tests and for the demo's own check.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/overtime-project/overtime/analysis"
	gitcollector "github.com/overtime-project/overtime/collectors/git"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
	"github.com/overtime-project/overtime/worktime"
)

// AsOf is the demo's fixed as-of date, a Sunday: the judged weeks are then
// whole calendar weeks too. History starts Weeks weeks before it.
var AsOf = time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)

// Weeks of history before AsOf.
const Weeks = 30

// Archetypes planted in the organisation.
const (
	Steady           = "steady 9-to-5"
	CreepingEvenings = "evenings creeping in over the last month"
	CrunchRecovered  = "a release crunch that ended 6 weeks ago"
	NightShift       = "night shift, configured hours 14:00-23:00"
	NoDayOff         = "no day off for three weeks"
	Overloaded       = "overloaded ticket owner"
	Newcomer         = "newcomer, two weeks of history"
	Colleague        = "colleague: office hours, a rare late commit"
	EarlyStarter     = "healthy early starter, 07:00-16:00, no hours configured"
	LateStarter      = "healthy late starter, 12:00-20:30, no hours configured"
	LaptopUTCOnly    = "New York hours on a laptop stamping +0000, no zone configured"
	Batcher          = "patch-series batcher: 19 commits in one evening minute a week"
	ReleaseWeekend   = "one release weekend, two weeks ago"
	AlwaysOn         = "always-on evenings: about 45 minutes most weekdays for six weeks"
	Saturdays        = "five hours every Saturday for five weeks"
)

// Member is one person of the demo organisation.
type Member struct {
	ID, Name, Team string
	Archetype      string
	Timezone       string // a person-level zone; "" to use the team's
	Hours          string // person-level working hours; "" for the default
	LaptopUTC      bool   // commits record +0000 whatever the zone: the config's zone must win
	// OffsetHours is the clock of a person in no team with no zone: their
	// commits record it, and the analysis judges them in it.
	OffsetHours int
	Jira        bool // has a Jira account (platform and payments use Jira)

	// What the analysis must find as of AsOf.
	Level     analysis.Level
	Sustained bool
}

// Team is one team of the demo organisation.
type Team struct {
	Name, Timezone, HolidayCalendar string
}

// Teams of the demo: two zones with daylight saving time (Berlin, New York)
// and two without (Kolkata at +05:30, Tokyo).
var Teams = []Team{
	{"platform", "Europe/Berlin", "de"},
	{"payments", "America/New_York", "us"},
	{"mobile", "Asia/Kolkata", ""},
	{"support", "Asia/Tokyo", "jp"},
	{"security", "Europe/London", "gb"}, // two people: fewer than privacy.min_group_size, no team figures
}

// People of the demo, with the level and flag each must get.
var People = []Member{
	{ID: "sam", Name: "Sam Steady", Team: "platform", Archetype: Steady, Jira: true, Level: analysis.LevelLow},
	{ID: "olga", Name: "Olga Overloaded", Team: "platform", Archetype: Overloaded, Jira: true, Level: analysis.LevelElevated},
	{ID: "pia", Name: "Pia Platform", Team: "platform", Archetype: Colleague, Jira: true, Level: analysis.LevelLow},
	{ID: "lev", Name: "Lev Lisbon", Team: "platform", Archetype: Colleague, Timezone: "Europe/Lisbon", Jira: true, Level: analysis.LevelLow},
	{ID: "ute", Name: "Ute Platform", Team: "platform", Archetype: Colleague, Jira: true, Level: analysis.LevelLow},
	{ID: "eve", Name: "Eve Evenings", Team: "payments", Archetype: CreepingEvenings, Jira: true, Level: analysis.LevelElevated, Sustained: true},
	{ID: "dana", Name: "Dana Daily", Team: "payments", Archetype: NoDayOff, Jira: true, Level: analysis.LevelHigh, Sustained: true},
	{ID: "paul", Name: "Paul Payments", Team: "payments", Archetype: Colleague, Jira: true, LaptopUTC: true, Level: analysis.LevelLow},
	{ID: "quinn", Name: "Quinn Payments", Team: "payments", Archetype: Colleague, Jira: true, Level: analysis.LevelLow},
	{ID: "rita", Name: "Rita Payments", Team: "payments", Archetype: Steady, Jira: true, Level: analysis.LevelLow},
	{ID: "cory", Name: "Cory Crunch", Team: "mobile", Archetype: CrunchRecovered, Level: analysis.LevelLow},
	{ID: "nell", Name: "Nell Newcomer", Team: "mobile", Archetype: Newcomer, Level: analysis.LevelInsufficientData},
	{ID: "mani", Name: "Mani Mobile", Team: "mobile", Archetype: Colleague, Level: analysis.LevelLow},
	{ID: "asha", Name: "Asha Mobile", Team: "mobile", Archetype: Colleague, LaptopUTC: true, Level: analysis.LevelLow},
	{ID: "dev", Name: "Dev Mobile", Team: "mobile", Archetype: Steady, Level: analysis.LevelLow},
	{ID: "nico", Name: "Nico Nights", Team: "support", Archetype: NightShift, Hours: "14:00-23:00", Level: analysis.LevelLow},
	{ID: "aki", Name: "Aki Support", Team: "support", Archetype: Colleague, Level: analysis.LevelLow},
	{ID: "ren", Name: "Ren Support", Team: "support", Archetype: Colleague, Level: analysis.LevelLow},
	{ID: "yui", Name: "Yui Support", Team: "support", Archetype: Steady, Level: analysis.LevelLow},
	{ID: "kai", Name: "Kai Support", Team: "support", Archetype: Colleague, Level: analysis.LevelLow},
	{ID: "bea", Name: "Bea Payments", Team: "payments", Archetype: Steady, Jira: true, Level: analysis.LevelLow},
	{ID: "tom", Name: "Tom Mobile", Team: "mobile", Archetype: Colleague, Level: analysis.LevelLow},
	{ID: "ida", Name: "Ida Security", Team: "security", Archetype: Steady, Level: analysis.LevelLow},
	{ID: "jon", Name: "Jon Security", Team: "security", Archetype: Colleague, Level: analysis.LevelLow},
	// People in no team and with no zone: judged in their commits' offsets,
	// against a usual window learned from their history.
	{ID: "erin", Name: "Erin Early", Archetype: EarlyStarter, OffsetHours: 1, Level: analysis.LevelLow},
	{ID: "lars", Name: "Lars Late", Archetype: LateStarter, OffsetHours: -5, Level: analysis.LevelLow},
	{ID: "uma", Name: "Uma UTC", Archetype: LaptopUTCOnly, OffsetHours: -5, LaptopUTC: true, Level: analysis.LevelLow},
	{ID: "bart", Name: "Bart Batcher", Team: "platform", Archetype: Batcher, Jira: true, Level: analysis.LevelLow},
	{ID: "rose", Name: "Rose Release", Team: "payments", Archetype: ReleaseWeekend, Jira: true, Level: analysis.LevelLow},
	{ID: "alex", Name: "Alex Always", Team: "mobile", Archetype: AlwaysOn, Level: analysis.LevelElevated, Sustained: true},
	{ID: "sara", Name: "Sara Saturdays", Team: "support", Archetype: Saturdays, Level: analysis.LevelElevated, Sustained: true},
}

// Outsider is a contributor the config does not name: their commits are in
// the repository, yet they are no person of the report or the metrics
// (privacy.include_unclaimed is off); `overtime people` lists them.
var Outsider = struct{ Name, Email string }{"Drive-By Contributor", "drive.by@mail.example"}

// Options tune Build.
type Options struct {
	// DBPath puts the database there instead of dir/overtime.duckdb.
	DBPath string
	// Git is the git binary; "git" by default.
	Git string
}

// Result says where Build put things.
type Result struct {
	Dir        string
	ConfigPath string // the demo's config: teams, zones, hours, people, the repository as the git source
	DBPath     string // the analysed database, closed
	RepoPath   string // the git repository the commits came from
	AsOf       time.Time
	Config     *config.Config
	Commits    int
	Tickets    int
}

// Build writes the demo organisation into dir (which must exist) and runs
// the pipeline over it: the git collector reads the repository, the Jira
// tickets go through store.WriteJiraTickets, then analysis.Analyze. The
// database is closed when Build returns, ready for `overtime report --db`,
// `overtime serve` or any reader.
func Build(ctx context.Context, dir string, opts Options) (*Result, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: dir, RepoPath: filepath.Join(dir, "repo"), ConfigPath: filepath.Join(dir, "overtime.yaml"), AsOf: AsOf}
	res.DBPath = opts.DBPath
	if res.DBPath == "" {
		res.DBPath = filepath.Join(dir, "overtime.duckdb")
	}
	if res.DBPath, err = filepath.Abs(res.DBPath); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(res.RepoPath, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(res.ConfigPath, []byte(configYAML(res.RepoPath, res.DBPath)), 0o644); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	cfg, err := config.Load(res.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	res.Config = cfg

	commits, err := plantCommits(cfg)
	if err != nil {
		return nil, err
	}
	res.Commits = len(commits)
	git := opts.Git
	if git == "" {
		git = "git"
	}
	if err := fastImport(ctx, git, res.RepoPath, commits); err != nil {
		return nil, err
	}

	db, err := store.Open(ctx, res.DBPath, store.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	c := &gitcollector.Collector{GitBinary: opts.Git, Repositories: []gitcollector.Repository{{Path: res.RepoPath, Scope: "demo"}}}
	if _, err := c.Collect(ctx, db); err != nil {
		return nil, fmt.Errorf("demo: collect the repository: %w", err)
	}
	page, err := plantTickets(cfg)
	if err != nil {
		return nil, err
	}
	res.Tickets = len(page.Tickets)
	if _, err := db.WriteJiraTickets(ctx, page); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if _, err := analysis.Analyze(ctx, db, cfg); err != nil {
		return nil, fmt.Errorf("demo: analyze: %w", err)
	}
	return res, db.Close()
}

// configYAML is the demo's config. The Jira section makes ticket load part
// of the report; the demo wrote its tickets directly, so `overtime collect`
// with this file would try, and fail, to reach jira.demo.invalid.
func configYAML(repo, db string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# The demo organisation of `+"`overtime demo`"+`, as of %s.
database: %q
teams:
`, AsOf.Format("2006-01-02"), db)
	for _, t := range Teams {
		fmt.Fprintf(&b, "  - {name: %s, timezone: %s", t.Name, t.Timezone)
		if t.HolidayCalendar != "" {
			fmt.Fprintf(&b, ", holiday_calendar: %s", t.HolidayCalendar)
		}
		b.WriteString("}\n")
	}
	b.WriteString("people:\n")
	for _, p := range People {
		fmt.Fprintf(&b, "  - {id: %s, name: %q, emails: [%s]", p.ID, p.Name, email(p))
		if p.Team != "" {
			fmt.Fprintf(&b, ", team: %s", p.Team)
		}
		if p.Timezone != "" {
			fmt.Fprintf(&b, ", timezone: %s", p.Timezone)
		}
		if p.Hours != "" {
			fmt.Fprintf(&b, ", hours: %q", p.Hours)
		}
		if p.Jira {
			fmt.Fprintf(&b, ", jira: %s", jiraID(p))
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, `sources:
  git:
    - path: %q
  # Tickets were written by the demo itself; this section only says that a
  # ticket source exists, so that ticket load is judged and reported.
  jira: {url: "https://jira.demo.invalid", jql: "project = DEMO"}
`, repo)
	return b.String()
}

func email(p Member) string  { return p.ID + "@demo.example" }
func jiraID(p Member) string { return "demo-" + p.ID }

// commit is one planted commit.
type commit struct {
	name, email string
	at          time.Time // in the zone (offset) the commit records
}

// plantCommits makes every person's history, day by day in their own local
// time, from their archetype.
func plantCommits(cfg *config.Config) ([]commit, error) {
	start := AsOf.AddDate(0, 0, -7*Weeks+1)
	var out []commit
	for i, m := range People {
		cp, _ := cfg.Person(m.ID)
		rules, err := cfg.Rules(cp)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(uint64(i)+1, 2026))
		p := planter{m: m, rules: rules, rng: rng}
		loc := rules.Location
		if loc == nil {
			loc = time.FixedZone("", m.OffsetHours*3600)
		}
		for d := start; !d.After(AsOf); d = d.AddDate(0, 0, 1) {
			for _, minute := range p.day(d) {
				sec := rng.IntN(60)
				if m.Archetype == Batcher && minute == 19*60+37 {
					sec = 0 // one applied patch series: the same minute and second
				}
				local := time.Date(d.Year(), d.Month(), d.Day(), 0, minute, sec, 0, loc)
				if m.LaptopUTC {
					local = local.UTC()
				}
				out = append(out, commit{name: m.Name, email: email(m), at: local})
			}
		}
	}
	// The outsider sends a late commit most Saturdays of the last ten weeks.
	for d := AsOf.AddDate(0, 0, -70); !d.After(AsOf); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday && d.Day()%5 != 0 {
			out = append(out, commit{name: Outsider.Name, email: Outsider.Email, at: d.Add(22*time.Hour + 13*time.Minute)})
		}
	}
	slices.SortStableFunc(out, func(a, b commit) int { return a.at.Compare(b.at) })
	return out, nil
}

// planter makes one person's days.
type planter struct {
	m     Member
	rules worktime.Rules
	rng   *rand.Rand
}

// day returns the minutes after local midnight of the person's commits on
// local date d.
func (p planter) day(d time.Time) []int {
	weeksBack := int(AsOf.Sub(d).Hours()/24) / 7 // 0: the week ending AsOf
	daysBack := int(AsOf.Sub(d).Hours() / 24)
	working := p.rules.WorkingDay(d.Year(), d.Month(), d.Day())
	wd := d.Weekday()
	var out []int
	switch p.m.Archetype {
	case Steady, NightShift:
		if working {
			out = p.office(4, 8)
		}
	case Colleague:
		if working {
			out = p.office(4, 8)
			if p.rng.IntN(25) == 0 { // now and then a single late commit
				out = append(out, p.between(19*60, 20*60, 1)...)
			}
		}
	case CreepingEvenings:
		if working {
			out = p.office(4, 8)
			// From one evening five weeks back to every evening last week.
			evenings := map[int]int{4: 1, 3: 2, 2: 3, 1: 4, 0: 5}[weeksBack]
			if int(wd) >= 1 && int(wd) <= evenings {
				out = append(out, p.evening()...)
			}
		}
	case CrunchRecovered:
		crunch := weeksBack >= 6 && weeksBack <= 11
		if working {
			out = p.office(4, 8)
			if crunch {
				out = append(out, p.evening()...)
			}
		} else if crunch && wd == time.Saturday {
			out = p.between(11*60, 17*60, 5)
		}
	case NoDayOff:
		if working {
			out = p.office(4, 8)
		} else if daysBack < 21 {
			out = p.between(10*60, 17*60, 5+p.rng.IntN(3))
		}
	case Overloaded:
		if working {
			if weeksBack < 4 {
				// Half as busy again, and one long Wednesday a week.
				out = p.office(7, 11)
				if wd == time.Wednesday {
					out = append(out, p.between(18*60+5, 19*60+55, 7)...)
				}
			} else {
				out = p.office(4, 8)
			}
		}
	case Newcomer:
		if working && daysBack < 14 {
			out = p.office(4, 8)
		}
	case EarlyStarter:
		if working {
			out = p.between(7*60+5, 15*60+50, 4+p.rng.IntN(5))
		}
	case LateStarter:
		if working {
			out = p.between(12*60+5, 20*60+20, 4+p.rng.IntN(5))
		}
	case LaptopUTCOnly:
		if working {
			out = p.office(4, 8) // in New York, 09:00-18:00
		}
	case Batcher:
		if working {
			out = p.office(4, 8)
			if wd == time.Tuesday {
				for range 19 {
					out = append(out, 19*60+37)
				}
			}
		}
	case ReleaseWeekend:
		if working {
			out = p.office(4, 8)
		} else if weeksBack == 2 {
			out = p.between(10*60, 16*60, 10)
		}
	case AlwaysOn:
		if working {
			out = p.office(4, 8)
			if weeksBack < 6 && wd >= time.Monday && wd <= time.Thursday {
				out = append(out, 21*60+p.rng.IntN(10), 21*60+20+p.rng.IntN(10), 21*60+40+p.rng.IntN(10))
			}
		}
	case Saturdays:
		if working {
			out = p.office(4, 8)
		} else if weeksBack < 5 && wd == time.Saturday {
			// Five hours of work: a commit in each half hour of 10:00-15:00
			// (ten random commits in those hours would leave about three
			// hours of them active).
			out = p.steady(10*60, 15*60)
		}
	}
	return out
}

// office is n (lo to hi) commits within the person's working hours.
func (p planter) office(lo, hi int) []int {
	return p.between(p.rules.Start+5, p.rules.End-10, lo+p.rng.IntN(hi-lo+1))
}

// evening is three commits between 19:00 and 22:30, in at least two clock
// hours.
func (p planter) evening() []int {
	return []int{19*60 + p.rng.IntN(50), 20*60 + p.rng.IntN(55), 21*60 + p.rng.IntN(90)}
}

// steady returns one commit at a random minute of each half hour from
// from to to: that stretch of the day, all active.
func (p planter) steady(from, to int) []int {
	var out []int
	for m := from; m < to; m += 30 {
		out = append(out, m+p.rng.IntN(30))
	}
	return out
}

func (p planter) between(from, to, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + p.rng.IntN(to-from)
	}
	slices.Sort(out)
	return out
}

// fastImportMalloc is the environment setting git fast-import runs with.
// It grows and frees its heap for every object it writes, and glibc, by
// default, hands the top of the heap back to the kernel whenever more than
// 128 KiB of it is free: strace shows a dozen brk calls a commit. Where brk
// is slow (virtual machines: 90 µs a call) they were 90 % of the import's
// time. A higher trim threshold keeps the heap; other C libraries ignore
// the variable, and one the user set is left as it is.
const fastImportMalloc = "GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456"

// fastImport writes the commits to a new repository at dir, branch main.
func fastImport(ctx context.Context, git, dir string, commits []commit) error {
	run := func(stdin string, args ...string) error {
		cmd := exec.CommandContext(ctx, git, append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if os.Getenv("GLIBC_TUNABLES") == "" {
			cmd.Env = append(cmd.Env, fastImportMalloc)
		}
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("demo: git %s: %w\n%s", args[0], err, out)
		}
		return nil
	}
	if err := run("", "init", "-q", "-b", "main"); err != nil {
		return err
	}
	var b strings.Builder
	for i, c := range commits {
		date := fmt.Sprintf("%d %s", c.at.Unix(), c.at.Format("-0700"))
		msg := fmt.Sprintf("demo commit %d", i+1)
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\nauthor %s <%s> %s\ncommitter %s <%s> %s\ndata %d\n%s\n",
			i+1, c.name, c.email, date, c.name, c.email, date, len(msg), msg)
		fmt.Fprintf(&b, "M 644 inline %s.txt\ndata %d\n%s\n\n", strings.SplitN(c.email, "@", 2)[0], len(msg), msg)
	}
	return run(b.String(), "fast-import", "--quiet")
}

// plantTickets makes the Jira tickets: Olga has nine in progress at AsOf,
// most others in Jira one or two, and some are done. Creating a ticket and
// moving it are events of their own, in working hours.
func plantTickets(cfg *config.Config) (store.JiraPage, error) {
	var page store.JiraPage
	n := 0
	at := func(m Member, d time.Time, hour int) (time.Time, error) {
		cp, _ := cfg.Person(m.ID)
		rules, err := cfg.Rules(cp)
		if err != nil {
			return time.Time{}, err
		}
		for !rules.WorkingDay(d.Year(), d.Month(), d.Day()) {
			d = d.AddDate(0, 0, -1)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 10+n%40, 0, 0, rules.Location).UTC(), nil
	}
	lead := People[0] // Sam files the tickets
	for _, m := range People {
		if !m.Jira {
			continue
		}
		inProgress, done := 1, 1
		switch m.Archetype {
		case Overloaded:
			inProgress, done = 9, 2
		case NoDayOff, CreepingEvenings:
			inProgress = 2
		}
		for k := range inProgress + done {
			n++
			key := fmt.Sprintf("DEMO-%d", n)
			id := fmt.Sprint(10000 + n)
			created, err := at(lead, AsOf.AddDate(0, 0, -40+3*k), 10)
			if err != nil {
				return page, err
			}
			started, err := at(m, AsOf.AddDate(0, 0, -35+3*k), 11)
			if err != nil {
				return page, err
			}
			owner, filer := "jira:"+jiraID(m), "jira:"+jiraID(lead)
			t := store.JiraTicket{ID: id, Key: key, Project: "DEMO", Type: "Task", Status: "In Progress",
				StatusCategory: store.JiraCategoryInProgress, Assignee: owner, Reporter: filer, Created: created, Updated: started,
				Intervals: []store.JiraInterval{
					{Field: store.JiraFieldAssignee, Value: owner, From: created},
					{Field: store.JiraFieldStatus, Value: "To Do", Category: store.JiraCategoryToDo, From: created, To: started},
				}}
			page.Events = append(page.Events,
				store.Event{Source: "jira", Kind: "ticket_created", ID: id, Identity: filer, Name: lead.Name, At: created, Scope: "DEMO"},
				store.Event{Source: "jira", Kind: "ticket_transition", ID: id + "-1", Identity: owner, Name: m.Name, At: started, Scope: "DEMO"})
			if k >= inProgress {
				finished, err := at(m, started.AddDate(0, 0, 4), 15)
				if err != nil {
					return page, err
				}
				t.Status, t.StatusCategory, t.Updated, t.Resolved = "Done", store.JiraCategoryDone, finished, finished
				t.Intervals = append(t.Intervals,
					store.JiraInterval{Field: store.JiraFieldStatus, Value: "In Progress", Category: store.JiraCategoryInProgress, From: started, To: finished},
					store.JiraInterval{Field: store.JiraFieldStatus, Value: "Done", Category: store.JiraCategoryDone, From: finished})
				page.Events = append(page.Events, store.Event{Source: "jira", Kind: "ticket_transition", ID: id + "-2",
					Identity: owner, Name: m.Name, At: finished, Scope: "DEMO"})
			} else {
				t.Intervals = append(t.Intervals,
					store.JiraInterval{Field: store.JiraFieldStatus, Value: "In Progress", Category: store.JiraCategoryInProgress, From: started})
			}
			page.Tickets = append(page.Tickets, t)
		}
	}
	page.SyncedAt = AsOf
	return page, nil
}
