package pgstore_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestMappingStoreContract(t *testing.T) {
	dsn(t)
	reconciletest.RunMappingStore(t, func(t *testing.T) (reconcile.MappingStore, func() reconcile.MappingStore) {
		name := schema(t)
		return open(t, name), func() reconcile.MappingStore { return open(t, name) }
	})
}

// TestConcurrentMappingSaves: replicas saving overlapping batches at once
// (in opposite orders, the classic deadlock) all succeed, and each
// mapping ends as one of the saves left it; sort order is byte order.
func TestConcurrentMappingSaves(t *testing.T) {
	dsn(t)
	name := schema(t)
	stores := []*pgstore.Store{open(t, name), open(t, name), open(t, name)}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i, s := range stores {
		for round := range 10 {
			wg.Go(func() {
				var ms []reconcile.Mapping
				for j := range 50 {
					k := j
					if (i+round)%2 == 1 {
						k = 49 - j
					}
					ms = append(ms, reconcile.Mapping{Kind: "datto", SourceSiteID: fmt.Sprintf("site-%02d", k), CustomerID: 100*i + k, LearnedAt: at})
				}
				// A batch naming one site twice keeps the last.
				ms = append(ms, reconcile.Mapping{Kind: "datto", SourceSiteID: "site-00", CustomerID: 100 * i, SiteID: 7})
				if err := s.SaveMappings(t.Context(), ms); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	ms, err := stores[0].Mappings(t.Context(), "datto", "")
	if err != nil || len(ms) != 50 {
		t.Fatalf("mappings = %d, %v; want 50", len(ms), err)
	}
	for k, m := range ms {
		if m.SourceSiteID != fmt.Sprintf("site-%02d", k) || m.CustomerID%100 != k {
			t.Errorf("mapping %d = %+v", k, m)
		}
	}
	if ms[0].SiteID != 7 {
		t.Errorf("site-00 = %+v; want the batch's last entry for it", ms[0])
	}
	// Byte order, whatever the collation: "B" < "a" < "b".
	if err := stores[0].SaveMappings(t.Context(), []reconcile.Mapping{
		{Kind: "x", SourceSiteID: "b", CustomerID: 1}, {Kind: "x", SourceSiteID: "a", CustomerID: 1}, {Kind: "x", SourceSiteID: "B", CustomerID: 1},
	}); err != nil {
		t.Fatal(err)
	}
	xs, _ := stores[0].Mappings(t.Context(), "x", "")
	var order []string
	for _, m := range xs {
		order = append(order, m.SourceSiteID)
	}
	if strings.Join(order, ",") != "B,a,b" {
		t.Errorf("order = %v, want byte order B,a,b", order)
	}
}
