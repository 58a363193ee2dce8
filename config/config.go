// Package config loads and validates Overtime's YAML configuration and
// resolves each person's working-time rules from the defaults, their team
// and their own settings.
//
// Unknown keys are errors, defaults live in one place (defaultConfig), and
// everything is validated at load time: every message names the key path
// and quotes the value, and all problems are reported at once, one per line.
// Secrets are never in the config, only the names of the environment
// variables that hold them.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration file.
type Config struct {
	Database string       `yaml:"database"` // default "overtime.duckdb"; relative paths are relative to the config file's directory
	Defaults WorkSettings `yaml:"defaults"`
	Teams    []Team       `yaml:"teams"`
	People   []Person     `yaml:"people"`
	Bots     []string     `yaml:"bots"` // default ["*[bot]*", "dependabot*", "renovate*"]
	Sources  Sources      `yaml:"sources"`
	Analysis Analysis     `yaml:"analysis"`
	Export   Export       `yaml:"export"`
	Privacy  Privacy      `yaml:"privacy"`
	Dir      string       `yaml:"-"` // directory of the loaded file (or "." for Parse)
}

// WorkSettings are the working-time settings that defaults, a team and a
// person may each set; the most specific setting wins, except holidays,
// which add up.
type WorkSettings struct {
	Timezone        string   `yaml:"timezone"`
	Workdays        []string `yaml:"workdays"`
	Hours           string   `yaml:"hours"`
	HolidayCalendar string   `yaml:"holiday_calendar"`
	Holidays        []string `yaml:"holidays"`
}

// Team is a named group of people that may set work settings for all of
// them.
type Team struct {
	Name         string `yaml:"name"`
	WorkSettings `yaml:",inline"`
}

// Person is one configured person and the identities that are theirs.
type Person struct {
	ID           string `yaml:"id"`
	Name         string `yaml:"name"`
	Team         string `yaml:"team"`
	WorkSettings `yaml:",inline"`
	Emails       []string `yaml:"emails"`
	GitHub       string   `yaml:"github"`
	Jira         string   `yaml:"jira"`
}

// Sources are the places activity is collected from.
type Sources struct {
	Git    []GitSource   `yaml:"git"`
	GitHub *GitHubSource `yaml:"github"` // nil when absent
	Jira   *JiraSource   `yaml:"jira"`   // nil when absent
}

// GitSource is a local clone (or any directory git can read, a bare
// mirror included).
type GitSource struct {
	Path string `yaml:"path"` // resolved to an absolute path against Dir; must exist (a directory) at load time
	// Refs are the refs whose history is read: names git resolves (HEAD,
	// main, origin/main) and patterns of full ref names, as git log --glob
	// reads them (refs/pull/*/head). Empty means [HEAD].
	Refs []string `yaml:"refs"`
	// Fetch runs `git fetch` in the clone before reading it.
	Fetch bool `yaml:"fetch"`
}

// GitHubSource is a GitHub or GitHub Enterprise Server instance.
type GitHubSource struct {
	BaseURL          string   `yaml:"base_url"`            // "" for github.com
	TokenEnv         string   `yaml:"token_env"`           // default GITHUB_TOKEN
	Orgs             []string `yaml:"orgs"`                // organization logins
	Repos            []string `yaml:"repos"`               // each "owner/name"
	Since            string   `yaml:"since"`               // YYYY-MM-DD or ""
	CacheDir         string   `yaml:"cache_dir"`           // where bare clones live; default ".overtime-cache/github", resolved against Dir
	IncludeForks     bool     `yaml:"include_forks"`       // also collect forked repositories of the orgs
	MaxRateLimitWait Duration `yaml:"max_rate_limit_wait"` // longest wait for a rate limit reset before giving up; default 15m
}

// JiraSource is a Jira Cloud or Data Center instance.
type JiraSource struct {
	URL              string `yaml:"url"`
	UserEnv          string `yaml:"user_env"`  // default JIRA_USER
	TokenEnv         string `yaml:"token_env"` // default JIRA_TOKEN
	JQL              string `yaml:"jql"`
	Since            string `yaml:"since"`              // YYYY-MM-DD or ""
	Deployment       string `yaml:"deployment"`         // "" (auto-detect), "cloud" or "datacenter"
	StoryPointsField string `yaml:"story_points_field"` // e.g. customfield_10016, may be ""
}

// Analysis are the settings of the analysis and of its risk model. The
// defaults are DefaultAnalysis; docs/methodology.md explains each setting
// and where its default comes from.
type Analysis struct {
	WindowDays int `yaml:"window_days"` // default 28, 1..366
	// HeavyWeekAfterHours makes a week (7 local days) heavy when it has at
	// least this many hours of active time outside usual hours (half hours
	// with activity; a multiple of 0.5 is the natural step).
	HeavyWeekAfterHours float64          `yaml:"heavy_week_after_hours"`
	Sustained           Sustained        `yaml:"sustained"`
	BaselineWeeks       int              `yaml:"baseline_weeks"` // weeks before the judged ones that make a person's own usual
	InsufficientData    InsufficientData `yaml:"insufficient_data"`
	Levels              Levels           `yaml:"levels"`
	Factors             Factors          `yaml:"factors"`
	UsualHours          UsualHours       `yaml:"usual_hours"`
	Clock               Clock            `yaml:"clock"`
	Persistence         Persistence      `yaml:"persistence"`
	Evidence            Evidence         `yaml:"evidence"`
}

// UsualHours says how a person's usual working window is learned when the
// config gives them no hours of their own: from the active half hours of
// their working days in the baseline weeks, with the team's (else the
// default) hours as the prior.
type UsualHours struct {
	Learn bool `yaml:"learn"` // false judges everyone against the configured hours, as the model before v2 did
	// MinDays is how many active working days the baseline weeks need
	// before anything is learned; with fewer, the configured hours apply.
	MinDays int `yaml:"min_days"`
	// PriorDays is the weight of the configured hours, in days of the
	// person's own activity: with few days they hold the window near the
	// configured hours, with many they fade.
	PriorDays int `yaml:"prior_days"`
	// MinDayShare makes a half hour part of the usual day when the person
	// was active in it on at least this share of their working days
	// (0.05-1): a habit, not a one-off.
	MinDayShare float64 `yaml:"min_day_share"`
	// MaxHours caps the learned window's length; it is never shorter than
	// the configured hours.
	MaxHours int `yaml:"max_hours"`
}

// Clock says when a person's recorded offsets are not their clock: almost
// all stamped +0000 (UTCShare of at least MinStamped stamped events) while
// their usual window sits MinShiftHours or more from the configured hours.
// Only people without a configured zone are checked.
type Clock struct {
	MinStamped    int     `yaml:"min_stamped"`
	UTCShare      float64 `yaml:"utc_share"`
	MinShiftHours int     `yaml:"min_shift_hours"`
}

// Persistence separates load that is rising against the person's own usual
// from a long-standing pattern: a sustained load is long-standing when the
// baseline weeks were heavy as often (the same share of weeks as
// Sustained asks) and the judged weeks' time outside the usual window is
// below RisingRatio times the usual. The time factors of a long-standing
// pattern earn LongStandingShare of their points.
type Persistence struct {
	RisingRatio       float64 `yaml:"rising_ratio"`
	LongStandingShare float64 `yaml:"long_standing_share"`
}

// Evidence is what a high level needs besides the score: enough active
// days and active hours in the judged weeks and enough baseline weeks to
// know the person's usual. Thinner evidence stops at elevated.
type Evidence struct {
	HighMinActiveDays    int     `yaml:"high_min_active_days"`
	HighMinActiveHours   float64 `yaml:"high_min_active_hours"`
	HighMinBaselineWeeks int     `yaml:"high_min_baseline_weeks"`
}

// Sustained defines a sustained after-hours load: the last HeavyWeeks
// weeks, in a row up to the as-of date, are each heavy. Weeks is the period
// every factor of the score is measured over.
type Sustained struct {
	// Weeks are the judged weeks: every factor is measured over them.
	Weeks int `yaml:"weeks"`
	// HeavyWeeks makes the load sustained when that many weeks in a row,
	// up to the as-of date, are heavy: an ongoing load, not a burst that
	// ended. 1 to Weeks.
	HeavyWeeks int `yaml:"heavy_weeks"`
}

// InsufficientData says when a person is not judged at all: too short a
// history, or too little activity in the judged weeks.
type InsufficientData struct {
	MinHistoryDays int `yaml:"min_history_days"` // days from the first activity to the as-of date
	MinEvents      int `yaml:"min_events"`       // events in the judged weeks
	MinActiveDays  int `yaml:"min_active_days"`  // active days in the judged weeks
}

// Levels are the lowest scores of the elevated and high levels.
type Levels struct {
	Elevated int `yaml:"elevated"`
	High     int `yaml:"high"`
}

// Factors are the weighted factors of the risk score.
type Factors struct {
	AfterHoursRatio    Factor           `yaml:"after_hours_ratio"`     // share of events after hours
	HeavyWeeks         SustainedFactor  `yaml:"heavy_weeks"`           // the sustained after-hours flag
	NonWorkingDayRatio Factor           `yaml:"non_working_day_ratio"` // share of events on days off
	WorkdaySpanHours   Factor           `yaml:"workday_span_hours"`    // median first-to-last activity on working days
	ActiveDayRatio     ActiveDaysFactor `yaml:"active_day_ratio"`      // share of recent days with activity
	ConcurrentItems    Factor           `yaml:"concurrent_items"`      // tickets in progress or open pull requests
	LoadVsUsual        Factor           `yaml:"load_vs_usual"`         // weekly events against the person's own usual
	LateNightDays      Factor           `yaml:"late_night_days"`       // days with activity 00:00-05:00
}

// Factor is a banded factor: a value at or above Bands[i] earns
// (i+1)/len(Bands) of Weight points.
type Factor struct {
	Weight int       `yaml:"weight"`
	Bands  []float64 `yaml:"bands"`
}

// SustainedFactor earns its whole Weight when the after-hours load is
// sustained, and nothing otherwise.
type SustainedFactor struct {
	Weight int `yaml:"weight"`
}

// ActiveDaysFactor is the share of the last Days local days with activity.
type ActiveDaysFactor struct {
	Factor `yaml:",inline"`
	Days   int `yaml:"days"`
}

// Export are the settings of the exporters.
type Export struct {
	Prometheus PrometheusExport `yaml:"prometheus"`
}

// PrometheusExport says where metrics go.
type PrometheusExport struct {
	Listen      string `yaml:"listen"`      // default "127.0.0.1:9465", host:port
	Pushgateway string `yaml:"pushgateway"` // URL or ""
	Textfile    string `yaml:"textfile"`    // path ending in .prom, or ""; resolved against Dir
}

// Privacy are the privacy settings.
type Privacy struct {
	Pseudonymize  bool   `yaml:"pseudonymize"`
	SaltEnv       string `yaml:"salt_env"`       // default OVERTIME_SALT
	RetentionDays int    `yaml:"retention_days"` // 0 keeps everything
	// MinGroupSize is the fewest scored members (not insufficient_data) a
	// team needs for any team figure: team-level metrics, team medians and
	// the "team" usual in the sentences. Default 5; 1 shows every team.
	MinGroupSize int `yaml:"min_group_size"`
	// ExportPeople exports per-person series (default true); false exports
	// team-level series only, for a Grafana many people can read.
	ExportPeople bool `yaml:"export_people"`
	// IncludeUnclaimed makes every identity no configured person claims a
	// person of its own in the report and the metrics, as when no people are
	// configured. Default false: when the config names people, only they
	// are analysed; the rest stay listed by `overtime people`.
	IncludeUnclaimed bool `yaml:"include_unclaimed"`
}

// Unclaimed says whether identities no configured person claims are
// persons of their own: always when the config names nobody, else only
// with privacy.include_unclaimed.
func (c *Config) Unclaimed() bool {
	return len(c.People) == 0 || c.Privacy.IncludeUnclaimed
}

// Defaults, in one place. Parse starts from these and lets the file
// override them, so a key that is present but empty is an explicit value
// (and validated as such), not a request for the default.
const (
	DefaultDatabase         = "overtime.duckdb"
	DefaultTimezone         = "UTC"
	DefaultHours            = "09:00-18:00"
	DefaultGitRef           = "HEAD"
	DefaultGitHubTokenEnv   = "GITHUB_TOKEN"
	DefaultGitHubCacheDir   = ".overtime-cache/github"
	DefaultMaxRateLimitWait = Duration(15 * time.Minute)
	DefaultJiraUserEnv      = "JIRA_USER"
	DefaultJiraTokenEnv     = "JIRA_TOKEN"
	DefaultWindowDays       = 28
	DefaultListen           = "127.0.0.1:9465"
	DefaultSaltEnv          = "OVERTIME_SALT"
	DefaultMinGroupSize     = 5 // as Microsoft Viva Insights
)

// DefaultWorkdays and DefaultBots are the default lists; copy before
// changing.
var (
	DefaultWorkdays = []string{"mon", "tue", "wed", "thu", "fri"}
	DefaultBots     = []string{"*[bot]*", "dependabot*", "renovate*"}
)

func defaultConfig() *Config {
	return &Config{
		Database: DefaultDatabase,
		Defaults: WorkSettings{
			Timezone: DefaultTimezone,
			Workdays: append([]string(nil), DefaultWorkdays...),
			Hours:    DefaultHours,
		},
		Bots:     append([]string(nil), DefaultBots...),
		Analysis: DefaultAnalysis(),
		Export:   Export{Prometheus: PrometheusExport{Listen: DefaultListen}},
		Privacy:  Privacy{SaltEnv: DefaultSaltEnv, MinGroupSize: DefaultMinGroupSize, ExportPeople: true},
	}
}

// DefaultAnalysis is the analysis section when the file sets nothing: the
// risk model's documented defaults (docs/methodology.md gives the anchor of
// each).
func DefaultAnalysis() Analysis {
	return Analysis{
		WindowDays:          DefaultWindowDays,
		HeavyWeekAfterHours: 3.5,                                // Uplevel: > 30 min a day outside working hours, every day of the week
		Sustained:           Sustained{Weeks: 4, HeavyWeeks: 3}, // "more than half the weeks", over a month
		BaselineWeeks:       12,
		InsufficientData:    InsufficientData{MinHistoryDays: 28, MinEvents: 10, MinActiveDays: 4},
		Levels:              Levels{Elevated: 30, High: 60},
		Factors: Factors{
			AfterHoursRatio:    Factor{Weight: 25, Bands: []float64{0.10, 0.25, 0.40}}, // Rootly On-Call Health
			HeavyWeeks:         SustainedFactor{Weight: 30},
			NonWorkingDayRatio: Factor{Weight: 15, Bands: []float64{0.05, 0.15, 0.25}},                         // Rootly On-Call Health
			WorkdaySpanHours:   Factor{Weight: 15, Bands: []float64{10, 13}},                                   // Microsoft Viva "always on"
			ActiveDayRatio:     ActiveDaysFactor{Factor: Factor{Weight: 15, Bands: []float64{0.90}}, Days: 14}, // DevDynamics
			ConcurrentItems:    Factor{Weight: 20, Bands: []float64{4, 7}},                                     // Haystack: more than 3 at once
			LoadVsUsual:        Factor{Weight: 10, Bands: []float64{1.5, 2.0}},
			LateNightDays:      Factor{Weight: 10, Bands: []float64{2, 4, 8}},
		},
		UsualHours:  UsualHours{Learn: true, MinDays: 10, PriorDays: 5, MinDayShare: 0.2, MaxHours: 12},
		Clock:       Clock{MinStamped: 20, UTCShare: 0.95, MinShiftHours: 4},
		Persistence: Persistence{RisingRatio: 1.5, LongStandingShare: 0.5},
		Evidence:    Evidence{HighMinActiveDays: 8, HighMinActiveHours: 12, HighMinBaselineWeeks: 4},
	}
}

func defaultGitHub() *GitHubSource {
	return &GitHubSource{
		TokenEnv:         DefaultGitHubTokenEnv,
		CacheDir:         DefaultGitHubCacheDir,
		MaxRateLimitWait: DefaultMaxRateLimitWait,
	}
}

func defaultJira() *JiraSource {
	return &JiraSource{UserEnv: DefaultJiraUserEnv, TokenEnv: DefaultJiraTokenEnv}
}

// Default is the config used when no config file exists: the defaults, and
// the directory dir itself as the only git source.
func Default(dir string) *Config {
	if dir == "" {
		dir = "."
	}
	c := defaultConfig()
	c.Dir = dir
	c.Database = absPath(dir, c.Database)
	c.Sources.Git = []GitSource{{Path: absPath(dir, "."), Refs: []string{DefaultGitRef}}}
	return c
}

// Load reads the config file at path and parses it (see Parse), resolving
// relative paths against the file's directory. Each error line starts with
// path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data, absPath(filepath.Dir(path), "."))
	if err != nil {
		var errs []error
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			errs = joined.Unwrap()
		} else {
			errs = []error{err}
		}
		for i, e := range errs {
			errs[i] = fmt.Errorf("%s: %w", path, e)
		}
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Parse parses and validates a config file's contents, resolving relative
// paths against dir ("" means "."). It reports every problem it finds,
// joined, one per line.
func Parse(data []byte, dir string) (*Config, error) {
	if dir == "" {
		dir = "."
	}
	root, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	c := defaultConfig()
	c.Sources.GitHub = defaultGitHub()
	c.Sources.Jira = defaultJira()
	sc := shapeChecker{present: map[string]bool{}}
	if root != nil {
		sc.check(root, reflect.TypeFor[Config](), "")
		if len(sc.errs) == 0 {
			// The shape check reports, with key paths, everything the strict
			// decoder rejects; this is a safety net.
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			if err := dec.Decode(c); err != nil {
				return nil, fmt.Errorf("decode config: %w", err)
			}
		} else {
			// Decode what fits anyway, so that the values' problems are
			// reported in the same run as the keys'. yaml.v3 leaves values
			// of the wrong shape untouched.
			_ = root.Decode(c)
		}
	}
	// The sections were preset to their defaults so that keys left out get
	// them; a section left out is nil.
	if !sc.present["sources.github"] {
		c.Sources.GitHub = nil
	}
	if !sc.present["sources.jira"] {
		c.Sources.Jira = nil
	}
	c.Dir = dir
	if err := errors.Join(append(sc.errs, c.validate()...)...); err != nil {
		return nil, err
	}
	return c, nil
}

// parseDocument parses data as one YAML document and returns its root node,
// or nil when the document is empty.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("parse config: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("parse config: %w", err)
		}
		return nil, fmt.Errorf("parse config: more than one YAML document (line %d); want one", next.Line)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	return root, nil
}

// absPath resolves p against dir and makes it absolute where possible.
func absPath(dir, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Person returns the configured person with the given id.
func (c *Config) Person(id string) (Person, bool) {
	for _, p := range c.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// Team returns the declared team with the given name.
func (c *Config) Team(name string) (Team, bool) {
	for _, t := range c.Teams {
		if t.Name == name {
			return t, true
		}
	}
	return Team{}, false
}
