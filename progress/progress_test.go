package progress_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/progress"
)

// syncBuffer is a bytes.Buffer safe for the watcher's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestPrinterLinesAndWatch(t *testing.T) {
	var out syncBuffer
	p := progress.New(&out)
	p.Printf("loading %d devices", 3)
	var mu sync.Mutex
	st := progress.Stats{Requests: 1, Reads: 1}
	stop := p.Watch(time.Millisecond, map[string]func() progress.Stats{"halo": func() progress.Stats { mu.Lock(); defer mu.Unlock(); return st }})
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	st.Requests, st.Writes = 2, 1
	mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	stop()
	stop() // a second stop is harmless
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !regexp.MustCompile(`^\[ +\d+\.\ds\] loading 3 devices$`).MatchString(lines[0]) {
		t.Errorf("first line %q", lines[0])
	}
	// Unchanged counters are not repeated: one line per change, one at stop.
	if n := strings.Count(out.String(), "halo: "); n != 3 {
		t.Errorf("%d counter lines; want 3 (first, after the change, at stop):\n%s", n, out.String())
	}
}

func TestLoggerShowsInfoNotEveryRequest(t *testing.T) {
	var out syncBuffer
	log := progress.New(&out).Logger(false)
	log.Debug("request", "method", "GET")
	log.Debug("retrying", "attempt", 2, "wait", "1s") // retries come from Activity, not from the log
	log.Info("done")
	s := out.String()
	if strings.Contains(s, "request method=GET") || strings.Contains(s, "retrying") || !strings.Contains(s, "done") {
		t.Errorf("quiet logger wrote:\n%s", s)
	}
	out = syncBuffer{}
	progress.New(&out).Logger(true).With("vendor", "halo").Debug("request", slog.String("method", "GET"))
	if !strings.Contains(out.String(), "request vendor=halo method=GET") {
		t.Errorf("verbose logger wrote %q", out.String())
	}
}

func TestActivityAndJSON(t *testing.T) {
	var out syncBuffer
	a := progress.Activity{Kind: "retry", Vendor: "halo", Method: "GET", Path: "Asset", Attempt: 2, Status: 429, Wait: 1500 * time.Millisecond}
	progress.New(&out).Activity(a)
	if !strings.Contains(out.String(), "halo: retrying GET Asset (attempt 2, status 429) in 1.5s") {
		t.Errorf("text activity %q", out.String())
	}
	out = syncBuffer{}
	p := progress.NewJSON(&out)
	p.Printf("loading %d devices", 3)
	p.Activity(a)
	p.Logger(false).Info("done", "n", 1)
	p.Logger(false).Debug("request")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 JSON lines:\n%s", out.String())
	}
	for i, want := range []map[string]any{{"msg": "loading 3 devices"}, {"kind": "retry", "vendor": "halo", "status": 429.0}, {"msg": "done", "n": 1.0}} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("line %d %q: %v", i, lines[i], err)
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, m[k], v)
			}
		}
	}
}

func TestRunChecks(t *testing.T) {
	var out bytes.Buffer
	ok := progress.PingCheck("halo", func(context.Context) (*info, error) { return &info{"tenant acme"}, nil })
	bad := progress.PingCheck("datto", func(context.Context) (*info, error) { return nil, errors.New("dial tcp: connection refused") })
	err := progress.RunChecks(t.Context(), &out, ok, bad)
	if out.String() != "halo: ok: tenant acme\ndatto: FAILED: dial tcp: connection refused\n" {
		t.Errorf("output %q", out.String())
	}
	if err == nil || !strings.Contains(err.Error(), "datto: dial tcp") {
		t.Errorf("err = %v", err)
	}
	if err := progress.RunChecks(t.Context(), &out, ok); err != nil {
		t.Errorf("all ok: %v", err)
	}
}

type info struct{ s string }

func (i *info) String() string { return i.s }

// TestLogActivity logs a retry at Info with its typed fields.
func TestLogActivity(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	progress.LogActivity(l)(progress.Activity{Kind: mspsync.ActivityRetry, Vendor: "halo", Method: "GET", Path: "/api/Asset", Attempt: 1, Status: 503, Wait: time.Second})
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	if rec["level"] != "INFO" || rec["kind"] != "retry" || rec["vendor"] != "halo" || rec["status"] != float64(503) || !strings.Contains(rec["msg"].(string), "retrying GET /api/Asset") {
		t.Errorf("logged %v", rec)
	}
}
