// Package cli holds what the example programs share: settings read from the
// environment with one clear error naming everything missing, progress lines
// on stderr (steps, request counts, retries and rate-limit waits), and
// readable tables.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
)

// Settings reads environment variables and remembers the missing ones.
type Settings struct {
	lookup  func(string) (string, bool)
	missing []string
}

// NewSettings reads from the process environment.
func NewSettings() *Settings { return &Settings{lookup: os.LookupEnv} }

// Require returns the variable's value, recording it as missing when empty.
func (s *Settings) Require(name string) string {
	v, _ := s.lookup(name)
	v = strings.TrimSpace(v)
	if v == "" {
		s.missing = append(s.missing, name)
	}
	return v
}

// Optional returns the variable's value, or def when unset or empty.
func (s *Settings) Optional(name, def string) string {
	if v, _ := s.lookup(name); strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// Err names every missing variable, or returns nil.
func (s *Settings) Err() error {
	if len(s.missing) == 0 {
		return nil
	}
	return fmt.Errorf("missing settings: %s (set them in the environment, or run with -demo)", strings.Join(s.missing, ", "))
}

// Progress writes what a long-running program is doing to w (stderr),
// each line stamped with the time since start. Safe for concurrent use.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

// NewProgress returns a Progress writing to w.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w, start: time.Now()} }

// Printf writes one progress line.
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// Watch prints each named counter set's activity every interval while it
// changes, until the returned stop function is called (stop prints a final
// line).
func (p *Progress) Watch(interval time.Duration, counters map[string]*httpx.Counters) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	last := map[string]httpx.Stats{}
	report := func(final bool) {
		for _, name := range sortedKeys(counters) {
			s := counters[name].Snapshot()
			if s == last[name] && !final {
				continue
			}
			last[name] = s
			p.Printf("%s: %s", name, s)
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				report(false)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		report(true)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Logger returns a logger that shows the engine's retries and rate-limit
// waits (and anything at Info or above) as progress lines; other Debug
// lines (one per request) are shown only when verbose is set.
func (p *Progress) Logger(verbose bool) *slog.Logger {
	return slog.New(&progressHandler{p: p, verbose: verbose})
}

type progressHandler struct {
	p       *Progress
	verbose bool
	attrs   []slog.Attr
}

func (h *progressHandler) Enabled(_ context.Context, l slog.Level) bool { return true }

func (h *progressHandler) Handle(_ context.Context, r slog.Record) error {
	interesting := r.Level >= slog.LevelInfo || r.Message == "retrying" || strings.HasPrefix(r.Message, "rate limit") || strings.HasPrefix(r.Message, "401")
	if !interesting && !h.verbose {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.p.Printf("%s", b.String())
	return nil
}

func (h *progressHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *progressHandler) WithGroup(string) slog.Handler { return h }

// Table writes rows under a header, aligned in columns.
func Table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	under := make([]string, len(header))
	for i, h := range header {
		under[i] = strings.Repeat("-", len(h))
	}
	fmt.Fprintln(tw, strings.Join(under, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// JSON writes v as indented JSON.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
