// Package storetest is the contract of alerting.Store as a reusable test
// suite. Every Store implementation runs it from its own tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) alerting.Store {
//			s := memstore.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Durable stores also run RunDurable, which closes a store and reopens it
// over the same data, and RunCrash, which stops a store as a kill would and
// checks that its claims and group leases are free for the next process
// (or another replica) within seconds, not when their leases expire. A
// store whose processes can be killed for real runs the kill test too:
// KilledChild, StartKillable and AwaitDelivered run the test binary again
// as a child that claims an alert and hangs in the PSA, kill it (SIGKILL)
// and wait for a store over the same data to deliver the alert within
// FreedWithin.
//
// # The contract
//
//   - Queue: Enqueue is idempotent per item ID across pending and processed
//     items, also under concurrent calls (exactly one caller sees added).
//     Claim returns due items oldest first, at most limit, leases them to
//     the owner until now+lease, increments Attempts, and never hands one
//     item to two owners while a lease is live; an expired lease can be
//     claimed by anyone. An item enqueued with an owner and lease is
//     already held. Complete and Release succeed only for the current owner
//     (ErrLeaseLost otherwise); Release clears the lease and sets NotBefore
//     and LastError; Complete makes the ID processed.
//   - Groups and Alerts: compare-and-swap on Version (0 = create); a stale
//     version gets ErrConflict and changes nothing; concurrent
//     read-modify-write loops lose no update. GroupByTicket follows the
//     ticket IDs of the stored version only.
//   - Cursors: "" when unset, last write wins.
//   - Secrets (RunSecrets, for stores that implement alerting.Secrets):
//     "" when unset, last write wins, an empty value deletes, an empty
//     name is refused, values survive a reopen.
//   - Restarts: claims and group leases of a store that was closed or
//     crashed are free within FreedWithin for the store that follows it,
//     whatever their lease times say (RunDurable, RunCrash).
//   - Prune: removes processed IDs, alert records and groups without an
//     open ticket or live lease that are older than the cut-off; never
//     pending items.
//   - Values round-trip (times as the same instant) and are copies in
//     both directions. A cancelled context makes every method fail.
//
// Times are passed explicitly (Claim's now, Prune's cut-off), so the
// suite checks lease expiry without sleeping. The stores measure leases
// against the time they are given, not their own clock.
package storetest
