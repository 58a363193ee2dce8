package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	internaldemo "github.com/overtime-project/overtime/internal/demo"
	"github.com/overtime-project/overtime/internal/proctest"
)

// shortFor rewrites every for: of the rules to 1s, so that the end-to-end
// test sees alerts within seconds; promtool's unit tests cover the real
// durations.
var shortFor = regexp.MustCompile(`(?m)^(\s+for:\s*)\S+\s*$`)

// TestEndToEndWithPrometheus: the demo organisation → the nightly run →
// `overtime serve` on a loopback port → a real Prometheus that scrapes it
// twice a second and evaluates the alert rules → every dashboard query and
// variable returns series through the HTTP API, and the demo's planted
// sustained people (dana, eve), whose pattern is rising, show up in ALERTS —
// the night-shift person (nico) does not, and nobody is long-standing. The
// factor metrics add up to the scores, the two-person team (security) has
// no team series, and the outside contributor is no person of the metrics.
func TestEndToEndWithPrometheus(t *testing.T) {
	t.Parallel()
	prometheus := proctest.RequireBinary(t, "prometheus")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// A kept demo writes the metrics snapshot a nightly run would.
	overtime, demo := demoOrganisation(ctx, t)
	demoConfig := filepath.Join(demo, "overtime.yaml")
	serveAddr := proctest.FreeAddr(t)
	proctest.StartProcess(t, overtime, "serve", "--config", demoConfig, "--listen", serveAddr)
	proctest.WaitHTTP200(ctx, t, "http://"+serveAddr+"/healthz")

	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(shortFor.FindAll(rules, -1)); n != strings.Count(string(rules), "alert: ") {
		t.Fatalf("rewrote %d for: lines, want one per alert", n)
	}
	e2eRules := filepath.Join(dir, "overtime.rules.yml")
	if err := os.WriteFile(e2eRules, shortFor.ReplaceAll(rules, []byte("${1}1s")), 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 500ms
  scrape_timeout: 500ms
  evaluation_interval: 500ms
rule_files: [%q]
scrape_configs:
  - job_name: overtime
    static_configs:
      - targets: [%q]
`, e2eRules, serveAddr)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := proctest.FreeAddr(t)
	proctest.StartProcess(t, prometheus,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	api := "http://" + addr
	proctest.WaitHTTP200(ctx, t, api+"/-/ready")

	// Every panel query returns series once Prometheus has two scrapes (the
	// trend column's delta needs two samples).
	pending := map[string]string{} // where → substituted expression
	ds := loadDashboards(t)
	for _, q := range queries(ds) {
		if strings.Contains(q.expr, "overtime_open_pull_requests") {
			// The demo has no GitHub source: open pull requests are
			// absent, never 0 (the exporter's golden tests cover them).
			continue
		}
		e, err := substitute(q.expr)
		if err != nil {
			t.Fatalf("%s: %v", q.where, err)
		}
		pending[q.where] = e
	}
	// Their loads were planted in the last weeks only (no day off for three
	// weeks, evenings creeping in over the last month): rising, so the
	// sustained alert, which a long_standing pattern holds back, is raised.
	for _, p := range []string{"dana", "eve"} {
		pending["the planted sustained person "+p] = `ALERTS{alertname="OvertimeSustainedAfterHours", person="` + p + `", team="payments", alertstate=~"pending|firing"}`
		pending["the rising pattern of "+p] = `overtime_risk_pattern{person="` + p + `", team="payments", pattern="rising"} == 1`
	}
	// The factors and the level of the analysis (dana's planted load is no
	// day off, every day active within her hours: days without rest, not
	// evenings); the team figures of the teams big enough, and the withheld
	// mark of the two-person team.
	for where, expr := range map[string]string{
		"dana's level":                       `overtime_risk_level{person="dana", team="payments", level="high"} == 1`,
		"nell's level":                       `overtime_risk_level{person="nell", level="insufficient_data"} == 1`,
		"dana's factor points":               `overtime_risk_factor_points{person="dana", factor="heavy_weeks"} > 0`,
		"dana's factor values":               `overtime_risk_factor_value{person="dana", factor="active_day_ratio"} == 1`,
		"nell's reason":                      `overtime_risk_factor_value{person="nell", factor="history_days"}`,
		"the factor points add up":           `clamp_max(sum by (person) (overtime_risk_factor_points), 100) == on (person) max by (person) (overtime_risk_score)`,
		"payments' median":                   `overtime_team_risk_score_median{team="payments"}`,
		"payments' punchcard":                `overtime_team_activity_events{team="payments"}`,
		"security withheld":                  `overtime_team_figures_withheld{team="security"} == 1`,
		"the small team's people are scored": `overtime_risk_level{team="security", person="ida"}`,
		"the unclaimed count":                `overtime_unclaimed_identities == 1`,
	} {
		pending[where] = expr
	}
	start := time.Now()
	t.Logf("%d dashboard queries and the alert, against a real Prometheus", len(pending))
	for len(pending) > 0 {
		for where, expr := range pending {
			n, err := instantQuery(ctx, api, expr)
			if err != nil {
				t.Fatalf("%s: %v\n\t%s", where, err, expr)
			}
			if n > 0 {
				delete(pending, where)
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			for where, expr := range pending {
				t.Errorf("%s: no series within the time limit\n\t%s", where, expr)
			}
			return
		case <-time.After(250 * time.Millisecond):
		}
	}

	t.Logf("every query returned series, and the planted alerts were raised, after %v", time.Since(start).Round(100*time.Millisecond))

	// Only the planted people are flagged: not the night-shift person.
	var planted []string
	for _, m := range internaldemo.People {
		if m.Sustained {
			planted = append(planted, m.ID)
		}
	}
	others := fmt.Sprintf(`ALERTS{alertname="OvertimeSustainedAfterHours", person!~%q}`, strings.Join(planted, "|"))
	if n, err := instantQuery(ctx, api, others); err != nil || n != 0 {
		t.Errorf("sustained after-hours alerts for people other than the planted %v: %d (%v)", planted, n, err)
	}
	// No planted archetype carries its load in the weeks before the judged
	// ones as well, so nobody has a long-standing pattern or its alert.
	for _, expr := range []string{
		`overtime_risk_pattern{pattern="long_standing"} == 1`,
		`ALERTS{alertname="OvertimeLongStandingAfterHours"}`,
	} {
		if n, err := instantQuery(ctx, api, expr); err != nil || n != 0 {
			t.Errorf("a long-standing pattern in the demo: %d series (%v)\n\t%s", n, err, expr)
		}
	}

	// The factor points of every scored person add up to their score.
	if n, err := instantQuery(ctx, api, `clamp_max(sum by (person) (overtime_risk_factor_points), 100) != on (person) max by (person) (overtime_risk_score)`); err != nil || n != 0 {
		t.Errorf("people whose factor points do not add up to their score: %d (%v)", n, err)
	}
	// Withheld: no team-level series of the two-person team; absent: the
	// outside contributor and any person without a configured id.
	for where, expr := range map[string]string{
		"a team series of the small team":    `{__name__=~"overtime_team_.+", __name__!="overtime_team_figures_withheld", team="security"}`,
		"the outside contributor":            `{__name__=~"overtime_.+", person=~".*@.*"}`,
		"a team series of people in no team": `{__name__=~"overtime_team_.+", team=""}`,
	} {
		if n, err := instantQuery(ctx, api, expr); err != nil || n != 0 {
			t.Errorf("%s: %d series, want none (%v)\n\t%s", where, n, err, expr)
		}
	}
	// The team median of the drill-down is over the scored members: nell
	// (insufficient data) is left out, as in the report's team usuals.
	if n, err := instantQuery(ctx, api, `overtime_team_people{team="mobile", level="insufficient_data"} == 1`); err != nil || n != 1 {
		t.Errorf("mobile's insufficient_data count: %d series (%v), want nell counted", n, err)
	}
	for _, expr := range []string{
		`overtime_team_afterhours_ratio_median{team="mobile", window="28d"} != on (team) quantile by (team) (0.5, overtime_afterhours_ratio{team="mobile", window="28d"} and on (person) overtime_risk_level{level!="insufficient_data"} == 1)`,
		`overtime_team_risk_score_median{team="mobile"} != on (team) quantile by (team) (0.5, overtime_risk_score{team="mobile"})`,
	} {
		if n, err := instantQuery(ctx, api, expr); err != nil || n != 0 {
			t.Errorf("the team median is not the median of the scored members: %d (%v)\n\t%s", n, err, expr)
		}
	}

	for _, v := range variableQueries(t, ds) {
		sel, err := substitute(v.selector)
		if err != nil {
			t.Fatal(err)
		}
		values, err := labelValues(ctx, api, v.label, sel)
		if err != nil {
			t.Fatalf("%s: %v", v.where, err)
		}
		if len(values) == 0 {
			t.Errorf("%s: no values for label_values(%s, %s)", v.where, sel, v.label)
		}
	}
}

// The end-to-end tests share one build of overtime and one demo
// organisation, which they only read: `overtime serve` reads the metrics
// snapshot, `overtime backfill` opens the database read-only.
var shared struct {
	once           sync.Once
	dir            string // removed by TestMain
	overtime, demo string
	err            error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// demoOrganisation builds overtime and runs `overtime demo` into a
// directory of its own, once for all the tests of the package; it returns
// the binary and the demo's directory.
func demoOrganisation(ctx context.Context, t *testing.T) (overtime, demo string) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "overtime-dashboards-")
		if shared.err != nil {
			return
		}
		shared.overtime = filepath.Join(shared.dir, "overtime")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", shared.overtime, "../cmd/overtime").CombinedOutput(); err != nil {
			shared.err = fmt.Errorf("build overtime: %v\n%s", err, out)
			return
		}
		shared.demo = filepath.Join(shared.dir, "demo")
		if out, err := exec.CommandContext(ctx, shared.overtime, "demo", "--dir", shared.demo).CombinedOutput(); err != nil {
			shared.err = fmt.Errorf("overtime demo: %v\n%s", err, out)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.overtime, shared.demo
}

// instantQuery runs expr through /api/v1/query and returns how many series
// (or a scalar: 1) it answered.
func instantQuery(ctx context.Context, api, expr string) (int, error) {
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(ctx, api+"/api/v1/query?"+url.Values{"query": {expr}}.Encode(), &resp); err != nil {
		return 0, err
	}
	if resp.Status != "success" {
		return 0, fmt.Errorf("query failed: %s", resp.Error)
	}
	if resp.Data.ResultType == "scalar" {
		return 1, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(resp.Data.Result, &series); err != nil {
		return 0, err
	}
	return len(series), nil
}

func labelValues(ctx context.Context, api, label, selector string) ([]string, error) {
	var resp struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	u := api + "/api/v1/label/" + url.PathEscape(label) + "/values?" + url.Values{"match[]": {selector}}.Encode()
	if err := getJSON(ctx, u, &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("label values failed: %s", resp.Error)
	}
	return resp.Data, nil
}

func getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %s: %w", u, resp.Status, err)
	}
	return nil
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}
