package alerting_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// readOnlySink is a sink whose writes fail the test: a dry run may look
// up, never write.
type readOnlySink struct {
	alertingtest.DirectorySink
	t *testing.T
}

func (s readOnlySink) CreateTicket(context.Context, alerting.NewTicket) (string, error) {
	s.t.Error("dry run created a ticket")
	return "", alerting.Permanent(context.Canceled)
}

func (s readOnlySink) AddNote(context.Context, string, alerting.Note) error {
	s.t.Error("dry run added a note")
	return alerting.Permanent(context.Canceled)
}

func (s readOnlySink) CloseTicket(context.Context, string, alerting.Note) error {
	s.t.Error("dry run closed a ticket")
	return alerting.Permanent(context.Canceled)
}

// Explain routes alerts through a candidate configuration with the sink's
// look-ups only: the linked asset's customer, site and user; the ticket
// defaults after the alert-type override; a second alert of one group as
// a note; rejected, ignored and resolve events said so.
func TestExplainRoutesWithoutWriting(t *testing.T) {
	t.Parallel()
	sink := alertingtest.NewSink()
	sink.AddAsset("C2", "datto", alerting.Device{ID: "dev-1", Hostname: "PC-01"}, alerting.Asset{ID: "A7", Site: "S9", Contact: "U-ann"})
	sink.AddUser("C2", alerting.Contact{ID: "U-ann", Site: "S9"})
	sink.AddUser("C1", alerting.Contact{ID: "U-default", Site: "S1"})
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUserAlert
	cfg.Ticket.Queue = "Service Desk"
	cfg.AlertTypes = []alerting.AlertTypeRule{
		{Type: "Antivirus", Ticket: alerting.TicketDefaults{Queue: "Security", Priority: "1"}},
		{Type: "Patch", Disabled: true},
	}
	linked := raise("a1")
	linked.Type, linked.User = "Antivirus", "ann@example.com"
	same := linked
	same.EventID = "a2"
	other := raise("a3") // mapped site, no device
	other.Device, other.User = alerting.Device{}, "bob@example.com"
	stray := raise("a4")
	stray.Device, stray.Customer = alerting.Device{}, alerting.CustomerRef{ID: "site-x", Name: "Nobody"}
	patch := raise("a5")
	patch.Type = "Patch"
	alerts := []alerting.Alert{linked, same, other, stray, patch, resolve("a1")}

	xs, err := alerting.Explain(t.Context(), cfg, readOnlySink{sink.WithContactDirectory(), t}, alerts)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != len(alerts) {
		t.Fatalf("%d explanations for %d alerts", len(xs), len(alerts))
	}
	x := xs[0]
	if x.Action != alerting.ActionNewTicket || x.Routing.By != alerting.RouteAsset || x.Routing.Customer != "C2" || x.Routing.Site != "S9" ||
		x.Routing.Asset != "A7" || x.Routing.Contact != "U-ann" || x.Routing.ContactBy != alerting.ContactAssetUser ||
		x.Defaults.Queue != "Security" || x.Defaults.Priority != "1" || x.Defaults.Type != "21" || x.Grouping != alerting.GroupUserAlert ||
		x.GroupKey != alerting.GroupKey("C2", alerting.GroupUserAlert, linked) || x.Device != "PC-01" || x.SiteName != "Acme" {
		t.Errorf("linked device: %+v", x)
	}
	if x := xs[1]; x.Action != alerting.ActionNote || x.GroupKey != xs[0].GroupKey || !strings.Contains(x.Detail, linked.EventKey()) {
		t.Errorf("same user and type: %+v", x)
	}
	if x := xs[2]; x.Action != alerting.ActionNewTicket || x.Routing.By != alerting.RouteMapping || x.Routing.Customer != "C1" ||
		x.Routing.Site != "S1" || x.Routing.Contact != "U-default" || x.Defaults.Queue != "Service Desk" {
		t.Errorf("mapped site: %+v", x)
	}
	if x := xs[3]; x.Action != alerting.ActionRejected || x.Reason != alerting.ReasonUnmappedCustomer {
		t.Errorf("unmapped site: %+v", x)
	}
	if x := xs[4]; x.Action != alerting.ActionIgnored || x.Reason != alerting.ReasonAlertTypeDisabled {
		t.Errorf("disabled type: %+v", x)
	}
	if x := xs[5]; x.Action != alerting.ActionResolve {
		t.Errorf("resolve: %+v", x)
	}
	if n := len(sink.Tickets()); n != 0 {
		t.Errorf("%d tickets after a dry run", n)
	}
}

// Engine.Explain sees the tickets the live engine has open: an alert whose
// group has an open ticket would be a note on it; once the ticket is
// closed in the PSA, a new ticket. The store is not written.
func TestEngineExplainUsesOpenTickets(t *testing.T) {
	t.Parallel()
	store, sink := memstore.New(), alertingtest.NewSink()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	live, err := alerting.New(cfg, store, sink)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	first := userAlert("ann@example.com", "Disk", "u1")
	res, err := live.Submit(t.Context(), first)
	if err != nil || res.TicketID == "" {
		t.Fatalf("live submit: %+v %v", res, err)
	}
	dry, err := alerting.New(cfg, store, readOnlySink{sink.WithContactDirectory(), t})
	if err != nil {
		t.Fatal(err)
	}
	defer dry.Close()
	next := userAlert("ann@example.com", "CPU", "u2")
	xs, err := dry.Explain(t.Context(), []alerting.Alert{next})
	if err != nil {
		t.Fatal(err)
	}
	if x := xs[0]; x.Action != alerting.ActionNote || x.Ticket != res.TicketID || x.GroupKey != res.GroupKey {
		t.Errorf("open group: %+v; want a note on %s", x, res.TicketID)
	}
	if err := sink.CloseInPSA(res.TicketID); err != nil {
		t.Fatal(err)
	}
	xs, _ = dry.Explain(t.Context(), []alerting.Alert{next, userAlert("ann@example.com", "Mem", "u3")})
	if x := xs[0]; x.Action != alerting.ActionNewTicket || !strings.Contains(x.Detail, res.TicketID+" is closed") {
		t.Errorf("closed ticket: %+v", x)
	}
	if x := xs[1]; x.Action != alerting.ActionNote || x.Ticket != "" {
		t.Errorf("after the new ticket: %+v", x)
	}
	if _, err := store.Alert(t.Context(), next.Key()); err == nil {
		t.Error("the dry run wrote an alert record")
	}
	if n, _ := store.Pending(t.Context()); n != 0 {
		t.Errorf("%d pending after a dry run", n)
	}
}
