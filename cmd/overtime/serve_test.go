package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/overtime-project/overtime/internal/gittest"
)

// TestServeAnswersEveryScrapeWhileTheNightlyRunWorks runs `overtime serve`
// under steady scraping while a full `overtime run` collects, analyzes and
// replaces the snapshot: no scrape fails, the run does not fail, and serve
// moves on to the new snapshot.
func TestServeAnswersEveryScrapeWhileTheNightlyRunWorks(t *testing.T) {
	t.Parallel()
	repo := bulkRepo(t, 2000)
	dir := t.TempDir()
	writeConfig(t, dir, repo.Dir)
	if r := overtime(t, dir, "run", "--as-of", "2026-06-20"); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	serve := binary(ctx, "serve", "--listen", addr)
	serve.Dir = dir
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })

	scrape := func() (string, error) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", &httpError{resp.StatusCode}
		}
		return string(body), err
	}
	lastRun := func(body string) string {
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "overtime_last_run_timestamp_seconds ") {
				return line
			}
		}
		return ""
	}
	var before string
	for deadline := time.Now().Add(20 * time.Second); ; {
		body, err := scrape()
		if err == nil && lastRun(body) != "" {
			before = lastRun(body)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered with the first run's snapshot: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	var scrapes, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			body, err := scrape()
			scrapes.Add(1)
			if err == nil && (lastRun(body) == "" || !strings.Contains(body, "overtime_activity_events{")) {
				err = &httpError{0}
			}
			if err != nil {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, err.Error())
			}
		}
	}()
	var more []gittest.Commit
	for i := range 3000 {
		more = append(more, gittest.Commit{AuthorName: "dee", AuthorEmail: "dee@example.com",
			When: gittest.At(2026, 7, 1, 20, 0, "+0000").Add(time.Duration(i) * time.Minute)})
	}
	repo.FastImport(more)
	r := overtime(t, dir, "run", "--as-of", "2026-07-02")
	// Let serve see the new snapshot.
	var after string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if body, err := scrape(); err == nil && lastRun(body) != before {
			after = lastRun(body)
			break
		}
	}
	close(stop)
	wg.Wait()
	if r.code != 0 {
		t.Errorf("run under scraping: exit %d\n%s", r.code, r.stderr)
	}
	if failures.Load() != 0 {
		t.Errorf("%d of %d scrapes failed during the run; first: %v", failures.Load(), scrapes.Load(), firstFailure.Load())
	}
	if scrapes.Load() < 20 {
		t.Errorf("only %d scrapes during the run; the test did not exercise serve", scrapes.Load())
	}
	if after == "" {
		t.Errorf("serve still answers the old snapshot (%s) after the run", before)
	}
	t.Logf("%d scrapes during the run, %d failed", scrapes.Load(), failures.Load())
}

type httpError struct{ code int }

func (e *httpError) Error() string {
	if e.code == 0 {
		return "scrape answered without the snapshot's series"
	}
	return "scrape answered HTTP " + http.StatusText(e.code)
}
