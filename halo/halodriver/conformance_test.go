package halodriver_test

import (
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestReconcileTargetConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunTarget(t, func(t *testing.T) reconciletest.TargetFixture {
		srv, c := setup(t)
		grp := srv.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
		return reconciletest.TargetFixture{Target: halodriver.NewReconcileTarget(c), NameField: "inventory_number", AssetTypeGroup: grp.ID}
	})
}
