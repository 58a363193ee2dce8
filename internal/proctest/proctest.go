// Package proctest starts the real binaries end-to-end tests need (prometheus,
// promtool, the Pushgateway) on loopback, and fails loudly in CI when one is
// missing.
package proctest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// RequireBinary returns the path of a real binary a test needs. When it is
// missing the test fails in CI (CI=true, where .ci/run installs it) and is
// skipped elsewhere.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true): .ci/run installs it (Debian packages prometheus, prometheus-pushgateway)", name)
	}
	t.Skipf("%s not found; install Debian's prometheus and prometheus-pushgateway to run this test (it fails instead of skipping when CI=true)", name)
	return ""
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// LockedBuffer is a bytes.Buffer safe for concurrent writers: a process's
// output, a logger shared by goroutines.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartProcess starts a long-running binary, killed when the test ends; its
// output is logged if the test failed.
func StartProcess(t testing.TB, path string, args ...string) {
	t.Helper()
	var out LockedBuffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", path, out.String())
		}
	})
}

// WaitHTTP200 polls url until it answers 200 or ctx ends.
func WaitHTTP200(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ready: %v (last error %v)", url, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
