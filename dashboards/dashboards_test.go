package dashboards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	otprom "github.com/overtime-project/overtime/export/prometheus"
)

// The dashboards as the tests read them: only the fields the tests check.
type dashboard struct {
	file          string
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	SchemaVersion int      `json:"schemaVersion"`
	Tags          []string `json:"tags"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels    []panel           `json:"panels"`
	RawPanels []json.RawMessage `json:"-"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *dsRef          `json:"datasource"`
	raw        json.RawMessage
}

type panel struct {
	ID         int     `json:"id"`
	Type       string  `json:"type"`
	Title      string  `json:"title"`
	Datasource *dsRef  `json:"datasource"`
	GridPos    gridPos `json:"gridPos"`
	Targets    []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *dsRef `json:"datasource"`
	} `json:"targets"`
	raw json.RawMessage
}

type gridPos struct{ X, Y, W, H int }

// query is one PromQL expression of a dashboard, with where it is.
type query struct {
	where string
	expr  string // with the template variables still in
}

// labelValuesQuery is a variable's label_values(selector, label).
type labelValuesQuery struct {
	where           string
	selector, label string
}

// sampleValues are the template variables' values the tests substitute: the
// planted team and person of the demo organisation (overtime demo).
var sampleValues = map[string]string{
	"datasource": "prometheus",
	"team":       "payments",
	"person":     "dana",
	"window":     "28d",
}

func loadDashboards(t *testing.T) []dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("grafana", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in grafana/: %v", err)
	}
	var out []dashboard
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		dec := json.NewDecoder(strings.NewReader(string(data)))
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var raw struct {
			Panels     []json.RawMessage `json:"panels"`
			Templating struct {
				List []json.RawMessage `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range d.Panels {
			d.Panels[i].raw = raw.Panels[i]
		}
		for i := range d.Templating.List {
			d.Templating.List[i].raw = raw.Templating.List[i]
		}
		d.file = f
		out = append(out, d)
	}
	return out
}

// queries lists every panel query of the dashboards.
func queries(ds []dashboard) []query {
	var out []query
	for _, d := range ds {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, query{where: fmt.Sprintf("%s: panel %q query %s", d.file, p.Title, tg.RefID), expr: tg.Expr})
			}
		}
	}
	return out
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// variableQueries lists every query variable's label_values query.
func variableQueries(t *testing.T, ds []dashboard) []labelValuesQuery {
	t.Helper()
	var out []labelValuesQuery
	for _, d := range ds {
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			m := labelValuesRE.FindStringSubmatch(v.Definition)
			if m == nil {
				t.Errorf("%s: variable %s: want label_values(selector, label), got %q", d.file, v.Name, v.Definition)
				continue
			}
			out = append(out, labelValuesQuery{where: fmt.Sprintf("%s: variable %s", d.file, v.Name), selector: m[1], label: m[2]})
		}
	}
	return out
}

var varRefRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// substitute replaces the template variables in expr by sampleValues, as
// Grafana would, and fails on a variable it does not know.
func substitute(expr string) (string, error) {
	var err error
	out := varRefRE.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRefRE.FindStringSubmatch(ref)
		name := m[1] + m[2]
		v, ok := sampleValues[name]
		if !ok {
			err = fmt.Errorf("unknown variable %s", ref)
		}
		return v
	})
	return out, err
}

// metricNames parses expr (after substitution) and returns the metric names
// it selects.
func metricNames(expr string) ([]string, error) {
	e, err := substitute(expr)
	if err != nil {
		return nil, err
	}
	node, err := parser.NewParser(parser.Options{}).ParseExpr(e)
	if err != nil {
		return nil, err
	}
	var names []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				err = fmt.Errorf("selector %s has no metric name", vs)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	return names, err
}

// exportedMetrics are the metric names in the exporter's golden files: what
// overtime serve really answers.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "export", "prometheus", "testdata", "*.prom"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden .prom files of the exporter: %v", err)
	}
	out := map[string]bool{}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := p.TextToMetricFamilies(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name := range mfs {
			out[name] = true
		}
	}
	// The golden files' snapshot carries no risk pattern (it predates it),
	// so the collector, given that snapshot with a pattern for each person,
	// adds the pattern state set and anything else it only writes then.
	s, err := otprom.ReadSnapshotFile(filepath.Join("..", "export", "prometheus", "testdata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.People {
		if s.People[i].Pattern == "" {
			s.People[i].Pattern = otprom.Patterns[i%len(otprom.Patterns)]
		}
	}
	mfs, err := otprom.NewRegistry(otprom.Static(s)).Gather()
	if err != nil {
		t.Fatalf("gather the exporter's metrics: %v", err)
	}
	for _, mf := range mfs {
		out[mf.GetName()] = true
	}
	return out
}

func TestDashboardStructure(t *testing.T) {
	t.Parallel()
	uids := map[string]string{}
	for _, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
			t.Errorf("%s: uid %q, title %q, schemaVersion %d: all required", d.file, d.UID, d.Title, d.SchemaVersion)
		}
		if other, ok := uids[d.UID]; ok {
			t.Errorf("%s: uid %q already used by %s", d.file, d.UID, other)
		}
		uids[d.UID] = d.file
		if !slices.Contains(d.Tags, "overtime") {
			t.Errorf("%s: no tag overtime (the dashboards link each other by it)", d.file)
		}
		var names []string
		for _, v := range d.Templating.List {
			names = append(names, v.Name)
			if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != "${datasource}") {
				t.Errorf("%s: variable %s does not query the ${datasource} variable", d.file, v.Name)
			}
		}
		for _, want := range []string{"datasource", "team", "person"} {
			if !slices.Contains(names, want) {
				t.Errorf("%s: no template variable %s (have %v)", d.file, want, names)
			}
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			at := fmt.Sprintf("%s: panel %d %q", d.file, p.ID, p.Title)
			if p.ID == 0 || ids[p.ID] {
				t.Errorf("%s: missing or duplicate id", at)
			}
			ids[p.ID] = true
			if p.Title == "" {
				t.Errorf("%s: no title", at)
			}
			g := p.GridPos
			if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
				t.Errorf("%s: gridPos %+v outside the 24-column grid", at, g)
			}
			if p.Type == "text" {
				continue
			}
			if !slices.Contains([]string{"table", "timeseries", "stat", "bargauge"}, p.Type) {
				t.Errorf("%s: unexpected panel type %q", at, p.Type)
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
				t.Errorf("%s: datasource %+v, want prometheus ${datasource}", at, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no query", at)
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if tg.RefID == "" || refs[tg.RefID] || tg.Expr == "" {
					t.Errorf("%s: query %q empty or its refId missing or repeated", at, tg.RefID)
				}
				refs[tg.RefID] = true
				if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
					t.Errorf("%s: query %s does not use ${datasource}", at, tg.RefID)
				}
			}
		}
		overlaps(t, d)
	}
}

// overlaps reports panels that cover the same grid cells.
func overlaps(t *testing.T, d dashboard) {
	t.Helper()
	for i, a := range d.Panels {
		for _, b := range d.Panels[i+1:] {
			ga, gb := a.GridPos, b.GridPos
			if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
				t.Errorf("%s: panels %q and %q overlap", d.file, a.Title, b.Title)
			}
		}
	}
}

func TestDashboardQueriesParseAndNameExportedMetrics(t *testing.T) {
	t.Parallel()
	ds := loadDashboards(t)
	exported := exportedMetrics(t)
	used := map[string]bool{}
	for _, q := range queries(ds) {
		names, err := metricNames(q.expr)
		if err != nil {
			t.Errorf("%s: %v\n\t%s", q.where, err, q.expr)
			continue
		}
		for _, n := range names {
			used[n] = true
			if !exported[n] {
				t.Errorf("%s: metric %s is not exported by overtime serve", q.where, n)
			}
		}
	}
	knownLabels := []string{"person", "team", "window", "source", "phase", "weekday", "hour"}
	for _, v := range variableQueries(t, ds) {
		names, err := metricNames(v.selector)
		if err != nil {
			t.Errorf("%s: %v", v.where, err)
		}
		for _, n := range names {
			if !exported[n] {
				t.Errorf("%s: metric %s is not exported by overtime serve", v.where, n)
			}
		}
		if !slices.Contains(knownLabels, v.label) {
			t.Errorf("%s: label %s is not one of the exporter's %v", v.where, v.label, knownLabels)
		}
	}
	var unused []string
	for n := range exported {
		if !used[n] {
			unused = append(unused, n)
		}
	}
	sort.Strings(unused)
	t.Logf("metrics no panel shows: %v", unused)
}

func TestEveryVariableIsUsed(t *testing.T) {
	t.Parallel()
	for _, d := range loadDashboards(t) {
		refs := map[string]bool{}
		collect := func(raw []byte) {
			for _, m := range varRefRE.FindAllStringSubmatch(string(raw), -1) {
				refs[m[1]+m[2]] = true
			}
		}
		for _, p := range d.Panels {
			collect(p.raw)
		}
		for _, v := range d.Templating.List {
			// A variable's own definition does not count as a use of it.
			for _, m := range varRefRE.FindAllStringSubmatch(string(v.raw), -1) {
				if name := m[1] + m[2]; name != v.Name {
					refs[name] = true
				}
			}
		}
		for _, v := range d.Templating.List {
			if !refs[v.Name] {
				t.Errorf("%s: template variable %s is never used", d.file, v.Name)
			}
		}
		for name := range refs {
			if strings.HasPrefix(name, "__") {
				continue // Grafana's built-ins
			}
			if !slices.ContainsFunc(d.Templating.List, func(v variable) bool { return v.Name == name }) {
				t.Errorf("%s: $%s is used but not defined", d.file, name)
			}
		}
	}
}

// TestNoLevelCutPoint: the level is the analysis's judgement
// (overtime_risk_level); no dashboard query or alert rule compares the score
// with a number, and no panel maps score ranges to levels or colours, so the
// config's analysis.levels is the only place the cut points live.
func TestNoLevelCutPoint(t *testing.T) {
	t.Parallel()
	exprs := map[string]string{}
	for _, q := range queries(loadDashboards(t)) {
		exprs[q.where] = q.expr
	}
	for _, r := range loadRules(t) {
		exprs["rule "+r.Alert] = r.Expr
	}
	for where, expr := range exprs {
		e, err := substitute(expr)
		if err != nil {
			t.Fatal(err)
		}
		node, err := parser.NewParser(parser.Options{}).ParseExpr(e)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
			b, ok := n.(*parser.BinaryExpr)
			if !ok || !b.Op.IsComparisonOperator() {
				return nil
			}
			_, lhsNumber := b.LHS.(*parser.NumberLiteral)
			_, rhsNumber := b.RHS.(*parser.NumberLiteral)
			if (lhsNumber || rhsNumber) && strings.Contains(b.String(), "overtime_risk_score") {
				t.Errorf("%s: a cut point on the score: %s", where, b)
			}
			return nil
		})
	}
	for _, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			raw := string(p.raw)
			if strings.Contains(raw, `"type": "range"`) || strings.Contains(raw, `"type":"range"`) {
				t.Errorf("%s: panel %q maps value ranges (a cut point)", d.file, p.Title)
			}
			if !strings.Contains(raw, "overtime_risk_score") {
				continue
			}
			var cfg struct {
				FieldConfig struct {
					Defaults struct {
						Thresholds struct {
							Steps []struct {
								Value *float64 `json:"value"`
							} `json:"steps"`
						} `json:"thresholds"`
					} `json:"defaults"`
				} `json:"fieldConfig"`
			}
			if err := json.Unmarshal(p.raw, &cfg); err != nil {
				t.Fatal(err)
			}
			for _, s := range cfg.FieldConfig.Defaults.Thresholds.Steps {
				if s.Value != nil {
					t.Errorf("%s: panel %q of the score has a threshold at %v", d.file, p.Title, *s.Value)
				}
			}
		}
	}
}
