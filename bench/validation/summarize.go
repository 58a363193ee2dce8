// Command summarize turns the reports of bench/validation/run.sh into the
// figures of docs/validation.md: per repository and model, the judged and
// flagged (elevated or high) windows; every flagged person-window labelled
// from the person's raw commit hours; and, with -variants, the Jaccard
// index of the flagged set under each one-step change of one threshold.
//
//	go run ./bench/validation -before B -after A [-variants V] REPO...
//
// B and A are run.sh output directories of the old and the new binary;
// REPO are the same repositories, read again (git log of HEAD, authors
// after .mailmap, without merges and web-flow commits: the commits the
// collector counts) for the raw
// commit hours. People appear as short ids: initials and a hash of the
// e-mail address (the address itself stays out of the output).
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type report struct {
	AsOf   string `json:"as_of"`
	People []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		RiskLevel string `json:"risk_level"`
		Pattern   string `json:"pattern"`
		Clock     struct {
			Suspect bool `json:"suspect"`
		} `json:"clock"`
		UsualHours struct {
			Start  string `json:"start"`
			End    string `json:"end"`
			Source string `json:"source"`
		} `json:"usual_hours"`
	} `json:"people"`
}

// window is one person judged as of one date.
type window struct {
	repo, person, asOf string
}

type run struct {
	judged  map[window]bool
	flagged map[window]bool
	pattern map[window]string
}

func load(dir string) (run, error) {
	r := run{judged: map[window]bool{}, flagged: map[window]bool{}, pattern: map[window]string{}}
	files, err := filepath.Glob(filepath.Join(dir, "*", "reports", "*.json"))
	if err != nil {
		return r, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return r, err
		}
		var rep report
		if err := json.Unmarshal(data, &rep); err != nil {
			return r, fmt.Errorf("%s: %w", f, err)
		}
		repo := filepath.Base(filepath.Dir(filepath.Dir(f)))
		for _, p := range rep.People {
			if p.RiskLevel == "" || p.RiskLevel == "insufficient_data" {
				continue
			}
			w := window{repo, strings.ToLower(p.ID), rep.AsOf}
			r.judged[w] = true
			if p.RiskLevel == "elevated" || p.RiskLevel == "high" {
				r.flagged[w] = true
				r.pattern[w] = p.Pattern
			}
		}
	}
	return r, nil
}

// commit is one raw commit: its instant and the offset it recorded.
type commit struct {
	at     time.Time // in the recorded offset
	offset int       // seconds
}

func commits(repo string) (map[string][]commit, map[string]string, error) {
	// The commits the git collector counts: no merges, none that GitHub's
	// web-flow committed (squash merges and web edits).
	cmd := exec.Command("git", "-C", repo, "log", "--no-merges", "--format=%aE%x09%aN%x09%aI%x09%cE", "HEAD")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	by, names := map[string][]commit{}, map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 || strings.EqualFold(f[3], "noreply@github.com") {
			continue
		}
		t, err := time.Parse(time.RFC3339, f[2])
		if err != nil {
			continue
		}
		_, off := t.Zone()
		id := strings.ToLower(f[0])
		by[id] = append(by[id], commit{t, off})
		names[id] = f[1]
	}
	return by, names, cmd.Wait()
}

// shortID is the initials of a name and 4 hex digits of the address's hash.
func shortID(id, name string) string {
	ini := ""
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if r < 128 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
				ini += strings.ToUpper(string(r))
			}
			break
		}
	}
	if len(ini) > 3 {
		ini = ini[:3]
	}
	h := sha256.Sum256([]byte(id))
	return fmt.Sprintf("%s-%x", ini, h[:2])
}

// profile is what the label rests on, from raw commits alone.
type profile struct {
	usualStart int     // start hour of the person's busiest 9-hour block of weekday half hours, whole history
	utcShare   float64 // commits stamped +0000
	offWeek    float64 // hours a week of active half hours outside that block or on weekends, in the window
	usualOff   float64 // the same over the 12 weeks before the window (weeks with any activity)
	heavyWeeks int     // window weeks with 3 h or more outside the block
	activeDays int     // in the window
	baseWeeks  int     // active weeks before the window
}

func slotOf(t time.Time) int { return t.Hour()*2 + t.Minute()/30 }

func profileOf(cs []commit, asOf time.Time) profile {
	var p profile
	var hist [48]int
	seen := map[string]bool{}
	for _, c := range cs {
		if c.offset == 0 {
			p.utcShare++
		}
		if wd := c.at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		k := c.at.Format("2006-01-02") + fmt.Sprint(slotOf(c.at))
		if !seen[k] {
			seen[k] = true
			hist[slotOf(c.at)]++
		}
	}
	p.utcShare /= float64(len(cs))
	best := -1
	for s := 0; s < 48; s += 2 {
		sum := 0
		for i := range 18 {
			sum += hist[(s+i)%48]
		}
		if sum > best {
			best, p.usualStart = sum, s/2
		}
	}
	inBlock := func(t time.Time) bool {
		return (slotOf(t)-2*p.usualStart+48)%48 < 18
	}
	end := asOf.AddDate(0, 0, 1)
	off := map[int]map[string]bool{} // weeks back → off slots
	days := map[string]bool{}
	for _, c := range cs {
		d := time.Date(c.at.Year(), c.at.Month(), c.at.Day(), 0, 0, 0, 0, time.UTC)
		if !d.Before(end) {
			continue
		}
		back := int(end.Sub(d).Hours()/24) / 7
		if back >= 16 {
			continue
		}
		if off[back] == nil {
			off[back] = map[string]bool{}
		}
		if back < 4 {
			days[d.Format("2006-01-02")] = true
		}
		wd := c.at.Weekday()
		if wd == time.Saturday || wd == time.Sunday || !inBlock(c.at) {
			off[back][d.Format("2006-01-02")+fmt.Sprint(slotOf(c.at))] = true
		}
	}
	p.activeDays = len(days)
	for back := range 4 {
		h := float64(len(off[back])) / 2
		p.offWeek += h / 4
		if h >= 3 {
			p.heavyWeeks++
		}
	}
	for back := 4; back < 16; back++ {
		if m, ok := off[back]; ok {
			p.baseWeeks++
			p.usualOff += float64(len(m)) / 2
		}
	}
	if p.baseWeeks > 0 {
		p.usualOff /= float64(p.baseWeeks)
	}
	return p
}

// label reads a profile: plausible when the window holds clearly more time
// outside the person's own usual block than their weeks before, in at least
// half its weeks; false alarm when it holds little (under 1.5 h a week) or
// the same as their long usual (a habit: a UTC clock, a shifted day, a
// spare-time contributor); unclear otherwise.
func label(p profile) string {
	switch {
	case p.offWeek < 1.5:
		return "false alarm"
	case p.baseWeeks >= 6 && p.offWeek <= 1.25*p.usualOff+0.5:
		return "false alarm"
	case p.heavyWeeks >= 2 && p.offWeek >= 3 && p.offWeek >= 1.5*p.usualOff+1:
		return "plausible"
	}
	return "unclear"
}

func (p profile) String() string {
	return fmt.Sprintf("own block %02d:00-%02d:00, +0000 %.0f%%; %.1f h/wk outside it (usual %.1f over %d wk), %d heavy wk, %d active days",
		p.usualStart, (p.usualStart+9)%24, 100*p.utcShare, p.offWeek, p.usualOff, p.baseWeeks, p.heavyWeeks, p.activeDays)
}

func main() {
	before := flag.String("before", "", "run.sh output of the old binary")
	after := flag.String("after", "", "run.sh output of the new binary")
	variants := flag.String("variants", "", "stability.sh output: one directory per variant, each like run.sh's")
	flag.Parse()
	if *before == "" || *after == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: summarize -before DIR -after DIR [-variants DIR] REPO...")
		os.Exit(2)
	}
	runs := map[string]run{}
	for name, dir := range map[string]string{"before": *before, "after": *after} {
		r, err := load(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		runs[name] = r
	}
	raw := map[string]map[string][]commit{}
	names := map[string]string{}
	for _, repo := range flag.Args() {
		abs, _ := filepath.Abs(repo)
		name := filepath.Base(abs)
		if name == "repo" {
			name = filepath.Base(filepath.Dir(abs))
		}
		by, ns, err := commits(repo)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		raw[name] = by
		for k, v := range ns {
			names[k] = v
		}
	}

	// Label every window flagged by either model.
	labels := map[window]string{}
	evidence := map[window]string{}
	for _, r := range runs {
		for w := range r.flagged {
			if _, ok := labels[w]; ok {
				continue
			}
			asOf, _ := time.Parse("2006-01-02", w.asOf)
			p := profileOf(raw[w.repo][w.person], asOf)
			labels[w], evidence[w] = label(p), p.String()
		}
	}

	fmt.Println("## Windows by repository")
	fmt.Println()
	fmt.Println("| repository | model | judged | flagged | share | plausible | unclear | false alarm |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|")
	repos := []string{}
	for name := range raw {
		repos = append(repos, name)
	}
	sort.Strings(repos)
	total := map[string]map[string]int{"before": {}, "after": {}}
	for _, repo := range append(repos, "all") {
		for _, model := range []string{"before", "after"} {
			r := runs[model]
			c := map[string]int{}
			for w := range r.judged {
				if repo == "all" || w.repo == repo {
					c["judged"]++
				}
			}
			for w := range r.flagged {
				if repo == "all" || w.repo == repo {
					c["flagged"]++
					c[labels[w]]++
				}
			}
			if repo == "all" {
				total[model] = c
			}
			fmt.Printf("| %s | %s | %d | %d | %.0f %% | %d | %d | %d |\n", repo, model, c["judged"], c["flagged"],
				100*float64(c["flagged"])/float64(max(1, c["judged"])), c["plausible"], c["unclear"], c["false alarm"])
		}
	}
	kept, plausible := 0, 0
	for w, l := range labels {
		if l == "plausible" && runs["before"].flagged[w] {
			plausible++
			if runs["after"].flagged[w] {
				kept++
			}
		}
	}
	fa := func(m string) int { return total[m]["false alarm"] }
	fmt.Println()
	fmt.Printf("False-alarm windows: %d before, %d after (%.1f× fewer). Plausible windows flagged before and still flagged after: %d of %d (%.0f %%).\n",
		fa("before"), fa("after"), float64(fa("before"))/float64(max(1, fa("after"))), kept, plausible, 100*float64(kept)/float64(max(1, plausible)))
	newPlausible := 0
	for w, l := range labels {
		if l == "plausible" && runs["after"].flagged[w] && !runs["before"].flagged[w] {
			newPlausible++
		}
	}
	fmt.Printf("Plausible windows flagged only after: %d.\n", newPlausible)

	fmt.Println()
	fmt.Println("## Flagged people")
	fmt.Println()
	fmt.Println("Windows flagged before → after, by label; the evidence is the person's last flagged window.")
	fmt.Println()
	fmt.Println("| repository | person | before | after | label of most windows | evidence (raw commit hours) |")
	fmt.Println("|---|---|---:|---:|---|---|")
	type person struct{ repo, id string }
	people := map[person][]window{}
	for w := range labels {
		people[person{w.repo, w.person}] = append(people[person{w.repo, w.person}], w)
	}
	keys := make([]person, 0, len(people))
	for k := range people {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].repo != keys[j].repo {
			return keys[i].repo < keys[j].repo
		}
		return shortID(keys[i].id, names[keys[i].id]) < shortID(keys[j].id, names[keys[j].id])
	})
	for _, k := range keys {
		ws := people[k]
		sort.Slice(ws, func(i, j int) bool { return ws[i].asOf < ws[j].asOf })
		b, a := 0, 0
		count := map[string]int{}
		for _, w := range ws {
			if runs["before"].flagged[w] {
				b++
			}
			if runs["after"].flagged[w] {
				a++
			}
			count[labels[w]]++
		}
		most := ""
		for _, l := range []string{"false alarm", "unclear", "plausible"} {
			if most == "" || count[l] > count[most] {
				most = l
			}
		}
		fmt.Printf("| %s | %s | %d | %d | %s (%d/%d/%d p/u/f) | %s: %s |\n", k.repo, shortID(k.id, names[k.id]), b, a, most,
			count["plausible"], count["unclear"], count["false alarm"], ws[len(ws)-1].asOf, evidence[ws[len(ws)-1]])
	}

	fmt.Println()
	fmt.Println("## Every window the new model flags")
	fmt.Println()
	fmt.Println("| repository | person | as of | pattern | label | evidence (raw commit hours) |")
	fmt.Println("|---|---|---|---|---|---|")
	var fl []window
	for w := range runs["after"].flagged {
		fl = append(fl, w)
	}
	sort.Slice(fl, func(i, j int) bool {
		if fl[i].repo != fl[j].repo {
			return fl[i].repo < fl[j].repo
		}
		if fl[i].person != fl[j].person {
			return fl[i].person < fl[j].person
		}
		return fl[i].asOf < fl[j].asOf
	})
	for _, w := range fl {
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", w.repo, shortID(w.person, names[w.person]), w.asOf,
			runs["after"].pattern[w], labels[w], evidence[w])
	}

	if *variants != "" {
		fmt.Println()
		fmt.Println("## Stability: one-step changes of one threshold")
		fmt.Println()
		fmt.Println("| variant | flagged | Jaccard with the defaults |")
		fmt.Println("|---|---:|---:|")
		dirs, _ := filepath.Glob(filepath.Join(*variants, "*"))
		base, err := load(filepath.Join(*variants, "defaults"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, d := range dirs {
			v, err := load(d)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			inter, union := 0, len(base.flagged)
			for w := range v.flagged {
				if base.flagged[w] {
					inter++
				} else {
					union++
				}
			}
			fmt.Printf("| %s | %d | %.2f |\n", filepath.Base(d), len(v.flagged), float64(inter)/float64(max(1, union)))
		}
	}
}
