// Package alerting turns alerts from RMMs and security platforms into PSA
// tickets. It is vendor-neutral: vendor packages decode their webhooks and
// polls into Alert values, implement Sink for a PSA (HaloPSA, Kaseya BMS)
// and Resolver for a source (Datto RMM, Level, Vision One), and the Engine
// does the rest.
//
// # Flow
//
// Engine.Submit (or Accept, then Run) first records the event durably in
// the Store's pending queue, keyed by source, kind and event ID, so a
// redelivery has one effect and an acknowledged alert is never lost. The
// engine then routes a raise to a PSA customer: the PSA asset the device
// is linked to by an import (AssetLocator; the asset's customer and site),
// else a configured mapping, else a mapping an import learned
// (WithSiteMappings), else auto-match by exact name (case and spacing
// aside; two matches are none), else the catch-all; otherwise the alert
// is rejected with ErrUnmappedCustomer. The decision and its reason are
// kept with the alert (AlertRecord.Routing), returned and logged. It then
// computes the group key, and under a
// per-group lease either appends a note to the group's open ticket or
// creates a ticket. A ticket that is closed or gone in the PSA is never
// appended to: the next alert opens a new one, unless it recurs soon
// enough to reopen it (below). A resolve adds a "member resolved" note
// while other alerts on the ticket are open; when it resolves the last
// one it adds the closing note and closes the ticket by the close policy
// (Config.Close): always, only if untouched (the default: nobody worked on
// the ticket since the engine's last write, as the sink's TouchChecker
// reads it from the PSA; otherwise the note says why the ticket stays
// open), or never. A resolve with nothing open creates nothing, and a
// later raise of a resolved alert is ignored.
//
// # Recurrence and priorities
//
// With Config.ReopenWithin, an alert that fires again (the same device and
// alert type, a new source alert; or the same user group) within that time
// after its ticket was closed reopens that ticket with a note (Sink
// extension Reopener) instead of opening a new one; later, a new ticket.
// The priority of a new ticket comes from the alert type's rule, its
// severity map, the global severity map, then the default
// (Config.SeverityPriority, AlertTypeRule.SeverityPriority);
// Engine.CheckPSA checks the configured priorities against the PSA at
// start-up (Sink extension PriorityChecker; Halo: the SLA of the ticket
// type).
//
// # Intake: record first, enrich later
//
// An intake (a vendor's webhook handler) validates and decodes a payload,
// calls Accept and answers: no vendor API is called while the sender
// waits, so acknowledgement does not depend on the vendor's or the PSA's
// health, and a redelivery costs only its deduplication. What a webhook
// leaves out (device and site IDs, the alert type) comes from the source's
// API in the worker, through the Enricher set with WithEnricher; a failed
// enrichment falls back to the recorded fields, and an enricher can refuse
// an event its source contradicts (ErrContradicted; a resolve for an alert
// the source reports open). Package receiver serves intakes over HTTP with
// timeouts, a body cap, and caps on connections and requests in flight.
//
// # Grouping
//
// GroupPerAlert gives each source alert its own ticket; GroupUser and
// GroupUserAlert gather a user's alerts (of one type) on one ticket while it
// is open. GroupKey hashes the grouping inputs together with the PSA
// customer; the sink writes it onto the ticket so the PSA shows it.
//
// # Outages and replicas
//
// When the PSA fails, the item stays pending and is retried with
// exponential backoff (WithRetryBackoff) by Run or ProcessPending, also
// after a restart. Pending items are claimed with an owner and a lease that
// expires; a group is leased (by compare-and-swap on its version) before
// any write to the PSA for it, and alert records are compare-and-swap too,
// so several replicas can share one Store and a crashed replica's work is
// taken over when its leases expire. A ticket creation that was started
// but never recorded is settled through TicketFinder when the sink has it.
// The contract every Store meets is the test suite in package storetest;
// memstore, boltstore (one process) and pgstore (replicas sharing
// PostgreSQL) implement it.
//
// # Resolve sync
//
// SyncResolved (one pass) and RunResolveSync (a loop) ask the sink for
// tickets closed in the PSA and resolve their alerts at the source,
// skipping the closes the engine made itself.
//
// # Maintenance windows
//
// Config.Maintenance (and Engine.SetWindows, for windows read from
// elsewhere) holds windows per PSA customer, PSA site or source device,
// one-off or weekly in a time zone. A raise inside a matching window is
// recorded and not ticketed (OutcomeSuppressed, counted as suppressed); a
// resolve of it ends it quietly. Its re-check waits in the pending queue
// until the window ends; the alerts still open then (confirmed through the
// source's AlertStatusChecker when there is one) become tickets. See
// MaintenanceWindow and windows.go.
//
// # Observability
//
// Stats returns counters (received, deduplicated, tickets created, notes
// added, closed, rejected and ignored by reason, pending, retries,
// enrichment errors, suppressed by maintenance windows);
// Stats.Metrics lists them with names and help texts for an exporter (the
// package depends on no metrics library; the datto-alerts-to-halo example
// serves them with Prometheus' client_golang). Webhook receivers count payloads they refuse (bad
// signature, undecodable) with Engine.RejectPayload. Every decision is logged with slog with its event key, group
// key and ticket ID; payloads and secrets are never logged.
//
// Package alertingtest has an in-memory Sink and Resolver with fault
// injection for tests.
package alerting
