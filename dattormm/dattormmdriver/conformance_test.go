package dattormmdriver_test

import (
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestReconcileSourceConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		srv, c := setup(t)
		return reconciletest.SourceFixture{
			Source:  dattormmdriver.NewReconcileSource(c),
			AddSite: func(name string) string { return srv.SeedSite(dattormm.Site{Name: name}).UID },
			AddDevice: func(site, name string) string {
				return srv.SeedDevice(dattormm.Device{Hostname: name, SiteUID: site}).UID
			},
			FailListing: func() {
				srv.Inject(dattormmtest.Fault{Path: "/api/v2/account/devices", Status: 500, Times: 10})
			},
		}
	})
}
