package main

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
)

// TestDemoTicketsLandWhereTheLinksSay runs the demo and checks, against
// the fake Halo's and the request log's state, every alert's routing step
// and user source and every ticket field: customer, site, asset, user,
// type, team, contract, state; the e-mail alert's intake; the grouping
// modes' tickets and notes.
func TestDemoTicketsLandWhereTheLinksSay(t *testing.T) {
	d, err := startDemo(t.Context(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	var out bytes.Buffer
	if err := d.script(t.Context(), &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	w, hs := d.w, d.hs
	rs, err := d.rc.eng.RequestLog().Requests(t.Context(), alerting.RequestQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	entry := func(uid string, kind alerting.Kind, status alerting.RequestStatus) (alerting.Request, bool) {
		for _, r := range rs {
			if r.Alert != nil && r.Alert.EventID == uid && r.Alert.Kind == kind && r.Status == status {
				return r, true
			}
		}
		return alerting.Request{}, false
	}
	cases := []struct {
		name      string
		uid       string
		intake    string
		by        alerting.RouteBy
		why       string
		contactBy alerting.ContactBy
		customer  int
		site      int
		asset     int
		user      int
		team      string
		contract  int
		closed    bool
	}{
		{"disk: linked asset, its user", w.disk.AlertUID, "webhook", alerting.RouteAsset, "is linked to PSA asset " + strconv.Itoa(w.pc01),
			alerting.ContactAssetUser, w.contoso, w.conMain, w.pc01, w.ann, "Service Desk", w.contract, false},
		{"spooler: linked asset at Branch, the site's user", w.spooler.AlertUID, "webhook", alerting.RouteAsset, "site " + strconv.Itoa(w.conBranch),
			alerting.ContactSiteDefault, w.contoso, w.conBranch, w.srv01, w.bob, "Service Desk", w.contract, true},
		{"offline: found by name", w.offline.AlertUID, "webhook", alerting.RouteAutoMatch, `source site name "fabrikam" matches PSA customer`,
			alerting.ContactPSADefault, w.fabrikam, w.fabMain, 0, 0, "Service Desk", 0, true},
		{"northwind: near-duplicate names are no match", w.stray.AlertUID, "webhook", alerting.RouteCatchAll, `no single PSA customer is named "Northwind Traders"`,
			alerting.ContactPSADefault, w.unassigned, w.unMain, 0, 0, "Service Desk", 0, false},
		{"tailspin: configured mapping", w.tail.AlertUID, "webhook", alerting.RouteMapping, "mapped to customer " + strconv.Itoa(w.tailspin) + " by the configuration",
			alerting.ContactPSADefault, w.tailspin, w.tailMain, 0, 0, "Service Desk", 0, false},
		{"woodgrove: learned mapping", w.wood.AlertUID, "webhook", alerting.RouteLearned, "by an import",
			alerting.ContactPSADefault, w.woodgrove, w.woodMain, 0, 0, "Service Desk", 0, false},
		{"antivirus by e-mail: linked asset, Security team", w.av.AlertUID, "mail", alerting.RouteAsset, "is linked to PSA asset " + strconv.Itoa(w.pc01),
			alerting.ContactAssetUser, w.contoso, w.conMain, w.pc01, w.ann, "Security", w.contract, false},
	}
	seen := map[int]bool{}
	for _, tc := range cases {
		r, ok := entry(tc.uid, alerting.Raise, alerting.RequestAccepted)
		if !ok || r.Applied == nil {
			t.Errorf("%s: no applied request log entry: %+v", tc.name, r)
			continue
		}
		rt := r.Applied.Routing
		if r.Intake != tc.intake || r.Applied.Outcome != alerting.OutcomeCreated || rt.By != tc.by || rt.ContactBy != tc.contactBy ||
			!strings.Contains(rt.Reason, tc.why) || rt.Customer != strconv.Itoa(tc.customer) {
			t.Errorf("%s: request log %s %s %+v; want intake %s, created, by %s (%q), user by %s, customer %d",
				tc.name, r.Intake, r.Applied.Outcome, rt, tc.intake, tc.by, tc.why, tc.contactBy, tc.customer)
		}
		id, _ := strconv.Atoi(r.Applied.TicketID)
		tk, ok := hs.Ticket(id)
		if !ok {
			t.Errorf("%s: ticket %q is not in Halo", tc.name, r.Applied.TicketID)
			continue
		}
		seen[id] = true
		asset := 0
		if len(tk.Assets) == 1 {
			asset = tk.Assets[0].ID
		}
		closed := tk.HasBeenClosed != nil && *tk.HasBeenClosed
		if tk.ClientID != tc.customer || tk.SiteID != tc.site || asset != tc.asset || len(tk.Assets) > 1 || tk.UserID != tc.user ||
			tk.TicketTypeID != w.ticketType || tk.Team != tc.team || tk.ContractID != tc.contract || closed != tc.closed {
			t.Errorf("%s: Halo ticket %d: client %d site %d asset %d user %d type %d team %q contract %d closed %v;\n"+
				"want client %d site %d asset %d user %d type %d team %q contract %d closed %v",
				tc.name, tk.ID, tk.ClientID, tk.SiteID, asset, tk.UserID, tk.TicketTypeID, tk.Team, tk.ContractID, closed,
				tc.customer, tc.site, tc.asset, tc.user, w.ticketType, tc.team, tc.contract, tc.closed)
		}
	}
	for _, tk := range hs.Tickets() {
		if tk.ClientID == w.northwind[0] || tk.ClientID == w.northwind[1] {
			t.Errorf("ticket %d landed on a Northwind customer %d", tk.ID, tk.ClientID)
		}
	}

	// The redelivery, the resolve, the refused payloads.
	if _, ok := entry(w.disk.AlertUID, alerting.Raise, alerting.RequestDuplicate); !ok {
		t.Error("no duplicate entry for the redelivered raise")
	}
	if r, ok := entry(w.spooler.AlertUID, alerting.Resolve, alerting.RequestAccepted); !ok || r.Applied == nil || r.Applied.Outcome != alerting.OutcomeClosed {
		t.Errorf("spooler resolve: %+v", r)
	}
	refused := map[alerting.Reason]bool{}
	for _, r := range rs {
		if r.Status == alerting.RequestRejected && r.Alert == nil {
			refused[r.Reason] = true
			if strings.Contains(r.Detail, demoSecret) || strings.Contains(r.Detail, "not-the-secret") {
				t.Errorf("request log entry %d shows a secret: %q", r.Seq, r.Detail)
			}
		}
	}
	if !refused[alerting.ReasonBadSignature] || !refused[alerting.ReasonMalformedPayload] {
		t.Errorf("refused payloads in the log: %v", refused)
	}
	if off, _ := d.ds.Alert(w.offline.AlertUID); !off.Resolved || off.ResolvedBy != "API" {
		t.Errorf("offline alert in Datto: %+v", off)
	}

	// Grouping by user: Ann's two alerts on one ticket; by user and alert
	// type: the two "Impossible travel" on one, "Mass download" on another.
	byMode := map[alerting.Grouping][]int{}
	for id, mode := range d.grouping {
		byMode[mode] = append(byMode[mode], id)
		seen[id] = true
	}
	notes := func(ids []int) (n []int) {
		for _, id := range ids {
			n = append(n, len(hs.Actions(id)))
		}
		return n
	}
	if ids := byMode[alerting.GroupUser]; len(ids) != 1 || notes(ids)[0] != 1 {
		t.Errorf("user grouping: tickets %v with notes %v; want one ticket with one note", ids, notes(ids))
	}
	if ids := byMode[alerting.GroupUserAlert]; len(ids) != 2 || notes(ids)[0]+notes(ids)[1] != 1 {
		t.Errorf("user+alert grouping: tickets %v with notes %v; want two tickets, one note", ids, notes(ids))
	}
	for _, ids := range byMode {
		for _, id := range ids {
			tk, _ := hs.Ticket(id)
			if tk.ClientID != w.contoso || tk.SiteID != w.conMain || tk.UserID != w.ann || tk.Team != "Security" ||
				tk.ContractID != w.contract || tk.TicketTypeID != w.ticketType {
				t.Errorf("grouped ticket %d: client %d site %d user %d team %q contract %d type %d",
					id, tk.ClientID, tk.SiteID, tk.UserID, tk.Team, tk.ContractID, tk.TicketTypeID)
			}
		}
	}
	// Lifecycle: the missed raise became ticket T (open), its missed
	// resolve closed T, the raise in the window made no ticket until the
	// window ended, and the recurrence reopened T with a note.
	ls := d.life.steps
	if len(ls) != 5 {
		t.Fatalf("lifecycle steps %+v", ls)
	}
	tkt := ls[0].ticket
	if tkt == 0 || ls[0].state != "open" || ls[1].ticket != tkt || ls[1].state != "closed" ||
		ls[2].ticket != 0 || ls[2].result != "suppressed: maintenance_window" ||
		ls[3].ticket == 0 || ls[3].ticket == tkt || ls[3].state != "open" ||
		ls[4].ticket != tkt || ls[4].state != "open" || ls[4].result != "reopened" || ls[4].notes != ls[1].notes+1 {
		t.Errorf("lifecycle steps %+v", ls)
	}
	if tk, _ := hs.Ticket(tkt); tk.HasBeenClosed != nil && *tk.HasBeenClosed || len(tk.Assets) != 1 || tk.Assets[0].ID != w.pc01 {
		t.Errorf("reopened ticket %d: %+v", tkt, tk)
	}
	if tk, _ := hs.Ticket(ls[3].ticket); tk.ClientID != w.contoso || tk.SiteID != w.conBranch {
		t.Errorf("ticket after the window: %+v", tk)
	}
	seen[tkt], seen[ls[3].ticket] = true, true
	if n := len(hs.Tickets()); n != len(seen) {
		t.Errorf("%d tickets in Halo; the demo accounts for %d", n, len(seen))
	}
	for _, want := range []string{"Tickets in Halo", "GET /requests", "GET /readyz: 200 (store ok, halo ok, datto ok)", "MSA-2026"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
