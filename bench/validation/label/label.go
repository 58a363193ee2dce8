// Package label labels a person-window of bench/validation from the
// person's raw commit hours alone (plausible, unclear or false alarm), so
// that the summary and the stability table judge flags by one rule.
package label

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Commit is one raw commit: its instant and the offset it recorded.
type Commit struct {
	At     time.Time // in the recorded offset
	Offset int       // seconds
}

func Read(repo string) (map[string][]Commit, map[string]string, error) {
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
	by, names := map[string][]Commit{}, map[string]string{}
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
		by[id] = append(by[id], Commit{t, off})
		names[id] = f[1]
	}
	return by, names, cmd.Wait()
}

// ShortID is the initials of a name and 4 hex digits of the address's hash.
func ShortID(id, name string) string {
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

// Profile is what the label rests on, from raw commits alone.
type Profile struct {
	UsualStart int     // start hour of the person's busiest 9-hour block of weekday half hours, whole history
	UtcShare   float64 // commits stamped +0000
	OffWeek    float64 // hours a week of active half hours outside that block or on weekends, in the window
	UsualOff   float64 // the same over the 12 weeks before the window (weeks with any activity)
	HeavyWeeks int     // window weeks with 3 h or more outside the block
	ActiveDays int     // in the window
	BaseWeeks  int     // active weeks before the window
}

func slotOf(t time.Time) int { return t.Hour()*2 + t.Minute()/30 }

func ProfileOf(cs []Commit, asOf time.Time) Profile {
	var p Profile
	var hist [48]int
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Offset == 0 {
			p.UtcShare++
		}
		if wd := c.At.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		k := c.At.Format("2006-01-02") + fmt.Sprint(slotOf(c.At))
		if !seen[k] {
			seen[k] = true
			hist[slotOf(c.At)]++
		}
	}
	p.UtcShare /= float64(len(cs))
	best := -1
	for s := 0; s < 48; s += 2 {
		sum := 0
		for i := range 18 {
			sum += hist[(s+i)%48]
		}
		if sum > best {
			best, p.UsualStart = sum, s/2
		}
	}
	inBlock := func(t time.Time) bool {
		return (slotOf(t)-2*p.UsualStart+48)%48 < 18
	}
	end := asOf.AddDate(0, 0, 1)
	off := map[int]map[string]bool{} // weeks back → off slots
	days := map[string]bool{}
	for _, c := range cs {
		d := time.Date(c.At.Year(), c.At.Month(), c.At.Day(), 0, 0, 0, 0, time.UTC)
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
		wd := c.At.Weekday()
		if wd == time.Saturday || wd == time.Sunday || !inBlock(c.At) {
			off[back][d.Format("2006-01-02")+fmt.Sprint(slotOf(c.At))] = true
		}
	}
	p.ActiveDays = len(days)
	for back := range 4 {
		h := float64(len(off[back])) / 2
		p.OffWeek += h / 4
		if h >= 3 {
			p.HeavyWeeks++
		}
	}
	for back := 4; back < 16; back++ {
		if m, ok := off[back]; ok {
			p.BaseWeeks++
			p.UsualOff += float64(len(m)) / 2
		}
	}
	if p.BaseWeeks > 0 {
		p.UsualOff /= float64(p.BaseWeeks)
	}
	return p
}

// Of reads a profile: plausible when the window holds clearly more time
// outside the person's own usual block than their weeks before, in at least
// half its weeks; false alarm when it holds little (under 1.5 h a week) or
// the same as their long usual (a habit: a UTC clock, a shifted day, a
// spare-time contributor); unclear otherwise.
func Of(p Profile) string {
	switch {
	case p.OffWeek < 1.5:
		return "false alarm"
	case p.BaseWeeks >= 6 && p.OffWeek <= 1.25*p.UsualOff+0.5:
		return "false alarm"
	case p.HeavyWeeks >= 2 && p.OffWeek >= 3 && p.OffWeek >= 1.5*p.UsualOff+1:
		return "plausible"
	}
	return "unclear"
}

func (p Profile) String() string {
	return fmt.Sprintf("own block %02d:00-%02d:00, +0000 %.0f%%; %.1f h/wk outside it (usual %.1f over %d wk), %d heavy wk, %d active days",
		p.UsualStart, (p.UsualStart+9)%24, 100*p.UtcShare, p.OffWeek, p.UsualOff, p.BaseWeeks, p.HeavyWeeks, p.ActiveDays)
}
