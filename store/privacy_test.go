package store_test

import (
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/storetest"
	"github.com/overtime-project/overtime/store"
)

func TestForgetAndRetention(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := t.Context()
	day := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var evs []store.Event
	for i, who := range []string{"email:a@x.com", "github:a", "email:b@x.com", "email:a@x.com", "email:b@x.com"} {
		evs = append(evs, store.Event{Source: "git", Kind: "commit", ID: string(rune('0' + i)), Identity: who, Name: who,
			At: day.AddDate(0, 0, 10*i), Scope: "r"})
	}
	if _, err := db.Write(ctx, store.Batch{Events: evs}); err != nil {
		t.Fatal(err)
	}
	erased, err := db.Forget(ctx, "a", []string{"email:a@x.com", "github:a"})
	if err != nil {
		t.Fatal(err)
	}
	if erased != 3 {
		t.Errorf("forget erased %d events, want 3", erased)
	}
	// A collector that sees the forgotten person again does not bring them back.
	back := store.Event{Source: "github", Kind: "review", ID: "9", Identity: "github:a", Name: "a", At: day, Scope: "r"}
	if n, err := db.Write(ctx, store.Batch{Events: []store.Event{back}}); err != nil || n != 0 {
		t.Errorf("writing a forgotten identity's event: inserted %d, err %v; want 0, nil", n, err)
	}
	// Nor does a pull request page naming them: the page's own transaction
	// blanks them, so no reader sees them back even for a moment.
	pr := store.PullRequest{ID: 7, Repo: "r", Number: 7, Author: "github:a", CreatedAt: day, MergedAt: day, ClosedAt: day,
		MergedBy: "github:a", UpdatedAt: day}
	links := []store.IdentityLink{{Email: "email:a@x.com", Login: "github:a"}}
	if _, err := db.WriteGitHubPage(ctx, nil, []store.PullRequest{pr}, links, nil); err != nil {
		t.Fatal(err)
	}
	prs, err := db.PullRequestsByID(ctx, []int64{7})
	if err != nil {
		t.Fatal(err)
	}
	if got := prs[7]; got.Author != "" || got.MergedBy != "" {
		t.Errorf("pull request written after forget names %q, merged by %q; want both blank", got.Author, got.MergedBy)
	}
	if l, err := db.IdentityLinks(ctx); err != nil || len(l) != 0 {
		t.Errorf("identity links after forget: %v (err %v), want none", l, err)
	}
	ids, err := db.Identities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].Identity != "email:b@x.com" {
		t.Errorf("identities after forget = %+v, want only b", ids)
	}
	// Retention: b's event of day+20 goes, the one of day+40 stays.
	n, err := db.ApplyRetention(ctx, day.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	left, _ := db.EventCount(ctx, "")
	if n != 1 || left != 1 {
		t.Errorf("retention erased %d, left %d; want 1 and 1", n, left)
	}
}
