package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestMappingStoreContract(t *testing.T) {
	t.Parallel()
	reconciletest.RunMappingStore(t, func(t *testing.T) (reconcile.MappingStore, func() reconcile.MappingStore) {
		path := filepath.Join(t.TempDir(), "state.db")
		s := open(t, path)
		return s, func() reconcile.MappingStore {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, path)
		}
	})
}

// TestMappingsBesideAlertState: the mappings live in the alert store's
// file without disturbing it, and kinds and accounts whose names run
// together stay apart.
func TestMappingsBesideAlertState(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	if err := s.SetCursor(ctx, "c", "v"); err != nil {
		t.Fatal(err)
	}
	if ms, err := s.Mappings(ctx, "datto", ""); err != nil || len(ms) != 0 {
		t.Fatalf("mappings of a file without any = %v, %v", ms, err)
	}
	err := s.SaveMappings(ctx, []reconcile.Mapping{
		{Kind: "datto", Account: "ab", SourceSiteID: "s", CustomerID: 1},
		{Kind: "datto", Account: "a", SourceSiteID: "bs", CustomerID: 2},
		{Kind: "dattoa", SourceSiteID: "s", CustomerID: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.Mappings(ctx, "datto", "a"); len(ms) != 1 || ms[0].CustomerID != 2 {
		t.Errorf("datto/a = %+v", ms)
	}
	if ms, _ := s.Mappings(ctx, "datto", "ab"); len(ms) != 1 || ms[0].CustomerID != 1 {
		t.Errorf("datto/ab = %+v", ms)
	}
	if v, _ := s.Cursor(ctx, "c"); v != "v" {
		t.Errorf("cursor = %q after saving mappings", v)
	}
	var _ reconcile.MappingStore = (*boltstore.Store)(nil)
}
