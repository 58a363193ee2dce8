package report_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/overtime-project/overtime/analysis"
	"github.com/overtime-project/overtime/export/report"
	"github.com/overtime-project/overtime/internal/demo"
	"github.com/overtime-project/overtime/store"
)

var screenshot = flag.String("screenshot", "", "also write the browser test's screenshot (PNG) to this file")

// requireChromium finds the browser: the test may skip on a developer's
// machine without one, never in CI (CI=true), where .ci/run installs it.
func requireChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH; CI must install it (apt-get install chromium)")
	}
	t.Skip("no Chromium on PATH (apt-get install chromium): the HTML report is not checked in a browser")
	return ""
}

// rendered is what the browser shows, as the page's script-free DOM gives it
// to the test's script.
type rendered struct {
	Title  string   `json:"title"`
	Teams  []string `json:"teams"`
	People []struct {
		ID      string   `json:"id"`
		Level   string   `json:"level"`
		Reasons []string `json:"reasons"`
		Height  float64  `json:"height"`
		Charts  []struct {
			Key       string  `json:"key"`
			Width     float64 `json:"width"`
			Height    float64 `json:"height"`
			Bars      int     `json:"bars"`
			Drawn     int     `json:"drawn"`
			JudgedFil string  `json:"judgedFill"`
			Inside    bool    `json:"inside"`
		} `json:"charts"`
	} `json:"people"`
}

const inspectPage = `(() => {
  const people = [...document.querySelectorAll('section.person')].map(s => ({
    id: s.dataset.person,
    level: (s.querySelector('.level') || {}).textContent || '',
    reasons: [...s.querySelectorAll('ul.reasons li.reason .sentence')].map(e => e.textContent),
    height: s.getBoundingClientRect().height,
    charts: [...s.querySelectorAll('figure[data-chart]')].map(f => {
      const svg = f.querySelector('svg');
      const box = svg.getBoundingClientRect();
      const rects = [...svg.querySelectorAll('rect')];
      const judged = svg.querySelector('rect.bar-judged');
      return {
        key: f.dataset.chart, width: box.width, height: box.height, bars: rects.length,
        drawn: rects.filter(r => { const b = r.getBBox(); return b.width > 0 && b.height > 0; }).length,
        judgedFill: judged ? getComputedStyle(judged).fill : '',
        inside: rects.every(r => { const b = r.getBoundingClientRect();
          return b.left >= box.left - 0.5 && b.right <= box.right + 0.5 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5; }),
      };
    }),
  }));
  return {title: document.title, teams: [...document.querySelectorAll('#teams tbody tr')].map(r => r.innerText), people};
})()`

// TestHTMLInChromium: the demo organisation through the real pipeline → the
// HTML report → headless Chromium. Every person is rendered with their level
// and reasons, every chart is drawn inside its box, the team of two shows no
// team figures, and the page asks nothing of the network.
func TestHTMLInChromium(t *testing.T) {
	t.Parallel()
	chromium := requireChromium(t)
	ctx := t.Context()

	res, err := demo.Build(ctx, t.TempDir(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, res.DBPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := analysis.SummarizeRisk(ctx, db, demo.AsOf, res.Config.Analysis.WindowDays, "", analysis.RiskOptionsFor(res.Config))
	if err != nil {
		t.Fatal(err)
	}
	h, err := report.LoadHistory(ctx, db, w, analysis.RiskOptionsFor(res.Config))
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, w, h, report.HTMLOptions{MinGroupSize: res.Config.Privacy.MinGroupSize}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// The flags keep Chromium off the network of its own accord (updates,
	// sync, field trials): on a closed network those connections fail.
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 1000),
	)
	defer cancel()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	go func() { // a hung browser must not hang the test run
		select {
		case <-time.After(2 * time.Minute):
			cancel()
		case <-browser.Done():
		}
	}()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Do(browser,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
			return err
		}),
		chromedp.EmulateViewport(1200, 1000),
		chromedp.Navigate("file://"+file),
		chromedp.WaitReady("footer"),
	); err != nil {
		t.Fatalf("load the report in Chromium: %v", err)
	}
	got, err := chromedp.Run(browser, chromedp.Evaluate[rendered](inspectPage))
	if err != nil {
		t.Fatalf("inspect the page: %v", err)
	}
	shot, err := chromedp.Run(browser, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "report-html.png")
	if *screenshot != "" {
		path = *screenshot
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))

	mu.Lock()
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the page requested %s: it must be self-contained", u)
		}
	}
	mu.Unlock()

	if got.Title != "Overtime report, "+demo.AsOf.Format("2006-01-02") {
		t.Errorf("title %q", got.Title)
	}
	// Every person of the report, in its order, with their level and reasons.
	if len(got.People) != len(w.People) {
		t.Fatalf("%d people rendered, want %d", len(got.People), len(w.People))
	}
	weeks := h.JudgedWeeks + h.BaselineWeeks
	for i, f := range w.People {
		p := got.People[i]
		if p.ID != f.ID {
			t.Errorf("person %d: %q rendered, want %q", i, p.ID, f.ID)
			continue
		}
		if want := strings.ReplaceAll(string(f.Risk.Level), "_", " "); p.Level != want {
			t.Errorf("%s: level %q rendered, want %q", f.ID, p.Level, want)
		}
		var want []string
		for _, x := range f.Risk.Factors {
			if f.Risk.Score == nil || x.Contribution > 0 {
				want = append(want, x.Explanation)
			}
		}
		if fmt.Sprint(p.Reasons) != fmt.Sprint(want) {
			t.Errorf("%s: reasons rendered\n\t%q\nwant\n\t%q", f.ID, p.Reasons, want)
		}
		if p.Height <= 0 {
			t.Errorf("%s: the section has no height", f.ID)
		}
		if len(p.Charts) != 3 {
			t.Errorf("%s: %d charts, want 3", f.ID, len(p.Charts))
		}
		for _, c := range p.Charts {
			if c.Width < 200 || c.Height < 60 || c.Bars != weeks || !c.Inside {
				t.Errorf("%s: chart %s: %.0f×%.0f px, %d bars (want %d), all inside its box: %v", f.ID, c.Key, c.Width, c.Height, c.Bars, weeks, c.Inside)
			}
			if c.JudgedFil != "rgb(58, 91, 160)" {
				t.Errorf("%s: chart %s: judged bars filled %q: the inline style did not apply", f.ID, c.Key, c.JudgedFil)
			}
		}
	}
	// The planted people's charts show what was planted.
	for i, f := range w.People {
		p := got.People[i]
		drawn := map[string]int{}
		for _, c := range p.Charts {
			drawn[c.Key] = c.Drawn
		}
		switch f.ID {
		case "dana": // no day off for three weeks
			if drawn["non-working-days"] < 3 {
				t.Errorf("dana: %d non-working-day bars drawn, want her three weeks without a day off", drawn["non-working-days"])
			}
		case "eve": // evenings creeping in
			if drawn["after-hours"] < 4 {
				t.Errorf("eve: %d after-hours bars drawn, want the judged weeks at least", drawn["after-hours"])
			}
		case "sam": // steady 9-to-5: spans every active week, no after-hours
			if drawn["span"] < weeks-1 || drawn["after-hours"] != 0 {
				t.Errorf("sam: %d span bars, %d after-hours bars drawn", drawn["span"], drawn["after-hours"])
			}
		}
	}
	// The team summary: the team of two has no team figures.
	var security string
	for _, row := range got.Teams {
		if strings.HasPrefix(row, "security") {
			security = row
		}
	}
	if !strings.Contains(security, "team of fewer than 5: no team figures") {
		t.Errorf("the security team's row %q does not say its figures are withheld (rows: %q)", security, got.Teams)
	}
	// One row per team with people, and one for the people in no team.
	rows := map[string]bool{}
	for _, m := range demo.People {
		rows[m.Team] = true
	}
	if len(got.Teams) != len(rows) {
		t.Errorf("%d team rows, want %d (the demo's teams with people, and \"no team\")", len(got.Teams), len(rows))
	}
}
