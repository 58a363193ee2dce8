// Command stability prints the stability table of docs/validation.md: for
// each one-step change of one threshold of the risk model, how many
// person-windows are elevated or high, and the Jaccard index of that set
// with the operating point's set (the config's thresholds unless set by flags). It judges in-process, over the databases that
// bench/validation/run.sh collected and analysed:
//
//	go run ./bench/validation/stability [-label] [-heavy-hours H -heavy-weeks K] RUNDIR/*/overtime.yaml
//
// -label labels every flagged window from its history's raw commits, as
// bench/validation's summary does, and prints the counts per row: what a
// step gains or loses, not only how much it moves. -heavy-hours and
// -heavy-weeks set another operating point to measure around.
//
// Each config is a run.sh config (no people: every author is their own
// person); one assessment every 28 days from -from to -to, as run.sh's
// reports.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/bench/validation/label"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

// variant is one threshold moved by one step.
type variant struct {
	name string
	set  func(*config.Analysis)
}

// The step of each threshold is its smallest meaningful change: half an
// hour of active time (its unit), 1 week, 5 points, 5 percentage points, 1
// hour of span, 1 day, 0.05 of a share, 2 days of prior, 1 hour of shift,
// 0.1 of a share, 0.25 of a ratio. Two steps of heavy_week_after_hours are
// shown as well. The two thresholds of a sustained load move from the
// operating point the flags set (-heavy-hours, -heavy-weeks); a step past
// what the config accepts (more heavy weeks than judged weeks) is shown as
// such, not judged.
func variants(hours float64, weeks int) []variant {
	h := func(d float64) variant {
		name := fmt.Sprintf("heavy_week_after_hours %g → %g", hours, hours+d)
		if d == 1 || d == -1 {
			name += " (two steps)"
		}
		return variant{name: name, set: func(a *config.Analysis) { a.HeavyWeekAfterHours = hours + d }}
	}
	k := func(d int) variant {
		return variant{name: fmt.Sprintf("sustained.heavy_weeks %d → %d", weeks, weeks+d),
			set: func(a *config.Analysis) { a.Sustained.HeavyWeeks = weeks + d }}
	}
	return []variant{
		h(-0.5), h(0.5), h(-1), h(1), k(-1), k(1),
		{"levels.elevated 30 → 25", func(a *config.Analysis) { a.Levels.Elevated = 25 }},
		{"levels.elevated 30 → 35", func(a *config.Analysis) { a.Levels.Elevated = 35 }},
		{"after_hours_ratio bands −5 pp", func(a *config.Analysis) { a.Factors.AfterHoursRatio.Bands = []float64{0.05, 0.20, 0.35} }},
		{"after_hours_ratio bands +5 pp", func(a *config.Analysis) { a.Factors.AfterHoursRatio.Bands = []float64{0.15, 0.30, 0.45} }},
		{"non_working_day_ratio bands −5 pp", func(a *config.Analysis) { a.Factors.NonWorkingDayRatio.Bands = []float64{0.01, 0.10, 0.20} }},
		{"non_working_day_ratio bands +5 pp", func(a *config.Analysis) { a.Factors.NonWorkingDayRatio.Bands = []float64{0.10, 0.20, 0.30} }},
		{"workday_span_hours bands −1 h", func(a *config.Analysis) { a.Factors.WorkdaySpanHours.Bands = []float64{9, 12} }},
		{"workday_span_hours bands +1 h", func(a *config.Analysis) { a.Factors.WorkdaySpanHours.Bands = []float64{11, 14} }},
		{"late_night_days bands −1", func(a *config.Analysis) { a.Factors.LateNightDays.Bands = []float64{1, 3, 7} }},
		{"late_night_days bands +1", func(a *config.Analysis) { a.Factors.LateNightDays.Bands = []float64{3, 5, 9} }},
		{"usual_hours.min_day_share 0.20 → 0.15", func(a *config.Analysis) { a.UsualHours.MinDayShare = 0.15 }},
		{"usual_hours.min_day_share 0.20 → 0.25", func(a *config.Analysis) { a.UsualHours.MinDayShare = 0.25 }},
		{"usual_hours.prior_days 5 → 3", func(a *config.Analysis) { a.UsualHours.PriorDays = 3 }},
		{"usual_hours.prior_days 5 → 7", func(a *config.Analysis) { a.UsualHours.PriorDays = 7 }},
		{"usual_hours.min_days 10 → 8", func(a *config.Analysis) { a.UsualHours.MinDays = 8 }},
		{"usual_hours.min_days 10 → 12", func(a *config.Analysis) { a.UsualHours.MinDays = 12 }},
		{"clock.min_shift_hours 4 → 3", func(a *config.Analysis) { a.Clock.MinShiftHours = 3 }},
		{"clock.min_shift_hours 4 → 5", func(a *config.Analysis) { a.Clock.MinShiftHours = 5 }},
		{"persistence.long_standing_share 0.5 → 0.4", func(a *config.Analysis) { a.Persistence.LongStandingShare = 0.4 }},
		{"persistence.long_standing_share 0.5 → 0.6", func(a *config.Analysis) { a.Persistence.LongStandingShare = 0.6 }},
		{"persistence.rising_ratio 1.5 → 1.25", func(a *config.Analysis) { a.Persistence.RisingRatio = 1.25 }},
		{"persistence.rising_ratio 1.5 → 1.75", func(a *config.Analysis) { a.Persistence.RisingRatio = 1.75 }},
		{"insufficient_data.min_active_days 4 → 3", func(a *config.Analysis) { a.InsufficientData.MinActiveDays = 3 }},
		{"insufficient_data.min_active_days 4 → 5", func(a *config.Analysis) { a.InsufficientData.MinActiveDays = 5 }},
	}
}

type key struct {
	db, person string
	asOf       time.Time
}

// history is one collected database's stored facts, read once: every
// assessment of every variant is built from them in memory, as
// analysis.AssessWeeks builds its own from the same reads.
type history struct {
	path     string
	minGroup int
	people   []store.PersonRow
	days     map[string][]analysis.Day
	clocks   map[string]store.PersonClock
	first    map[time.Time]map[string]time.Time
	// subjects caches the signals of each date under the settings that
	// change them (see buildKey): most variants only move a threshold of
	// the assessment, not the signals.
	subjects map[string][]analysis.Subject
}

func load(ctx context.Context, path string, dates []time.Time) (*history, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.People {
		if p.Hours != "" || p.Jira != "" || p.GitHub != "" {
			return nil, fmt.Errorf("%s: people with their own hours or accounts are not supported here: use configs written by run.sh", path)
		}
	}
	if cfg.Sources.Jira != nil || cfg.Sources.GitHub != nil {
		return nil, fmt.Errorf("%s: only git sources are supported here: use configs written by run.sh", path)
	}
	db, err := store.Open(ctx, cfg.Database, store.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	h := &history{path: path, minGroup: cfg.Privacy.MinGroupSize, days: map[string][]analysis.Day{},
		first: map[time.Time]map[string]time.Time{}, subjects: map[string][]analysis.Subject{}}
	if h.people, err = db.People(ctx); err != nil {
		return nil, err
	}
	rows, err := db.ActivityDays(ctx, dates[0].AddDate(-2, 0, 0), dates[len(dates)-1].AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		h.days[r.PersonID] = append(h.days[r.PersonID], analysis.Day{Date: r.Day, Working: r.WorkingDay, Events: r.Events,
			Slots: r.Slots, Span: r.LastLocal.Sub(r.FirstLocal)})
	}
	if h.clocks, err = db.PersonClocks(ctx); err != nil {
		return nil, err
	}
	for _, d := range dates {
		if h.first[d], err = db.FirstActiveDays(ctx, d); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// buildKey is the settings analysis.Build reads.
func buildKey(m config.Analysis) string {
	return fmt.Sprint(m.Sustained.Weeks, m.BaselineWeeks, m.UsualHours, m.Clock, m.Factors.ActiveDayRatio.Days)
}

// flagged judges every person of h as of d under m, as
// analysis.AssessPeople does for git-only configs, and adds the elevated or
// high ones to out.
func (h *history) flagged(m config.Analysis, d time.Time, out map[key]bool) {
	k := buildKey(m) + d.String()
	subjects, ok := h.subjects[k]
	if !ok {
		// The days before the as-of date's judged and baseline weeks (and
		// the day after it, for clock shifts), as AssessWeeks reads them.
		from := d.AddDate(0, 0, -max(7*(m.Sustained.Weeks+m.BaselineWeeks), m.Factors.ActiveDayRatio.Days))
		to := d.AddDate(0, 0, 1)
		for _, p := range h.people {
			c := h.clocks[p.ID]
			var days []analysis.Day
			for _, day := range h.days[p.ID] {
				if !day.Date.Before(from) && !day.Date.After(to) {
					days = append(days, day)
				}
			}
			in := analysis.PersonOf(c, days)
			if f, ok := h.first[d][p.ID]; ok && !f.After(d) {
				in.HistoryDays = int(d.Sub(f).Hours()/24) + 1
			}
			subjects = append(subjects, analysis.Subject{ID: p.ID, Team: p.Team, Signals: analysis.Build(m, in, d)})
		}
		h.subjects[k] = subjects
	}
	for id, a := range analysis.AssessGroups(m, h.minGroup, subjects) {
		if a.Level == analysis.LevelElevated || a.Level == analysis.LevelHigh {
			out[key{h.path, id, d}] = true
		}
	}
}

func main() {
	from := flag.String("from", "2021-01-03", "first as-of date")
	to := flag.String("to", "2026-06-14", "last as-of date")
	heavyHours := flag.Float64("heavy-hours", 0, "analysis.heavy_week_after_hours of the operating point (default: the config's)")
	labelled := flag.Bool("label", false, "label each flagged window from its history's raw commit hours (bench/validation/label) and add the counts")
	heavyWeeks := flag.Int("heavy-weeks", 0, "analysis.sustained.heavy_weeks of the operating point (default: the config's)")
	flag.Parse()
	first, err1 := time.Parse("2006-01-02", *from)
	last, err2 := time.Parse("2006-01-02", *to)
	if err1 != nil || err2 != nil || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: stability [-from YYYY-MM-DD] [-to YYYY-MM-DD] CONFIG...")
		os.Exit(2)
	}
	ctx := context.Background()
	var dates []time.Time
	for d := first; !d.After(last); d = d.AddDate(0, 0, 28) {
		dates = append(dates, d)
	}
	var histories []*history
	var model config.Analysis
	for i, path := range flag.Args() {
		h, err := load(ctx, path, dates)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		histories = append(histories, h)
		if i == 0 {
			cfg, _ := config.Load(path)
			model = cfg.Analysis
		}
	}
	if *heavyHours > 0 {
		model.HeavyWeekAfterHours = *heavyHours
	}
	if *heavyWeeks > 0 {
		model.Sustained.HeavyWeeks = *heavyWeeks
	}
	flagged := func(set func(*config.Analysis)) map[key]bool {
		m := model
		set(&m)
		out := map[key]bool{}
		for _, h := range histories {
			for _, d := range dates {
				h.flagged(m, d, out)
			}
		}
		return out
	}
	base := flagged(func(*config.Analysis) {})
	// Each window's label, from its history's raw commits (read once).
	labels := map[key]string{}
	raw := map[string]map[string][]label.Commit{}
	counts := func(set map[key]bool) string {
		if !*labelled {
			return ""
		}
		n := map[string]int{}
		for k := range set {
			l, ok := labels[k]
			if !ok {
				cs, ok := raw[k.db]
				if !ok {
					cfg, err := config.Load(k.db)
					if err == nil && len(cfg.Sources.Git) == 1 {
						cs, _, err = label.Read(cfg.Sources.Git[0].Path)
					}
					if err != nil {
						fmt.Fprintf(os.Stderr, "%s: %v\n", k.db, err)
						os.Exit(1)
					}
					raw[k.db] = cs
				}
				l = label.Of(label.ProfileOf(cs[strings.ToLower(k.person)], k.asOf))
				labels[k] = l
			}
			n[l]++
		}
		return fmt.Sprintf(" %d / %d / %d |", n["plausible"], n["unclear"], n["false alarm"])
	}
	fmt.Printf("%d dates × %d histories; heavy_week_after_hours %g, sustained.heavy_weeks %d of %d: %d person-windows flagged.\n\n",
		len(dates), flag.NArg(), model.HeavyWeekAfterHours, model.Sustained.HeavyWeeks, model.Sustained.Weeks, len(base))
	if *labelled {
		fmt.Printf("Labels of the flagged windows (plausible / unclear / false alarm):%s\n\n", counts(base))
		fmt.Println("| one step | flagged | Jaccard with the operating point | plausible / unclear / false alarm |")
		fmt.Println("|---|---:|---:|---:|")
	} else {
		fmt.Println("| one step | flagged | Jaccard with the operating point |")
		fmt.Println("|---|---:|---:|")
	}
	for _, v := range variants(model.HeavyWeekAfterHours, model.Sustained.HeavyWeeks) {
		probe := model
		v.set(&probe)
		if probe.Sustained.HeavyWeeks < 1 || probe.Sustained.HeavyWeeks > probe.Sustained.Weeks {
			fmt.Printf("| %s | — | not a setting (1 to %d) |\n", v.name, probe.Sustained.Weeks)
			continue
		}
		got := flagged(v.set)
		inter, union := 0, len(base)
		for k := range got {
			if base[k] {
				inter++
			} else {
				union++
			}
		}
		j := 1.0
		if union > 0 {
			j = float64(inter) / float64(union)
		}
		fmt.Printf("| %s | %d | %.2f |%s\n", v.name, len(got), j, counts(got))
	}
}
