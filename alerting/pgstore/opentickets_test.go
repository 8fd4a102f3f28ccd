package pgstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

var _ alerting.OpenTickets = (*pgstore.Store)(nil)

// TestOpenTickets runs storetest.RunOpenTickets: HasOpenTickets through a
// ticket's states and a reopen, and resolve sync passes that ask the PSA
// only while a ticket is open.
func TestOpenTickets(t *testing.T) {
	dsn(t)
	storetest.RunOpenTickets(t, func(t *testing.T) alerting.Store { return open(t, schema(t)) }, reopen)
}
