package pgstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/storetest"
)

// TestSecrets runs storetest.RunSecrets: the webhook signing keys a vendor
// shows once are kept in the shared database (migration 5), across a
// reopen.
func TestSecrets(t *testing.T) {
	dsn(t)
	storetest.RunSecrets(t, func(t *testing.T) alerting.Store { return open(t, schema(t)) }, reopen)
}
