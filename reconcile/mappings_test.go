package reconcile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestFileMappingsConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunMappingStore(t, func(t *testing.T) (reconcile.MappingStore, func() reconcile.MappingStore) {
		path := filepath.Join(t.TempDir(), "mappings.json")
		return reconcile.NewFileMappings(path), func() reconcile.MappingStore { return reconcile.NewFileMappings(path) }
	})
}

func TestFileMappingsRefusesACorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mappings.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := reconcile.NewFileMappings(path)
	if _, err := s.Mappings(t.Context(), "rmm", ""); err == nil {
		t.Fatal("a corrupt mapping file read as empty: the next run would create every customer again")
	}
	if err := s.SaveMappings(t.Context(), []reconcile.Mapping{{Kind: "rmm", SourceSiteID: "s1", CustomerID: 1}}); err == nil {
		t.Fatal("a save over a corrupt file replaced it")
	}
}

func TestInMemoryMappingsConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunMappingStore(t, func(t *testing.T) (reconcile.MappingStore, func() reconcile.MappingStore) {
		m := &reconciletest.Mappings{}
		return m, func() reconcile.MappingStore { return m }
	})
}
