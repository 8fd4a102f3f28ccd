package pgstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

// TestKilledReplica: a replica is killed (SIGKILL) while its engine waits
// for the PSA to create a ticket, with the alert claimed and its group
// leased for two minutes. Another replica (or the restarted one) delivers
// the alert within 5 s of the kill; while the replica lives, its claim is
// left alone.
func TestKilledReplica(t *testing.T) {
	storetest.KilledChild("PGSTORE_TEST_CHILD", func(ctx context.Context, name string) (alerting.Store, error) {
		return pgstore.Open(ctx, os.Getenv("MSPSYNC_PG_DSN"), pgstore.WithSchema(name))
	})
	name := schema(t)
	sink := storetest.NewSink()
	store := open(t, name)
	eng, err := alerting.New(storetest.EngineConfig, store, sink, alerting.WithOwner("survivor"), alerting.WithPollInterval(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go eng.Run(ctx)

	child := storetest.StartKillable(t, "PGSTORE_TEST_CHILD", name)
	time.Sleep(2 * pgstore.DefaultSessionTTL) // the survivor polls meanwhile
	if n := len(sink.Tickets()); n != 0 {
		t.Fatalf("the survivor took a live replica's work: %d tickets", n)
	}
	storetest.AwaitDelivered(t, store, sink, child.Kill(t))
}
