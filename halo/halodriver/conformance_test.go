package halodriver_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestReconcileTargetConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunTarget(t, func(t *testing.T) reconciletest.TargetFixture {
		srv, c := setup(t)
		grp := srv.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
		return reconciletest.TargetFixture{Target: halodriver.NewReconcileTarget(c), NameField: "inventory_number", AssetTypeGroup: grp.ID,
			SiteLinkKind: "datto"}
	})
}

func TestAlertSinkConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunSink(t, func(t *testing.T) alertingtest.SinkFixture {
		srv, c := setup(t)
		cust, site, typ := estate(srv)
		user := srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "ann@acme.example", ClientID: cust.ID, SiteID: site.ID})
		acct := srv.SeedAssetField(halo.AssetField{Name: "datto account"})
		asset := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: typ.ID, DattoID: "dev-1",
			Fields: []halo.FieldValue{{ID: acct.ID, Value: halo.TextValue("acct-A")}}})
		return alertingtest.SinkFixture{
			Sink:         halodriver.NewAlertSink(c, halodriver.WithTicketType(1)),
			Customer:     alerting.Customer{ID: strconv.Itoa(cust.ID), Name: cust.Name, Site: strconv.Itoa(site.ID)},
			ContactEmail: user.EmailAddress, Contact: strconv.Itoa(user.ID),
			Source: "datto", Device: alerting.Device{ID: "dev-1", Hostname: "PC-1"}, Asset: strconv.Itoa(asset.ID), Account: "acct-A",
			CloseInPSA: func(id string) error {
				n, _ := strconv.Atoi(id)
				if !srv.CloseTicket(n) {
					return fmt.Errorf("no ticket %s", id)
				}
				return nil
			},
			Touch: func(id string) error {
				n, _ := strconv.Atoi(id)
				srv.SeedAction(halo.Action{TicketID: n, Outcome: "Note", Note: "Looking into it", WhoAgentID: 5})
				return nil
			},
			Notes: func(id string) []string {
				n, _ := strconv.Atoi(id)
				var out []string
				for _, a := range srv.Actions(n) {
					out = append(out, a.Note)
				}
				return out
			},
		}
	})
}
