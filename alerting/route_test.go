package alerting_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// directoryFixture is newFixture with the fake PSA's contact directory, so
// the engine checks ticket users.
func directoryFixture(t *testing.T, cfg alerting.Config, opts ...alerting.Option) *fixture {
	t.Helper()
	f := &fixture{sink: alertingtest.NewSink(), store: memstore.New(), clock: newClock()}
	f.sink.SetClock(f.clock.Now)
	opts = append([]alerting.Option{alerting.WithClock(f.clock.Now), alerting.WithOwner("test-engine")}, opts...)
	eng, err := alerting.New(cfg, f.store, f.sink.WithContactDirectory(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	f.eng = eng
	return f
}

// routing returns the routing stored with an alert's record.
func (f *fixture) routing(t *testing.T, a alerting.Alert) alerting.Routing {
	t.Helper()
	rec, err := f.store.Alert(t.Context(), a.Key())
	if err != nil {
		t.Fatalf("alert record %s: %v", a.Key(), err)
	}
	return rec.Routing
}

func learned(ms ...alerting.SiteMapping) (alerting.SiteMappingsFunc, *atomic.Int32) {
	var calls atomic.Int32
	return func(_ context.Context, source, account string) ([]alerting.SiteMapping, error) {
		calls.Add(1)
		if source != "datto" || account != "" {
			return nil, nil
		}
		return ms, nil
	}, &calls
}

// Routing follows the links: the device's linked asset wins over every
// mapping, then the configured mapping, then the learned one, then the
// exact name (case and spacing aside), then the catch-all. The decision
// and its reason are kept with the alert and returned.
func TestRoutingOrder(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.LinkAsset, cfg.AutoMatch = true, true
	cfg.CatchAll = &alerting.CatchAll{Customer: "C-catch", Site: "S-catch"}
	sites, calls := learned(
		alerting.SiteMapping{SourceSite: "site-1", Customer: "C-learned-loses", Site: "S-x"},
		alerting.SiteMapping{SourceSite: "site-5", Customer: "C5", Site: "S5"},
	)
	f := newFixture(t, cfg, alerting.WithSiteMappings(sites))
	// The import linked dev-9 to an asset of C2 at site S2-b.
	f.sink.AddAsset("C2", "datto", alerting.Device{ID: "dev-9"}, alerting.Asset{ID: "A-9", Site: "S2-b"})
	f.sink.AddCustomer(alerting.Customer{ID: "C7", Name: "Initech  Ltd", Site: "S7"})
	f.sink.AddCustomer(alerting.Customer{ID: "C8", Name: "Globex"})
	f.sink.AddCustomer(alerting.Customer{ID: "C9", Name: "GLOBEX "})

	cases := []struct {
		name             string
		site, siteName   string
		device           string
		wantBy           alerting.RouteBy
		wantCust, wantSt string
		wantAsset        string
		reason           string
	}{
		{"LinkedAssetWinsOverMapping", "site-1", "Acme", "dev-9", alerting.RouteAsset, "C2", "S2-b", "A-9", "linked to PSA asset A-9"},
		{"ConfiguredMapping", "site-1", "Acme", "dev-unlinked", alerting.RouteMapping, "C1", "S1", "", "no PSA asset is linked to datto device dev-unlinked"},
		{"LearnedMapping", "site-5", "Renamed Site", "dev-unlinked", alerting.RouteLearned, "C5", "S5", "", "mapped to customer C5 by an import"},
		{"AutoMatchNormalised", "site-6", "  initech   LTD ", "", alerting.RouteAutoMatch, "C7", "S7", "", "matches PSA customer C7"},
		{"AmbiguousNameIsNoMatch", "site-8", "Globex", "", alerting.RouteCatchAll, "C-catch", "S-catch", "", `no single PSA customer is named "Globex"`},
	}
	for i, tc := range cases {
		a := raise("r" + string(rune('a'+i)))
		a.Customer = alerting.CustomerRef{ID: tc.site, Name: tc.siteName}
		a.Device = alerting.Device{ID: tc.device, Hostname: "PC"}
		res := f.submit(t, a)
		wantOutcome(t, res, alerting.OutcomeCreated, "")
		tk, _ := f.sink.Ticket(res.TicketID)
		if tk.Customer != tc.wantCust || tk.Site != tc.wantSt || tk.Asset != tc.wantAsset {
			t.Errorf("%s: ticket customer %q site %q asset %q; want %q %q %q", tc.name, tk.Customer, tk.Site, tk.Asset, tc.wantCust, tc.wantSt, tc.wantAsset)
		}
		r := f.routing(t, a)
		if r.By != tc.wantBy || r.Customer != tc.wantCust || r.Site != tc.wantSt || r.Asset != tc.wantAsset || !strings.Contains(r.Reason, tc.reason) {
			t.Errorf("%s: stored routing %+v; want by %s, customer %s, site %s, asset %q, reason containing %q", tc.name, r, tc.wantBy, tc.wantCust, tc.wantSt, tc.wantAsset, tc.reason)
		}
		if res.Routing != r {
			t.Errorf("%s: Result.Routing %+v differs from the stored %+v", tc.name, res.Routing, r)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("learned mappings read %d times; want 1 (cached)", n)
	}
}

// The asset's user is the ticket user; else the site's contact (the
// mapping's, then the PSA site's own default user); else the customer's
// default. A configured user of another customer or site is passed over,
// and the alert's record says so.
func TestTicketUser(t *testing.T) {
	t.Parallel()
	type setup func(f *fixture)
	cases := []struct {
		name        string
		cfg         func(*alerting.Config)
		setup       setup
		wantContact string
		wantBy      alerting.ContactBy
		problem     string
		wantSite    string
	}{
		{"AssetUser", nil, func(f *fixture) {
			f.sink.AddAsset("C1", "datto", alerting.Device{ID: "dev-1"}, alerting.Asset{ID: "A-1", Contact: "U-asset", Site: "S1-b"})
			f.sink.AddUser("C1", alerting.Contact{ID: "U-asset", Site: "S1"})
			f.sink.AddUser("C1", alerting.Contact{ID: "U-default", Site: "S1"})
		}, "U-asset", alerting.ContactAssetUser, "", "S1-b"},
		{"MappingContact", nil, func(f *fixture) {
			f.sink.AddAsset("C1", "datto", alerting.Device{ID: "dev-1"}, alerting.Asset{ID: "A-1", Site: "S1"})
			f.sink.AddUser("C1", alerting.Contact{ID: "U-default", Site: "S1"})
		}, "U-default", alerting.ContactSite, "", "S1"},
		{"MappingContactOfAnotherCustomer", nil, func(f *fixture) {
			f.sink.AddUser("C-other", alerting.Contact{ID: "U-default"})
			f.sink.AddUser("C1", alerting.Contact{ID: "U-site", Site: "S1"})
			f.sink.SetSiteContact("S1", "U-site")
		}, "U-site", alerting.ContactSiteDefault, "site_contact U-default belongs to customer C-other, not C1", "S1"},
		{"MappingContactAtAnotherSite", nil, func(f *fixture) {
			f.sink.AddUser("C1", alerting.Contact{ID: "U-default", Site: "S-elsewhere"})
			f.sink.AddUser("C1", alerting.Contact{ID: "U-global"})
		}, "U-global", alerting.ContactConfigDefault, "site_contact U-default is at site S-elsewhere, not the ticket's site S1", "S1"},
		{"NothingBelongs", func(c *alerting.Config) { c.Customers[0].Contact = "" }, func(f *fixture) {
			f.sink.AddUser("C-other", alerting.Contact{ID: "U-global"})
		}, "", alerting.ContactPSADefault, "default U-global belongs to customer C-other, not C1", "S1"},
		{"UnknownContact", nil, func(f *fixture) {}, "", alerting.ContactPSADefault, "site_contact U-default does not exist in the PSA", "S1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.DefaultContact = "U-global"
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			f := directoryFixture(t, cfg)
			tc.setup(f)
			a := raise("u")
			res := f.submit(t, a)
			tk, _ := f.sink.Ticket(res.TicketID)
			r := f.routing(t, a)
			if tk.Contact != tc.wantContact || r.Contact != tc.wantContact || r.ContactBy != tc.wantBy || tk.Site != tc.wantSite {
				t.Errorf("ticket contact %q site %q, routing %+v; want contact %q by %s at site %s", tk.Contact, tk.Site, r, tc.wantContact, tc.wantBy, tc.wantSite)
			}
			if !strings.Contains(r.ContactProblem, tc.problem) || (tc.problem == "") != (r.ContactProblem == "") {
				t.Errorf("contact problem %q; want one containing %q", r.ContactProblem, tc.problem)
			}
		})
	}
}

// Alerts of two accounts of one source never meet: the same alert ID in
// each is two alerts with two tickets, a resolve from one account does not
// touch the other's ticket, and a ticket closed in the PSA is resolved at
// the source by its own account's resolver only.
func TestAccountsAreSeparate(t *testing.T) {
	t.Parallel()
	ra, rb, rdefault := alertingtest.NewResolver(), alertingtest.NewResolver(), alertingtest.NewResolver()
	f := newFixture(t, baseConfig(),
		alerting.WithAccountResolver("datto", "acct-a", ra),
		alerting.WithAccountResolver("datto", "acct-b", rb),
		alerting.WithResolver("datto", rdefault))
	a, b := raise("same-id"), raise("same-id")
	a.Account, b.Account = "acct-a", "acct-b"
	resA, resB := f.submit(t, a), f.submit(t, b)
	if resA.Outcome != alerting.OutcomeCreated || resB.Outcome != alerting.OutcomeCreated || resA.TicketID == resB.TicketID {
		t.Fatalf("same alert ID in two accounts: %+v / %+v; want two tickets", resA, resB)
	}
	rb2 := b
	rb2.Kind = alerting.Resolve
	if res := f.submit(t, rb2); res.TicketID != resB.TicketID {
		t.Errorf("account b's resolve went to ticket %s; want %s", res.TicketID, resB.TicketID)
	}
	if tk, _ := f.sink.Ticket(resA.TicketID); tk.State != alerting.TicketOpen {
		t.Errorf("account a's ticket is %s after account b's resolve", tk.State)
	}
	if err := f.sink.CloseInPSA(resA.TicketID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.SyncResolved(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := ra.Resolved()
	if len(got) != 1 || got[0].Account != "acct-a" || got[0].AlertID != "same-id" || len(rb.Resolved()) != 0 || len(rdefault.Resolved()) != 0 {
		t.Errorf("resolved: a %+v, b %+v, default %+v; want only a's resolver, with account acct-a", got, rb.Resolved(), rdefault.Resolved())
	}
	if _, err := alerting.New(baseConfig(), memstore.New(), f.sink, alerting.WithAccountResolver("datto", "bad/acct", ra)); err == nil {
		t.Error("WithAccountResolver took an account with '/'")
	}
}

// An alert of an account with no resolver of its own is not resolved at
// its source by the source-wide resolver.
func TestNoResolverOfAnotherAccount(t *testing.T) {
	t.Parallel()
	rdefault := alertingtest.NewResolver()
	f := newFixture(t, baseConfig(), alerting.WithResolver("datto", rdefault))
	a := raise("x1")
	a.Account = "acct-z"
	res := f.submit(t, a)
	if err := f.sink.CloseInPSA(res.TicketID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.SyncResolved(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := rdefault.Calls(); n != 0 {
		t.Errorf("the source-wide resolver was called %d times for an alert of account acct-z", n)
	}
}

// A learned-mapping read that fails is an outage: the alert stays pending.
func TestLearnedMappingFailureIsRetried(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Customers = nil
	fail := true
	f := newFixture(t, cfg, alerting.WithSiteMappings(func(context.Context, string, string) ([]alerting.SiteMapping, error) {
		if fail {
			return nil, errors.New("mapping store down")
		}
		return []alerting.SiteMapping{{SourceSite: "site-1", Customer: "C1"}}, nil
	}))
	a := raise("lm")
	a.Device = alerting.Device{}
	res, err := f.eng.Submit(t.Context(), a)
	if err != nil || res.Outcome != alerting.OutcomePending {
		t.Fatalf("Submit = %+v, %v; want pending", res, err)
	}
	fail = false
	f.clock.Add(2 * time.Second)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending = %d, %v", n, err)
	}
	if tk := wantTickets(t, f.sink, 1)[0]; tk.Customer != "C1" {
		t.Errorf("ticket customer %s; want C1", tk.Customer)
	}
}
