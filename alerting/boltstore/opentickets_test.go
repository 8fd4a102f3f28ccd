package boltstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

var _ alerting.OpenTickets = (*boltstore.Store)(nil)

// TestOpenTickets runs storetest.RunOpenTickets: HasOpenTickets through a
// ticket's states and a reopen, and resolve sync passes that ask the PSA
// only while a ticket is open.
func TestOpenTickets(t *testing.T) {
	t.Parallel()
	storetest.RunOpenTickets(t, newStore, reopen)
}
