package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

// BenchmarkBoltStore measures alerts/s through one engine on a boltstore
// file with 16 concurrent senders:
//
//   - accept: Engine.Accept, what a webhook receiver does before it
//     acknowledges a delivery (the alert is durably queued, nothing more).
//   - submit: Engine.Submit with one ticket per alert: queue, group,
//     alert record and completion, every write durable before Submit
//     returns.
func BenchmarkBoltStore(b *testing.B) {
	for _, mode := range []string{"accept", "submit"} {
		b.Run(mode, func(b *testing.B) {
			sink := storetest.NewSink()
			st := open(b, filepath.Join(b.TempDir(), "alerts.db"))
			e, err := alerting.New(storetest.EngineConfig, st, sink, alerting.WithOwner("bench"))
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			send := e.Submit
			if mode == "accept" {
				send = e.Accept
			}
			storetest.Bench(b, func(int) func(context.Context, alerting.Alert) (alerting.Result, error) { return send })
			commits, writes := boltstore.CommitStats(st)
			b.ReportMetric(float64(writes)/float64(b.N), "writes/alert")
			b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
		})
	}
}
