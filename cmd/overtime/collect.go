package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/overtime-project/overtime/pipeline"
)

type collectOptions struct{ *globalOptions }

func newCollectCmd(g *globalOptions) *cobra.Command {
	o := &collectOptions{g}
	return &cobra.Command{
		Use:   "collect",
		Short: "Read every configured source into the database",
		Long: `Collect reads each configured source (local git repositories, GitHub, Jira)
into the DuckDB file. Runs are incremental and idempotent: a second run reads
only what is new, and nothing is ever stored twice. A failing source is
reported and the others go on; the exit status is non-zero if any failed.`,
		Example: `  overtime collect --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return collectRun(cmd.Context(), o)
		},
	}
}

func collectRun(ctx context.Context, o *collectOptions) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = pipeline.Collect(ctx, db, cfg, o.logger())
	return err
}
