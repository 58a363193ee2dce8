package prometheus

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/overtime-project/overtime/analysis"
)

// privacyFixture: a team of five scored people and a newcomer, a team of
// two, and a person in no team.
func privacyFixture() *Snapshot {
	s := &Snapshot{Version: SnapshotVersion}
	add := func(id, team, level string, score float64, ratio float64) {
		p := Person{ID: id, Team: team, Level: level, Windows: map[string]WindowFigures{"7d": {AfterHoursRatio: ratio}},
			SustainedAfterHours: level == "high"}
		if level != "insufficient_data" {
			p.RiskScore = &score
			p.Factors = []Factor{{Name: "after_hours_ratio", Value: ratio, Points: intp(int(score))}}
		} else {
			p.Factors = []Factor{{Name: "history_days", Value: 9}}
		}
		s.People = append(s.People, p)
	}
	for i, score := range []float64{10, 20, 30, 65, 80} {
		level := map[bool]string{true: "high", false: "low"}[score >= 60]
		add(fmt.Sprintf("big%d", i), "big", level, score, score/100)
	}
	add("newbie", "big", "insufficient_data", 0, 0.9)
	add("duo1", "duo", "high", 90, 0.7)
	add("duo2", "duo", "low", 5, 0.05)
	add("loner", "", "elevated", 40, 0.3)
	for _, team := range []string{"big", "duo", ""} {
		s.Punchcard = append(s.Punchcard, PunchcardCell{Team: team, Weekday: time.Monday, Hour: 22, Events: 3})
	}
	return s
}

func TestApplyPrivacyWithholdsSmallTeams(t *testing.T) {
	t.Parallel()
	s := privacyFixture()
	s.ApplyPrivacy(5, true)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(s.Teams) != 2 {
		t.Fatalf("teams %+v, want big and duo (no team for the person without one)", s.Teams)
	}
	big, duo := s.Teams[0], s.Teams[1]
	if big.Name != "big" || big.Withheld || big.RiskScoreMedian == nil || *big.RiskScoreMedian != 30 {
		t.Errorf("big: %+v, want shown, median score 30 (the newcomer left out)", big)
	}
	if got := big.AfterHoursRatioMedian["7d"]; got != 0.3 {
		t.Errorf("big's median after-hours share %v, want 0.3 (the newcomer's 0.9 left out)", got)
	}
	if big.People["low"] != 3 || big.People["high"] != 2 || big.People["insufficient_data"] != 1 || big.SustainedAfterHours != 2 {
		t.Errorf("big's counts %+v", big)
	}
	if duo.Name != "duo" || !duo.Withheld || duo.RiskScoreMedian != nil || duo.People != nil || duo.AfterHoursRatioMedian != nil {
		t.Errorf("duo: %+v, want withheld with no figures", duo)
	}
	if len(s.Punchcard) != 1 || s.Punchcard[0].Team != "big" {
		t.Errorf("punchcard %+v, want big's only", s.Punchcard)
	}
	text, err := encodeText(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "overtime_team_") && strings.Contains(line, `team="duo"`) &&
			!strings.HasPrefix(line, `overtime_team_figures_withheld{team="duo"} 1`) {
			t.Errorf("a series of the withheld team: %s", line)
		}
		if strings.HasPrefix(line, "overtime_team_") && !strings.Contains(line, "team=") {
			t.Errorf("a team series without a team: %s", line)
		}
	}
	if !strings.Contains(string(text), `overtime_risk_level{level="high",person="duo1",team="duo"} 1`) {
		t.Error("per-person series of the small team's people are missing")
	}
	// A minimum of 2 shows the duo.
	s = privacyFixture()
	s.ApplyPrivacy(2, true)
	if s.Teams[1].Withheld {
		t.Errorf("duo withheld with a minimum of 2")
	}
}

func TestApplyPrivacyTeamSeriesOnly(t *testing.T) {
	t.Parallel()
	s := privacyFixture()
	s.ApplyPrivacy(5, false)
	c := NewCollector(Static(s))
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	text, err := encodeText(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "person=") {
		t.Errorf("per-person series exported with export_people off:\n%s", text)
	}
	for _, want := range []string{
		`overtime_team_risk_score_median{team="big"} 30`,
		`overtime_team_people{level="high",team="big"} 2`,
		`overtime_team_figures_withheld{team="duo"} 1`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestSetRisk(t *testing.T) {
	t.Parallel()
	score := 45
	var p Person
	p.SetRisk(analysis.Assessment{Score: &score, Level: analysis.LevelElevated, Sustained: true, Factors: []analysis.Factor{
		{Name: "heavy_weeks", Value: 3, Contribution: 30}, {Name: "late_night_days", Value: 0, Contribution: 0},
	}})
	if p.Level != "elevated" || p.RiskScore == nil || *p.RiskScore != 45 || !p.SustainedAfterHours ||
		len(p.Factors) != 2 || *p.Factors[0].Points != 30 || *p.Factors[1].Points != 0 {
		t.Errorf("scored: %+v", p)
	}
	p.SetRisk(analysis.Assessment{Level: analysis.LevelInsufficientData, Factors: []analysis.Factor{
		{Name: "history_days", Value: 9},
	}})
	if p.Level != "insufficient_data" || p.RiskScore != nil || p.SustainedAfterHours || len(p.Factors) != 1 || p.Factors[0].Points != nil {
		t.Errorf("insufficient data: %+v", p)
	}
}

func TestKeepFigures(t *testing.T) {
	t.Parallel()
	prev := fixture(t)
	var s Snapshot
	s.KeepFigures(prev)
	s.Finish(prev, time.Now(), false)
	s.Job = prev.Job
	a, err := encodeText(&s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeText(prev)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("the kept figures export otherwise than the last good snapshot:\n%s\n---\n%s", a, b)
	}
}
