package progress_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

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

func TestLoggerShowsRetriesNotEveryRequest(t *testing.T) {
	var out syncBuffer
	log := progress.New(&out).Logger(false)
	log.Debug("request", "method", "GET")
	log.Debug("retrying", "attempt", 2, "wait", "1s")
	log.Info("done")
	s := out.String()
	if strings.Contains(s, "request method=GET") || !strings.Contains(s, "retrying attempt=2 wait=1s") || !strings.Contains(s, "done") {
		t.Errorf("quiet logger wrote:\n%s", s)
	}
	out = syncBuffer{}
	progress.New(&out).Logger(true).With("vendor", "halo").Debug("request", slog.String("method", "GET"))
	if !strings.Contains(out.String(), "request vendor=halo method=GET") {
		t.Errorf("verbose logger wrote %q", out.String())
	}
}
