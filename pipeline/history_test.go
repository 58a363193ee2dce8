package pipeline_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/pipeline"
	"github.com/overtime-project/overtime/privacy"
)

// TestWeeklyHistoryIsTheModelsTime: a late starter (12:00-20:30 every
// weekday for 16 weeks) has no after-hours time in the backfilled history
// once their window is learned, nor in the live 7-day window, which is the
// history's last point; v1 counted 15 clock hours a week.
func TestWeeklyHistoryIsTheModelsTime(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	asOf := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC) // a Wednesday
	var commits []gittest.Commit
	for d := asOf.AddDate(0, 0, -7*16+1); !d.After(asOf); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for m := 12*60 + 7; m < 20*60+25; m += 40 {
			commits = append(commits, gittest.Commit{AuthorName: "Lee", AuthorEmail: "lee@example.com",
				When: gittest.At(d.Year(), d.Month(), d.Day(), m/60, m%60, "+0200")})
		}
	}
	repo.FastImport(commits)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`sources: {git: [{path: %s}]}
people: [{id: lee, name: Lee, emails: [lee@example.com]}]
`, repo.Dir)), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	if _, err := pipeline.Collect(t.Context(), db, cfg, logger(&bytes.Buffer{})); err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	snap, history, err := pipeline.BuildSnapshot(t.Context(), db, cfg, asOf, (*privacy.Pseudonymizer)(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.People) != 1 {
		t.Fatalf("snapshot people %+v, want lee", snap.People)
	}
	live := snap.People[0].Windows["7d"]
	if live.AfterHoursActiveSeconds != 0 || live.AfterHoursRatio != 0 || live.NonWorkdaysActive != 0 {
		t.Errorf("live 7d window %+v, want no time outside usual hours", live)
	}
	if len(history) == 0 {
		t.Fatal("no weekly history")
	}
	last := history[len(history)-1]
	if !last.WeekEnd.Equal(asOf.AddDate(0, 0, 1)) || last.AfterHoursActiveSeconds != live.AfterHoursActiveSeconds ||
		last.AfterHoursRatio != live.AfterHoursRatio || last.NonWorkdaysActive != live.NonWorkdaysActive {
		t.Errorf("last history point %+v, want the live 7d window %+v at %s", last, live, asOf.AddDate(0, 0, 1))
	}
	// The first weeks are judged against 09:00-18:00 (too little history
	// to learn from): their evenings are outside it. From the sixth week
	// on, the learned window holds the whole day.
	for i, p := range history {
		if i >= 6 && p.AfterHoursActiveSeconds != 0 {
			t.Errorf("week ending %s: %v s after hours, want 0 once the window is learned", p.WeekEnd.Format("2006-01-02"), p.AfterHoursActiveSeconds)
		}
	}
	if history[0].AfterHoursActiveSeconds == 0 {
		t.Errorf("first week %+v: want its evenings outside the prior 09:00-18:00", history[0])
	}
}
