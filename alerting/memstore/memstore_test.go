package memstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) alerting.Store {
		return memstore.New()
	})
}

// TestSecrets runs storetest.RunSecrets (memstore keeps nothing across a
// restart, so the reopen case is skipped).
func TestSecrets(t *testing.T) {
	t.Parallel()
	storetest.RunSecrets(t, func(t *testing.T) alerting.Store { return memstore.New() }, nil)
}
