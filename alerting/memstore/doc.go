// Package memstore is an in-memory alerting.Store: fast, safe for
// concurrent use, and gone when the process ends. Use it in tests,
// benchmarks and demos; use boltstore (one process) or a database-backed
// store (several replicas) when alerts must survive a restart.
//
// It meets the contract in package storetest, including leases and
// compare-and-swap, so several engines in one process can share it the way
// replicas share a database.
package memstore
