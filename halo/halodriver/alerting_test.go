package halodriver_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
)

func TestAlertSinkAgainstHalo(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, typ := estate(srv)
	user := srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "ann@acme.example", ClientID: cust.ID, SiteID: site.ID})
	asset := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: typ.ID, DattoID: "dev-1"})
	srv.SeedCustomField(halo.CustomFieldDef{Name: "CFGroupKey", Label: "Alert group"})
	s := halodriver.NewAlertSink(c, halodriver.WithTicketType(2), halodriver.WithGroupKeyField("Alert group"))
	ctx := t.Context()

	found, err := s.FindCustomer(ctx, "acme ltd")
	if err != nil || found.ID != strconv.Itoa(cust.ID) || found.Site != strconv.Itoa(site.ID) {
		t.Fatalf("customer = %+v, %v", found, err)
	}
	if _, err := s.FindCustomer(ctx, "Nobody"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("unknown customer: %v", err)
	}
	contact, err := s.FindContact(ctx, found.ID, "ANN@acme.example")
	if err != nil || contact.ID != strconv.Itoa(user.ID) {
		t.Errorf("contact = %+v, %v", contact, err)
	}
	a, err := s.FindAsset(ctx, found.ID, "datto", alerting.Device{ID: "dev-1"})
	if err != nil || a.ID != strconv.Itoa(asset.ID) {
		t.Errorf("asset = %+v, %v", a, err)
	}
	id, err := s.CreateTicket(ctx, alerting.NewTicket{GroupKey: "ag1-abc", Customer: found.ID, Site: found.Site, Contact: contact.ID,
		Asset: a.ID, Title: "Disk full", Body: "C: 92%", Defaults: alerting.TicketDefaults{Priority: "3"}})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := srv.Ticket(mustAtoi(id))
	if tk.ThirdPartyIDString != "ag1-abc" || tk.TicketTypeID != 2 || tk.PriorityID != 3 || tk.UserID != user.ID || len(tk.Assets) != 1 || len(tk.CustomFields) != 1 {
		t.Errorf("ticket = %+v", tk)
	}
	if open, err := s.FindOpenTicket(ctx, found.ID, "ag1-abc"); err != nil || open != id {
		t.Errorf("open ticket = %q, %v", open, err)
	}
	if err := s.AddNote(ctx, id, alerting.Note{Text: "again"}); err != nil {
		t.Fatal(err)
	}
	srv.CloseTicket(mustAtoi(id))
	if err := s.AddNote(ctx, id, alerting.Note{Text: "late"}); !errors.Is(err, alerting.ErrTicketClosed) {
		t.Errorf("note on a closed ticket: %v", err)
	}
	if n := len(srv.Actions(mustAtoi(id))); n != 1 {
		t.Errorf("actions = %d, want 1", n)
	}
	var closed []string
	for ct, err := range s.ClosedTicketsSince(ctx, time.Now().Add(-time.Hour)) {
		if err != nil {
			t.Fatal(err)
		}
		closed = append(closed, ct.ID)
	}
	if len(closed) != 1 || closed[0] != id {
		t.Errorf("closed = %v", closed)
	}
	srv.DeleteTicket(mustAtoi(id))
	if st, err := s.TicketState(ctx, id); err != nil || st != alerting.TicketMissing {
		t.Errorf("deleted ticket state = %v, %v", st, err)
	}
	// A ticket Halo refuses for good is a permanent error.
	_, err = s.CreateTicket(ctx, alerting.NewTicket{GroupKey: "g", Customer: found.ID, Title: "", Defaults: alerting.TicketDefaults{}})
	if !alerting.IsPermanent(err) {
		t.Errorf("validation error not permanent: %v", err)
	}
}

func TestEngineWithHaloSink(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, _, _ := estate(srv)
	eng, err := alerting.New(alerting.Config{AutoMatch: true, Grouping: alerting.GroupUser, OnResolve: alerting.CloseOnResolve},
		memstore.New(), halodriver.NewAlertSink(c, halodriver.WithTicketType(1)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for i, kind := range []alerting.Kind{alerting.Raise, alerting.Raise, alerting.Raise} {
		_, err := eng.Submit(t.Context(), alerting.Alert{Source: "visionone", EventID: strconv.Itoa(i), Kind: kind, Type: "Risky sign-in",
			User: "bo@acme.example", Customer: alerting.CustomerRef{ID: "t1", Name: "Acme Ltd"}, Title: "Risky sign-in"})
		if err != nil {
			t.Fatal(err)
		}
	}
	tks := srv.Tickets()
	if len(tks) != 1 || tks[0].ClientID != cust.ID || len(srv.Actions(tks[0].ID)) != 2 {
		t.Fatalf("tickets = %+v", tks)
	}
	srv.CloseTicket(tks[0].ID)
	if _, err := eng.Submit(t.Context(), alerting.Alert{Source: "visionone", EventID: "9", Kind: alerting.Raise, User: "bo@acme.example",
		Customer: alerting.CustomerRef{ID: "t1", Name: "Acme Ltd"}, Title: "Again"}); err != nil {
		t.Fatal(err)
	}
	if tks := srv.Tickets(); len(tks) != 2 || len(srv.Actions(tks[0].ID)) != 2 {
		t.Errorf("after close: %d tickets, first has %d notes", len(tks), len(srv.Actions(tks[0].ID)))
	}
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

// Two clients whose names differ only in spaces and case are the same name:
// no match, never the one Halo's substring search happens to return.
func TestFindCustomerSeesNamesThatDifferInSpaces(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedCustomer(halo.Customer{Name: "Northwind Traders"})
	srv.SeedCustomer(halo.Customer{Name: "Northwind  traders"})
	srv.SeedCustomer(halo.Customer{Name: "Contoso   Ltd"})
	s := halodriver.NewAlertSink(c)
	if got, err := s.FindCustomer(t.Context(), "northwind traders"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("ambiguous name matched %+v, %v", got, err)
	}
	if got, err := s.FindCustomer(t.Context(), "Contoso Ltd"); err != nil || got.Name != "Contoso   Ltd" {
		t.Errorf("Contoso = %+v, %v", got, err)
	}
}
