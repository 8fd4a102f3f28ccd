package boltstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting/storetest"
)

// TestSecrets runs storetest.RunSecrets: the webhook signing keys a vendor
// shows once are kept in the store's file, across a reopen.
func TestSecrets(t *testing.T) {
	t.Parallel()
	storetest.RunSecrets(t, newStore, reopen)
}
