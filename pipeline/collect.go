package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/overtime-project/overtime/collectors"
	gitcollector "github.com/overtime-project/overtime/collectors/git"
	ghcollector "github.com/overtime-project/overtime/collectors/github"
	jiracollector "github.com/overtime-project/overtime/collectors/jira"
	"github.com/overtime-project/overtime/config"
	"github.com/overtime-project/overtime/store"
)

// buildCollectors lists the collectors the config asks for. A source that
// cannot even be set up (a missing token) is returned as a failed outcome,
// so the other sources still run.
func buildCollectors(cfg *config.Config, log *slog.Logger) ([]collectors.Collector, []collectors.Outcome) {
	var cs []collectors.Collector
	var failed []collectors.Outcome
	if len(cfg.Sources.Git) > 0 {
		gc := &gitcollector.Collector{Logger: log}
		for _, s := range cfg.Sources.Git {
			gc.Repositories = append(gc.Repositories, gitcollector.Repository{Path: s.Path, Refs: s.Refs, Fetch: s.Fetch})
		}
		cs = append(cs, gc)
	}
	if src := cfg.Sources.GitHub; src != nil {
		gc, err := newGitHubCollector(cfg, src, log)
		if err != nil {
			failed = append(failed, collectors.Outcome{Source: ghcollector.Source, Err: err})
		} else {
			cs = append(cs, gc)
		}
	}
	if src := cfg.Sources.Jira; src != nil {
		jc, err := jiracollector.New(jiracollector.Options{
			URL: src.URL, User: os.Getenv(src.UserEnv), Token: os.Getenv(src.TokenEnv),
			UserEnv: src.UserEnv, TokenEnv: src.TokenEnv,
			JQL: src.JQL, Since: sinceDate(src.Since), Deployment: src.Deployment,
			StoryPointsField: src.StoryPointsField, Bots: cfg.Bots, Logger: log,
		})
		if err != nil {
			failed = append(failed, collectors.Outcome{Source: jiracollector.Source, Err: err})
		} else {
			cs = append(cs, jc)
		}
	}
	return cs, failed
}

func newGitHubCollector(cfg *config.Config, src *config.GitHubSource, log *slog.Logger) (*ghcollector.Collector, error) {
	token := os.Getenv(src.TokenEnv)
	if token == "" {
		return nil, fmt.Errorf("sources.github.token_env: the environment variable %s is empty", src.TokenEnv)
	}
	return ghcollector.New(ghcollector.Options{
		BaseURL: src.BaseURL, Token: token, Orgs: src.Orgs, Repos: src.Repos, Since: sinceDate(src.Since),
		CacheDir: src.CacheDir, IncludeForks: src.IncludeForks, MaxRateLimitWait: time.Duration(src.MaxRateLimitWait),
		Bots: cfg.Bots, Logger: log,
	})
}

// sinceDate reads a validated YYYY-MM-DD; "" is the zero time (the
// collector's default: one year back).
func sinceDate(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// Collect runs every collector the config asks for, then the retention;
// the error names each source that failed. It marks the collect in the
// database, so that a report made before the next analysis knows to
// analyze first.
func Collect(ctx context.Context, db *store.DB, cfg *config.Config, log *slog.Logger) ([]collectors.Outcome, error) {
	cs, outcomes := buildCollectors(cfg, log)
	for _, o := range outcomes {
		log.Error("source not collected", "source", o.Source, "err", o.Err)
	}
	outcomes = append(outcomes, collectors.Run(ctx, db, cs, log)...)
	if err := markCollected(ctx, db); err != nil {
		return outcomes, err
	}
	if days := cfg.Privacy.RetentionDays; days > 0 {
		cutoff := time.Now().AddDate(0, 0, -days)
		n, err := db.ApplyRetention(ctx, cutoff)
		if err != nil {
			return outcomes, err
		}
		log.Info("applied retention", "retention_days", days, "events_erased", n)
	}
	var errs []error
	for _, o := range outcomes {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("source %s failed: %w", o.Source, o.Err))
		}
	}
	return outcomes, errors.Join(errs...)
}
