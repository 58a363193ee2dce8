package dashboards_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/overtime-project/overtime/internal/proctest"
)

const rulesFile = "alerts/overtime.rules.yml"

func TestPromtoolCheckAndTestRules(t *testing.T) {
	t.Parallel()
	promtool := proctest.RequireBinary(t, "promtool")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"check", "rules", rulesFile},
		{"test", "rules", "alerts/overtime.rules.test.yml"},
	} {
		out, err := exec.CommandContext(ctx, promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// TestRulesAreExplainedAndTested: every alert names only exported metrics,
// says what to do, has an audience for routing, and has a promtool test.
func TestRulesAreExplainedAndTested(t *testing.T) {
	t.Parallel()
	exported := exportedMetrics(t)
	tests, err := os.ReadFile("alerts/overtime.rules.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range loadRules(t) {
		names, err := metricNames(r.Expr)
		if err != nil {
			t.Errorf("%s: %v", r.Alert, err)
		}
		for _, n := range names {
			if !exported[n] {
				t.Errorf("%s: metric %s is not exported", r.Alert, n)
			}
		}
		if r.Annotations["summary"] == "" || !strings.Contains(r.Annotations["description"], "What to do:") {
			t.Errorf("%s: needs a summary and a description that says what to do", r.Alert)
		}
		if a := r.Labels["audience"]; a != "lead" && a != "operator" {
			t.Errorf("%s: audience %q, want lead or operator (the Alertmanager routes on it)", r.Alert, a)
		}
		if r.Labels["audience"] == "lead" {
			// Person alerts route by team and must be held, not paged on one scrape.
			if !strings.Contains(r.Expr, "by (person, team)") || r.For == "" {
				t.Errorf("%s: a person alert keeps person and team and has a for:", r.Alert)
			}
		}
		if !strings.Contains(string(tests), "alertname: "+r.Alert+"\n") {
			t.Errorf("%s: no promtool test in alerts/overtime.rules.test.yml", r.Alert)
		}
	}
}

// The Alertmanager example, as much of its schema as the routing check needs.
type amRoute struct {
	Receiver       string    `yaml:"receiver"`
	Matchers       []string  `yaml:"matchers"`
	Continue       bool      `yaml:"continue"`
	RepeatInterval string    `yaml:"repeat_interval"`
	Routes         []amRoute `yaml:"routes"`
}

type amConfig struct {
	Route     amRoute `yaml:"route"`
	Receivers []struct {
		Name           string `yaml:"name"`
		EmailConfigs   []any  `yaml:"email_configs"`
		SlackConfigs   []any  `yaml:"slack_configs"`
		WebhookConfigs []any  `yaml:"webhook_configs"`
		MSTeamsConfigs []any  `yaml:"msteams_configs"`
	} `yaml:"receivers"`
}

// route finds the receiver of an alert with labels, Alertmanager's way for
// equality matchers: the first matching child, depth first, else the parent.
func (r amRoute) route(labels map[string]string) string {
	got, _, _ := r.match(labels, "", "")
	return got
}

// match is route with the repeat_interval the alert gets: a child inherits
// its parent's receiver and repeat_interval unless it sets its own.
func (r amRoute) match(labels map[string]string, receiver, repeat string) (string, string, bool) {
	for _, m := range r.Matchers {
		name, value, ok := strings.Cut(m, "=")
		if !ok || labels[name] != strings.Trim(value, `"`) {
			return "", "", false
		}
	}
	if r.Receiver != "" {
		receiver = r.Receiver
	}
	if r.RepeatInterval != "" {
		repeat = r.RepeatInterval
	}
	for _, c := range r.Routes {
		if got, rep, ok := c.match(labels, receiver, repeat); ok {
			return got, rep, true
		}
	}
	return receiver, repeat, true
}

func TestAlertmanagerExampleSendsPersonAlertsToLeads(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("alerts", "alertmanager.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg amConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	private := map[string]bool{}
	for _, r := range cfg.Receivers {
		private[r.Name] = len(r.EmailConfigs) > 0 && len(r.SlackConfigs)+len(r.WebhookConfigs)+len(r.MSTeamsConfigs) == 0
	}
	for _, tc := range []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"alertname": "OvertimeSustainedAfterHours", "audience": "lead", "team": "payments", "person": "alice"}, "lead-payments"},
		{map[string]string{"alertname": "OvertimeHighRisk", "audience": "lead", "team": "platform", "person": "dave"}, "lead-platform"},
		{map[string]string{"alertname": "OvertimeHighRisk", "audience": "lead", "team": "newteam", "person": "erin"}, "engineering-manager"},
		{map[string]string{"alertname": "OvertimeLongStandingAfterHours", "audience": "lead", "team": "payments", "person": "lou"}, "lead-payments"},
		{map[string]string{"alertname": "OvertimeLongStandingAfterHours", "audience": "lead", "team": "newteam", "person": "erin"}, "engineering-manager"},
		{map[string]string{"alertname": "OvertimeSourceFailing", "audience": "operator", "source": "github"}, "overtime-operators"},
	} {
		got := cfg.Route.route(tc.labels)
		if got != tc.want {
			t.Errorf("%v goes to %q, want %q", tc.labels, got, tc.want)
		}
		if tc.labels["audience"] == "lead" && !private[got] {
			t.Errorf("person alert %v goes to %q, which is not a private (e-mail only) receiver", tc.labels, got)
		}
	}
	var leadReceivers []string
	var walk func(r amRoute)
	walk = func(r amRoute) {
		if slices.Contains(r.Matchers, `audience="lead"`) {
			leadReceivers = append(leadReceivers, r.Receiver)
		}
		for _, c := range r.Routes {
			walk(c)
		}
	}
	walk(cfg.Route)
	for _, r := range leadReceivers {
		if !private[r] {
			t.Errorf("lead route sends to %q, which is not a private receiver", r)
		}
	}

	// A long-standing pattern does not come back every month, in any team;
	// the paging person alerts remind weekly, not nightly.
	for _, team := range []string{"payments", "platform", "newteam"} {
		for alert, bounds := range map[string][2]time.Duration{
			"OvertimeLongStandingAfterHours": {60 * 24 * time.Hour, 0},
			"OvertimeSustainedAfterHours":    {7 * 24 * time.Hour, 30 * 24 * time.Hour},
			"OvertimeHighRisk":               {7 * 24 * time.Hour, 30 * 24 * time.Hour},
		} {
			labels := map[string]string{"alertname": alert, "audience": "lead", "team": team, "person": "p"}
			_, repeat, _ := cfg.Route.match(labels, "", "")
			d, err := model.ParseDuration(repeat)
			if err != nil {
				t.Errorf("%s of team %s: repeat_interval %q: %v", alert, team, repeat, err)
				continue
			}
			if got := time.Duration(d); got < bounds[0] || bounds[1] > 0 && got >= bounds[1] {
				t.Errorf("%s of team %s repeats every %v, want at least %v%s", alert, team, got, bounds[0],
					map[bool]string{true: fmt.Sprintf(" and less than %v", bounds[1])}[bounds[1] > 0])
			}
		}
	}
}
