package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

// TestKilledProcess: a receiver is killed (SIGKILL) while its engine waits
// for the PSA to create a ticket, with the alert claimed and its group
// leased for two minutes. The next process on the file delivers the alert
// within 5 s of the kill.
func TestKilledProcess(t *testing.T) {
	storetest.KilledChild("BOLTSTORE_TEST_CHILD", func(_ context.Context, path string) (alerting.Store, error) {
		return boltstore.Open(path)
	})
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "alerts.db")
	killed := storetest.StartKillable(t, "BOLTSTORE_TEST_CHILD", path).Kill(t)

	store := open(t, path)
	sink := storetest.NewSink()
	eng, err := alerting.New(storetest.EngineConfig, store, sink, alerting.WithOwner("next"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go eng.Run(ctx)
	storetest.AwaitDelivered(t, store, sink, killed)
}
