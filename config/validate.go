package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/overtime-project/overtime/worktime"
)

// noCalendar is the holiday_calendar value that turns off a calendar set at a
// less specific level (a person in a "us" team who lives elsewhere).
const noCalendar = "none"

// problems collects validation errors, each prefixed with its key path.
type problems []error

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (ps *problems) wrap(path string, err error) {
	*ps = append(*ps, fmt.Errorf("%s: %w", path, err))
}

// validate checks everything that can be checked without the network and
// resolves relative paths against c.Dir. It returns every problem found.
func (c *Config) validate() []error {
	var ps problems
	switch {
	case c.Database == "":
		ps.add("database", "empty path")
	case c.Database == ":memory:":
	default:
		c.Database = absPath(c.Dir, c.Database)
	}
	if c.Defaults.Workdays == nil {
		ps.add("defaults.workdays", "no workdays: name at least one day, e.g. [mon, tue, wed, thu, fri]")
	}
	if c.Defaults.Hours == "" {
		ps.add("defaults.hours", "empty; want working hours like %q", DefaultHours)
	}
	ps.settings("defaults", c.Defaults)

	teams := map[string]int{}
	for i, t := range c.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		switch first, dup := teams[t.Name]; {
		case t.Name == "":
			ps.add(p+".name", "empty team name")
		case dup:
			ps.add(p+".name", "duplicate team name %q (first at teams[%d])", t.Name, first)
		default:
			teams[t.Name] = i
		}
		ps.settings(p, t.WorkSettings)
	}
	c.validatePeople(&ps, teams)

	for i, b := range c.Bots {
		if strings.TrimSpace(b) == "" {
			ps.add(fmt.Sprintf("bots[%d]", i), "empty pattern")
		}
	}
	c.validateSources(&ps)

	c.validateAnalysis(&ps)

	prom := &c.Export.Prometheus
	if err := checkListen(prom.Listen); err != nil {
		ps.add("export.prometheus.listen", "want host:port like %q, got %q", DefaultListen, prom.Listen)
	}
	if prom.Pushgateway != "" {
		ps.url("export.prometheus.pushgateway", prom.Pushgateway)
	}
	if prom.Textfile != "" {
		if !strings.HasSuffix(prom.Textfile, ".prom") {
			ps.add("export.prometheus.textfile", "%q does not end in .prom; node_exporter's textfile collector reads only *.prom files", prom.Textfile)
		}
		prom.Textfile = absPath(c.Dir, prom.Textfile)
	}

	ps.envName("privacy.salt_env", c.Privacy.SaltEnv)
	if c.Privacy.RetentionDays < 0 {
		ps.add("privacy.retention_days", "%d is negative; want 0 (keep everything) or a number of days", c.Privacy.RetentionDays)
	}
	if c.Privacy.MinGroupSize < 1 {
		ps.add("privacy.min_group_size", "%d is below 1; want the fewest scored members a team needs for team figures (default %d)", c.Privacy.MinGroupSize, DefaultMinGroupSize)
	}
	return ps
}

// settings validates one level of work settings.
func (ps *problems) settings(path string, s WorkSettings) {
	if s.Timezone != "" {
		if _, err := worktime.LoadLocation(s.Timezone); err != nil {
			ps.wrap(path+".timezone", err)
		}
	}
	if s.Workdays != nil {
		if _, err := worktime.ParseWorkdays(s.Workdays); err != nil {
			ps.wrap(path+".workdays", err)
		}
	}
	if s.Hours != "" {
		if _, _, err := worktime.ParseHours(s.Hours); err != nil {
			ps.wrap(path+".hours", err)
		}
	}
	if s.HolidayCalendar != "" && s.HolidayCalendar != noCalendar {
		if _, err := worktime.NewHolidaySet(s.HolidayCalendar, nil); err != nil {
			ps.wrap(path+".holiday_calendar", err)
		}
	}
	for i, d := range s.Holidays {
		if _, err := worktime.ParseDate(d); err != nil {
			ps.wrap(fmt.Sprintf("%s.holidays[%d]", path, i), err)
		}
	}
}

func (c *Config) validatePeople(ps *problems, teams map[string]int) {
	ids := map[string]int{}
	// Identities are matched case-insensitively, so they must be unique that
	// way: each maps a lowercased identity to the index of its person.
	emails, logins, jiraIDs := map[string]int{}, map[string]int{}, map[string]int{}
	claim := func(owners map[string]int, path, value string, i int) {
		key := strings.ToLower(strings.TrimSpace(value))
		owner, taken := owners[key]
		switch {
		case !taken:
			owners[key] = i
		case owner == i:
			ps.add(path, "%q listed twice", value)
		default:
			ps.add(path, "%q already belongs to people[%d] (%q)", value, owner, c.People[owner].ID)
		}
	}
	for i, p := range c.People {
		path := fmt.Sprintf("people[%d]", i)
		switch first, dup := ids[p.ID]; {
		case strings.TrimSpace(p.ID) == "":
			ps.add(path+".id", "empty person id")
		case dup:
			ps.add(path+".id", "duplicate person id %q (first at people[%d])", p.ID, first)
		default:
			ids[p.ID] = i
		}
		if p.Team != "" {
			if _, ok := teams[p.Team]; !ok {
				ps.add(path+".team", "undeclared team %q%s", p.Team, suggestTeam(p.Team, c.Teams))
			}
		}
		ps.settings(path, p.WorkSettings)
		for j, e := range p.Emails {
			ep := fmt.Sprintf("%s.emails[%d]", path, j)
			if strings.TrimSpace(e) == "" {
				ps.add(ep, "empty email")
				continue
			}
			claim(emails, ep, e, i)
		}
		if p.GitHub != "" {
			if strings.HasPrefix(p.GitHub, "@") || strings.ContainsAny(p.GitHub, " \t/") {
				ps.add(path+".github", "want a GitHub login like \"alice\", got %q", p.GitHub)
			} else {
				claim(logins, path+".github", p.GitHub, i)
			}
		}
		if p.Jira != "" {
			claim(jiraIDs, path+".jira", p.Jira, i)
		}
	}
}

func suggestTeam(name string, teams []Team) string {
	for _, t := range teams {
		if strings.EqualFold(t.Name, name) {
			return fmt.Sprintf("; did you mean %q?", t.Name)
		}
	}
	return ""
}

var (
	storyPointsField = regexp.MustCompile(`^customfield_[0-9]+$`)
	envNameRE        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// Prefixes of real tokens (GitHub, GitLab, Atlassian, Slack): a value
	// starting like this was pasted where an environment variable's name
	// belongs.
	tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "ATATT", "ATCTT", "xoxb-", "xoxp-"}
)

func (c *Config) validateSources(ps *problems) {
	gitPaths := map[string]int{}
	for i, g := range c.Sources.Git {
		path := fmt.Sprintf("sources.git[%d].path", i)
		if g.Path == "" {
			ps.add(path, "empty path")
			continue
		}
		abs := absPath(c.Dir, g.Path)
		where := ""
		if abs != g.Path {
			where = fmt.Sprintf(" (resolved to %q)", abs)
		}
		switch fi, err := os.Stat(abs); {
		case errors.Is(err, os.ErrNotExist):
			ps.add(path, "%q does not exist%s", g.Path, where)
		case err != nil:
			ps.wrap(path, err)
		case !fi.IsDir():
			ps.add(path, "%q is not a directory%s", g.Path, where)
		}
		if first, dup := gitPaths[abs]; dup {
			ps.add(path, "%q is the same directory as sources.git[%d]", g.Path, first)
		} else {
			gitPaths[abs] = i
		}
		c.Sources.Git[i].Path = abs
		ps.gitRefs(fmt.Sprintf("sources.git[%d].refs", i), g.Refs)
		if len(g.Refs) == 0 {
			c.Sources.Git[i].Refs = []string{DefaultGitRef}
		}
	}

	if gh := c.Sources.GitHub; gh != nil {
		if gh.BaseURL != "" {
			ps.url("sources.github.base_url", gh.BaseURL)
		}
		ps.envName("sources.github.token_env", gh.TokenEnv)
		for i, o := range gh.Orgs {
			if o == "" || strings.ContainsAny(o, "/ \t") {
				ps.add(fmt.Sprintf("sources.github.orgs[%d]", i), "want an organization login, got %q", o)
			}
		}
		for i, r := range gh.Repos {
			owner, name, ok := strings.Cut(r, "/")
			if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/ \t") || strings.ContainsAny(owner, " \t") {
				ps.add(fmt.Sprintf("sources.github.repos[%d]", i), "want \"owner/name\", got %q", r)
			}
		}
		if len(gh.Orgs) == 0 && len(gh.Repos) == 0 {
			ps.add("sources.github", "no orgs or repos to collect; list some, or remove the section")
		}
		ps.since("sources.github.since", gh.Since)
		if gh.CacheDir == "" {
			ps.add("sources.github.cache_dir", "empty path")
		} else {
			gh.CacheDir = absPath(c.Dir, gh.CacheDir)
		}
		if gh.MaxRateLimitWait < 0 {
			ps.add("sources.github.max_rate_limit_wait", "%q is negative", gh.MaxRateLimitWait)
		}
	}

	if j := c.Sources.Jira; j != nil {
		if j.URL == "" {
			ps.add("sources.jira.url", "empty; want the Jira base URL, e.g. \"https://example.atlassian.net\"")
		} else {
			ps.url("sources.jira.url", j.URL)
		}
		ps.envName("sources.jira.user_env", j.UserEnv)
		ps.envName("sources.jira.token_env", j.TokenEnv)
		ps.since("sources.jira.since", j.Since)
		switch j.Deployment {
		case "", "cloud", "datacenter":
		default:
			ps.add("sources.jira.deployment", "want \"cloud\", \"datacenter\" or \"\" (detect), got %q", j.Deployment)
		}
		if j.StoryPointsField != "" && !storyPointsField.MatchString(j.StoryPointsField) {
			ps.add("sources.jira.story_points_field", "want a field id like \"customfield_10016\", got %q", j.StoryPointsField)
		}
	}
}

// envName checks the name of an environment variable that holds a secret.
// The value is quoted only when it is a plausible name: anything else may be
// the secret itself, pasted in the wrong place.
// gitRefs checks a git source's refs: each a name git can resolve or a
// pattern of full ref names, never something git would read as an option.
func (ps *problems) gitRefs(path string, refs []string) {
	seen := map[string]int{}
	for j, ref := range refs {
		at := fmt.Sprintf("%s[%d]", path, j)
		switch {
		case ref == "":
			ps.add(at, "empty ref; want a name like HEAD or a pattern like \"refs/pull/*/head\"")
		case strings.HasPrefix(ref, "-"):
			ps.add(at, "%q starts with \"-\"; want a ref name or pattern", ref)
		case strings.ContainsFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' || r == '~' || r == '^' || r == ':' }):
			ps.add(at, "%q holds a space, a control character or one of \\ ~ ^ :, which no ref name has", ref)
		case strings.ContainsAny(ref, "*?[") && !strings.HasPrefix(ref, "refs/"):
			ps.add(at, "pattern %q must be a full ref name starting with \"refs/\", like \"refs/remotes/origin/*\"", ref)
		}
		if first, dup := seen[ref]; dup {
			ps.add(at, "%q listed twice (first at [%d])", ref, first)
		} else {
			seen[ref] = j
		}
	}
}

func (ps *problems) envName(path, name string) {
	switch {
	case name == "":
		ps.add(path, "empty; want the name of an environment variable")
	case looksLikeToken(name):
		ps.add(path, "looks like a secret, not the name of an environment variable; "+
			"put the secret in an environment variable and name that variable here")
	case !envNameRE.MatchString(name):
		ps.add(path, "not a valid environment variable name; want letters, digits and _, e.g. \"GITHUB_TOKEN\"")
	}
}

func looksLikeToken(s string) bool {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return len(s) >= 40
}

func (ps *problems) url(path, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err == nil && u.User != nil, err != nil && strings.Contains(raw, "@"):
		// Never echo it: credentials in a URL are secrets.
		ps.add(path, "contains credentials; name environment variables for them instead")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		ps.add(path, "want an http or https URL, got %q", raw)
	}
}

func (ps *problems) since(path, s string) {
	if s == "" {
		return
	}
	if _, err := worktime.ParseDate(s); err != nil {
		ps.wrap(path, err)
	}
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// validateAnalysis checks the analysis section and its risk model.
func (c *Config) validateAnalysis(ps *problems) {
	a := c.Analysis
	ps.intRange("analysis.window_days", a.WindowDays, 1, 366, "days")
	ps.modelFloat("analysis.heavy_week_after_hours", a.HeavyWeekAfterHours, 0.5, 7*24, "hours")
	ps.intRange("analysis.sustained.weeks", a.Sustained.Weeks, 1, 52, "weeks")
	if w := a.Sustained.Weeks; w >= 1 && (a.Sustained.HeavyWeeks < 1 || a.Sustained.HeavyWeeks > w) {
		ps.add("analysis.sustained.heavy_weeks", "%d out of range; want 1 to analysis.sustained.weeks (%d)", a.Sustained.HeavyWeeks, w)
	}
	ps.intRange("analysis.baseline_weeks", a.BaselineWeeks, 1, 104, "weeks")
	ps.intRange("analysis.insufficient_data.min_history_days", a.InsufficientData.MinHistoryDays, 0, 366, "days")
	if a.InsufficientData.MinEvents < 0 {
		ps.add("analysis.insufficient_data.min_events", "%d is negative", a.InsufficientData.MinEvents)
	}
	if w := a.Sustained.Weeks; w >= 1 {
		ps.intRange("analysis.insufficient_data.min_active_days", a.InsufficientData.MinActiveDays, 0, 7*w,
			fmt.Sprintf("days (the %d judged weeks)", w))
	}
	switch l := a.Levels; {
	case l.Elevated < 1 || l.Elevated > 99:
		ps.add("analysis.levels.elevated", "%d out of range; want 1 to 99 points", l.Elevated)
	case l.High <= l.Elevated || l.High > 100:
		ps.add("analysis.levels.high", "%d out of range; want above analysis.levels.elevated (%d) and at most 100 points", l.High, l.Elevated)
	}
	f := a.Factors
	ps.factor("analysis.factors.after_hours_ratio", f.AfterHoursRatio, true)
	ps.intRange("analysis.factors.heavy_weeks.weight", f.HeavyWeeks.Weight, 0, 100, "points")
	ps.factor("analysis.factors.non_working_day_ratio", f.NonWorkingDayRatio, true)
	ps.factor("analysis.factors.workday_span_hours", f.WorkdaySpanHours, false)
	ps.factor("analysis.factors.active_day_ratio", f.ActiveDayRatio.Factor, true)
	ps.intRange("analysis.factors.active_day_ratio.days", f.ActiveDayRatio.Days, 1, 366, "days")
	ps.factor("analysis.factors.concurrent_items", f.ConcurrentItems, false)
	ps.factor("analysis.factors.load_vs_usual", f.LoadVsUsual, false)
	ps.factor("analysis.factors.late_night_days", f.LateNightDays, false)
	u := a.UsualHours
	ps.intRange("analysis.usual_hours.min_days", u.MinDays, 1, 366, "days")
	ps.intRange("analysis.usual_hours.prior_days", u.PriorDays, 0, 366, "days")
	ps.modelFloat("analysis.usual_hours.min_day_share", u.MinDayShare, 0.05, 1, "")
	ps.intRange("analysis.usual_hours.max_hours", u.MaxHours, 1, 24, "hours")
	ps.intRange("analysis.clock.min_stamped", a.Clock.MinStamped, 1, 1_000_000, "events")
	ps.modelFloat("analysis.clock.utc_share", a.Clock.UTCShare, 0.5, 1, "")
	ps.intRange("analysis.clock.min_shift_hours", a.Clock.MinShiftHours, 1, 12, "hours")
	ps.modelFloat("analysis.persistence.rising_ratio", a.Persistence.RisingRatio, 1, 10, "")
	ps.modelFloat("analysis.persistence.long_standing_share", a.Persistence.LongStandingShare, 0, 1, "")
	// Bounded by the judged and baseline weeks, once those are valid.
	if w := a.Sustained.Weeks; w >= 1 && w <= 52 {
		ps.intRange("analysis.evidence.high_min_active_days", a.Evidence.HighMinActiveDays, 0, 7*w, "days")
		ps.modelFloat("analysis.evidence.high_min_active_hours", a.Evidence.HighMinActiveHours, 0, float64(7*24*w), "hours")
	}
	if b := a.BaselineWeeks; b >= 1 && b <= 104 {
		ps.intRange("analysis.evidence.high_min_baseline_weeks", a.Evidence.HighMinBaselineWeeks, 0, b, "weeks")
	}
}

// modelFloat checks lo <= v <= hi; NaN is out of every range.
func (ps *problems) modelFloat(path string, v, lo, hi float64, unit string) {
	if !(v >= lo && v <= hi) {
		if unit != "" {
			unit = " " + unit
		}
		ps.add(path, "%g out of range; want %g to %g%s", v, lo, hi, unit)
	}
}

func (ps *problems) intRange(path string, v, lo, hi int, unit string) {
	if v < lo || v > hi {
		ps.add(path, "%d out of range; want %d to %d %s", v, lo, hi, unit)
	}
}

// factor checks a banded factor: a weight of 0 to 100 points and ascending,
// non-negative thresholds (shares at most 1).
func (ps *problems) factor(path string, f Factor, share bool) {
	ps.intRange(path+".weight", f.Weight, 0, 100, "points")
	if len(f.Bands) == 0 {
		ps.add(path+".bands", "empty; want at least one threshold")
	}
	for i, b := range f.Bands {
		p := fmt.Sprintf("%s.bands[%d]", path, i)
		switch {
		case b < 0:
			ps.add(p, "%g is negative", b)
		case share && b > 1:
			ps.add(p, "%g is a share above 1; want a fraction like 0.25", b)
		case i > 0 && b <= f.Bands[i-1]:
			ps.add(p, "%g is not above bands[%d] (%g); want ascending thresholds", b, i-1, f.Bands[i-1])
		}
	}
}
