package vsaxdriver_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// TestRestrictedTokenIsNeverComplete: a token limited to some
// organizations cannot prove a device gone: nothing is deactivated and
// the plan says why. A 403 on a listing fails the load.
func TestRestrictedTokenIsNeverComplete(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	seed(srv)
	src := vsaxdriver.NewReconcileSource(c)
	src.RestrictedToken = true
	snap, err := src.LoadSource(t.Context())
	if err != nil || snap.Complete || !strings.Contains(snap.IncompleteReason, "restricted to some organizations") || len(snap.Devices) != 1 {
		t.Fatalf("%+v %v", snap, err)
	}
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{Customers: []reconcile.Customer{{ID: 1, Name: "Contoso", MainSiteID: 10}},
		Sites:  []reconcile.Site{{ID: 10, CustomerID: 1, Name: "Main"}},
		Assets: []reconcile.Asset{{ID: 7, CustomerID: 1, SiteID: 10, Links: map[string]string{vsaxdriver.Kind: "99999999-0000-4000-8000-000000000099"}}},
		Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}}, AssetTypes: []reconcile.AssetType{{ID: 1, Name: "PC"}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"}, Lifecycle: reconcile.LifecycleConfig{DeactivateDeleted: true}}
	res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{DryRun: true})
	if err != nil || res.Changeset.Summary().Deactivated != 0 || len(res.Changeset.Notices) != 1 ||
		!strings.Contains(res.Changeset.Notices[0].Message, "restricted to some organizations") {
		t.Fatalf("%v %+v", err, res.Changeset)
	}
	src.RestrictedToken = false
	if res, err = reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{DryRun: true}); err != nil || res.Changeset.Summary().Deactivated != 1 {
		t.Errorf("unrestricted: %v %+v", err, res.Changeset)
	}
	srv.Inject(vsaxtest.Fault{Path: "/api/v3/assets", Status: 403})
	if _, err := src.LoadSource(t.Context()); !errors.Is(err, vsax.ErrForbidden) {
		t.Errorf("403 on assets: %v", err)
	}
}

// removeAfterFirstPage deletes a device once the first page of /devices
// has been served: the next page is short and the items no longer add up
// to Meta.TotalCount.
type removeAfterFirstPage struct {
	next   http.RoundTripper
	remove func()
	done   bool
}

func (r *removeAfterFirstPage) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if !r.done && strings.HasSuffix(req.URL.Path, "/devices") {
		r.done = true
		r.remove()
	}
	return resp, err
}

// TestPartialDeviceListingDeactivatesNothing: a device removed while the
// listing pages gives fewer devices than TotalCount: the snapshot is not
// Complete, says which listing and how many, and keeps what it read.
func TestPartialDeviceListingDeactivatesNothing(t *testing.T) {
	t.Parallel()
	srv := vsaxtest.NewServer(t)
	org := srv.SeedOrganization("Contoso")
	g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G")
	var ids []string
	for i := range 5 {
		ids = append(ids, srv.SeedDevice(int64(g.ID), vsax.Device{Name: fmt.Sprint("PC-", i)}, nil).Identifier)
	}
	hook := &removeAfterFirstPage{next: srv.Client().Transport, remove: func() { srv.RemoveDevice(ids[0]) }}
	c, err := srv.NewClient(vsax.WithPageSize(2), vsax.WithHTTPClient(&http.Client{Transport: hook}))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := vsaxdriver.NewReconcileSource(c).LoadSource(t.Context())
	if err != nil || snap.Complete || !strings.Contains(snap.IncompleteReason, "devices changed from 5 to 4 items") || len(snap.Devices) != 4 {
		t.Fatalf("snapshot %+v, err %v", snap, err)
	}
}

// TestCustomFieldsAreMappable: custom field definitions become device
// fields "customField.<Name>", read through Enrich only for devices that
// have custom fields, and a mapping writes them.
func TestCustomFieldsAreMappable(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, _, d := seed(srv)
	g := srv.SeedGroup(int64(srv.SeedSite(int64(srv.SeedOrganization("Fabrikam").ID), "Main").ID), "G")
	plain := srv.SeedDevice(int64(g.ID), vsax.Device{Name: "FAB-PC1"}, nil)
	srv.SetCustomField(d.Identifier, "Contract", "Gold", "Text")
	src := vsaxdriver.NewReconcileSource(c)
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}, {Name: "Contract", ID: 5}},
		AssetTypes: []reconcile.AssetType{{ID: 1, Name: "PC"}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: "inventory_number"}, {Source: "customField.Contract", Target: "Contract"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"}}
	srv.ResetRequests()
	if _, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(src.ExpensiveFields(), "customField.Contract") {
		t.Errorf("expensive fields %v", src.ExpensiveFields())
	}
	got := map[string]string{}
	for _, a := range target.Snapshot().Assets {
		got[a.Fields["inventory_number"]] = a.Fields["Contract"]
	}
	if got["CON-PC01"] != "Gold" || got["FAB-PC1"] != "" || len(got) != 2 {
		t.Errorf("assets %v", got)
	}
	if n := srv.Count("GET", "/api/v3/devices/"+d.Identifier+"/customfields"); n != 1 {
		t.Errorf("%d custom field reads of the device that has them", n)
	}
	if n := srv.Count("GET", "/api/v3/devices/"+plain.Identifier+"/customfields"); n != 0 {
		t.Errorf("%d custom field reads of a device without", n)
	}
	if n := srv.Count("GET", "/api/v3/customFields"); n != 1 {
		t.Errorf("%d definition listings", n)
	}
}

// TestTwoInstancesIntoOnePSA: two VSA X instances (accounts "east" and
// "west") import into one PSA; each links its own devices with its
// account, a second round writes nothing, and when a device disappears
// from east, east's complete listing retires only east's asset, never
// west's.
func TestTwoInstancesIntoOnePSA(t *testing.T) {
	t.Parallel()
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{SiteLinkKinds: []string{vsaxdriver.Kind},
		Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}}, AssetTypes: []reconcile.AssetType{{ID: 1, Name: "PC"}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"},
		Sites:      reconcile.SiteConfig{ChildSites: reconcile.ChildSitesAsSites},
		Lifecycle:  reconcile.LifecycleConfig{DeactivateDeleted: true}}
	type instance struct {
		srv *vsaxtest.Server
		src *vsaxdriver.ReconcileSource
		dev vsax.Device
	}
	var insts []instance
	for _, acct := range []string{"east", "west"} {
		srv, c := setup(t)
		org := srv.SeedOrganization(acct + " Corp")
		g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G")
		dev := srv.SeedDevice(int64(g.ID), vsax.Device{Name: acct + "-PC1"}, nil)
		srv.SeedDevice(int64(g.ID), vsax.Device{Name: acct + "-PC2"}, nil)
		src := vsaxdriver.NewReconcileSource(c)
		src.Account = acct
		insts = append(insts, instance{srv, src, dev})
	}
	for round := 1; round <= 2; round++ {
		for _, in := range insts {
			res, err := reconcile.Run(t.Context(), in.src, target, cfg, reconcile.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if round == 2 && res.Changeset.Writes() != 0 {
				t.Errorf("round 2, %s: %d writes", in.src.Account, res.Changeset.Writes())
			}
		}
	}
	snap := target.Snapshot()
	if len(snap.Assets) != 4 || len(snap.Customers) != 2 {
		t.Fatalf("%d assets, %d customers", len(snap.Assets), len(snap.Customers))
	}
	for _, a := range snap.Assets {
		acct := strings.Split(a.Fields["inventory_number"], "-")[0]
		if a.LinkAccounts[vsaxdriver.Kind] != acct || a.Links[vsaxdriver.Kind] == "" {
			t.Errorf("asset %s linked %v / %v", a.Fields["inventory_number"], a.Links, a.LinkAccounts)
		}
	}
	insts[0].srv.RemoveDevice(insts[0].dev.Identifier)
	res, err := reconcile.Run(t.Context(), insts[0].src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Deactivated != 1 {
		t.Errorf("east: %s", s)
	}
	for _, a := range target.Snapshot().Assets {
		if a.Inactive != (a.Fields["inventory_number"] == "east-PC1") {
			t.Errorf("asset %s inactive=%v", a.Fields["inventory_number"], a.Inactive)
		}
	}
	if res, err = reconcile.Run(t.Context(), insts[1].src, target, cfg, reconcile.RunOptions{}); err != nil || res.Changeset.Writes() != 0 {
		t.Errorf("west after east's removal: %v, %d writes", err, res.Changeset.Writes())
	}
}
