// Package boltstore is the durable alerting.Store for one process: a single
// file managed by go.etcd.io/bbolt (a B+tree with ACID transactions).
//
// # Durability
//
// Every method that changes state returns only after a bbolt read-write
// transaction holding its change has been committed, and bbolt fsyncs the
// file before a commit returns. An alert the engine has acknowledged
// (Enqueue returned) survives a crash or power loss; a crash in the middle
// of a write loses only writes that have not returned yet.
//
// Writes are group-committed: a bbolt commit costs two fsyncs, so writes of
// concurrent callers share one transaction. While one commits, the writes
// that arrive queue; the next commit takes them all, in arrival order, and
// waits at most 2ms (and half a commit) for the callers it can expect to
// come back. A lone writer commits at once. Each write is checked and
// applied on its own inside the shared transaction (a refused
// compare-and-swap refuses only that write); should one fail outright, the
// batch is rolled back and every write is run again alone. The freelist is
// not written at every commit (bbolt's NoFreelistSync): Open rebuilds it
// by scanning the file, which changes nothing about what a commit
// guarantees.
//
// # Restarts
//
// Since the file can be open in one process only, every claim and group
// lease in it when Open runs was taken by a process (or Store) that has
// ended, killed in the middle of its work or closed: Open releases them
// all, so the next process takes the work up at once instead of waiting
// for the leases to expire. Attempts and retry times stay as they were.
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
// tickets (ticket ID → group key), awaiting_sync (the keys of the groups
// resolve sync may have work for, rebuilt by Open; HasOpenTickets reads its
// first key), alerts (key → record), cursors, meta, and mappings (the site
// mappings a reconcile import learned: Store is a reconcile.MappingStore
// too, created on the first save). Values are JSON; a pending item's value
// starts with its due and lease times (16 bytes) so Claim can skip items
// without decoding them.
//
// # Sharing a file with the reconcile import
//
// A deployment can keep the import's learned mappings in the alert
// receiver's file, but not while both run: the file is one process's at a
// time, so the import would fail to open it (*LockedError) while the
// receiver holds it. Run them at different times, give each its own file,
// or keep both in PostgreSQL (alerting/pgstore), which any number of
// processes share.
package boltstore
