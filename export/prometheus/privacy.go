package prometheus

import (
	"slices"
	"sort"

	"github.com/overtime-project/overtime/analysis"
)

// ApplyPrivacy computes the team-level figures from the people and then
// withholds what the privacy settings forbid:
//
//   - a team with fewer than minGroup scored members (people whose level
//     is not insufficient_data) gets Withheld and no figure: no counts, no
//     medians, no punchcard;
//   - people without a team are in no team: no team figures, no punchcard;
//   - when exportPeople is false, the people themselves are dropped, so
//     only team-level series remain.
//
// Call it once, after People and Punchcard are filled.
func (s *Snapshot) ApplyPrivacy(minGroup int, exportPeople bool) {
	byTeam := map[string][]*Person{}
	var names []string
	for i := range s.People {
		p := &s.People[i]
		if p.Team == "" {
			continue
		}
		if _, ok := byTeam[p.Team]; !ok {
			names = append(names, p.Team)
		}
		byTeam[p.Team] = append(byTeam[p.Team], p)
	}
	sort.Strings(names)
	s.Teams = nil
	shown := map[string]bool{}
	for _, name := range names {
		t := Team{Name: name}
		var scores []float64
		ratios := map[string][]float64{}
		for _, p := range byTeam[name] {
			if p.Level == "" || p.Level == "insufficient_data" {
				continue
			}
			if p.RiskScore != nil {
				scores = append(scores, *p.RiskScore)
			}
			for w, f := range p.Windows {
				ratios[w] = append(ratios[w], f.AfterHoursRatio)
			}
		}
		if len(scores) < max(minGroup, 1) {
			t.Withheld = true
			s.Teams = append(s.Teams, t)
			continue
		}
		shown[name] = true
		t.People = map[string]int{}
		for _, l := range Levels {
			t.People[l] = 0
		}
		for _, p := range byTeam[name] {
			if p.Level != "" {
				t.People[p.Level]++
			}
			if p.SustainedAfterHours {
				t.SustainedAfterHours++
			}
		}
		m := analysis.Median(scores)
		t.RiskScoreMedian = &m
		t.AfterHoursRatioMedian = map[string]float64{}
		for w, rs := range ratios {
			t.AfterHoursRatioMedian[w] = analysis.Median(rs)
		}
		s.Teams = append(s.Teams, t)
	}
	s.Punchcard = slices.DeleteFunc(s.Punchcard, func(c PunchcardCell) bool { return !shown[c.Team] })
	if !exportPeople {
		s.People = []Person{}
	}
}

// SetRisk copies the analysis's judgement of the person: score, level,
// sustained flag and every factor (points only when the person is scored).
func (p *Person) SetRisk(a analysis.Assessment) {
	p.SustainedAfterHours = a.Sustained
	p.Level = string(a.Level)
	p.RiskScore = nil
	if a.Score != nil {
		score := float64(*a.Score)
		p.RiskScore = &score
	}
	p.Factors = nil
	for _, f := range a.Factors {
		x := Factor{Name: f.Name, Value: f.Value}
		if a.Score != nil {
			points := f.Contribution
			x.Points = &points
		}
		p.Factors = append(p.Factors, x)
	}
}

// KeepFigures copies the analysis figures of prev, the snapshot of the last
// run, into s: what a run whose analysis failed exports, so that every
// exporter keeps answering from the last good figures (people, teams,
// punchcard, unclaimed count), not from none.
func (s *Snapshot) KeepFigures(prev *Snapshot) {
	s.AsOf, s.People, s.Punchcard = prev.AsOf, prev.People, prev.Punchcard
	s.Teams, s.UnclaimedIdentities = prev.Teams, prev.UnclaimedIdentities
}
