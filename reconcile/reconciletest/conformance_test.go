package reconciletest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// The in-memory drivers pass the suites they hold every driver to.
func TestInMemoryTargetConforms(t *testing.T) {
	reconciletest.RunTarget(t, func(t *testing.T) reconciletest.TargetFixture {
		return reconciletest.TargetFixture{
			Target:    reconciletest.NewTarget(reconcile.TargetSnapshot{Fields: []reconcile.FieldDef{{Name: "name", Native: true}}}),
			NameField: "name",
		}
	})
}

func TestInMemorySourceConforms(t *testing.T) {
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		src := &reconciletest.Source{Snapshot: reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "memory"}, Complete: true}}
		n := 0
		return reconciletest.SourceFixture{
			Source: src,
			AddSite: func(name string) string {
				n++
				id := fmt.Sprint("site-", n)
				src.Snapshot.Sites = append(src.Snapshot.Sites, reconcile.SourceSite{ID: id, Name: name})
				return id
			},
			AddDevice: func(site, name string) string {
				n++
				id := fmt.Sprint("dev-", n)
				src.Snapshot.Devices = append(src.Snapshot.Devices, reconcile.Device{ID: id, SiteID: site, Name: name})
				return id
			},
			FailListing: func() { src.Err = errors.New("listing failed") },
		}
	})
}
