// Package progress shows what a long-running mspsync program is doing:
// lines on stderr stamped with the time since start, each client's
// request counts while they change, and the HTTP engine's retries and
// rate-limit waits as they happen.
//
//	p := progress.New(os.Stderr)
//	hc, _ := halo.FromEnv(halo.WithLogger(p.Logger(false)))
//	stop := p.Watch(3*time.Second, map[string]func() progress.Stats{"halo": hc.Stats})
//	defer stop()
//	p.Printf("loading %d devices", n)
package progress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync"
)

// Stats is a client's request counters at one moment (requests, reads,
// writes, retries, rate-limit waits); every client's Stats method returns
// one.
type Stats = mspsync.Stats

// Printer writes progress lines. It is safe for concurrent use.
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

// New returns a Printer writing to w (usually os.Stderr), its clock
// starting now.
func New(w io.Writer) *Printer { return &Printer{w: w, start: time.Now()} }

// Printf writes one line.
func (p *Printer) Printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), line)
}

// Watch prints each named client's counters every interval while they
// change, until the returned stop is called; stop prints them once more.
func (p *Printer) Watch(interval time.Duration, clients map[string]func() Stats) (stop func()) {
	names := make([]string, 0, len(clients))
	for n := range clients {
		names = append(names, n)
	}
	slices.Sort(names)
	last := map[string]Stats{}
	report := func(final bool) {
		for _, n := range names {
			s := clients[n]()
			if s == last[n] && !final {
				continue
			}
			last[n] = s
			p.Printf("%s: %s", n, s)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
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
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			report(true)
		})
	}
}

// Logger returns a logger for the clients' WithLogger that shows retries,
// rate-limit waits, token refreshes and anything at Info or above as
// progress lines; the per-request Debug lines only when verbose is set.
func (p *Printer) Logger(verbose bool) *slog.Logger {
	return slog.New(&handler{p: p, verbose: verbose})
}

type handler struct {
	p       *Printer
	verbose bool
	attrs   []slog.Attr
}

func (h *handler) Enabled(context.Context, slog.Level) bool { return true }

// interesting reports whether a Debug record is one a person watching
// wants anyway: the engine's retries, waits and re-authentications.
func interesting(msg string) bool {
	return msg == "retrying" || strings.HasPrefix(msg, "rate limit") || strings.HasPrefix(msg, "401")
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo && !h.verbose && !interesting(r.Message) {
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

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(slices.Clone(h.attrs), as...)
	return &c
}

func (h *handler) WithGroup(string) slog.Handler { return h }
