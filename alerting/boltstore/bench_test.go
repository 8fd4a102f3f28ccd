package boltstore_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
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
			sink := alertingtest.NewSink()
			sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
			st := open(b, filepath.Join(b.TempDir(), "alerts.db"))
			e, err := alerting.New(alerting.Config{Grouping: alerting.GroupPerAlert, AutoMatch: true},
				st, sink, alerting.WithOwner("bench"))
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			send := e.Submit
			if mode == "accept" {
				send = e.Accept
			}
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						a := alerting.Alert{Source: "datto", EventID: fmt.Sprint("b", i), Kind: alerting.Raise,
							Customer: alerting.CustomerRef{ID: "s1", Name: "Acme"}, Title: "bench"}
						if _, err := send(b.Context(), a); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
			commits, writes := boltstore.CommitStats(st)
			b.ReportMetric(float64(writes)/float64(b.N), "writes/alert")
			b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
		})
	}
}
