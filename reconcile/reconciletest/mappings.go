package reconciletest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/reconcile"
)

// Mappings is an in-memory reconcile.MappingStore for tests.
type Mappings struct {
	mu sync.Mutex
	ms []reconcile.Mapping
}

// Mappings returns the mappings of kind and account, in source site order.
func (m *Mappings) Mappings(_ context.Context, kind, account string) ([]reconcile.Mapping, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []reconcile.Mapping
	for _, x := range m.ms {
		if x.Kind == kind && x.Account == account {
			out = append(out, x)
		}
	}
	sortMappings(out)
	return out, nil
}

// SaveMappings adds or replaces mappings.
func (m *Mappings) SaveMappings(_ context.Context, ms []reconcile.Mapping) error {
	m.mu.Lock()
	defer m.mu.Unlock()
next:
	for _, x := range ms {
		for i, y := range m.ms {
			if y.Kind == x.Kind && y.Account == x.Account && y.SourceSiteID == x.SourceSiteID {
				m.ms[i] = x
				continue next
			}
		}
		m.ms = append(m.ms, x)
	}
	return nil
}

func sortMappings(ms []reconcile.Mapping) {
	slices.SortFunc(ms, func(a, b reconcile.Mapping) int { return strings.Compare(a.SourceSiteID, b.SourceSiteID) })
}

// RunMappingStore runs the contract every reconcile.MappingStore passes:
// saved mappings come back by kind and account in source site order, a
// save replaces the mapping of the same source site, kinds and accounts
// never see each other's mappings, and reopening (newStore called again
// on the same place) keeps them. newStore returns a store over a place
// that persists across calls within one subtest; reopen returns it anew,
// and may close the first store (a file only one process may hold).
func RunMappingStore(t *testing.T, newStore func(t *testing.T) (store reconcile.MappingStore, reopen func() reconcile.MappingStore)) {
	t.Helper()
	t.Run("SaveReadReplace", func(t *testing.T) {
		s, reopen := newStore(t)
		ctx := t.Context()
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SaveMappings(ctx, []reconcile.Mapping{
			{Kind: "rmm", Account: "a", SourceSiteID: "s2", SourceName: "Two", CustomerID: 2, SiteID: 20, LearnedAt: at},
			{Kind: "rmm", Account: "a", SourceSiteID: "s1", SourceName: "One", CustomerID: 1, SiteID: 10, LearnedAt: at},
			{Kind: "rmm", Account: "b", SourceSiteID: "s1", SourceName: "Other account", CustomerID: 9, SiteID: 90, LearnedAt: at},
			{Kind: "other", SourceSiteID: "s1", SourceName: "Other kind", CustomerID: 8, SiteID: 80, LearnedAt: at},
		}))
		must(s.SaveMappings(ctx, []reconcile.Mapping{{Kind: "rmm", Account: "a", SourceSiteID: "s2", SourceName: "Two renamed", CustomerID: 3, SiteID: 30, LearnedAt: at}}))
		must(s.SaveMappings(ctx, nil))
		check := func(i int, st reconcile.MappingStore) {
			t.Helper()
			got, err := st.Mappings(ctx, "rmm", "a")
			must(err)
			if len(got) != 2 || got[0].SourceSiteID != "s1" || got[0].CustomerID != 1 || got[0].SiteID != 10 || got[0].SourceName != "One" ||
				got[1].SourceSiteID != "s2" || got[1].CustomerID != 3 || got[1].SiteID != 30 || got[1].SourceName != "Two renamed" || !got[1].LearnedAt.Equal(at) {
				t.Errorf("store %d: rmm/a = %+v", i, got)
			}
			if b, _ := st.Mappings(ctx, "rmm", "b"); len(b) != 1 || b[0].CustomerID != 9 {
				t.Errorf("store %d: rmm/b = %+v", i, b)
			}
			if o, _ := st.Mappings(ctx, "other", ""); len(o) != 1 || o[0].CustomerID != 8 {
				t.Errorf("store %d: other = %+v", i, o)
			}
			if n, _ := st.Mappings(ctx, "rmm", ""); len(n) != 0 {
				t.Errorf("store %d: rmm with no account = %+v", i, n)
			}
		}
		check(0, s)
		check(1, reopen()) // after s is read: reopen may close s (a one-process file)
	})
}
