package halodriver_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// acmeRMM is a vendor that exists only in this file: neither engine nor
// halodriver knows its kind or its field names. It proves that adding a
// vendor needs no change to reconcile or alerting.
type acmeRMM struct {
	sites   []reconcile.SourceSite
	devices []reconcile.Device
}

const acmeKind = "acmermm"

func (s *acmeRMM) LoadSource(context.Context) (*reconcile.SourceSnapshot, error) {
	return &reconcile.SourceSnapshot{
		Source:   reconcile.SourceInfo{Kind: acmeKind, Account: "acme-eu-1", Fields: []string{"machine_name", "bios_serial", "form_factor", "logged_on"}, UserField: "logged_on"},
		Sites:    s.sites,
		Devices:  s.devices,
		Complete: true,
	}, nil
}

func (s *acmeRMM) add(site, name, serial string) string {
	id := fmt.Sprintf("acme:%04d", len(s.devices)+1)
	s.devices = append(s.devices, reconcile.Device{ID: id, SiteID: site, Name: name,
		Fields: map[string]string{"machine_name": name, "bios_serial": serial, "form_factor": "Workstation", "logged_on": `ACME\ann`}})
	return id
}

func TestMadeUpVendorThroughBothEngines(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "ann@acme.example", Login: "ann", ClientID: cust.ID, SiteID: site.ID})
	srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	src := &acmeRMM{sites: []reconcile.SourceSite{{ID: "grp-1", Name: "Acme Ltd"}, {ID: "grp-2", Name: "Globex"}}}
	pc := src.add("grp-1", "ACME-PC1", "SN-A1")
	src.add("grp-1", "ACME-PC2", "SN-A2")
	src.add("grp-2", "GLOBEX-PC1", "SN-G1")
	cfg := &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{{Source: "machine_name", Target: "inventory_number"}, {Source: "bios_serial", Target: "Serial Number"}},
		Matching:      reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "form_factor", Default: "Workstation"},
		Users:         reconcile.UserConfig{Mode: reconcile.UsersLastLoggedIn, PrimaryField: "login"},
	}
	target := halodriver.NewReconcileTarget(c)

	res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Failed != 0 || len(srv.Assets()) != 3 {
		t.Fatalf("first run: %+v, %d Halo assets", s, len(srv.Assets()))
	}
	// The link lives in the info field halodriver created for the kind.
	snap, err := target.LoadTarget(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var linked *reconcile.Asset
	for i := range snap.Assets {
		if snap.Assets[i].Links[acmeKind] == pc {
			linked = &snap.Assets[i]
		}
	}
	if linked == nil || linked.Fields[acmeKind+" device ID"] != pc || linked.Name != "ACME-PC1" || linked.CustomerID != cust.ID || linked.UserID == 0 {
		t.Fatalf("asset of %s = %+v", pc, linked)
	}
	again, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil || again.Changeset.Writes() != 0 {
		t.Fatalf("second run: %d writes, %v", again.Changeset.Writes(), err)
	}

	// Alerts of the same made-up kind land on the linked asset's customer,
	// and the ticket links the asset found by that link.
	eng, err := alerting.New(alerting.Config{AutoMatch: true, LinkAsset: true, OnResolve: alerting.CloseOnResolve},
		memstore.New(), halodriver.NewAlertSink(c, halodriver.WithTicketType(1)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	alert := alerting.Alert{Source: acmeKind, EventID: "evt-1", AlertID: "alert-1", Kind: alerting.Raise, Type: "Disk",
		Device: alerting.Device{ID: pc, Hostname: "ACME-PC1"}, Customer: alerting.CustomerRef{ID: "grp-1", Name: "acme  ltd"}, Title: "Disk full"}
	if _, err := eng.Submit(t.Context(), alert); err != nil {
		t.Fatal(err)
	}
	tks := srv.Tickets()
	if len(tks) != 1 || tks[0].ClientID != cust.ID || len(tks[0].Assets) != 1 || tks[0].Assets[0].ID != linked.ID {
		t.Fatalf("tickets = %+v; want one on customer %d linking asset %d", tks, cust.ID, linked.ID)
	}
	alert.EventID, alert.Kind = "evt-2", alerting.Resolve
	if _, err := eng.Submit(t.Context(), alert); err != nil {
		t.Fatal(err)
	}
	if st, _ := halodriver.NewAlertSink(c).TicketState(t.Context(), strconv.Itoa(tks[0].ID)); st != alerting.TicketClosed {
		t.Errorf("after the resolve the ticket is %s", st)
	}
	// The made-up source passes the source suite, too.
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		s := &acmeRMM{}
		fail := false
		return reconciletest.SourceFixture{
			Source: sourceFunc(func(ctx context.Context) (*reconcile.SourceSnapshot, error) { return s.load(ctx, fail) }),
			AddSite: func(name string) string {
				id := fmt.Sprint("grp-", len(s.sites)+1)
				s.sites = append(s.sites, reconcile.SourceSite{ID: id, Name: name})
				return id
			},
			AddDevice:   func(site, name string) string { return s.add(site, name, "SN-"+name) },
			FailListing: func() { fail = true },
		}
	})
}

func (s *acmeRMM) load(ctx context.Context, fail bool) (*reconcile.SourceSnapshot, error) {
	if fail {
		return nil, fmt.Errorf("acme: listing failed")
	}
	return s.LoadSource(ctx)
}

type sourceFunc func(context.Context) (*reconcile.SourceSnapshot, error)

func (f sourceFunc) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) { return f(ctx) }
