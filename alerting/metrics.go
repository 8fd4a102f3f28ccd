package alerting

import (
	"context"
	"fmt"
	"maps"
	"slices"
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

// MetricPrefix is the prefix mspsync's programs give every Metric name
// when they export it ("mspsync_alerting_tickets_created_total").
const MetricPrefix = "mspsync_alerting_"

// ReasonLabel is the label of the metrics Stats.Metrics reports per
// Reason (rejected_total, ignored_total).
const ReasonLabel = "reason"

// Metric is one value of a Stats snapshot with what an exporter needs to
// publish it. The package depends on no metrics library: a program turns
// Stats.Metrics into its own (the datto-alerts-to-halo example registers
// them with Prometheus' client_golang and serves GET /metrics).
type Metric struct {
	// Name is snake_case without a prefix; a counter's ends in "_total"
	// ("tickets_created_total"), a gauge's does not ("pending").
	Name string
	// Help is one sentence saying what is counted.
	Help string
	// Gauge is true for a value that goes up and down (Pending,
	// PollPreExisting); otherwise the metric is a counter that only grows
	// while the engine lives.
	Gauge bool
	// Label is ReasonLabel for the metrics reported per Reason, with the
	// reason in LabelValue; both are empty for the others.
	Label, LabelValue string
	// Value is the count.
	Value int64
}

// Metrics returns s as metrics, in a fixed order: one for each counter
// and gauge of Stats, then rejected_total and ignored_total once per
// Reason (every reason the engine knows, 0 if it never happened, and any
// other reason s holds), sorted by reason. Names and label sets do not
// depend on the values, so Stats{}.Metrics() describes every metric.
func (s Stats) Metrics() []Metric {
	one := func(name, help string, v int64) Metric { return Metric{Name: name, Help: help, Value: v} }
	gauge := func(name, help string, v int64) Metric { return Metric{Name: name, Help: help, Gauge: true, Value: v} }
	ms := []Metric{
		one("received_total", "Alerts received, before deduplication.", s.Received),
		one("deduplicated_total", "Redelivered alert events that had no further effect.", s.Deduplicated),
		one("tickets_created_total", "Tickets created in the PSA.", s.TicketsCreated),
		one("notes_added_total", "Notes added to PSA tickets.", s.NotesAdded),
		one("tickets_closed_total", "Tickets closed by the engine.", s.TicketsClosed),
		gauge("pending", "Alert events recorded and not yet processed.", s.Pending),
		one("retries_total", "Processing attempts that failed and were scheduled again.", s.Retries),
		one("source_resolves_total", "Alerts resolved at their source after a ticket was closed in the PSA.", s.SourceResolves),
		one("sync_errors_total", "Closed tickets whose resolve sync failed (retried next pass).", s.SyncErrors),
		one("enrich_errors_total", "Alert enrichments that failed; the alert went on with its recorded fields.", s.EnrichErrors),
		one("suppressed_total", "Raises suppressed by a maintenance window (re-checked when it ends).", s.Suppressed),
		one("tickets_reopened_total", "Closed tickets reopened because their alert recurred.", s.TicketsReopened),
		one("poll_passes_total", "Reconciliation poll passes over the sources' open alerts.", s.PollPasses),
		one("poll_raised_total", "Open alerts with no record that the reconciliation poll raised (missed raise webhooks).", s.PollRaised),
		one("poll_resolved_total", "Alerts the reconciliation poll resolved because they were no longer open at the source (missed resolve webhooks).", s.PollResolved),
		one("poll_incomplete_total", "Open-alert listings that ended with an error; nothing was resolved from them.", s.PollIncomplete),
		gauge("poll_pre_existing", "Open alerts the last poll pass did not ticket: raised before the receiver started.", s.PollPreExisting),
	}
	byReason := func(name, help string, known []Reason, m map[Reason]int64) {
		all := map[Reason]int64{}
		for _, r := range known {
			all[r] = 0
		}
		maps.Copy(all, m)
		for _, r := range slices.Sorted(maps.Keys(all)) {
			ms = append(ms, Metric{Name: name, Help: help, Label: ReasonLabel, LabelValue: string(r), Value: all[r]})
		}
	}
	byReason("rejected_total", "Alerts rejected, by reason.", rejectReasons, s.Rejected)
	byReason("ignored_total", "Alerts that changed nothing, by reason.", ignoreReasons, s.Ignored)
	return ms
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
