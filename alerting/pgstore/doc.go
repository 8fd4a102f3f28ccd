// Package pgstore is an alerting.Store on PostgreSQL (pgx), for running
// several alert receivers side by side: behind a load balancer, during a
// rolling restart, or simply more than one replica. Every replica opens
// the same database; the guarantees the engine needs are held by the
// database, not by locks in any process:
//
//   - One effect per event: pending and processed events share one table
//     whose primary key is the event ID, so a second Enqueue of an ID is a
//     no-op whichever replica sends it and whenever.
//   - One open ticket per group: a group is one row keyed by its group key,
//     and every update is a compare-and-swap on its version column (an
//     INSERT the primary key refuses, or an UPDATE … WHERE version = $n).
//     Two replicas racing on a group: one wins, the other re-reads.
//   - Nothing lost: pending work is claimed with FOR UPDATE SKIP LOCKED and
//     a lease (owner, lease_until). A replica that dies holding work loses
//     it within seconds (see Sessions), at the latest when the lease
//     expires, and another replica claims it.
//
// # Sessions: a dead replica's work is free in seconds
//
// The engine's leases are long (two minutes by default) because they
// cover a PSA call. Waiting for them after a crash would hold a killed
// replica's alerts, and every group it had leased, for that long. So each
// Store also has a session: a row in mspsync_sessions whose alive_until a
// heartbeat moves to now+TTL every TTL/3 (DefaultSessionTTL is 3s;
// WithSessionTTL). Every claim and group lease records the session that
// took it. A claim whose session has lapsed is due whatever its lease
// says, and a group whose lease session has lapsed reads as unleased (with
// its version unchanged, so the next engine takes it by compare-and-swap).
// Close ends the session, freeing its work at once; a killed or cut-off
// replica's work is free TTL after its last heartbeat. Only the
// database's clock is used for sessions, so the replicas' clocks need not
// agree.
//
// Why a heartbeat rather than tying claims to a database connection (row
// locks held by an open transaction, or a session advisory lock): a
// transaction per claim would pin a connection per item in flight (a claim
// takes up to 100, and Submit processes inline), and a lock held on a
// connection is lost whenever that connection is: a pool recycling it, a
// database restart or failover, a proxy such as PgBouncer, a network blip.
// Each of those would hand a live replica's work to another one while its
// PSA call is still running. A heartbeat tolerates outages shorter than
// the TTL, costs one small UPDATE per replica every TTL/3, and the check
// is a primary-key lookup inside the claim statement. The price is that
// death is noticed after up to one TTL instead of at once.
//
// # Throughput
//
// Every call an alert makes on its way through the engine (Enqueue, the
// group and alert reads and writes, Complete, Release) is one statement,
// a group write included (data-modifying CTEs move the ticket index in
// the same statement). The statements of concurrent callers are
// pipelined: two sender goroutines each send everything queued in one
// round trip (a pgx batch), which PostgreSQL runs as one implicit
// transaction, so one round trip and one commit cover many callers. A
// caller's call returns only after that commit. Should the server refuse
// one statement, the batch is rolled back and each statement runs again
// alone; should the connection fail, every caller of the batch gets the
// error, as a lone statement's caller would.
//
// Open connects, creates the tables (in a schema of their own with
// WithSchema) and migrates them: versioned, idempotent, in a transaction
// under an advisory lock so replicas starting together migrate once.
//
// # Schema
//
//	mspsync_schema        (version, applied_at)                 applied migrations
//	mspsync_events        (id PK, seq, state pending|processed, alert jsonb,
//	                       accepted_at_ns, attempts, not_before_ns, last_error,
//	                       owner, lease_until_ns, processed_at_ns, session)
//	mspsync_groups        (key PK, version, state jsonb, updated_at_ns,
//	                       live_until_ns, has_open, lease_session,
//	                       awaits_sync generated from state, partial index)
//	mspsync_sessions      (id PK, alive_until)                  live Stores
//	mspsync_group_tickets (ticket_id PK, group_key → mspsync_groups)
//	mspsync_alerts        (key PK, version, record jsonb, updated_at_ns)
//	mspsync_cursors       (name PK, value)
//	mspsync_mappings      (kind, account, source_site_id PK, source_name,
//	                       customer_id, site_id, learned_at_ns)
//	mspsync_run_locks     (name PK, holder, since_ns)          who holds a run lock
//
// Times are Unix nanoseconds so they come back as the same instant.
//
// # Resolve sync without a request
//
// Store implements alerting.OpenTickets: awaits_sync is computed by the
// database from each group's state (GroupState.AwaitsSync as a JSON path),
// so HasOpenTickets is one index probe and a resolve-sync pass makes no
// PSA request while no ticket of the engine's could be closed there.
//
// # The reconcile import's state
//
// Store is also a reconcile.MappingStore (mspsync_mappings): the site
// mappings an import learns live in the deployment's one database, and
// saves from any number of processes are safe (one upsert statement, rows
// in key order). TryLock takes a named run lock (a session-level advisory
// lock on a connection of its own) so scheduled imports on several hosts
// run one at a time; a refused caller learns who holds it and since when
// (LockHeldError).
//
// # Choosing a store
//
// One receiver process: alerting/boltstore, a single file, nothing to run.
// Several receivers, or a database you already operate and back up:
// pgstore. Tests and throwaway runs: alerting/memstore. All three pass the
// same contract suite, alerting/storetest.
//
// Tests of this package need a database: set MSPSYNC_PG_DSN (the project's
// .ci/run starts a throwaway cluster and sets it); without it they skip.
package pgstore
