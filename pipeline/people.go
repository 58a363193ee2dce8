package pipeline

import (
	"context"
	"fmt"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/identity"
	"github.com/overtime-project/overtime/store"
)

// People is who is who in a database: every identity matched to a person,
// the events of each identity, merges to suggest and the time zones Jira
// suggests for people the config places nowhere.
type People struct {
	identity.Resolution                // Suggestions include those from GitHub's links of emails to logins
	Events              map[string]int // events per identity
	ZoneHints           []ZoneHint
}

// ZoneHint is the time zone Jira gives one of a person's identities.
type ZoneHint struct {
	PersonID, Identity, Zone string
}

// ResolvePeople matches every stored identity to a person (as the analysis
// does) and gathers what `overtime people` shows about them.
func ResolvePeople(ctx context.Context, db *store.DB, cfg *config.Config) (People, error) {
	var out People
	res, err := analysis.ResolvePeople(ctx, db, cfg)
	if err != nil {
		return out, err
	}
	out.Resolution = res
	out.Events = map[string]int{}
	ids, err := db.Identities(ctx)
	if err != nil {
		return out, err
	}
	for _, i := range ids {
		out.Events[i.Identity] = i.Events
	}
	links, err := db.IdentityLinks(ctx)
	if err != nil {
		return out, err
	}
	for _, l := range links {
		_, login := identity.Split(l.Login)
		out.Suggestions = append(out.Suggestions, identity.LinkSuggestions(res, []identity.Link{
			{From: l.Email, To: l.Login, Reason: "GitHub attributes this email's commits to login " + login}})...)
	}
	zones, err := db.JiraTimeZones(ctx)
	if err != nil {
		return out, fmt.Errorf("jira time zones: %w", err)
	}
	for _, p := range res.People {
		if p.Configured {
			cp, _ := cfg.Person(p.ID)
			if rules, err := cfg.Rules(cp); err == nil && rules.Location != nil {
				continue // the config already says where they are
			}
		}
		for _, id := range p.Identities {
			if z := zones[id]; z != "" {
				out.ZoneHints = append(out.ZoneHints, ZoneHint{PersonID: p.ID, Identity: id, Zone: z})
				break
			}
		}
	}
	return out, nil
}
