package analysis_test

import (
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
)

// TestOpenWorkOnlyWhereASourceSeesIt: open tickets and pull requests are
// absent (nil) without the source, and for a person the source does not
// know; 0 only where the source could have seen some.
func TestOpenWorkOnlyWhereASourceSeesIt(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	var commits []gittest.Commit
	for d := range 60 {
		for _, who := range []string{"ada", "ben"} {
			commits = append(commits, gittest.Commit{AuthorName: who, AuthorEmail: who + "@example.com",
				When: gittest.At(2026, 3, 1, 10, 0, "+0000").AddDate(0, 0, d)})
		}
	}
	repo.FastImport(commits)
	db := storetest.Open(t)
	collect(t, db, repo.Dir)
	people := `
people:
  - {id: ada, emails: [ada@example.com], jira: acc-ada, github: ada}
  - {id: ben, emails: [ben@example.com]}
`
	asOf := time.Date(2026, 4, 29, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		sources      string
		ada, ben     [2]bool // open tickets known, open pull requests known
		adaJudgement bool    // ada's concurrent-items factor present
	}{
		{name: "no ticket or GitHub source", sources: "sources: {git: []}\n"},
		{name: "jira and github", sources: "sources:\n  jira: {url: \"https://jira.example.com\"}\n  github: {orgs: [example]}\n",
			ada: [2]bool{true, true}, adaJudgement: true},
		{name: "jira only", sources: "sources:\n  jira: {url: \"https://jira.example.com\"}\n", ada: [2]bool{true, false}, adaJudgement: true},
	} {
		cfg := parseConfig(t, people+tc.sources)
		if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
			t.Fatal(err)
		}
		risks, err := analysis.AssessPeople(t.Context(), db, asOf, analysis.RiskOptionsFor(cfg))
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string][2]bool{"ada": tc.ada, "ben": tc.ben} {
			r := risks[id]
			if got := [2]bool{r.OpenTickets != nil, r.OpenPullRequests != nil}; got != want {
				t.Errorf("%s: %s: open tickets, pull requests known = %v, want %v", tc.name, id, got, want)
			}
			if r.OpenTickets != nil && *r.OpenTickets != 0 {
				t.Errorf("%s: %s has %d open tickets, want 0", tc.name, id, *r.OpenTickets)
			}
			if r.Level == analysis.LevelInsufficientData {
				t.Errorf("%s: %s not judged: %s", tc.name, id, r.TopReason())
			}
		}
		hasFactor := false
		for _, f := range risks["ada"].Factors {
			hasFactor = hasFactor || f.Name == analysis.FactorConcurrentItems
		}
		if hasFactor != tc.adaJudgement {
			t.Errorf("%s: ada's concurrent-items factor present %v, want %v", tc.name, hasFactor, tc.adaJudgement)
		}
		for _, f := range risks["ben"].Factors {
			if f.Name == analysis.FactorConcurrentItems {
				t.Errorf("%s: ben, whom no source knows, has a concurrent-items factor: %+v", tc.name, f)
			}
		}
	}
}
