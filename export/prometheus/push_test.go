package prometheus

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/proctest"
)

func TestPushPutsToTheOvertimeJob(t *testing.T) {
	t.Parallel()
	var gotMethod, gotPath string
	var gotBody int
	mux := http.NewServeMux()
	// Mounted under a prefix, so a push that ignored the URL's path fails.
	mux.HandleFunc("/gw/", func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotPath = r.Method, r.URL.Path
		b, _ := io.ReadAll(r.Body)
		gotBody = len(b)
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	if err := Push(t.Context(), srv.URL+"/gw", fixture(t)); err != nil {
		t.Fatal(err)
	}
	if gotMethod != http.MethodPut || gotPath != "/gw/metrics/job/overtime" || gotBody == 0 {
		t.Errorf("push: %s %s with %d bytes, want a PUT to /gw/metrics/job/overtime with a body", gotMethod, gotPath, gotBody)
	}
}

func TestPushReportsAFailingGateway(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "pushed metrics are invalid or inconsistent", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	err := Push(t.Context(), srv.URL, fixture(t))
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("Push() = %v, want the gateway's 400", err)
	}
	if err := Push(t.Context(), srv.URL, nil); err == nil {
		t.Error("Push(nil) succeeded; it would wipe the gateway's overtime group")
	}
}

func TestWriteTextfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "overtime.prom")
	if err := WriteTextfile(path, fixture(t)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "full.prom"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("textfile differs from testdata/full.prom")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the textfile directory, want 1 (no temp file left)", len(entries))
	}
}

// TestPromtoolCheckMetrics runs the real promtool's linter over the golden
// expositions, as node_exporter's checkmetrics.sh does.
func TestPromtoolCheckMetrics(t *testing.T) {
	t.Parallel()
	promtool := proctest.RequireBinary(t, "promtool")
	for _, name := range []string{"full.prom", "no_ticket_source.prom", "no_snapshot.prom"} {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
		cmd.Stdin = f
		out, err := cmd.CombinedOutput()
		cancel()
		f.Close()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("promtool check metrics < %s: %v\n%s", name, err, out)
		}
	}
}

// TestPushgateway pushes to a real Pushgateway and reads the group back: a
// second push without a person replaces the group, so the person is gone,
// and a failed run keeps the last success of the run before it.
func TestPushgateway(t *testing.T) {
	t.Parallel()
	gateway := proctest.RequireBinary(t, "prometheus-pushgateway")
	addr := proctest.FreeAddr(t)
	proctest.StartProcess(t, gateway, "--web.listen-address="+addr, "--log.level=warn")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	base := "http://" + addr
	proctest.WaitHTTP200(ctx, t, base+"/-/ready")

	night1 := fixture(t)
	if err := Push(ctx, base, night1); err != nil {
		t.Fatal(err)
	}
	got := readGateway(ctx, t, base)
	alice := `overtime_risk_score{instance="", job="overtime", person="alice", team="payments"}`
	if got[alice] != 78 {
		t.Fatalf("after the first push: %s = %v, want 78", alice, got[alice])
	}
	lastSuccess := `overtime_last_success_timestamp_seconds{instance="", job="overtime"}`
	if want := float64(night1.Job.LastSuccess.Unix()); got[lastSuccess] != want {
		t.Errorf("%s = %v, want %v", lastSuccess, got[lastSuccess], want)
	}

	// The next night fails; alice has left.
	night2 := *night1
	night2.People = night1.People[1:]
	night2.Job.SourceErrors = map[string]int{"git": 0, "github": 2, "jira": 0}
	ended := night1.Job.LastRun.Add(24 * time.Hour)
	night2.Finish(night1, ended, false)
	if err := Push(ctx, base, &night2); err != nil {
		t.Fatal(err)
	}
	got = readGateway(ctx, t, base)
	for k := range got {
		if strings.Contains(k, `person="alice"`) {
			t.Errorf("alice left but the gateway still has %s", k)
		}
	}
	if got[`overtime_risk_score{instance="", job="overtime", person="bob", team="payments"}`] != 18 {
		t.Errorf("bob missing after the second push")
	}
	if want := float64(night1.Job.LastSuccess.Unix()); got[lastSuccess] != want {
		t.Errorf("after a failed run %s = %v, want the previous success %v", lastSuccess, got[lastSuccess], want)
	}
	lastRun := `overtime_last_run_timestamp_seconds{instance="", job="overtime"}`
	if want := float64(ended.Unix()); got[lastRun] != want {
		t.Errorf("%s = %v, want %v", lastRun, got[lastRun], want)
	}
	if got[`overtime_source_errors{instance="", job="overtime", source="github"}`] != 2 {
		t.Errorf("github errors not pushed")
	}
}

func readGateway(ctx context.Context, t *testing.T, base string) map[string]float64 {
	t.Helper()
	got, err := tryScrape(ctx, base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Issue 10, item 9: the credentials of a Pushgateway URL never appear in an
// error, not even when the gateway echoes the request back.
func TestPushRedactsURLCredentials(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "rejected "+r.Header.Get("Authorization"), http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	const password = "p@ss:w/rd%"
	u := "http://ops:" + url.PathEscape(password) + "@" + strings.TrimPrefix(srv.URL, "http://")
	err := Push(t.Context(), u, fixture(t))
	basic := base64.StdEncoding.EncodeToString([]byte("ops:" + password))
	if err == nil || strings.Contains(err.Error(), url.PathEscape(password)) || strings.Contains(err.Error(), basic) ||
		!strings.Contains(err.Error(), "http://REDACTED@127.0.0.1") {
		t.Errorf("Push() = %v; want the gateway's error with the credentials redacted", err)
	}
	for raw, want := range map[string]string{
		"http://ops:secret@gw:9091/x":  "http://REDACTED@gw:9091/x",
		"https://token@gw":             "https://REDACTED@gw",
		"http://gw:9091/a@b":           "http://gw:9091/a@b",
		"http://ops:secret@[::1":       "http://REDACTED@[::1",
		"http://pushgateway.example:1": "http://pushgateway.example:1",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
