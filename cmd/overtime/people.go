package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/identity"
)

type peopleOptions struct{ *globalOptions }

func newPeopleCmd(g *globalOptions) *cobra.Command {
	o := &peopleOptions{g}
	return &cobra.Command{
		Use:   "people",
		Short: "List people, their identities, and identities nobody claims",
		Long: `People lists each configured person with the identities (git emails, GitHub
logins, Jira ids) matched to them, then every identity no configured person
claims (each counted as a person of its own), with suggested merges, and the
identities left out as bots. Nothing is merged until you add the identity to
a person in the config.`,
		Example: `  overtime people --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			db, err := openStoreReadOnly(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := analysis.ResolvePeople(cmd.Context(), db, cfg)
			if err != nil {
				return err
			}
			events := map[string]int{}
			ids, err := db.Identities(cmd.Context())
			if err != nil {
				return err
			}
			for _, i := range ids {
				events[i.Identity] = i.Events
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CONFIGURED PERSON\tTEAM\tIDENTITIES")
			for _, p := range res.People {
				if !p.Configured {
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", clean(p.ID), clean(p.Team), orNone(clean(strings.Join(p.Identities, ", "))))
			}
			tw.Flush()
			fmt.Fprintf(o.stdout, "\nUnclaimed identities (each is a person of its own): %d\n", len(res.Unmatched))
			tw = tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "IDENTITY\tNAME\tEVENTS\tPERSON ID")
			for _, s := range res.Unmatched {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", clean(s.Identity), clean(s.Name), events[s.Identity], clean(res.ByIdentity[s.Identity]))
			}
			tw.Flush()
			links, err := db.IdentityLinks(cmd.Context())
			if err != nil {
				return err
			}
			for _, l := range links {
				_, login := identity.Split(l.Login)
				res.Suggestions = append(res.Suggestions, identity.LinkSuggestions(res, []identity.Link{
					{From: l.Email, To: l.Login, Reason: "GitHub attributes this email's commits to login " + login}})...)
			}
			if len(res.Suggestions) > 0 {
				fmt.Fprintln(o.stdout, "\nSuggested merges (add the identity to the person in the config to accept):")
				for _, s := range res.Suggestions {
					fmt.Fprintf(o.stdout, "  %s -> %s (%s)\n", clean(s.Identity), clean(s.PersonID), clean(s.Reason))
				}
			}
			zones, err := db.JiraTimeZones(cmd.Context())
			if err != nil {
				return err
			}
			var hints []string
			for _, p := range res.People {
				if p.Configured {
					cp, _ := cfg.Person(p.ID)
					if rules, err := cfg.Rules(cp); err == nil && rules.Location != nil {
						continue // the config already says where they are
					}
				}
				for _, id := range p.Identities {
					if z := zones[id]; z != "" {
						hints = append(hints, fmt.Sprintf("  %s: timezone: %s (Jira's setting for %s)", clean(p.ID), clean(z), clean(id)))
						break
					}
				}
			}
			if len(hints) > 0 {
				fmt.Fprintln(o.stdout, "\nTime zones Jira suggests for people the config gives none (add `timezone:` to accept):")
				fmt.Fprintln(o.stdout, strings.Join(hints, "\n"))
			}
			if len(res.Bots) > 0 {
				fmt.Fprintf(o.stdout, "\nLeft out as bots: %d\n", len(res.Bots))
				for _, b := range res.Bots {
					fmt.Fprintf(o.stdout, "  %s (%s), %d events\n", clean(b.Identity), clean(b.Name), events[b.Identity])
				}
			}
			return nil
		},
	}
}

// clean strips control characters from what sources named: an author name
// in a commit can carry terminal escape sequences.
func clean(s string) string { return report.Printable(s) }

func orNone(s string) string {
	if s == "" {
		return "(none seen yet)"
	}
	return s
}
