package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mspsync/mspsync/alerting"
)

// benchSenders is how many goroutines Bench sends from.
const benchSenders = 16

// Bench is the load of a store benchmark: it resets b's timer, sends b.N
// distinct alerts for the customer of NewSink from 16 concurrent
// senders, sender w (0 to 15) through send(w) (an engine's Accept or
// Submit), and reports alerts/s.
func Bench(b *testing.B, send func(w int) func(context.Context, alerting.Alert) (alerting.Result, error)) {
	b.Helper()
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range benchSenders {
		wg.Go(func() {
			send := send(w)
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
}
