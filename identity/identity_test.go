package identity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	people := []Configured{
		{ID: "alice", Name: "Alice Example", Team: "payments", Emails: []string{"Alice@Example.com"}, GitHub: "AliceGH"},
		{ID: "bob", Name: "Bob", Team: "payments", Jira: "5b10a2844c20165700ede21g"},
	}
	bots := []string{"*[bot]*", "dependabot*", "renovate*"}
	seen := []Seen{
		{Identity: "email:alice@example.com", Name: "Alice E."},
		{Identity: "github:alicegh", Name: "AliceGH"},
		{Identity: "jira:5b10a2844c20165700ede21g", Name: "Bob"},
		{Identity: "jira:5B10A2844C20165700EDE21G", Name: "Not Bob"}, // Jira ids are case-sensitive
		{Identity: "email:alice.home@example.org", Name: "Alice Example"},
		{Identity: "email:12345+carol@users.noreply.github.com", Name: "carol"},
		{Identity: "github:carol", Name: "carol"},
		{Identity: "github:dependabot[bot]", Name: "dependabot[bot]"},
		{Identity: "email:49699333+dependabot[bot]@users.noreply.github.com", Name: "dependabot[bot]"},
		{Identity: "email:renovate@whitesourcesoftware.com", Name: "Renovate Bot"},
		{Identity: "github:alice", Name: "alice"}, // a login equal to a person id stays apart
	}
	res := Resolve(people, bots, seen)

	wantBy := map[string]string{
		"email:alice@example.com":                    "alice",
		"github:alicegh":                             "alice",
		"jira:5b10a2844c20165700ede21g":              "bob",
		"jira:5B10A2844C20165700EDE21G":              "5b10a2844c20165700ede21g",
		"email:alice.home@example.org":               "alice.home@example.org",
		"email:12345+carol@users.noreply.github.com": "12345+carol@users.noreply.github.com",
		"github:carol":                               "carol",
		"github:alice":                               "github:alice",
	}
	if diff := cmp.Diff(wantBy, res.ByIdentity); diff != "" {
		t.Errorf("ByIdentity (-want +got):\n%s", diff)
	}
	var botIDs []string
	for _, b := range res.Bots {
		botIDs = append(botIDs, b.Identity)
	}
	wantBots := []string{"email:49699333+dependabot[bot]@users.noreply.github.com", "email:renovate@whitesourcesoftware.com", "github:dependabot[bot]"}
	if diff := cmp.Diff(wantBots, botIDs); diff != "" {
		t.Errorf("bots (-want +got):\n%s", diff)
	}
	wantSug := []Suggestion{
		{Identity: "email:12345+carol@users.noreply.github.com", PersonID: "carol", Reason: "GitHub noreply email of login carol"},
		{Identity: "email:alice.home@example.org", PersonID: "alice", Reason: "same name as configured person"},
	}
	if diff := cmp.Diff(wantSug, res.Suggestions); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	if res.People[0].ID != "alice" || !res.People[0].Configured || len(res.People[0].Identities) != 2 {
		t.Errorf("first person = %+v, want configured alice with 2 identities", res.People[0])
	}
}

func TestIsBot(t *testing.T) {
	t.Parallel()
	pats := []string{"*[bot]*", "dependabot*", "renovate*", "ci-*@example.com"}
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"dependabot[bot]", "x", true},
		{"github-actions[bot]", "", true},
		{"Bob", "bob@example.com", false},
		{"b", "bot@example.com", false}, // '[bot]' is literal, not a character class
		{"Renovate Bot", "r@x", true},
		{"CI", "ci-runner@example.com", true},
		{"", "", false},
	} {
		if got := IsBot(pats, tc.name, tc.value); got != tc.want {
			t.Errorf("IsBot(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

func TestLinkSuggestions(t *testing.T) {
	t.Parallel()
	res := Resolve([]Configured{{ID: "alice", GitHub: "alice"}}, nil, []Seen{
		{Identity: "github:alice"}, {Identity: "email:al@home.example"}, {Identity: "email:x@example.com"},
	})
	got := LinkSuggestions(res, []Link{
		{From: "email:al@home.example", To: "github:alice", Reason: "GitHub links it"},
		{From: "email:nobody@example.com", To: "github:alice", Reason: "unseen email"},
	})
	want := []Suggestion{{Identity: "email:al@home.example", PersonID: "alice", Reason: "GitHub links it"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
