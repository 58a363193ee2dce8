package report

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/store"
)

// The HTML report is one self-contained file: styles inline, charts drawn as
// inline SVG, no script, no font, image or link to any other host, so that a
// lead can open it from a mail or a shared drive without Grafana.

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"percent": func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"levelText": func(l string) string {
		return strings.ReplaceAll(l, "_", " ")
	},
}).Parse(htmlSource))

// WeekFigures are one person's figures over one week (seven local days) of
// the HTML report's charts.
type WeekFigures struct {
	End            time.Time // the week's last local date
	AfterHoursHrs  float64   // active hours outside usual hours: working days outside the usual window, and days off
	NonWorkingDays int       // non-working days with activity, in the judging clock
	WorkdaySpan    time.Duration
	SpanDays       int // active working days the span is the median of
	Events         int
}

// History is the weekly figures of every person of a window, in the order
// of Window.People, oldest week first: the baseline weeks, then the judged
// ones, ending at the window's as-of date.
type History struct {
	JudgedWeeks   int
	BaselineWeeks int
	People        [][]WeekFigures
}

// LoadHistory reads the weekly figures of the people of w for the judged
// and baseline weeks of the model, each week as the model judged it as of
// its last day (analysis.WeekJudge). Load it before the ids are
// pseudonymized: it is matched to w.People by position afterwards.
func LoadHistory(ctx context.Context, db *store.DB, w analysis.Window, opts analysis.RiskOptions) (History, error) {
	m := opts.Model
	h := History{JudgedWeeks: m.Sustained.Weeks, BaselineWeeks: m.BaselineWeeks}
	n := h.JudgedWeeks + h.BaselineWeeks
	judge, err := analysis.WeekJudge(ctx, db, m, opts.OwnHours, w.AsOf)
	if err != nil {
		return h, fmt.Errorf("html report history: %w", err)
	}
	rows, err := db.WeeksEndingAt(ctx, w.AsOf, n, judge)
	if err != nil {
		return h, fmt.Errorf("html report history: %w", err)
	}
	byPerson := map[string][]store.PersonWeek{}
	for _, r := range rows {
		byPerson[r.PersonID] = append(byPerson[r.PersonID], r)
	}
	for _, f := range w.People {
		weeks := make([]WeekFigures, n)
		for k := range n { // k weeks before the last one
			weeks[n-1-k].End = w.AsOf.AddDate(0, 0, -7*k)
		}
		for _, r := range byPerson[f.ID] {
			k := int(w.AsOf.Sub(r.WeekStart).Hours()/24) / 7
			if k < 0 || k >= n {
				continue
			}
			wk := &weeks[n-1-k]
			wk.AfterHoursHrs, wk.NonWorkingDays, wk.WorkdaySpan, wk.SpanDays, wk.Events =
				float64(r.OffHoursSeconds())/3600, r.JudgedNonWorkingDays, r.WorkdaySpan, r.SpanDays, r.Events
		}
		h.People = append(h.People, weeks)
	}
	return h, nil
}

// HTMLOptions are the settings the HTML report follows.
type HTMLOptions struct {
	// MinGroupSize is privacy.min_group_size: a team with fewer scored
	// members gets no team figures in the summary.
	MinGroupSize int
	// Generated is when the report was written, shown in its footer.
	Generated time.Time
}

// WriteHTML writes the window as one self-contained HTML page: the team
// summary, then each person with their level, the factors' sentences and
// small charts of their weekly history. h must come from LoadHistory for w
// (or be empty: then no charts).
func WriteHTML(out io.Writer, w analysis.Window, h History, opts HTMLOptions) error {
	from, to := w.Days()
	page := htmlPage{
		AsOf: w.AsOf.Format("2006-01-02"), From: from.Format("2006-01-02"), To: to.Format("2006-01-02"),
		WindowDays: w.WindowDays, JudgedWeeks: h.JudgedWeeks, BaselineWeeks: h.BaselineWeeks,
		MinGroupSize: max(opts.MinGroupSize, 1),
	}
	if !opts.Generated.IsZero() {
		page.Generated = opts.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	teams := map[string]*htmlTeam{}
	for i, f := range w.People {
		p := htmlPerson{Anchor: fmt.Sprintf("p%d", i+1), ID: f.ID, Name: f.Name, Team: f.Team,
			Events: f.Events, AfterHoursRatio: f.AfterHoursRatio, WeekendDays: f.WeekendDays, LateNightEvents: f.LateNightEvents}
		if p.Name == "" || p.Name == p.ID {
			p.Name = ""
		}
		if a := f.Risk; a != nil {
			p.Level = string(a.Level)
			p.Score = a.Score
			p.Sustained = a.Sustained
			if a.Score != nil && a.Pattern != "" && a.Pattern != "none" {
				p.Pattern = strings.ReplaceAll(string(a.Pattern), "_", "-")
			}
			for _, c := range []string{a.PatternExplanation, a.UsualExplanation, a.ClockExplanation, a.Evidence.Explanation} {
				if c != "" {
					p.Context = append(p.Context, c)
				}
			}
			for _, x := range a.Factors {
				hf := htmlFactor{Name: strings.ReplaceAll(x.Name, "_", " "), Points: x.Contribution, Sentence: x.Explanation}
				if a.Score == nil || x.Contribution > 0 {
					p.Reasons = append(p.Reasons, hf)
				} else {
					p.Others = append(p.Others, hf)
				}
			}
		}
		if i < len(h.People) {
			p.Charts = charts(h.People[i], h.BaselineWeeks)
		}
		page.People = append(page.People, p)

		t, ok := teams[f.Team]
		if !ok {
			t = &htmlTeam{Name: f.Team, Levels: map[string]int{}}
			teams[f.Team] = t
		}
		t.Members++
		t.Levels[p.Level]++
		if p.Sustained {
			t.Sustained++
		}
		if p.Score != nil {
			t.scores = append(t.scores, float64(*p.Score))
			t.ratios = append(t.ratios, f.AfterHoursRatio)
		}
	}
	names := make([]string, 0, len(teams))
	for name := range teams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := teams[name]
		t.Scored = len(t.scores)
		switch {
		case name == "":
			t.Note = "people in no team: no team figures"
		case t.Scored < page.MinGroupSize:
			t.Note = fmt.Sprintf("team of fewer than %d: no team figures", page.MinGroupSize)
		default:
			t.ScoreMedian = fmt.Sprintf("%.0f", median(t.scores))
			t.RatioMedian = fmt.Sprintf("%.0f%%", median(t.ratios)*100)
		}
		page.Teams = append(page.Teams, *t)
	}
	if err := htmlTemplate.Execute(out, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

type htmlPage struct {
	AsOf, From, To, Generated string
	WindowDays                int
	JudgedWeeks               int
	BaselineWeeks             int
	MinGroupSize              int
	Teams                     []htmlTeam
	People                    []htmlPerson
}

type htmlTeam struct {
	Name                     string
	Members, Scored          int
	Levels                   map[string]int
	Sustained                int
	ScoreMedian, RatioMedian string
	Note                     string // why there are no team figures
	scores, ratios           []float64
}

type htmlPerson struct {
	Anchor, ID, Name, Team string
	Level                  string
	Score                  *int
	Sustained              bool
	Reasons, Others        []htmlFactor
	// Context is what the assessment rests on, in the analysis's own
	// sentences: the pattern (rising or long-standing), the usual window it
	// was judged against, a clock that did not match, and the evidence.
	Pattern         string
	Context         []string
	Events          int
	AfterHoursRatio float64
	WeekendDays     int
	LateNightEvents int
	Charts          []chart
}

type htmlFactor struct {
	Name     string
	Points   int
	Sentence string
}

// chart is a small bar chart of one weekly figure, drawn as inline SVG.
type chart struct {
	Key, Title, Unit string
	Width, Height    int
	Bars             []bar
	Max              string // the top of the scale, as shown
	BaselineX        float64
	UsualY           *float64 // the own usual (median of the active baseline weeks), when known
	Usual            string
}

type bar struct {
	X, Y, W, H float64
	Judged     bool
	Label      string // the tooltip
}

const (
	chartW, chartH = 300, 90
	chartTop       = 8
	chartBottom    = 14
)

// charts draws the three weekly figures of one person.
func charts(weeks []WeekFigures, baseline int) []chart {
	spanHours := func(w WeekFigures) float64 {
		if w.SpanDays == 0 {
			return 0
		}
		return math.Round(w.WorkdaySpan.Hours()*10) / 10
	}
	return []chart{
		drawChart("after-hours", "Time outside usual hours", "h", weeks, baseline, func(w WeekFigures) float64 { return w.AfterHoursHrs }),
		drawChart("non-working-days", "Non-working days with activity", "days", weeks, baseline, func(w WeekFigures) float64 { return float64(w.NonWorkingDays) }),
		drawChart("span", "Workday span (median)", "h", weeks, baseline, spanHours),
	}
}

func drawChart(key, title, unit string, weeks []WeekFigures, baseline int, value func(WeekFigures) float64) chart {
	c := chart{Key: key, Title: title, Unit: unit, Width: chartW, Height: chartH}
	top := 0.0
	var usual []float64
	for i, w := range weeks {
		v := value(w)
		top = max(top, v)
		if i < baseline && w.Events > 0 {
			usual = append(usual, v)
		}
	}
	top = niceCeil(top)
	c.Max = fmt.Sprintf("%s %s", trimFloat(top), unit)
	plotH := float64(chartH - chartTop - chartBottom)
	step := float64(chartW) / float64(max(len(weeks), 1))
	for i, w := range weeks {
		v := value(w)
		h := plotH * v / top
		c.Bars = append(c.Bars, bar{
			X: round1(float64(i)*step + 1), W: round1(step - 2), Y: round1(chartTop + plotH - h), H: round1(h),
			Judged: i >= baseline,
			Label:  fmt.Sprintf("week ending %s: %s %s", w.End.Format("2006-01-02"), trimFloat(v), unit),
		})
	}
	c.BaselineX = round1(float64(baseline) * step)
	if len(usual) >= 4 { // as the model: the median of fewer says little
		m := median(usual)
		y := round1(chartTop + plotH - plotH*m/top)
		c.UsualY, c.Usual = &y, fmt.Sprintf("own usual %s %s", trimFloat(m), unit)
	}
	return c
}

// niceCeil is the top of a chart's scale: at least 1, and a round number.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	for _, n := range []float64{2, 4, 5, 7, 10, 12, 15, 20, 24, 30, 40, 50, 60, 80, 100} {
		if v <= n {
			return n
		}
	}
	return math.Ceil(v/50) * 50
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// htmlSource is the page. html/template escapes every name and sentence in
// its context (text, attribute, SVG); the numbers of the charts are computed
// in Go.
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>Overtime report, {{.AsOf}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7f9;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:16px;margin:0}
.muted{color:#5b6475}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceff3;vertical-align:top}
th{background:#eef1f5;font-weight:600}
.level{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#7a8396}
.level-high{background:#c62828}.level-elevated{background:#e07b00}.level-low{background:#2e7d32}.level-insufficient_data{background:#7a8396}
.person{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:14px 16px;margin:12px 0}
.person header{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.facts{margin:6px 0 8px}
ul.reasons{margin:6px 0 10px;padding-left:20px}ul.reasons li{margin:2px 0}
ul.context{margin:4px 0 10px;padding-left:20px;font-size:13px}.pattern{border:1px solid #9aa3b5;border-radius:10px;padding:0 8px;font-size:12px}
.points{display:inline-block;min-width:44px;font-weight:600}
details{margin:0 0 10px}summary{cursor:pointer;color:#5b6475}
.charts{display:flex;gap:14px;flex-wrap:wrap}
figure{margin:0;width:302px}figcaption{font-size:12px;color:#5b6475;margin-bottom:2px;min-height:32px}
svg.chart{background:#fbfcfd;border:1px solid #eceff3}
.bar-judged{fill:#3a5ba0}.bar-baseline{fill:#b8c4dc}
.usual{stroke:#1d2330;stroke-dasharray:4 3;stroke-width:1}
.divider{stroke:#9aa3b5;stroke-width:1}
.axis{font-size:10px;fill:#5b6475}
.note{font-style:italic;color:#5b6475}
footer{margin-top:30px;font-size:12px;color:#5b6475}
</style>
</head>
<body>
<main>
<h1>Overtime report</h1>
<p class="muted">As of {{.AsOf}} (local dates). Figures over {{.WindowDays}} days, {{.From}} to {{.To}}; the risk looks at the {{.JudgedWeeks}} weeks ending {{.AsOf}}, against each person's own usual over the {{.BaselineWeeks}} weeks before. Signals for support, not surveillance: a high level is a prompt for a conversation, not a verdict. The tool does not see meetings, chat, leave that is not configured, or work outside the collected systems.</p>

<h2>Teams</h2>
<table id="teams">
<thead><tr><th>Team</th><th>People</th><th>High</th><th>Elevated</th><th>Low</th><th>Insufficient data</th><th>Sustained after-hours</th><th>Median score</th><th>Median after-hours share</th></tr></thead>
<tbody>
{{range .Teams}}<tr class="team">
<td>{{if .Name}}{{.Name}}{{else}}<span class="muted">no team</span>{{end}}</td>
<td>{{.Members}}</td><td>{{index .Levels "high"}}</td><td>{{index .Levels "elevated"}}</td><td>{{index .Levels "low"}}</td><td>{{index .Levels "insufficient_data"}}</td><td>{{.Sustained}}</td>
{{if .Note}}<td colspan="2" class="note">{{.Note}}</td>{{else}}<td>{{.ScoreMedian}}</td><td>{{.RatioMedian}}</td>{{end}}
</tr>
{{end}}</tbody>
</table>
<p class="muted">Medians are over the scored members (people with a score); teams with fewer than {{.MinGroupSize}} of them show no team figures (privacy.min_group_size).</p>

<h2>People</h2>
<p class="muted">Highest risk first. Bars: after-hours active hours, non-working days with activity, and the median workday span, week by week; light bars are the baseline weeks, dark bars the judged ones; the dashed line is the person's own usual.</p>
{{range .People}}<section class="person level-{{.Level}}" id="{{.Anchor}}" data-person="{{.ID}}">
<header>
<h3>{{.ID}}{{if .Name}} <span class="muted">({{.Name}})</span>{{end}}</h3>
<span class="muted">{{if .Team}}team {{.Team}}{{else}}no team{{end}}</span>
{{if .Level}}<span class="level level-{{.Level}}">{{levelText .Level}}</span>{{end}}
{{if .Score}}<span>score <strong>{{.Score}}</strong> of 100</span>{{end}}
{{if .Sustained}}<span><strong>sustained after-hours load</strong></span>{{end}}
{{if .Pattern}}<span class="pattern" data-pattern="{{.Pattern}}">{{.Pattern}}</span>{{end}}
</header>
<p class="facts muted">{{.Events}} events in the window, {{percent .AfterHoursRatio}} after hours, {{.WeekendDays}} non-working days with activity, {{.LateNightEvents}} late-night events.</p>
{{if .Reasons}}<ul class="reasons">
{{range .Reasons}}<li class="reason"><span class="points">{{if gt .Points 0}}+{{.Points}}{{end}}</span><span class="sentence">{{.Sentence}}</span></li>
{{end}}</ul>{{else if .Level}}<p class="muted">No factor adds points.</p>{{end}}
{{if .Others}}<details><summary>{{len .Others}} more factors, no points</summary><ul class="reasons">
{{range .Others}}<li class="other"><span class="sentence">{{.Sentence}}</span></li>
{{end}}</ul></details>{{end}}
{{if .Context}}<ul class="context muted">
{{range .Context}}<li>{{.}}</li>
{{end}}</ul>{{end}}
{{if .Charts}}<div class="charts">
{{range $c := .Charts}}<figure data-chart="{{.Key}}">
<figcaption>{{.Title}}, per week (scale 0 to {{.Max}}){{if .Usual}}; {{.Usual}}{{end}}</figcaption>
<svg class="chart" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Title}}">
<line class="divider" x1="{{.BaselineX}}" y1="2" x2="{{.BaselineX}}" y2="{{.Height}}"></line>
{{range .Bars}}<rect class="{{if .Judged}}bar-judged{{else}}bar-baseline{{end}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}</title></rect>
{{end}}{{with .UsualY}}<line class="usual" x1="0" y1="{{.}}" x2="{{$c.Width}}" y2="{{.}}"></line>{{end}}
<text class="axis" x="2" y="{{.Height}}" dy="-2">baseline</text><text class="axis" x="{{.BaselineX}}" y="{{.Height}}" dx="3" dy="-2">judged</text>
</svg>
</figure>
{{end}}</div>{{end}}
</section>
{{end}}
<footer>Written by overtime{{if .Generated}} on {{.Generated}}{{end}}. Every event is judged in the person's own time zone, working days, working hours and holidays; docs/methodology.md explains each factor.</footer>
</main>
</body>
</html>
`
