// Package progress shows what a long-running mspsync program is doing:
// lines on stderr stamped with the time since start, each client's
// request counts while they change, and the HTTP engine's retries and
// rate-limit waits as they happen.
//
//	p := progress.New(os.Stderr)
//	hc, _ := halo.FromEnv(halo.WithLogger(p.Logger(false)))
//	hc.Counters().Observe(p.Activity) // retries and waits as they happen
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

// Activity is one retry, rate-limit wait or credential refresh of a
// client, reported as it happens: pass Printer.Activity to a client's
// Counters().Observe.
type Activity = mspsync.Activity

// Printer writes progress lines. It is safe for concurrent use.
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	json  *slog.Logger // set by NewJSON: every line is a JSON log record
}

// New returns a Printer writing to w (usually os.Stderr), its clock
// starting now.
func New(w io.Writer) *Printer { return &Printer{w: w, start: time.Now()} }

// NewJSON returns a Printer that writes each line as a JSON log record
// (log/slog's JSON handler: time, level, msg) to w, for programs run with
// -log-format json; its Logger writes JSON records too.
func NewJSON(w io.Writer) *Printer {
	return &Printer{w: w, start: time.Now(), json: slog.New(slog.NewJSONHandler(w, nil))}
}

// Printf writes one line.
func (p *Printer) Printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if p.json != nil {
		p.json.Info(line)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), line)
}

// Activity prints a client's retry, wait or refresh as it happens (a
// JSON record with its fields when the Printer is NewJSON's).
func (p *Printer) Activity(a Activity) {
	if p.json != nil {
		p.json.Info(a.String(), "kind", string(a.Kind), "vendor", a.Vendor, "method", a.Method, "path", a.Path,
			"attempt", a.Attempt, "status", a.Status, "reason", a.Reason, "wait", a.Wait)
		return
	}
	p.Printf("%s", a)
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

// Logger returns a logger for the clients' WithLogger that shows anything
// at Info or above as progress lines, and the per-request Debug lines only
// when verbose is set. Retries, waits and refreshes are not taken from
// the log: pass Activity to each client's Counters().Observe. A NewJSON
// Printer's logger writes JSON records.
func (p *Printer) Logger(verbose bool) *slog.Logger {
	if p.json != nil {
		level := slog.LevelInfo
		if verbose {
			level = slog.LevelDebug
		}
		return slog.New(slog.NewJSONHandler(p.w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(&handler{p: p, verbose: verbose})
}

type handler struct {
	p       *Printer
	verbose bool
	attrs   []slog.Attr
}

func (h *handler) Enabled(context.Context, slog.Level) bool { return true }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo && !h.verbose {
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

// LogActivity returns an observer for a client's Counters().Observe that
// logs each retry, rate-limit wait and credential refresh at Info on l, as
// it happens, for programs that log rather than print progress lines (a
// receiver, a poller).
func LogActivity(l *slog.Logger) func(Activity) {
	return func(a Activity) {
		l.Info(a.String(), "kind", string(a.Kind), "vendor", a.Vendor, "method", a.Method, "path", a.Path,
			"attempt", a.Attempt, "status", a.Status, "wait", a.Wait)
	}
}
