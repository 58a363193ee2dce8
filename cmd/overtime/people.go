package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/pipeline"
)

type peopleOptions struct{ *globalOptions }

func newPeopleCmd(g *globalOptions) *cobra.Command {
	o := &peopleOptions{g}
	return &cobra.Command{
		Use:   "people",
		Short: "List people, their identities, and identities nobody claims",
		Long: `People lists each configured person with the identities (git emails, GitHub
logins, Jira ids) matched to them, then every identity no configured person
claims (not analysed while the config names people, unless
privacy.include_unclaimed is on), with suggested merges, and the identities
left out as bots. Nothing is merged until you add the identity to
a person in the config.`,
		Example: `  overtime people --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return peopleRun(cmd.Context(), o)
		},
	}
}

// peopleRun is `overtime people`.
func peopleRun(ctx context.Context, o *peopleOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	db, err := openStoreReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := pipeline.ResolvePeople(ctx, db, cfg)
	if err != nil {
		return err
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
	treated := "not analysed until a person claims them; privacy.include_unclaimed analyses each as a person"
	if cfg.Unclaimed() {
		treated = "each is a person of its own"
	}
	fmt.Fprintf(o.stdout, "\nUnclaimed identities (%s): %d\n", treated, len(res.Unmatched))
	tw = tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTITY\tNAME\tEVENTS\tPERSON ID")
	for _, s := range res.Unmatched {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", clean(s.Identity), clean(s.Name), res.Events[s.Identity], clean(res.ByIdentity[s.Identity]))
	}
	tw.Flush()
	if len(res.Suggestions) > 0 {
		fmt.Fprintln(o.stdout, "\nSuggested merges (add the identity to the person in the config to accept):")
		for _, s := range res.Suggestions {
			fmt.Fprintf(o.stdout, "  %s -> %s (%s)\n", clean(s.Identity), clean(s.PersonID), clean(s.Reason))
		}
	}
	if len(res.ZoneHints) > 0 {
		fmt.Fprintln(o.stdout, "\nTime zones Jira suggests for people the config gives none (add `timezone:` to accept):")
		for _, h := range res.ZoneHints {
			fmt.Fprintf(o.stdout, "  %s: timezone: %s (Jira's setting for %s)\n", clean(h.PersonID), clean(h.Zone), clean(h.Identity))
		}
	}
	if len(res.Bots) > 0 {
		fmt.Fprintf(o.stdout, "\nLeft out as bots: %d\n", len(res.Bots))
		for _, b := range res.Bots {
			fmt.Fprintf(o.stdout, "  %s (%s), %d events\n", clean(b.Identity), clean(b.Name), res.Events[b.Identity])
		}
	}
	return nil
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
