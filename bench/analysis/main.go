// Command analysis benchmarks the full analysis (see README.md): it
// generates a synthetic organisation's events straight into DuckDB, then
// times, each in a fresh process so that peak memory is that phase's own,
// a bare GROUP BY over the events (the floor) and the full analysis:
// analysis.Analyze (people, person-days, person-weeks) and
// analysis.SummarizeRisk (weekly signals, baselines, scores, the report
// window).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

// The teams' zones (four with daylight saving time), the offsets their
// commits record, and their holiday calendars.
var (
	zones     = []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "America/Los_Angeles", "UTC", "Australia/Sydney", "Asia/Kathmandu"}
	offsets   = []int{3600, -5 * 3600, 19800, 9 * 3600, -8 * 3600, 0, 10 * 3600, 20700}
	calendars = []string{"de", "us", "", "jp", "us", "gb", "au", ""}
)

func main() {
	phase := flag.String("phase", "all", "all (generate, then floor and analysis runs), gen, floor, analyze, history or weeks (after analyze)")
	dir := flag.String("dir", "", "working directory, kept (default: a new temporary directory, removed at the end)")
	people := flag.Int("people", 2000, "people")
	events := flag.Int("events", 10_000_000, "events")
	days := flag.Int("days", 730, "days of history")
	runs := flag.Int("runs", 3, "analysis runs after generating")
	weeks := flag.Int("weeks", 26, "history phase: weeks of past assessments, one analysis.AssessPeople each")
	cpuProfile := flag.String("cpuprofile", "", "analyze phase (one run) or weeks phase: write a CPU profile of it to this file")
	random := flag.Bool("random", false, "store the events in random order instead of the collectors' (repository, time) order")
	unzoned := flag.Bool("unzoned", false, "configure no zones: every person is judged in their commits' offsets, and their +0000 stamps are checked against their others")
	utcPercent := flag.Int("utc-percent", 0, "percent of each person's commits stamped +0000 (a UTC-set container or VM beside their laptop), at the same instants")
	flag.Parse()
	ctx := context.Background()
	if *dir == "" {
		d, err := os.MkdirTemp("", "overtime-bench-analysis")
		check(err)
		defer os.RemoveAll(d)
		*dir = d
	}
	dbPath := filepath.Join(*dir, "bench.duckdb")
	cfgPath := filepath.Join(*dir, "bench.yaml")
	switch *phase {
	case "all":
		start := time.Now()
		check(generate(ctx, dbPath, cfgPath, *people, *events, *days, *random, *unzoned, *utcPercent))
		order := "by repository and time, as collectors write them"
		if *random {
			order = "in random order"
		}
		fmt.Printf("generated %d events of %d people over %d days, stored %s, in %s\n", *events, *people, *days, order,
			time.Since(start).Round(time.Second))
		phases := []string{"floor"}
		for range *runs {
			phases = append(phases, "analyze")
		}
		for _, p := range phases {
			cmd := exec.Command(os.Args[0], "-phase", p, "-dir", *dir)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			check(cmd.Run())
		}
	case "gen":
		check(generate(ctx, dbPath, cfgPath, *people, *events, *days, *random, *unzoned, *utcPercent))
	case "floor":
		check(floor(ctx, dbPath))
	case "analyze":
		check(analyze(ctx, dbPath, cfgPath, *cpuProfile))
	case "history":
		check(history(ctx, dbPath, cfgPath, *weeks))
	case "weeks":
		check(personWeeks(ctx, dbPath, cfgPath, *cpuProfile))
	default:
		check(fmt.Errorf("unknown phase %q", *phase))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// peakRSS is the process's peak resident set (VmHWM), as Linux reports it.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(v), &kb)
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}

func writeConfig(path string, people int, unzoned bool) error {
	var b strings.Builder
	b.WriteString("teams:\n")
	teams := max(people/50, 1)
	for t := range teams {
		if unzoned {
			fmt.Fprintf(&b, "  - {name: team-%02d, holiday_calendar: %q}\n", t, calendars[t%len(calendars)])
			continue
		}
		fmt.Fprintf(&b, "  - {name: team-%02d, timezone: %s, holiday_calendar: %q}\n", t, zones[t%len(zones)], calendars[t%len(calendars)])
	}
	b.WriteString("people:\n")
	for p := range people {
		fmt.Fprintf(&b, "  - {id: p%04d, team: team-%02d, emails: [p%04d@bench.example], github: p%04d}\n", p, p%teams, p, p)
	}
	b.WriteString("sources: {git: []}\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func generate(ctx context.Context, dbPath, cfgPath string, people, events, days int, random, unzoned bool, utcPercent int) error {
	if err := writeConfig(cfgPath, people, unzoned); err != nil {
		return err
	}
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	db.Close()
	raw, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return err
	}
	defer raw.Close()
	teams := max(people/50, 1)
	offs := make([]string, len(offsets))
	for i, o := range offsets {
		offs[i] = fmt.Sprint(o)
	}
	order := "scope, occurred_at"
	if random {
		order = "hash(i)"
	}
	// Every fifth event is a GitHub review (no recorded offset); the rest
	// are commits in the offset of their author's team zone (utcPercent of
	// them stamped +0000 instead, at the same instant). Nine in ten
	// fall in the eight hours after 09:00 of that offset, the rest at any
	// hour; nine in ten that would fall on a weekend move to the Friday.
	// Each person works in one of 50 repositories, and the rows are stored
	// the way the collectors write them: repository by repository, in time
	// order (see README.md for what a random order costs), unless random.
	q := fmt.Sprintf(`INSERT INTO events
	WITH g AS (
		SELECT i, i %% %[1]d AS p, CAST(hash(i, 1) %% %[2]d AS INTEGER) AS d,
			([%[3]s])[((i %% %[1]d) %% %[4]d) %% %[5]d + 1] AS off
		FROM range(%[6]d) t(i)
	), shifted AS (
		SELECT *, CASE WHEN hash(i, 4) %% 10 > 0 THEN
				CASE dayofweek(DATE '2024-01-01' + d) WHEN 6 THEN 1 WHEN 0 THEN 2 ELSE 0 END
			ELSE 0 END AS back
		FROM g
	)
	SELECT CASE WHEN i %% 5 = 0 THEN 'github' ELSE 'git' END,
		CASE WHEN i %% 5 = 0 THEN 'review' ELSE 'commit' END,
		'b' || i,
		CASE WHEN i %% 5 = 0 THEN 'github:p' || lpad(CAST(p AS VARCHAR), 4, '0')
			ELSE 'email:p' || lpad(CAST(p AS VARCHAR), 4, '0') || '@bench.example' END,
		TIMESTAMP '2024-01-01' + to_days(greatest(d - back, 0))
			+ to_seconds(CAST(CASE WHEN hash(i, 2) %% 10 < 9 THEN 9 * 3600 + hash(i, 3) %% (8 * 3600) ELSE hash(i, 3) %% 86400 END AS BIGINT)
				- off) AS occurred_at,
		CASE WHEN i %% 5 = 0 THEN NULL WHEN hash(i, 5) %% 100 < %[8]d THEN 0 ELSE off END,
		'repo-' || (p %% 50) AS scope,
		NULL,
		true
	FROM shifted
	ORDER BY %[7]s`,
		people, days, strings.Join(offs, ","), teams, len(offsets), events, order, utcPercent)
	if _, err := raw.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("generate events: %w", err)
	}
	_, err = raw.ExecContext(ctx, `INSERT INTO identities SELECT identity, identity, min(occurred_at), max(occurred_at) FROM events GROUP BY identity`)
	if err != nil {
		return fmt.Errorf("generate identities: %w", err)
	}
	_, err = raw.ExecContext(ctx, `CHECKPOINT`)
	return err
}

// floor times the barest aggregation over the same table: events per
// identity (a person in one source), twice: from a cold process, then with
// the columns in DuckDB's buffer.
func floor(ctx context.Context, dbPath string) error {
	raw, err := sql.Open("duckdb", dbPath+"?access_mode=read_only")
	if err != nil {
		return err
	}
	defer raw.Close()
	var times []string
	var n int
	for range 2 {
		start := time.Now()
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT identity, count(*) FROM events GROUP BY identity)`).Scan(&n); err != nil {
			return err
		}
		times = append(times, time.Since(start).Round(time.Millisecond).String())
	}
	fmt.Printf("floor: SELECT identity, count(*) FROM events GROUP BY identity: %d groups in %s (then %s), peak RSS %s\n",
		n, times[0], times[1], peakRSS())
	return nil
}

func analyze(ctx context.Context, dbPath, cfgPath, profile string) error {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	stop, err := startCPUProfile(profile)
	if err != nil {
		return err
	}
	defer stop()
	start, cpu0 := time.Now(), cpuTime()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	opened := time.Now()
	res, err := analysis.Analyze(ctx, db, cfg)
	if err != nil {
		return err
	}
	analyzed := time.Now()
	_, last, _, err := db.EventSpan(ctx)
	if err != nil {
		return err
	}
	w, err := analysis.SummarizeRisk(ctx, db, last, cfg.Analysis.WindowDays, "", analysis.RiskOptionsFor(cfg))
	if err != nil {
		return err
	}
	end := time.Now()
	levels := map[analysis.Level]int{}
	for _, f := range w.People {
		levels[f.Risk.Level]++
	}
	fmt.Printf("analysis: %d people; open %s, analyze (people, person-days, person-weeks) %s, weekly signals + scores + report window %s\n",
		len(res.People), opened.Sub(start).Round(time.Millisecond), analyzed.Sub(opened).Round(time.Millisecond),
		end.Sub(analyzed).Round(time.Millisecond))
	fmt.Printf("analysis: total %s wall, %s CPU, peak RSS %s; levels %v\n", end.Sub(start).Round(time.Millisecond),
		(cpuTime() - cpu0).Round(time.Millisecond), peakRSS(), levels)
	return nil
}

// startCPUProfile writes a Go CPU profile to path until stop is called;
// with no path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// personWeeks times store.MaterializePersonWeeks alone, as analysis.Analyze
// calls it, on an analysed copy; with a profile path it writes a CPU
// profile of it.
func personWeeks(ctx context.Context, dbPath, cfgPath, profile string) error {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	judge, err := analysis.WeekJudge(ctx, db, cfg.Analysis, analysis.RiskOptionsFor(cfg).OwnHours, time.Time{})
	if err != nil {
		return err
	}
	stop, err := startCPUProfile(profile)
	if err != nil {
		return err
	}
	defer stop()
	start, cpu0 := time.Now(), cpuTime()
	if err := db.MaterializePersonWeeks(ctx, judge); err != nil {
		return err
	}
	fmt.Printf("person-weeks: store.MaterializePersonWeeks %s wall, %s CPU, peak RSS %s\n", time.Since(start).Round(time.Millisecond),
		(cpuTime() - cpu0).Round(time.Millisecond), peakRSS())
	return nil
}

// history times what a nightly run spends on the weekly risk history:
// analysis.AssessWeeks, and for comparison one analysis.AssessPeople per
// past week end.
func history(ctx context.Context, dbPath, cfgPath string, weeks int) error {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	_, last, _, err := db.EventSpan(ctx)
	if err != nil {
		return err
	}
	opts := analysis.RiskOptionsFor(cfg)
	start, cpu0 := time.Now(), cpuTime()
	if _, err := analysis.AssessWeeks(ctx, db, last, weeks, opts); err != nil {
		return err
	}
	fmt.Printf("history: AssessWeeks, %d weeks at once: %s wall, %s CPU\n", weeks,
		time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond))
	start, cpu0 = time.Now(), cpuTime()
	for k := range weeks {
		if _, err := analysis.AssessPeople(ctx, db, last.AddDate(0, 0, -7*k), opts); err != nil {
			return err
		}
	}
	fmt.Printf("history: AssessPeople once a week, %d times: %s wall, %s CPU; peak RSS %s\n", weeks,
		time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond), peakRSS())
	return nil
}
