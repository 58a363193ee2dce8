package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/config"
)

type checkOptions struct{ *globalOptions }

func newCheckCmd(g *globalOptions) *cobra.Command {
	o := &checkOptions{g}
	return &cobra.Command{
		Use:   "check",
		Short: "Validate a config file",
		Long: `Check loads the config with the same strict validation every command uses
(unknown keys, time zones, hours, workdays, holidays, duplicate people or
identities, undeclared teams, missing git paths) and lists every problem,
each naming its key.`,
		Example: `  overtime check --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(o.configPath)
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(o.stdout, "%s: ok (%d teams, %d people, %d git sources)\n",
				o.configPath, len(cfg.Teams), len(cfg.People), len(cfg.Sources.Git))
			return nil
		},
	}
}
