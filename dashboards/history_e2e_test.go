package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/demo"
	"github.com/overtime-project/overtime/internal/proctest"
)

// TestBackfilledHistoryDrawsAsLines: the demo's weekly history → overtime
// backfill → promtool tsdb create-blocks-from openmetrics → a real
// Prometheus on those blocks. Every dashboard query over backfilled history
// returns, over 90 days, a series with a value at every step (a line), where
// the same query without last_over_time gives isolated weekly points.
func TestBackfilledHistoryDrawsAsLines(t *testing.T) {
	t.Parallel()
	prometheus := proctest.RequireBinary(t, "prometheus")
	promtool := proctest.RequireBinary(t, "promtool")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	overtime, demoDir := demoOrganisation(ctx, t)
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
	}
	history := filepath.Join(dir, "history.om")
	run(overtime, "backfill", "--config", filepath.Join(demoDir, "overtime.yaml"), "--out", history)
	data := filepath.Join(dir, "data")
	run(promtool, "tsdb", "create-blocks-from", "openmetrics", history, data)

	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := proctest.FreeAddr(t)
	proctest.StartProcess(t, prometheus,
		"--config.file="+config,
		"--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=20y", // the demo's history is in the past
		"--web.listen-address="+addr,
		"--log.level=warn")
	api := "http://" + addr
	proctest.WaitHTTP200(ctx, t, api+"/-/ready")

	// 90 days ending the day after the demo's as-of date (the last weekly
	// sample is stamped at the end of that date), one step an hour.
	end := demo.AsOf.AddDate(0, 0, 1)
	start := end.AddDate(0, 0, -90)
	const step = time.Hour
	steps := int(end.Sub(start)/step) + 1

	// The history is the 7d window; the other variables as in the live test.
	values := map[string]string{"window": "7d"}
	checked := 0
	for _, q := range queries(loadDashboards(t)) {
		if !strings.Contains(q.expr, "last_over_time") {
			continue
		}
		e, err := substituteWith(q.expr, values)
		if err != nil {
			t.Fatal(err)
		}
		series, err := rangeQuery(ctx, api, e, start, end, step)
		if err != nil {
			t.Fatalf("%s: %v\n\t%s", q.where, err, e)
		}
		if len(series) == 0 {
			t.Errorf("%s: no series over the backfilled 90 days\n\t%s", q.where, e)
			continue
		}
		for name, n := range series {
			if n != steps {
				t.Errorf("%s: series %s has %d of %d hourly points over 90 days: not a continuous line\n\t%s", q.where, name, n, steps, e)
			}
		}
		// Without last_over_time the weekly samples are isolated points
		// (Prometheus looks back 5 minutes): the wrapper is what draws.
		bare := lastOverTimeRE.ReplaceAllString(e, "$1")
		points, err := rangeQuery(ctx, api, bare, start, end, step)
		if err != nil {
			t.Fatalf("%s: %v\n\t%s", q.where, err, bare)
		}
		for name, n := range points {
			if n > 14 {
				t.Errorf("%s: series %s has %d points without last_over_time; want only the weekly samples", q.where, name, n)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Errorf("only %d history queries checked; the dashboards draw history in at least 5 panels", checked)
	}
	t.Logf("%d history queries drew continuous 90-day series from backfilled blocks", checked)
}

var lastOverTimeRE = regexp.MustCompile(`last_over_time\((.*?)\[7d\]\)`)

// substituteWith is substitute with some variables set otherwise.
func substituteWith(expr string, values map[string]string) (string, error) {
	for name, v := range values {
		expr = strings.ReplaceAll(expr, "${"+name+"}", v)
		expr = regexp.MustCompile(`\$`+name+`\b`).ReplaceAllString(expr, v)
	}
	return substitute(expr)
}

// rangeQuery runs expr through /api/v1/query_range and returns how many
// points each series has, by its labels.
func rangeQuery(ctx context.Context, api, expr string, start, end time.Time, step time.Duration) (map[string]int, error) {
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values []json.RawMessage `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	u := api + "/api/v1/query_range?" + url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(start.Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix(), 10)},
		"step":  {strconv.Itoa(int(step.Seconds()))},
	}.Encode()
	if err := getJSON(ctx, u, &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("query_range failed: %s", resp.Error)
	}
	out := map[string]int{}
	for _, r := range resp.Data.Result {
		out[fmt.Sprint(r.Metric)] = len(r.Values)
	}
	return out, nil
}
