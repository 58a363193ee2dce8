package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/export/report"
)

// history gives every person of window() 16 weeks: 12 baseline, 4 judged,
// with alice's evenings in the judged weeks.
func history() report.History {
	w := window()
	h := report.History{JudgedWeeks: 4, BaselineWeeks: 12}
	for i := range w.People {
		var weeks []report.WeekFigures
		for k := range 16 {
			wk := report.WeekFigures{End: w.AsOf.AddDate(0, 0, -7*(15-k)), Events: 20, SpanDays: 5,
				WorkdaySpan: 8 * time.Hour, AfterHoursHrs: 1}
			if i == 0 && k >= 12 {
				wk.AfterHoursHrs, wk.NonWorkingDays, wk.WorkdaySpan = 6, 1, 11*time.Hour
			}
			weeks = append(weeks, wk)
		}
		h.People = append(h.People, weeks)
	}
	return h
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	t.Parallel()
	w := window()
	w.People[1].Name = `<script>alert("bob")</script>`
	w.People[1].Risk.Factors[0].Explanation = `a sentence with <b>markup</b> & "quotes"`
	var b bytes.Buffer
	if err := report.WriteHTML(&b, w, history(), report.HTMLOptions{MinGroupSize: 5}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") || strings.Contains(page, "<b>markup") {
		t.Error("a name or a sentence reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;bob&#34;)&lt;/script&gt;") {
		t.Error("the escaped name is missing")
	}
	// Nothing is fetched from anywhere: no script, link, import or URL.
	for _, re := range []string{`(?i)<script`, `(?i)<link`, `(?i)<img`, `(?i)<iframe`, `(?i)@import`, `(?i)url\(`, `(?i)\bsrc=`, `(?i)href="(?:https?:)?//`, `(?i)https?://`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("the page matches %s: it is not self-contained", re)
		}
	}
	// Three charts a person, one bar a week.
	if n := strings.Count(page, "<figure data-chart="); n != 3*len(w.People) {
		t.Errorf("%d charts, want %d", n, 3*len(w.People))
	}
	if n := strings.Count(page, "<rect class=\"bar-judged\""); n != 3*4*len(w.People) {
		t.Errorf("%d judged bars, want %d", n, 3*4*len(w.People))
	}
}

func TestHTMLTeamSummaryWithholdsSmallTeams(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		min  int
		want []string
		not  []string
	}{
		{5, []string{"team of fewer than 5: no team figures", "people in no team: no team figures"}, []string{"<td>28</td>"}},
		// payments has two scored members: alice 55 and bob 0, median 28.
		{2, []string{"<td>28</td>", "<td>13%</td>"}, []string{"team of fewer than"}},
	} {
		var b bytes.Buffer
		if err := report.WriteHTML(&b, window(), history(), report.HTMLOptions{MinGroupSize: tt.min}); err != nil {
			t.Fatal(err)
		}
		teams := b.String()[strings.Index(b.String(), `<table id="teams">`):strings.Index(b.String(), "</table>")]
		for _, s := range tt.want {
			if !strings.Contains(teams, s) {
				t.Errorf("min %d: the team summary lacks %q:\n%s", tt.min, s, teams)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(teams, s) {
				t.Errorf("min %d: the team summary has %q:\n%s", tt.min, s, teams)
			}
		}
	}
}

// TestHTMLReasons: a scored person's reasons are the factors with points; an
// unscored one's are why there is no score.
func TestHTMLReasons(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, window(), history(), report.HTMLOptions{MinGroupSize: 5}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	section := func(id string) string {
		i := strings.Index(page, `data-person="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section for %s", id)
		}
		j := strings.Index(page[i:], "</section>")
		return page[i : i+j]
	}
	alice := section("alice")
	for _, s := range []string{"+30", "after-hours work (3 h or more) in 4 of the last 4 weeks", "score <strong>55</strong>", "sustained after-hours load", ">elevated<",
		`data-pattern="rising"`, "<li>rising: 4 heavy weeks of the last 4, usually 1 of 4</li>",
		"<li>usually 09:00-18:00, learned from 40 working days</li>", "<li>rests on 18 active days in the last 4 weeks</li>"} {
		if !strings.Contains(alice, s) {
			t.Errorf("alice's section lacks %q", s)
		}
	}
	if strings.Contains(alice[:strings.Index(alice, "<details>")], "midnight") {
		t.Error("a factor without points is among alice's reasons")
	}
	if nina := section("nina"); !strings.Contains(nina, "only 13 days of history; judging needs 28") || !strings.Contains(nina, ">insufficient data<") {
		t.Errorf("nina's section lacks her reason:\n%s", nina)
	}
}
