package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/storetest"
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
			sink := storetest.NewSink()
			var engines []*alerting.Engine
			for i := range n {
				e, err := alerting.New(storetest.EngineConfig, open(b, name), sink, alerting.WithOwner(fmt.Sprint("bench-", i)))
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				engines = append(engines, e)
			}
			storetest.Bench(b, func(w int) func(context.Context, alerting.Alert) (alerting.Result, error) {
				if mode == "accept" {
					return engines[w%n].Accept
				}
				return engines[w%n].Submit
			})
		})
	}
}
