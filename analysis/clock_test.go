package analysis_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/internal/gittest"
	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

// workdays calls f for every Monday-to-Friday date from from to to.
func workdays(from, to time.Time, f func(y int, m time.Month, d int)) {
	for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
		if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			f(t.Year(), t.Month(), t.Day())
		}
	}
}

// TestUTCStampsContradictedByOtherStamps: people without a configured zone
// whose laptop stamps their zone's offset and whose container, VM or CI
// machine stamps +0000 on the same days. The +0000 stamps are read at the
// laptop's offset: a +0200 person's 09:00 is not 07:00 "after hours", a
// -0700 person's 17:30 is not 00:30 "late night"; their offset-less events
// (reviews) sit at the laptop's offset although most commits say +0000;
// the assessment and the JSON say so. Without the rule, every one of these
// checks fails.
func TestUTCStampsContradictedByOtherStamps(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	var commits []gittest.Commit
	var reviews []store.Event
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 26, 0, 0, 0, 0, time.UTC)
	workdays(from, to, func(y int, m time.Month, d int) {
		// Ada, Berlin in summer (+0200): laptop at 11:00 and 15:00, the
		// container (+0000) at 09:00, 13:00 and 17:00 her time.
		for _, h := range []int{11, 15} {
			commits = append(commits, gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com", When: gittest.At(y, m, d, h, 0, "+0200")})
		}
		for _, h := range []int{9, 13, 17} {
			commits = append(commits, gittest.Commit{AuthorName: "Ada", AuthorEmail: "ada@example.com",
				When: gittest.At(y, m, d, h, 0, "+0200").In(time.UTC)})
		}
		// Ben, California in summer (-0700): laptop at 10:00, the cloud VM
		// (+0000) at 14:00 and 17:30 his time (21:00 and 00:30 UTC).
		commits = append(commits, gittest.Commit{AuthorName: "Ben", AuthorEmail: "ben@example.com", When: gittest.At(y, m, d, 10, 0, "-0700")})
		for _, hm := range [][2]int{{14, 0}, {17, 30}} {
			commits = append(commits, gittest.Commit{AuthorName: "Ben", AuthorEmail: "ben@example.com",
				When: gittest.At(y, m, d, hm[0], hm[1], "-0700").In(time.UTC)})
		}
		// A review of Ada's at 10:00 her time: GitHub records no offset.
		reviews = append(reviews, store.Event{Source: "github", Kind: "review", ID: fmt.Sprintf("r-%d-%d-%d", y, m, d),
			Identity: "email:ada@example.com", At: gittest.At(y, m, d, 10, 0, "+0200").UTC(), Scope: "example/app"})
	})
	// Ben's last VM stamp, Friday 17:30 (Saturday 00:30 UTC), has no laptop
	// stamp after it until Monday's: until then it is read as recorded.
	commits = append(commits, gittest.Commit{AuthorName: "Ben", AuthorEmail: "ben@example.com", When: gittest.At(2026, 6, 29, 10, 0, "-0700")})
	db, cfg, local := analyzeCommitsAndReviews(t, repo, commits, reviews)
	seen := map[string]int{}
	for _, e := range local {
		who := strings.TrimSuffix(e.PersonID, "@example.com")
		seen[who+" "+e.Source]++
		if e.AfterHours || e.LateNight || !e.WorkingDay {
			t.Errorf("%s %s at %s: working day %v, after hours %v, late night %v; want a working hour",
				who, e.Source, e.Local.Format("Mon 15:04"), e.WorkingDay, e.AfterHours, e.LateNight)
		}
		want := map[string][]int{"ada git": {9, 11, 13, 15, 17}, "ada github": {10}, "ben git": {10, 14, 17}}[who+" "+e.Source]
		if !containsHour(want, e.Local.Hour()) {
			t.Errorf("%s %s at %s local, want one of the hours %v", who, e.Source, e.Local.Format("Mon 15:04"), want)
		}
	}
	if seen["ada git"] == 0 || seen["ada github"] == 0 || seen["ben git"] == 0 {
		t.Fatalf("local events %v, want Ada's commits and reviews and Ben's commits", seen)
	}

	asOf := time.Date(2026, 6, 28, 0, 0, 0, 0, time.UTC)
	w, err := analysis.SummarizeRisk(t.Context(), db, asOf, 28, "", analysis.RiskOptionsFor(cfg))
	if err != nil {
		t.Fatal(err)
	}
	doc := report.NewDocument(w)
	for _, tc := range []struct {
		id, readAs string
		share      float64
		sentence   string
	}{
		{"ada@example.com", "+0200", 0.6, "60% of their commits say +0000 on days their others say +0200: read at +0200"},
		// 170 of Ben's 256 commits (85 days and Monday's) say +0000.
		{"ben@example.com", "-0700", 0.664, "66% of their commits say +0000 on days their others say -0700: read at -0700"},
	} {
		var p *report.Person
		for i := range doc.People {
			if doc.People[i].ID == tc.id {
				p = &doc.People[i]
			}
		}
		if p == nil || p.Risk == nil {
			t.Fatalf("%s: no assessment in %+v", tc.id, doc.People)
		}
		c := p.Risk.Clock
		if c.Suspect || c.ContradictingShare != tc.share || c.UTCStampsReadAs == nil || *c.UTCStampsReadAs != tc.readAs || c.Explanation != tc.sentence {
			t.Errorf("%s: clock %+v (read as %v), want read as %s, share %v, %q", tc.id, c, deref(c.UTCStampsReadAs), tc.readAs, tc.share, tc.sentence)
		}
		if p.LateNightEvents != 0 || p.AfterHoursEvents != 0 {
			t.Errorf("%s: %d late-night and %d after-hours events, want none", tc.id, p.LateNightEvents, p.AfterHoursEvents)
		}
		if p.Risk.RiskLevel != string(analysis.LevelLow) {
			t.Errorf("%s: level %s, want low", tc.id, p.Risk.RiskLevel)
		}
		raw, err := json.Marshal(p.Risk.Clock)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"utc_stamps_read_as":"`+tc.readAs+`"`) || !strings.Contains(string(raw), `"contradicting_share":`) {
			t.Errorf("%s: JSON clock %s lacks utc_stamps_read_as or contradicting_share", tc.id, raw)
		}
	}
}

// TestUTCStampsThatAreTheTruth: +0000 stamps that are the person's real
// clock are read as recorded, and so are their offset-less events: a
// person in London (+0000 in winter, +0100 in summer, a two-day trip to
// Paris in winter) and a person who moved from Tokyo (+0900, three months)
// to Lisbon (+0000 in winter, three months).
func TestUTCStampsThatAreTheTruth(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t)
	var commits []gittest.Commit
	var reviews []store.Event
	london := time.FixedZone("GMT", 0)
	bst := time.FixedZone("BST", 3600)
	add := func(name string, at time.Time) {
		commits = append(commits, gittest.Commit{AuthorName: name, AuthorEmail: strings.ToLower(name) + "@example.com", When: at})
	}
	// Lee, London, from 2025-09-01 to 2026-05-29 (BST until 2025-10-26 and
	// from 2026-03-29): 09:30, 12:00 and 16:30 local.
	workdays(time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC), func(y int, m time.Month, d int) {
		zone := london
		if day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); day.Before(time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC)) ||
			!day.Before(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) {
			zone = bst
		}
		// In Paris on 2026-01-13 and 2026-01-15, back in London between.
		if y == 2026 && m == 1 && (d == 13 || d == 15) {
			zone = time.FixedZone("CET", 3600)
		}
		for _, hm := range [][2]int{{9, 30}, {12, 0}, {16, 30}} {
			add("Lee", time.Date(y, m, d, hm[0], hm[1], 0, 0, zone))
		}
		reviews = append(reviews, store.Event{Source: "github", Kind: "review", ID: fmt.Sprintf("lee-%d-%d-%d", y, m, d),
			Identity: "email:lee@example.com", At: time.Date(y, m, d, 14, 0, 0, 0, zone).UTC(), Scope: "example/app"})
	})
	// Mia, Tokyo until 2025-12-31, then Lisbon: 10:00 and 15:00 local.
	workdays(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), func(y int, m time.Month, d int) {
		zone := time.FixedZone("JST", 9*3600)
		if y == 2026 {
			zone = time.FixedZone("WET", 0)
		}
		add("Mia", time.Date(y, m, d, 10, 0, 0, 0, zone))
		add("Mia", time.Date(y, m, d, 15, 0, 0, 0, zone))
		reviews = append(reviews, store.Event{Source: "github", Kind: "review", ID: fmt.Sprintf("mia-%d-%d-%d", y, m, d),
			Identity: "email:mia@example.com", At: time.Date(y, m, d, 14, 0, 0, 0, zone).UTC(), Scope: "example/app"})
	})
	db, cfg, local := analyzeCommitsAndReviews(t, repo, commits, reviews)
	n := 0
	for _, e := range local {
		if e.Source == "github" && e.PersonID == "mia@example.com" && e.Local.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			continue // Mia's reviews in Tokyo are placed at her latest offset, +0000: a limit of the inferred offset
		}
		if e.Source == "github" && e.PersonID == "lee@example.com" && e.Local.Before(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) &&
			!e.Local.Before(time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC)) {
			// Lee's winter reviews: his last 90 days are mostly +0100, so
			// they sit an hour late, at 15:00 (the inferred offset is one
			// offset for the whole history); in Paris they are right.
			want := 15
			if e.Local.Month() == time.January && (e.Local.Day() == 13 || e.Local.Day() == 15) {
				want = 14
			}
			if e.Local.Hour() != want {
				t.Errorf("lee review at %s, want %02d:00", e.Local.Format("2006-01-02 15:04"), want)
			}
			continue
		}
		n++
		if want := map[string][]int{"lee@example.com git": {9, 12, 16}, "lee@example.com github": {14},
			"mia@example.com git": {10, 15}, "mia@example.com github": {14}}[e.PersonID+" "+e.Source]; !containsHour(want, e.Local.Hour()) {
			t.Errorf("%s %s at %s local, want one of the hours %v", e.PersonID, e.Source, e.Local.Format("2006-01-02 15:04"), want)
		}
	}
	if n < 500 {
		t.Fatalf("%d local events checked, want Lee's and Mia's", n)
	}
	risks, err := analysis.AssessPeople(t.Context(), db, time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), analysis.RiskOptionsFor(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"lee@example.com", "mia@example.com"} {
		c := risks[id].Assessment.Clock
		if c.ContradictingShare != 0 || c.Suspect || risks[id].Assessment.ClockExplanation != "" {
			t.Errorf("%s: clock %+v %q, want their +0000 stamps taken as recorded", id, c, risks[id].Assessment.ClockExplanation)
		}
	}
}

func containsHour(hours []int, h int) bool {
	for _, x := range hours {
		if x == h {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// analyzeCommitsAndReviews imports the commits into repo, collects it into a
// new database, stores the reviews (GitHub records no offset), analyses with
// no people configured and returns every event in local time.
func analyzeCommitsAndReviews(t *testing.T, repo *gittest.Repo, commits []gittest.Commit, reviews []store.Event) (*store.DB, *config.Config, []store.LocalEvent) {
	t.Helper()
	repo.FastImport(commits)
	db := storetest.Open(t)
	collect(t, db, repo.Dir)
	if _, err := db.Write(t.Context(), store.Batch{Events: reviews}); err != nil {
		t.Fatal(err)
	}
	cfg := parseConfig(t, "sources: {git: []}\n")
	if _, err := analysis.Analyze(t.Context(), db, cfg); err != nil {
		t.Fatal(err)
	}
	local, err := db.LocalEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return db, cfg, local
}
