// Package identity decides who is who: it matches the identities the
// sources show (git emails, GitHub logins, Jira account ids) to people,
// leaves bots out, and suggests — never makes — merges.
package identity

import (
	"regexp"
	"sort"
	"strings"
)

// Kinds of identity, the prefix of an identity string ("email:a@x.com").
const (
	KindEmail  = "email"
	KindGitHub = "github"
	KindJira   = "jira"
	KindName   = "name" // git authors without an email
)

// Configured is a person the config declares.
type Configured struct {
	ID, Name, Team string
	Emails         []string
	GitHub         string
	Jira           string
}

// Seen is an identity a source has shown.
type Seen struct {
	Identity string // "kind:value"
	Name     string // display name it carried
	Events   int
}

// Person is someone the analysis judges.
type Person struct {
	ID         string
	Name       string
	Team       string
	Configured bool
	Identities []string
}

// Suggestion proposes that an identity nobody claims belongs to a person.
type Suggestion struct {
	Identity string
	PersonID string
	Reason   string
}

// Resolution is the outcome of Resolve.
type Resolution struct {
	People      []Person          // configured people first (config order), then discovered ones by id
	ByIdentity  map[string]string // identity → person id, bots excluded
	Unmatched   []Seen            // identities no configured person claims: each is its own person
	Bots        []Seen            // identities left out as bots
	Suggestions []Suggestion
}

// Split cuts an identity string into kind and value.
func Split(identity string) (kind, value string) {
	kind, value, ok := strings.Cut(identity, ":")
	if !ok {
		return "", identity
	}
	return kind, value
}

// Keys lists the identity strings a configured person claims.
func (c Configured) Keys() []string {
	var out []string
	for _, e := range c.Emails {
		out = append(out, KindEmail+":"+strings.ToLower(e))
	}
	if c.GitHub != "" {
		out = append(out, KindGitHub+":"+strings.ToLower(c.GitHub))
	}
	if c.Jira != "" {
		out = append(out, KindJira+":"+c.Jira)
	}
	return out
}

// Resolve matches seen identities to people. A configured person owns the
// identities the config gives them; every other identity that is not a bot
// becomes a person of its own, whose id is the identity's value (an email
// lowercased, a login). Nothing is merged on a guess: likely owners are
// returned as suggestions.
func Resolve(people []Configured, bots []string, seen []Seen) Resolution {
	res := Resolution{ByIdentity: map[string]string{}}
	owner := map[string]string{}
	ids := map[string]bool{}
	for _, c := range people {
		p := Person{ID: c.ID, Name: c.Name, Team: c.Team, Configured: true}
		if p.Name == "" {
			p.Name = c.ID
		}
		for _, k := range c.Keys() {
			owner[normalize(k)] = c.ID
		}
		ids[c.ID] = true
		res.People = append(res.People, p)
	}
	index := map[string]int{}
	for i, p := range res.People {
		index[p.ID] = i
	}
	sorted := append([]Seen(nil), seen...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Identity < sorted[j].Identity })
	var discovered []Person
	for _, s := range sorted {
		if id, ok := owner[normalize(s.Identity)]; ok {
			res.ByIdentity[s.Identity] = id
			res.People[index[id]].Identities = append(res.People[index[id]].Identities, s.Identity)
			continue
		}
		kind, value := Split(s.Identity)
		if IsBot(bots, s.Name, value) {
			res.Bots = append(res.Bots, s)
			continue
		}
		id := strings.ToLower(value)
		if ids[id] {
			id = kind + ":" + id // a login equal to another person's id stays apart
		}
		ids[id] = true
		res.ByIdentity[s.Identity] = id
		res.Unmatched = append(res.Unmatched, s)
		name := s.Name
		if name == "" {
			name = value
		}
		discovered = append(discovered, Person{ID: id, Name: name, Identities: []string{s.Identity}})
	}
	sort.Slice(discovered, func(i, j int) bool { return discovered[i].ID < discovered[j].ID })
	res.People = append(res.People, discovered...)
	res.Suggestions = suggest(people, res.Unmatched, res.ByIdentity)
	return res
}

func normalize(identity string) string {
	kind, value := Split(identity)
	if kind == KindJira {
		return identity // account ids are case-sensitive
	}
	return kind + ":" + strings.ToLower(value)
}

// noreplyLogin matches GitHub's private commit emails:
// 12345+login@users.noreply.github.com and login@users.noreply.github.com.
var noreplyLogin = regexp.MustCompile(`^(?:\d+\+)?([a-z0-9-]+)@users\.noreply\.github\.com$`)

// suggest proposes owners for unmatched identities: a configured person of
// the same display name, the GitHub user of a noreply email, and another
// unmatched identity of the same name.
func suggest(people []Configured, unmatched []Seen, byIdentity map[string]string) []Suggestion {
	var out []Suggestion
	byName := map[string]string{}
	byLogin := map[string]string{}
	for _, c := range people {
		if c.Name != "" {
			byName[strings.ToLower(c.Name)] = c.ID
		}
		if c.GitHub != "" {
			byLogin[strings.ToLower(c.GitHub)] = c.ID
		}
	}
	firstByName := map[string]Seen{}
	for _, s := range unmatched {
		kind, value := Split(s.Identity)
		name := strings.ToLower(strings.TrimSpace(s.Name))
		switch {
		case name != "" && byName[name] != "":
			out = append(out, Suggestion{s.Identity, byName[name], "same name as configured person"})
		case kind == KindEmail && noreplyLogin.MatchString(value):
			login := noreplyLogin.FindStringSubmatch(value)[1]
			if id := byLogin[login]; id != "" {
				out = append(out, Suggestion{s.Identity, id, "GitHub noreply email of login " + login})
			} else if id := byIdentity[KindGitHub+":"+login]; id != "" {
				out = append(out, Suggestion{s.Identity, id, "GitHub noreply email of login " + login})
			}
		case name != "":
			if first, ok := firstByName[name]; ok {
				out = append(out, Suggestion{s.Identity, byIdentity[first.Identity], "same name as " + first.Identity})
			} else {
				firstByName[name] = s
			}
		}
	}
	return out
}

// IsBot says whether a name or identity value matches any bot pattern. In
// patterns only '*' is special (any run of characters); the match ignores
// case, so "*[bot]*" matches "dependabot[bot]" literally.
func IsBot(patterns []string, name, value string) bool {
	for _, p := range patterns {
		if wildcard(strings.ToLower(p), strings.ToLower(name)) || wildcard(strings.ToLower(p), strings.ToLower(value)) {
			return true
		}
	}
	return false
}

func wildcard(pattern, s string) bool {
	if s == "" {
		return false
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// Link is a pairing a source itself makes between two identities, such as
// GitHub attributing the commits of an email to a login.
type Link struct{ From, To, Reason string }

// LinkSuggestions proposes, for each link whose two identities belong to
// different people, that From belongs to To's person. Links stay
// suggestions: the config decides.
func LinkSuggestions(res Resolution, links []Link) []Suggestion {
	var out []Suggestion
	for _, l := range links {
		from, okFrom := res.ByIdentity[l.From]
		to, okTo := res.ByIdentity[l.To]
		if okFrom && okTo && from != to {
			out = append(out, Suggestion{Identity: l.From, PersonID: to, Reason: l.Reason})
		}
	}
	return out
}
