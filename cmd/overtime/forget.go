package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/config"
	promexport "github.com/overtime-project/overtime/export/prometheus"
	"github.com/overtime-project/overtime/privacy"
)

type forgetOptions struct {
	*globalOptions
	yes bool
}

func newForgetCmd(g *globalOptions) *cobra.Command {
	o := &forgetOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "forget PERSON_ID",
		Short: "Erase everything stored about one person",
		Long: `Forget erases a person from the database: every event of every identity
matched to them (see 'overtime people'), the identities themselves, and their
name on pull requests and tickets (the rows stay, so nobody else's figures
change). They are taken out of the metrics snapshot, the weekly history and
the textfile first, and the database file is rewritten, so that no byte of
what was erased stays on disk. The analysis is then rebuilt without them.
Remove the person and their identities from the config too, or the next run
collects their activity again.`,
		Example: `  overtime forget alice --yes
  overtime forget bob@example.com --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !o.yes {
				return usageError{fmt.Errorf("forget erases data for good: add --yes to confirm")}
			}
			cfg, err := o.loadConfig(cmd)
			if err != nil {
				return err
			}
			db, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := analysis.ResolvePeople(ctx, db, cfg)
			if err != nil {
				return err
			}
			id := args[0]
			var identities []string
			known := false
			for _, p := range res.People {
				if p.ID == id {
					identities, known = p.Identities, true
				}
			}
			if !known {
				return usageError{fmt.Errorf("no person %q: 'overtime people' lists them", id)}
			}
			// The exported files first: if one cannot be rewritten, nothing
			// is erased yet and the person is not left exported (a running
			// serve keeps the last snapshot it read).
			metricsID, err := o.metricsID(cfg, id)
			if err != nil {
				return err
			}
			if err := promexport.ErasePerson(cfg.Database, cfg.Export.Prometheus.Textfile, metricsID); err != nil {
				return fmt.Errorf("%w; nothing was erased from the database: fix that and run forget again", err)
			}
			erased, err := db.Forget(ctx, id, identities)
			if err != nil {
				return err
			}
			// Rebuild the analysis without the person even while the config
			// still names them, so that their name is not written back.
			without := *cfg
			without.People = slices.DeleteFunc(slices.Clone(cfg.People), func(p config.Person) bool { return p.ID == id })
			if _, err := analysis.Analyze(ctx, db, &without); err != nil {
				return err
			}
			fmt.Fprintf(o.stdout, "forgot %s: %d identities, %d events erased\n", id, len(identities), erased)
			if _, configured := cfg.Person(id); configured {
				fmt.Fprintf(o.stdout, "%s is still in the config: remove them there, or the next run collects their activity again\n", id)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.yes, "yes", false, "confirm the erasure")
	return cmd
}

// metricsID is the person label the exports use: the pseudonym when the
// config asks for pseudonyms.
func (g *globalOptions) metricsID(cfg *config.Config, id string) (string, error) {
	p, err := pseudonymizer(cfg)
	if err != nil {
		return "", err
	}
	return p.ID(id), nil
}

// pseudonymizer is nil (ids as they are) unless privacy.pseudonymize is on.
func pseudonymizer(cfg *config.Config) (*privacy.Pseudonymizer, error) {
	if !cfg.Privacy.Pseudonymize {
		return nil, nil
	}
	return privacy.FromEnv(cfg.Privacy.SaltEnv)
}
