// Package boltstore is the durable alerting.Store for one process: a single
// file managed by go.etcd.io/bbolt (a B+tree with ACID transactions).
//
// # Durability
//
// Every method that changes state runs in one bbolt read-write transaction,
// and bbolt fsyncs the file before the commit returns. An alert the engine
// has acknowledged (Enqueue returned) survives a crash or power loss; a
// crash in the middle of a write loses only that uncommitted write.
//
// # One process
//
// bbolt takes an exclusive lock (flock) on the file. A second process, or a
// second Open in the same process, waits at most WithTimeout (default 1s)
// and then fails with *LockedError, which names the file and matches
// ErrLocked, instead of hanging. Several engine replicas need a database
// that several processes can share.
//
// # Layout
//
// Buckets: pending (queue order → item), pending_ids (event ID → queue
// position), processed (event ID → completion time), groups (key → group),
// tickets (ticket ID → group key), alerts (key → record), cursors, meta.
// Values are JSON; a pending item's value starts with its due and lease
// times (16 bytes) so Claim can skip items without decoding them.
package boltstore
