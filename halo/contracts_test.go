package halo_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mspsync/mspsync/halo"
)

// TestCreateTicketWritesEveryDefault: source, team, the four categories
// and the contract reach the stored ticket (they were dropped before:
// NewTicket had no such fields).
func TestCreateTicketWritesEveryDefault(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	ct := srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: cust.ID})
	tk, err := c.Tickets.Create(t.Context(), halo.NewTicket{ClientID: cust.ID, SiteID: site.ID, Summary: "Disk full",
		TicketTypeID: 21, StatusID: 2, PriorityID: 3, SourceID: 4, Team: "Service Desk",
		Category1: "Alerts>Disk", Category2: "c2", Category3: "c3", Category4: "c4", ContractID: ct.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Ticket(tk.ID)
	want := halo.Ticket{TicketTypeID: 21, StatusID: 2, PriorityID: 3, Source: 4, Team: "Service Desk",
		Category1: "Alerts>Disk", Category2: "c2", Category3: "c3", Category4: "c4", ContractID: ct.ID}
	if got.TicketTypeID != want.TicketTypeID || got.StatusID != want.StatusID || got.PriorityID != want.PriorityID ||
		got.Source != want.Source || got.Team != want.Team || got.Category1 != want.Category1 || got.Category2 != want.Category2 ||
		got.Category3 != want.Category3 || got.Category4 != want.Category4 || got.ContractID != want.ContractID {
		t.Errorf("stored ticket = type %d status %d priority %d source %d team %q cats %q %q %q %q contract %d\nwant %+v",
			got.TicketTypeID, got.StatusID, got.PriorityID, got.Source, got.Team, got.Category1, got.Category2, got.Category3,
			got.Category4, got.ContractID, want)
	}
}

// TestContractsDecodeLenientlyAndActiveAt: ids as strings or doubles,
// dates without a zone, Halo's 1900 "no date", and the flags.
func TestContractsDecodeLenientlyAndActiveAt(t *testing.T) {
	t.Parallel()
	var v halo.Contract
	raw := `{"id":"7","client_id":12.0,"site_id":0,"ref":"MSA","start_date":"2024-01-01T00:00:00","end_date":"1900-01-01T00:00:00","active":true,"custom":1}`
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != 7 || v.ClientID != 12 || v.Ref != "MSA" || v.Extra["custom"] == nil {
		t.Fatalf("decoded %+v", v)
	}
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month) *halo.Time {
		return &halo.Time{Time: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)}
	}
	for _, tc := range []struct {
		name string
		c    halo.Contract
		want bool
	}{
		{"decoded, open-ended", v, true},
		{"no dates, no flags", halo.Contract{}, true},
		{"not started", halo.Contract{StartDate: day(2025, 7)}, false},
		{"ended", halo.Contract{EndDate: day(2025, 5)}, false},
		{"in term", halo.Contract{StartDate: day(2025, 1), EndDate: day(2026, 1)}, true},
		{"inactive", halo.Contract{Active: halo.Ptr(false)}, false},
		{"expired", halo.Contract{Expired: halo.Ptr(true)}, false},
	} {
		if got := tc.c.ActiveAt(now); got != tc.want {
			t.Errorf("%s: ActiveAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
