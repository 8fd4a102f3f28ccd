package dattormmdriver_test

import (
	"context"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestReconcileSourceReadsAuditsOnlyWhereNeeded(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	del := srv.SeedSite(dattormm.Site{Name: dattormm.DeletedDevicesSite})
	linked := srv.SeedDevice(dattormm.Device{Hostname: "LINKED", SiteUID: site.UID, UDF: dattormm.UDF{"udf5": "Finance"}})
	fresh := srv.SeedDevice(dattormm.Device{Hostname: "NEW", SiteUID: site.UID})
	srv.SeedDevice(dattormm.Device{Hostname: "PRINTER", SiteUID: site.UID, DeviceClass: "printer"})
	gone := srv.SeedDevice(dattormm.Device{Hostname: "GONE", SiteUID: del.UID})
	for _, d := range []dattormm.Device{linked, fresh} {
		srv.SeedAudit(d.UID, dattormm.DeviceAudit{BIOS: dattormm.BIOS{SerialNumber: "SN-" + d.Hostname},
			SystemInfo: dattormm.SystemInfo{Model: "M1"}, NICs: []dattormm.NIC{{MACAddress: "00-1a-2b-3c-4d-5e"}}})
	}
	src := dattormmdriver.NewReconcileSource(c)
	snap, err := src.LoadSource(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Complete || len(snap.Devices) != 4 || len(snap.Sites) != 2 || !snap.Sites[1].Excluded {
		t.Fatalf("snapshot = %+v", snap)
	}
	byID := map[string]reconcile.Device{}
	for _, d := range snap.Devices {
		byID[d.ID] = d
	}
	if d := byID[linked.UID]; d.Fields["udf5"] != "Finance" || d.Fields["hostname"] != "LINKED" || d.SiteID != site.UID {
		t.Errorf("linked device = %+v", d)
	}
	if !byID[gone.UID].Deleted {
		t.Error("device in the Deleted Devices site not marked deleted")
	}

	target := reconciletest.NewTarget(reconcile.TargetSnapshot{
		Customers:  []reconcile.Customer{{ID: 1, Name: "Contoso", MainSiteID: 10}},
		Sites:      []reconcile.Site{{ID: 10, CustomerID: 1, Name: "Main"}},
		AssetTypes: []reconcile.AssetType{{ID: 5, Name: "Desktop"}},
		Fields:     []reconcile.FieldDef{{Name: "inventory_number", Native: true}, {Name: "Serial Number"}, {Name: "MACs"}},
		Assets:     []reconcile.Asset{{ID: 100, CustomerID: 1, SiteID: 10, TypeID: 5, Links: map[string]string{"datto": linked.UID}, Fields: map[string]string{"inventory_number": "LINKED"}}},
	})
	cfg := &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serialNumber", Target: "Serial Number"}, {Source: "macAddresses", Target: "MACs"}},
		Matching:      reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Desktop"},
	}
	srv.ResetRequests()
	res, err := reconcile.Run(t.Context(), dattormmdriver.NewReconcileSource(c), target, cfg, reconcile.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// Only NEW needs its audit: LINKED is linked, PRINTER has none, GONE is deleted.
	if n := srv.Count("GET", "/api/v2/audit/device/"); n != 1 || res.Enriched != 2 {
		t.Errorf("audit reads = %d (asked for %d devices), want 1", n, res.Enriched)
	}
	var create *reconcile.Action
	for i := range res.Changeset.Actions {
		if a := &res.Changeset.Actions[i]; a.DeviceID == fresh.UID {
			create = a
		}
	}
	if create == nil || field(create.Write, "Serial Number") != "SN-NEW" || field(create.Write, "MACs") != "001A2B3C4D5E" {
		t.Errorf("new device = %+v", create)
	}
}

func field(w *reconcile.AssetWrite, name string) string {
	v, _ := w.Field(name)
	return v
}

func TestReconcileSourceFailsWholeOnListingError(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedSite(dattormm.Site{Name: "A"})
	srv.Inject(dattormmtest.Fault{Path: "/api/v2/account/devices", Status: 500, Times: 10})
	if _, err := dattormmdriver.NewReconcileSource(c).LoadSource(context.Background()); err == nil {
		t.Fatal("a failed device listing returned a snapshot")
	}
}
