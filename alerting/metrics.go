package alerting

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of an engine's counters. Counters count since the
// engine was created; Pending is read from the store.
type Stats struct {
	Received       int64 // alerts submitted or accepted, before deduplication
	Deduplicated   int64 // redeliveries of an event already pending or processed
	TicketsCreated int64
	NotesAdded     int64
	TicketsClosed  int64 // closed by the engine
	Retries        int64 // processing attempts that failed and were scheduled again
	Pending        int64 // items in the store's pending queue (gauge)
	SourceResolves int64 // alerts resolved at their source by resolve sync
	SyncErrors     int64 // closed tickets resolve sync could not finish
	EnrichErrors   int64 // Enricher calls that failed; the alert went on with its recorded fields
	Suppressed     int64 // raises suppressed by a maintenance window (OutcomeSuppressed)
	// TicketsReopened counts closed tickets a recurring alert reopened
	// (OutcomeReopened, Config.ReopenWithin).
	TicketsReopened int64
	// PollPasses counts reconciliation poll passes (PollOpenAlerts);
	// PollRaised and PollResolved the raises and resolves they ingested
	// (missed webhooks); PollIncomplete the listings that ended with an
	// error (nothing resolved from them).
	PollPasses, PollRaised, PollResolved, PollIncomplete int64
	// PollPreExisting is a gauge: the open alerts the last poll pass left
	// unticketed because they were raised before the receiver started
	// (or WithPollSince).
	PollPreExisting int64
	// Rejected and Ignored count alerts by Reason; every known reason is
	// present, with 0 if it never happened.
	Rejected map[Reason]int64
	Ignored  map[Reason]int64
}

type counters struct {
	received, deduplicated, created, notes, closed, retries, sourceResolves, syncErrors, enrichErrors atomic.Int64
	suppressed, reopened                                                                              atomic.Int64
	pollPasses, pollRaised, pollResolved, pollIncomplete, pollPreExisting                             atomic.Int64

	mu       sync.Mutex
	rejected map[Reason]int64
	ignored  map[Reason]int64
}

func (c *counters) reject(r Reason) {
	c.mu.Lock()
	if c.rejected == nil {
		c.rejected = map[Reason]int64{}
	}
	c.rejected[r]++
	c.mu.Unlock()
}

func (c *counters) ignore(r Reason) {
	c.mu.Lock()
	if c.ignored == nil {
		c.ignored = map[Reason]int64{}
	}
	c.ignored[r]++
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Received:        c.received.Load(),
		Deduplicated:    c.deduplicated.Load(),
		TicketsCreated:  c.created.Load(),
		NotesAdded:      c.notes.Load(),
		TicketsClosed:   c.closed.Load(),
		Retries:         c.retries.Load(),
		SourceResolves:  c.sourceResolves.Load(),
		SyncErrors:      c.syncErrors.Load(),
		EnrichErrors:    c.enrichErrors.Load(),
		Suppressed:      c.suppressed.Load(),
		TicketsReopened: c.reopened.Load(),
		PollPasses:      c.pollPasses.Load(),
		PollRaised:      c.pollRaised.Load(),
		PollResolved:    c.pollResolved.Load(),
		PollIncomplete:  c.pollIncomplete.Load(),
		PollPreExisting: c.pollPreExisting.Load(),
		Rejected:        map[Reason]int64{},
		Ignored:         map[Reason]int64{},
	}
	for _, r := range rejectReasons {
		s.Rejected[r] = 0
	}
	for _, r := range ignoreReasons {
		s.Ignored[r] = 0
	}
	c.mu.Lock()
	maps.Copy(s.Rejected, c.rejected)
	maps.Copy(s.Ignored, c.ignored)
	c.mu.Unlock()
	return s
}

// MetricPrefix starts the name of every metric WritePrometheus writes.
const MetricPrefix = "mspsync_alerting_"

// WritePrometheus writes s in the Prometheus text exposition format
// (version 0.0.4): one counter per Stats field, the rejected and ignored
// counters with a "reason" label, and a pending gauge.
func WritePrometheus(w io.Writer, s Stats) error {
	bw := bufio.NewWriter(w)
	one := func(name, typ, help string, v int64) {
		fmt.Fprintf(bw, "# HELP %s%s %s\n# TYPE %s%s %s\n%s%s %d\n", MetricPrefix, name, help, MetricPrefix, name, typ, MetricPrefix, name, v)
	}
	byReason := func(name, help string, m map[Reason]int64) {
		fmt.Fprintf(bw, "# HELP %s%s %s\n# TYPE %s%s counter\n", MetricPrefix, name, help, MetricPrefix, name)
		for _, r := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(bw, "%s%s{reason=\"%s\"} %d\n", MetricPrefix, name, escapeLabel(string(r)), m[r])
		}
	}
	one("received_total", "counter", "Alerts received, before deduplication.", s.Received)
	one("deduplicated_total", "counter", "Redelivered alert events that had no further effect.", s.Deduplicated)
	one("tickets_created_total", "counter", "Tickets created in the PSA.", s.TicketsCreated)
	one("notes_added_total", "counter", "Notes added to PSA tickets.", s.NotesAdded)
	one("tickets_closed_total", "counter", "Tickets closed by the engine.", s.TicketsClosed)
	byReason("rejected_total", "Alerts rejected, by reason.", s.Rejected)
	byReason("ignored_total", "Alerts that changed nothing, by reason.", s.Ignored)
	one("pending", "gauge", "Alert events recorded and not yet processed.", s.Pending)
	one("retries_total", "counter", "Processing attempts that failed and were scheduled again.", s.Retries)
	one("source_resolves_total", "counter", "Alerts resolved at their source after a ticket was closed in the PSA.", s.SourceResolves)
	one("sync_errors_total", "counter", "Closed tickets whose resolve sync failed (retried next pass).", s.SyncErrors)
	one("enrich_errors_total", "counter", "Alert enrichments that failed; the alert went on with its recorded fields.", s.EnrichErrors)
	one("suppressed_total", "counter", "Raises suppressed by a maintenance window (re-checked when it ends).", s.Suppressed)
	one("tickets_reopened_total", "counter", "Closed tickets reopened because their alert recurred.", s.TicketsReopened)
	one("poll_passes_total", "counter", "Reconciliation poll passes over the sources' open alerts.", s.PollPasses)
	one("poll_raised_total", "counter", "Open alerts with no record that the reconciliation poll raised (missed raise webhooks).", s.PollRaised)
	one("poll_resolved_total", "counter", "Alerts the reconciliation poll resolved because they were no longer open at the source (missed resolve webhooks).", s.PollResolved)
	one("poll_incomplete_total", "counter", "Open-alert listings that ended with an error; nothing was resolved from them.", s.PollIncomplete)
	one("poll_pre_existing", "gauge", "Open alerts the last poll pass did not ticket: raised before the receiver started.", s.PollPreExisting)
	return bw.Flush()
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// Stats returns the engine's counters and the store's pending count.
func (e *Engine) Stats(ctx context.Context) (Stats, error) {
	s := e.stats.snapshot()
	n, err := e.store.Pending(ctx)
	if err != nil {
		return s, fmt.Errorf("alerting: pending count: %w", err)
	}
	s.Pending = int64(n)
	return s, nil
}

// WriteMetrics writes the engine's Stats with WritePrometheus.
func (e *Engine) WriteMetrics(ctx context.Context, w io.Writer) error {
	s, err := e.Stats(ctx)
	if err != nil {
		return err
	}
	return WritePrometheus(w, s)
}

// MetricsHandler serves WriteMetrics (mount it at GET /metrics).
func (e *Engine) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s, err := e.Stats(r.Context())
		if err != nil {
			e.log.ErrorContext(r.Context(), "alerting: metrics", "err", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = WritePrometheus(w, s)
	})
}
