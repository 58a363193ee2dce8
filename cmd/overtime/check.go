package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

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
identities, undeclared teams, missing git paths, numbers that are not
numbers) and lists every problem, each naming its key. It then looks at what
a run will meet: every git source must be a git repository (an error), and
every environment variable the config names for a token, a user or the
pseudonym salt should be set here (a warning naming the variable: the
nightly job may run with other variables).`,
		Example: `  overtime check --config overtime.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return checkRun(cmd.Context(), o)
		},
	}
}

// checkRun is `overtime check`.
func checkRun(ctx context.Context, o *checkOptions) error {
	cfg, err := config.Load(o.configPath)
	if err != nil {
		return usageError{err}
	}
	problems, warnings := preflight(ctx, cfg)
	for _, w := range warnings {
		fmt.Fprintf(o.stderr, "%s: warning: %s\n", o.configPath, w)
	}
	if len(problems) > 0 {
		for i, p := range problems {
			problems[i] = fmt.Errorf("%s: %w", o.configPath, p)
		}
		return usageError{errors.Join(problems...)}
	}
	fmt.Fprintf(o.stdout, "%s: ok (%d teams, %d people, %d git sources)\n",
		o.configPath, len(cfg.Teams), len(cfg.People), len(cfg.Sources.Git))
	return nil
}

// preflight finds what a valid config will still fail on where it runs: a
// git source that is not a repository (a problem), an environment variable
// the config names that is unset (a warning).
func preflight(ctx context.Context, cfg *config.Config) (problems []error, warnings []string) {
	for i, s := range cfg.Sources.Git {
		if err := isGitRepository(ctx, s.Path); err != nil {
			problems = append(problems, fmt.Errorf("sources.git[%d].path: %w", i, err))
		}
	}
	unset := func(key, name, why string) {
		if name != "" && os.Getenv(name) == "" {
			warnings = append(warnings, fmt.Sprintf("%s: the environment variable %s is unset or empty; %s", key, name, why))
		}
	}
	if gh := cfg.Sources.GitHub; gh != nil {
		unset("sources.github.token_env", gh.TokenEnv, "the GitHub source will fail")
	}
	if j := cfg.Sources.Jira; j != nil {
		unset("sources.jira.token_env", j.TokenEnv, "the Jira source will fail")
		if j.Deployment != "datacenter" {
			unset("sources.jira.user_env", j.UserEnv, "Jira Cloud needs the account's email (Data Center does not: set deployment: datacenter)")
		}
	}
	if cfg.Privacy.Pseudonymize {
		unset("privacy.salt_env", cfg.Privacy.SaltEnv, "privacy.pseudonymize is on, so every command will refuse to run")
	}
	return problems, warnings
}

// isGitRepository asks git whether dir is inside a repository, the way the
// git collector reads it.
func isGitRepository(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--git-dir")
	cmd.Env = append(os.Environ(), "LC_ALL=C") // git's messages in English, to read them
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		msg := strings.TrimSpace(string(out))
		if strings.Contains(msg, "not a git repository") {
			return fmt.Errorf("%q is not a git repository (git init it, or clone into it)", dir)
		}
		return fmt.Errorf("%q: git: %s", dir, msg)
	}
	return fmt.Errorf("%q: run git: %w", dir, err)
}
