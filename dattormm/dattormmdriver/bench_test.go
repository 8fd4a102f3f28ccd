package dattormmdriver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// BenchmarkWebhookAck measures how long a Datto webhook takes to be
// acknowledged (handler in, 200 out) while the PSA is down (every sink call
// fails) and Datto answers GET /v2/alert/{uid} after 200ms, with the engine
// running. Every delivery is a new alert. Reports p50 and p99 besides the
// mean; the store is memstore or a bbolt file (durable: one fsync per
// accept).
func BenchmarkWebhookAck(b *testing.B) {
	for _, store := range []string{"memstore", "boltstore"} {
		b.Run(store, func(b *testing.B) {
			srv, c := setup(b)
			site, _, _ := seedDiskAlert(srv)
			srv.Inject(dattormmtest.Fault{Method: http.MethodGet, Path: "/api/v2/alert/", Delay: 200 * time.Millisecond, Times: 1 << 30})
			sink := alertingtest.NewSink()
			sink.FailNext(alertingtest.OpAny, 1<<30, errors.New("PSA down"))
			var st alerting.Store = memstore.New()
			if store == "boltstore" {
				bs, err := boltstore.Open(filepath.Join(b.TempDir(), "alerts.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { bs.Close() })
				st = bs
			}
			cfg := alerting.Config{Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: site.UID, Customer: "C1"}}}
			eng, err := alerting.New(cfg, st, sink, alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(c)),
				alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), alerting.WithPollInterval(10*time.Millisecond))
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { eng.Run(ctx); close(done) }()
			b.Cleanup(func() { cancel(); <-done; eng.Close() })
			v, _ := dattormm.NewWebhookVerifier(hookSecret)
			h := dattormmdriver.NewWebhookHandler(v, eng)
			raised, _ := dattormm.WebhookTemplates(hookSecret)
			bodies := make([]string, b.N)
			for i := range bodies {
				bodies[i] = fillHook(raised, fmt.Sprintf("b8f3e2a1-7c4d-4e9b-a0f1-%012x", i), "Disk full")
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if w := post(h, http.MethodPost, bodies[i]); w.Code != 200 {
					b.Fatalf("delivery %d: %d %s", i, w.Code, w.Body)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
