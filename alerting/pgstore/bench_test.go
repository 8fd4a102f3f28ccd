package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// BenchmarkPGStore pushes per-alert tickets (each alert its own group)
// through one engine and through four engines sharing one database, 16
// senders in all, and reports alerts/s. The "accept" run measures
// Engine.Accept alone, what a webhook receiver does before it acknowledges
// a delivery (the alert is durably queued, nothing more).
func BenchmarkPGStore(b *testing.B) {
	dsn(b)
	for _, mode := range []string{"accept", "1engines", "4engines"} {
		n := 1
		if mode == "4engines" {
			n = 4
		}
		b.Run(mode, func(b *testing.B) {
			name := schema(b)
			sink := alertingtest.NewSink()
			sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
			var engines []*alerting.Engine
			for i := range n {
				e, err := alerting.New(alerting.Config{Grouping: alerting.GroupPerAlert, AutoMatch: true}, open(b, name), sink,
					alerting.WithOwner(fmt.Sprint("bench-", i)))
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				engines = append(engines, e)
			}
			send := func(e *alerting.Engine) func(context.Context, alerting.Alert) (alerting.Result, error) {
				if mode == "accept" {
					return e.Accept
				}
				return e.Submit
			}
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Go(func() {
					e := engines[w%n]
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						a := alerting.Alert{Source: "datto", EventID: fmt.Sprint("b", i), Kind: alerting.Raise,
							Customer: alerting.CustomerRef{ID: "s1", Name: "Acme"}, Title: "bench"}
						if _, err := send(e)(b.Context(), a); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}
