package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestBadConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		err  string
	}{
		{"unknown_key", `people[0].timzone: unknown key; did you mean "timezone"? (line 3)`},
		{"unknown_top_level_key", `databse: unknown key; did you mean "database"? (line 1)`},
		{"unknown_timezone", `people[2].timezone: unknown time zone "Europe/Berln"`},
		{"local_timezone", `defaults.timezone: time zone "Local" is the server's zone`},
		{"bad_hours", `teams[0].hours: malformed hours "25:00-18:00": hour 25 out of range`},
		{"overnight_hours", `defaults.hours: malformed hours "22:00-06:00": end 06:00 is not after start 22:00; overnight shifts are not supported`},
		{"empty_default_hours", `defaults.hours: empty; want working hours like "09:00-18:00"`},
		{"duplicate_person", `people[1].id: duplicate person id "alice"`},
		{"empty_person_id", `people[0].id: empty person id`},
		{"duplicate_email", `people[3].emails[0]: "a@x.com" already belongs to people[0] ("alice")`},
		{"email_twice", `people[0].emails[1]: "a@X.COM" listed twice`},
		{"empty_email", `people[0].emails[0]: empty email`},
		{"duplicate_github", `people[1].github: "Alice" already belongs to people[0] ("alice")`},
		{"github_login_at", `people[0].github: want a GitHub login like "alice", got "@alice"`},
		{"duplicate_jira", `people[1].jira: "5b10a2844c20165700ede21g" already belongs to people[0] ("alice")`},
		{"undeclared_team", `people[0].team: undeclared team "payments"`},
		{"team_without_name", `teams[0].name: empty team name`},
		{"duplicate_team", `teams[1].name: duplicate team name "payments"`},
		{"bad_workday", `defaults.workdays: unknown weekday "funday"`},
		{"duplicate_workday", `teams[0].workdays: duplicate weekday "mon"`},
		{"empty_workdays", `people[0].workdays: no workdays`},
		{"bad_holiday_date", `teams[0].holidays[1]: malformed date "2025-13-01": want a real date as YYYY-MM-DD`},
		{"unknown_calendar", `people[0].holiday_calendar: unknown holiday calendar "xx": want a country code (ar, at, au,`},
		{"empty_database", `database: empty path`},
		{"empty_bot", `bots[1]: empty pattern`},
		{"git_path_missing", `sources.git[0].path: "/nope" does not exist`},
		{"git_path_file", `sources.git[0].path: "git_path_file.bad.yaml" is not a directory (resolved to "`},
		{"git_path_empty", `sources.git[0].path: empty path`},
		{"git_path_duplicate", `sources.git[1].path: "./" is the same directory as sources.git[0]`},
		{"git_ref_empty", `sources.git[0].refs[1]: empty ref`},
		{"git_ref_pattern", `sources.git[0].refs[0]: pattern "pull/*/head" must be a full ref name starting with "refs/"`},
		{"git_ref_option", `sources.git[0].refs[0]: "--all" starts with "-"`},
		{"git_ref_revision", `sources.git[0].refs[0]: "HEAD~3" holds a space, a control character or one of`},
		{"git_fetch_not_bool", `sources.git[0].fetch: want`},
		{"github_bad_repo", `sources.github.repos[1]: want "owner/name", got "foo"`},
		{"github_bad_org", `sources.github.orgs[0]: want an organization login, got "example/payments"`},
		{"github_nothing", `sources.github: no orgs or repos to collect`},
		{"github_since", `sources.github.since: malformed date "2025-02-30"`},
		{"github_base_url", `sources.github.base_url: want an http or https URL, got "github.example.com"`},
		{"github_token_in_token_env", `sources.github.token_env: looks like a secret, not the name of an environment variable`},
		{"github_bad_duration", `sources.github.max_rate_limit_wait: want a duration like "15m", got "15 minutes" (line 4)`},
		{"github_negative_duration", `sources.github.max_rate_limit_wait: "-5m0s" is negative`},
		{"github_empty_cache_dir", `sources.github.cache_dir: empty path`},
		{"jira_no_url", `sources.jira.url: empty; want the Jira base URL`},
		{"jira_url_credentials", `sources.jira.url: contains credentials`},
		{"jira_since", `sources.jira.since: malformed date "2025/01/01"`},
		{"jira_deployment", `sources.jira.deployment: want "cloud", "datacenter" or "" (detect), got "server"`},
		{"jira_story_points_field", `sources.jira.story_points_field: want a field id like "customfield_10016", got "Story Points"`},
		{"jira_bad_env_name", `sources.jira.user_env: not a valid environment variable name`},
		{"window_days_zero", `analysis.window_days: 0 out of range; want 1 to 366 days`},
		{"window_days_large", `analysis.window_days: 400 out of range; want 1 to 366 days`},
		{"window_days_not_a_number", `analysis.window_days: want an integer, got "four weeks" (line 2)`},
		{"window_days_fraction", `analysis.window_days: want an integer, got "28.5" (line 2)`},
		{"factor_band_nan", `analysis.factors.after_hours_ratio.bands[1]: want a finite number, got ".nan" (line 4)`},
		{"factor_band_inf", `analysis.factors.workday_span_hours.bands[1]: want a finite number, got ".inf" (line 4)`},
		{"factor_weight_nan", `analysis.factors.late_night_days.weight: want an integer, got ".nan" (line 4)`},
		{"levels_high_inf", `analysis.levels.high: want an integer, got "-.Inf" (line 3)`},
		{"heavy_week_zero", `analysis.heavy_week_after_hours: 0 out of range; want 0.5 to 168 hours`},
		{"sustained_weeks_zero", `analysis.sustained.weeks: 0 out of range; want 1 to 52 weeks`},
		{"sustained_heavy_weeks_too_many", `analysis.sustained.heavy_weeks: 5 out of range; want 1 to analysis.sustained.weeks (4)`},
		{"baseline_weeks_zero", `analysis.baseline_weeks: 0 out of range; want 1 to 104 weeks`},
		{"min_history_negative", `analysis.insufficient_data.min_history_days: -1 out of range; want 0 to 366 days`},
		{"min_events_negative", `analysis.insufficient_data.min_events: -5 is negative`},
		{"min_active_days_large", `analysis.insufficient_data.min_active_days: 30 out of range; want 0 to 28 days (the 4 judged weeks)`},
		{"levels_elevated_zero", `analysis.levels.elevated: 0 out of range; want 1 to 99 points`},
		{"levels_high_below_elevated", `analysis.levels.high: 40 out of range; want above analysis.levels.elevated (50) and at most 100 points`},
		{"usual_hours_share", `analysis.usual_hours.min_day_share: 1.5 out of range; want 0.05 to 1`},
		{"persistence_share", `analysis.persistence.long_standing_share: -0.5 out of range; want 0 to 1`},
		{"factor_weight_large", `analysis.factors.after_hours_ratio.weight: 120 out of range; want 0 to 100 points`},
		{"factor_bands_empty", `analysis.factors.workday_span_hours.bands: empty; want at least one threshold`},
		{"factor_bands_descending", `analysis.factors.workday_span_hours.bands[1]: 10 is not above bands[0] (13); want ascending thresholds`},
		{"factor_band_negative", `analysis.factors.concurrent_items.bands[0]: -1 is negative`},
		{"factor_share_above_one", `analysis.factors.after_hours_ratio.bands[2]: 40 is a share above 1; want a fraction like 0.25`},
		{"heavy_weeks_weight_negative", `analysis.factors.heavy_weeks.weight: -1 out of range; want 0 to 100 points`},
		{"active_days_zero", `analysis.factors.active_day_ratio.days: 0 out of range; want 1 to 366 days`},
		{"factor_unknown_key", `analysis.factors.heavy_weeks.bands: unknown key (line 3)`},
		{"negative_retention", `privacy.retention_days: -1 is negative`},
		{"min_group_size_zero", `privacy.min_group_size: 0 is below 1`},
		{"empty_salt_env", `privacy.salt_env: empty; want the name of an environment variable`},
		{"bad_listen", `export.prometheus.listen: want host:port like "127.0.0.1:9465", got "9465"`},
		{"bad_pushgateway", `export.prometheus.pushgateway: want an http or https URL, got "pushgateway:9091"`},
		{"bad_textfile", `export.prometheus.textfile: "metrics.txt" does not end in .prom`},
		{"emails_not_a_list", `people[0].emails: want a list, got "alice@example.com" (line 3)`},
		{"sources_not_a_mapping", `sources: want a mapping, got a list (line 2)`},
		{"not_a_mapping", `config: want a mapping, got a list (line 1)`},
		{"repeated_key", `defaults.hours: key repeated, first at line 2 (line 3)`},
		{"syntax_error", `parse config: yaml: line `},
		{"two_documents", `parse config: more than one YAML document (line 2)`},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file+".bad.yaml"] = true
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", tt.file+".bad.yaml")
			_, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) succeeded, want an error containing %q", path, tt.err)
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Load(%s) error:\n%v\nwant it to contain:\n%s", path, err, tt.err)
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, path+": ") {
					t.Errorf("error line %q does not start with the file name", line)
				}
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("want exactly one problem, got:\n%v", err)
			}
		})
	}
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no row in TestBadConfigs", f)
		}
	}
}

func TestAllProblemsReported(t *testing.T) {
	t.Parallel()
	data := `
defaults:
  timezone: Europe/Berln
teams:
  - name: payments
    hours: "18:00-09:00"
people:
  - id: alice
    team: billing
    emails: [a@x.com]
  - id: bob
    emails: [A@x.com]
    timzone: Europe/Berlin
analysis:
  window_days: 0
`
	_, err := Parse([]byte(data), t.TempDir())
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := []string{
		`people[1].timzone: unknown key; did you mean "timezone"? (line 13)`,
		`defaults.timezone: unknown time zone "Europe/Berln"`,
		`teams[0].hours: malformed hours "18:00-09:00": end 09:00 is not after start 18:00; overnight shifts are not supported`,
		`people[0].team: undeclared team "billing"`,
		`people[1].emails[0]: "A@x.com" already belongs to people[0] ("alice")`,
		`analysis.window_days: 0 out of range; want 1 to 366 days`,
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
	if joined, ok := err.(interface{ Unwrap() []error }); !ok || len(joined.Unwrap()) != len(want) {
		t.Errorf("error does not unwrap into %d errors", len(want))
	}
}

// TestSecretsNeverEchoed: a secret pasted where only an environment
// variable's name belongs must not be repeated in the error, which ends up in
// logs and CI output.
func TestSecretsNeverEchoed(t *testing.T) {
	t.Parallel()
	secrets := []string{
		"ghp_16C7e42F292c6912E7710c838347Ae178B4a",
		"ATATT3xFfGF0T4JNjQ8Yx9fKz",
		"hunter2",
		"dGhpcyBpcyBhIHNhbHQgdGhhdCBzaG91bGQgbm90IGxlYWsK==",
		"not a name but a pass phrase",
	}
	data := `
sources:
  github:
    orgs: [example]
    token_env: ` + secrets[0] + `
  jira:
    url: https://alice:` + secrets[2] + `@example.atlassian.net
    token_env: ` + secrets[1] + `
    user_env: "` + secrets[4] + `"
privacy:
  salt_env: "` + secrets[3] + `"
`
	_, err := Parse([]byte(data), t.TempDir())
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 5 {
		t.Errorf("want 5 problems, got %d:\n%v", n, err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error repeats secret %q:\n%v", s, err)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(%s) error = %v, want it to name the path", path, err)
	}
}

func TestExampleConfig(t *testing.T) {
	t.Parallel()
	c, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := abs(t, "..")
	want := &Config{
		Database: filepath.Join(root, "overtime.duckdb"),
		Defaults: WorkSettings{
			Timezone: "UTC",
			Workdays: []string{"mon", "tue", "wed", "thu", "fri"},
			Hours:    "09:00-18:00",
			Holidays: []string{},
		},
		Teams:    []Team{},
		People:   []Person{},
		Bots:     []string{"*[bot]*", "dependabot*", "renovate*"},
		Sources:  Sources{Git: []GitSource{{Path: root, Refs: []string{"HEAD"}}}},
		Analysis: DefaultAnalysis(),
		Export:   Export{Prometheus: PrometheusExport{Listen: "127.0.0.1:9465"}},
		Privacy:  Privacy{SaltEnv: "OVERTIME_SALT", MinGroupSize: 5, ExportPeople: true},
		Dir:      root,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("example config mismatch (-want +got):\n%s", diff)
	}
	// As shipped, the example is the same as having no config at all.
	if diff := cmp.Diff(Default(root), c, cmp.Transformer("nilIsEmpty", func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}), cmp.Transformer("nilTeams", func(s []Team) []Team { return append([]Team{}, s...) }),
		cmp.Transformer("nilPeople", func(s []Person) []Person { return append([]Person{}, s...) })); diff != "" {
		t.Errorf("example config differs from Default (-default +example):\n%s", diff)
	}
}

// TestExampleDocumentsEveryKey: every key a config may hold appears in
// config.example.yaml, set or in a commented-out example.
func TestExampleDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			walk(typ.Elem(), path)
			return
		case reflect.Struct:
		default:
			return
		}
		if typ == reflect.TypeFor[Duration]() {
			return
		}
		fields, _ := yamlFields(typ)
		for name, ft := range fields {
			p := joinPath(path, name)
			if !regexp.MustCompile(`(?m)(^|[\s{,#])` + regexp.QuoteMeta(name) + `:`).Match(example) {
				t.Errorf("config.example.yaml does not document %s", p)
			}
			walk(ft, p)
		}
	}
	walk(reflect.TypeFor[Config](), "")
}

func TestFullConfig(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := abs(t, "testdata")
	want := &Config{
		Database: filepath.Join(dir, "data/overtime.duckdb"),
		Defaults: WorkSettings{
			Timezone:        "America/New_York",
			Workdays:        []string{"mon", "tue", "wed", "thu", "fri"},
			Hours:           "08:30-17:30",
			HolidayCalendar: "us",
			Holidays:        []string{"2025-12-31"},
		},
		Teams: []Team{
			{Name: "payments", WorkSettings: WorkSettings{Timezone: "Europe/Berlin", HolidayCalendar: "de-be", Holidays: []string{"2025-12-24"}}},
			{Name: "platform", WorkSettings: WorkSettings{
				Timezone:        "Asia/Jerusalem",
				Workdays:        []string{"sun", "mon", "tue", "wed", "thu"},
				Hours:           "08:30-17:30",
				HolidayCalendar: "us",
				Holidays:        []string{"2025-12-31"},
			}},
		},
		People: []Person{
			{
				ID: "alice", Name: "Alice Example", Team: "payments",
				WorkSettings: WorkSettings{
					Timezone:        "Europe/Berlin",
					Workdays:        []string{"mon", "tue", "wed", "thu"},
					Hours:           "08:00-17:00",
					HolidayCalendar: "de-by",
					Holidays:        []string{"2025-08-15"},
				},
				Emails: []string{"alice@example.com", "Alice@Users.Noreply.GitHub.com"},
				GitHub: "alice",
				Jira:   "5b10a2844c20165700ede21g",
			},
			{ID: "bob", Team: "platform", Emails: []string{"bob@example.com"}},
		},
		Bots: []string{"*[bot]*", "ci-*"},
		Sources: Sources{
			Git: []GitSource{{Path: dir, Refs: []string{"HEAD"}},
				{Path: filepath.Dir(dir), Refs: []string{"HEAD", "refs/pull/*/head", "refs/remotes/origin/*"}, Fetch: true}},
			GitHub: &GitHubSource{
				BaseURL:          "https://github.example.com",
				TokenEnv:         "GHE_TOKEN",
				Orgs:             []string{"example"},
				Repos:            []string{"example/payments", "other/tool"},
				Since:            "2025-01-01",
				CacheDir:         "/var/cache/overtime",
				IncludeForks:     true,
				MaxRateLimitWait: Duration(90 * time.Minute),
			},
			Jira: &JiraSource{
				URL:              "https://example.atlassian.net",
				UserEnv:          "ATLASSIAN_USER",
				TokenEnv:         "ATLASSIAN_TOKEN",
				JQL:              "project in (PAY, OPS)",
				Since:            "2024-07-01",
				Deployment:       "cloud",
				StoryPointsField: "customfield_10016",
			},
		},
		Analysis: Analysis{
			WindowDays:          56,
			HeavyWeekAfterHours: 4,
			Sustained:           Sustained{Weeks: 6, HeavyWeeks: 4},
			BaselineWeeks:       10,
			InsufficientData:    InsufficientData{MinHistoryDays: 21, MinEvents: 20, MinActiveDays: 6},
			Levels:              Levels{Elevated: 25, High: 55},
			Factors: Factors{
				AfterHoursRatio:    Factor{Weight: 20, Bands: []float64{0.15, 0.3}},
				HeavyWeeks:         SustainedFactor{Weight: 35},
				NonWorkingDayRatio: Factor{Weight: 10, Bands: []float64{0.1}},
				WorkdaySpanHours:   Factor{Weight: 12, Bands: []float64{9.5, 12}},
				ActiveDayRatio:     ActiveDaysFactor{Factor: Factor{Weight: 14, Bands: []float64{0.8, 0.95}}, Days: 21},
				ConcurrentItems:    Factor{Weight: 18, Bands: []float64{5}},
				LoadVsUsual:        Factor{Weight: 0, Bands: []float64{1.25, 1.75, 2.5}},
				LateNightDays:      Factor{Weight: 8, Bands: []float64{3, 6}},
			},
			UsualHours:  UsualHours{Learn: false, MinDays: 15, PriorDays: 3, MinDayShare: 0.3, MaxHours: 11},
			Clock:       Clock{MinStamped: 30, UTCShare: 0.9, MinShiftHours: 3},
			Persistence: Persistence{RisingRatio: 2, LongStandingShare: 0.25},
			Evidence:    Evidence{HighMinActiveDays: 10, HighMinActiveHours: 15.5, HighMinBaselineWeeks: 6},
		},
		Export: Export{Prometheus: PrometheusExport{
			Listen:      ":9465",
			Pushgateway: "http://pushgateway:9091",
			Textfile:    "/var/lib/node_exporter/textfile/overtime.prom",
		}},
		Privacy: Privacy{Pseudonymize: true, SaltEnv: "MY_SALT", RetentionDays: 400, MinGroupSize: 3, ExportPeople: false, IncludeUnclaimed: true},
		Dir:     dir,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("full config mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		data string
		// check inspects the parsed config; nil means "equal to base".
		want func(c *Config)
	}{
		{name: "empty file", data: ""},
		{name: "only comments", data: "# nothing here\n"},
		{name: "explicit null document", data: "~\n"},
		{name: "empty sections", data: "defaults:\nsources:\nexport:\n"},
		{name: "github section gets defaults", data: "sources:\n  github:\n    orgs: [example]\n", want: func(c *Config) {
			c.Sources.GitHub = &GitHubSource{
				TokenEnv:         "GITHUB_TOKEN",
				Orgs:             []string{"example"},
				CacheDir:         filepath.Join(dir, ".overtime-cache/github"),
				MaxRateLimitWait: Duration(15 * time.Minute),
			}
		}},
		{name: "github rate limit wait may be zero", data: "sources:\n  github:\n    orgs: [example]\n    max_rate_limit_wait: 0s\n", want: func(c *Config) {
			c.Sources.GitHub = &GitHubSource{
				TokenEnv: "GITHUB_TOKEN",
				Orgs:     []string{"example"},
				CacheDir: filepath.Join(dir, ".overtime-cache/github"),
			}
		}},
		{name: "empty github section is absent", data: "sources:\n  github:\n"},
		{name: "jira section gets defaults", data: "sources:\n  jira: {url: \"https://jira.example.com\"}\n", want: func(c *Config) {
			c.Sources.Jira = &JiraSource{URL: "https://jira.example.com", UserEnv: "JIRA_USER", TokenEnv: "JIRA_TOKEN"}
		}},
		{name: "bots may be turned off", data: "bots: []\n", want: func(c *Config) { c.Bots = []string{} }},
		{name: "partial defaults keep the rest", data: "defaults:\n  timezone: Asia/Kolkata\n", want: func(c *Config) {
			c.Defaults.Timezone = "Asia/Kolkata"
		}},
		{name: "a factor's weight alone keeps its bands", data: "analysis:\n  factors:\n    after_hours_ratio: {weight: 40}\n", want: func(c *Config) {
			c.Analysis.Factors.AfterHoursRatio.Weight = 40
		}},
		{name: "bands replace the default list", data: "analysis:\n  factors:\n    workday_span_hours: {bands: [11]}\n", want: func(c *Config) {
			c.Analysis.Factors.WorkdaySpanHours.Bands = []float64{11}
		}},
		{name: "in-memory database", data: "database: \":memory:\"\n", want: func(c *Config) { c.Database = ":memory:" }},
		{name: "absolute database", data: "database: /var/lib/overtime/o.duckdb\n", want: func(c *Config) {
			c.Database = "/var/lib/overtime/o.duckdb"
		}},
		{name: "norway is not false", data: "defaults:\n  holiday_calendar: no\n", want: func(c *Config) {
			c.Defaults.HolidayCalendar = "no"
		}},
		{name: "numeric jira id is a string", data: "people:\n  - id: 42\n    jira: 12345\n", want: func(c *Config) {
			c.People = []Person{{ID: "42", Jira: "12345"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.data), dir)
			if err != nil {
				t.Fatal(err)
			}
			want := defaultConfig()
			want.Dir = dir
			want.Database = filepath.Join(dir, DefaultDatabase)
			if tt.want != nil {
				tt.want(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDirDefaultsToDot(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != "." || c.Database != abs(t, DefaultDatabase) {
		t.Errorf("Dir = %q, Database = %q", c.Dir, c.Database)
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := Default(dir)
	want := defaultConfig()
	want.Dir = dir
	want.Database = filepath.Join(dir, "overtime.duckdb")
	want.Sources.Git = []GitSource{{Path: dir, Refs: []string{"HEAD"}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Default mismatch (-want +got):\n%s", diff)
	}
	if c.Sources.GitHub != nil || c.Sources.Jira != nil {
		t.Error("Default configures GitHub or Jira")
	}
	// Default must itself be a valid config.
	if err := errors.Join(c.validate()...); err != nil {
		t.Errorf("Default(%s) is invalid: %v", dir, err)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	data := `
x-berlin: &berlin
  timezone: Europe/Berlin
  holiday_calendar: de
teams:
  - name: a
    <<: *berlin
  - name: b
    <<: *berlin
    timezone: Europe/Vienna
    tz: oops
`
	_, err := Parse([]byte(data), t.TempDir())
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := []string{
		`x-berlin: unknown key (line 2)`,
		`teams[1].tz: unknown key (line 11)`,
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}

	// The same anchors from a known key work.
	data = `
defaults: &base
  timezone: UTC
  holiday_calendar: de
teams:
  - name: a
    <<: *base
    timezone: Europe/Berlin
  - name: b
    <<: *base
`
	c, err := Parse([]byte(data), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got := []WorkSettings{c.Teams[0].WorkSettings, c.Teams[1].WorkSettings}
	want2 := []WorkSettings{
		{Timezone: "Europe/Berlin", HolidayCalendar: "de", Workdays: nil},
		{Timezone: "UTC", HolidayCalendar: "de"},
	}
	if diff := cmp.Diff(want2, got); diff != "" {
		t.Errorf("merged teams mismatch (-want +got):\n%s", diff)
	}
}

func TestPersonAndTeam(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := c.Person("alice"); !ok || p.Name != "Alice Example" {
		t.Errorf("Person(alice) = %+v, %v", p, ok)
	}
	if _, ok := c.Person("Alice"); ok {
		t.Error("Person ids are case-sensitive")
	}
	if _, ok := c.Person("zed"); ok {
		t.Error("Person(zed) found")
	}
	if tm, ok := c.Team("platform"); !ok || tm.Timezone != "Asia/Jerusalem" {
		t.Errorf("Team(platform) = %+v, %v", tm, ok)
	}
	if _, ok := c.Team("nope"); ok {
		t.Error("Team(nope) found")
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	if got := Duration(90 * time.Minute).String(); got != "1h30m0s" {
		t.Errorf("String() = %q", got)
	}
	v, err := Duration(15 * time.Minute).MarshalYAML()
	if err != nil || v != "15m0s" {
		t.Errorf("MarshalYAML() = %v, %v", v, err)
	}
}

func TestExampleHasNoSecrets(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		for _, p := range tokenPrefixes {
			if strings.Contains(line, p) {
				t.Errorf("example has something like a token: %q", line)
			}
		}
	}
}

func TestUnclaimed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		yaml string
		want bool
	}{
		{"", true}, // nobody configured: everyone seen is a person
		{"people: [{id: a, emails: [a@x.example]}]", false},
		{"people: [{id: a, emails: [a@x.example]}]\nprivacy: {include_unclaimed: true}", true},
	} {
		c, err := Parse([]byte(tt.yaml), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Unclaimed(); got != tt.want {
			t.Errorf("%q: Unclaimed() = %v, want %v", tt.yaml, got, tt.want)
		}
	}
}
