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
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/overtime-project/overtime/bench/validation/label"
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
	raw := map[string]map[string][]label.Commit{}
	names := map[string]string{}
	for _, repo := range flag.Args() {
		abs, _ := filepath.Abs(repo)
		name := filepath.Base(abs)
		if name == "repo" {
			name = filepath.Base(filepath.Dir(abs))
		}
		by, ns, err := label.Read(repo)
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
			p := label.ProfileOf(raw[w.repo][w.person], asOf)
			labels[w], evidence[w] = label.Of(p), p.String()
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
		return label.ShortID(keys[i].id, names[keys[i].id]) < label.ShortID(keys[j].id, names[keys[j].id])
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
		fmt.Printf("| %s | %s | %d | %d | %s (%d/%d/%d p/u/f) | %s: %s |\n", k.repo, label.ShortID(k.id, names[k.id]), b, a, most,
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
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", w.repo, label.ShortID(w.person, names[w.person]), w.asOf,
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
