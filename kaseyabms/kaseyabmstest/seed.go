package kaseyabmstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/kaseyabms"
)

// ticketTypes and sources are the ids the server accepts as TypeId and
// SourceId (V2 has no lookup of its own for them; the generic lookup
// serves them as tables "TicketTypes" and "TicketSources" here, a name
// chosen by the fake).
var (
	ticketTypes = map[int]string{TicketTypeIncident: "Incident", TicketTypeAlert: "Alert"}
	sources     = map[int]string{0: "Client Portal", 1: "Phone", 2: "In Person", 3: "On Site", 4: "Email",
		SourceMonitoring: "Monitoring System", 6: "Voice Mail", 7: "Verbal", 8: "Other", 9: "Recurring"}
)

func (s *Server) seedLookups() {
	for _, st := range []struct {
		id     int
		name   string
		typeID int
	}{{StatusNew, "New", 1}, {StatusInProgress, "In Progress", 2}, {StatusWaiting, "Waiting Customer", 2},
		{StatusCompleted, "Completed", 3}, {StatusClosed, "Closed", 3}} {
		s.statuses.Insert(fakeapi.Record{"Id": st.id, "Name": st.name, "StatusOrder": st.id, "TypeId": st.typeID,
			"IsSystemStatus": 1, "IsActive": true, "Color": "#ffffff", "FontColor": "#000000", "SlaEventId": nil})
	}
	for id, name := range map[int]string{PriorityLow: "Low", PriorityMedium: "Medium", PriorityHigh: "High", PriorityCritical: "Critical"} {
		s.priorities.Insert(fakeapi.Record{"Id": id, "Name": name, "Color": "#cccccc", "IsDefault": id == PriorityMedium})
	}
	s.queues.Insert(fakeapi.Record{"Id": QueueServiceDesk, "Name": "Service Desk", "IsActive": true})
	s.queues.Insert(fakeapi.Record{"Id": QueueSecurity, "Name": "Security", "IsActive": true})
	for id, name := range map[int]string{1: "Customer", 2: "Vendor", 3: "Partner"} {
		s.accountTypes.Insert(fakeapi.Record{"Id": id, "Name": name, "IsActive": true, "IsClient": id == 1, "IsVendor": id == 2})
	}
}

// SeedAccount adds an account (AccountName required; AccountTypeID
// defaults to 1, Customer; IsActive is set) with a main location "Main
// Office".
func (s *Server) SeedAccount(a kaseyabms.AccountSummary) kaseyabms.AccountSummary {
	if a.AccountTypeID == 0 {
		a.AccountTypeID = 1
	}
	if a.AccountCode == "" {
		a.AccountCode = strings.ToUpper(strings.ReplaceAll(a.AccountName, " ", ""))
	}
	typ, _ := s.accountTypes.Get(key(a.AccountTypeID))
	rec := must(fakeapi.Normalize(a))
	delete(rec, "Id")
	rec["IsActive"], rec["AccountType"], rec["TenantName"] = true, typ["Name"], s.Tenant
	if a.ParentID == 0 {
		rec["ParentId"] = nil
	}
	out := decode[kaseyabms.AccountSummary](s.accounts.Insert(rec))
	s.SeedLocation(out.ID, "Main Office", true)
	return out
}

// SeedLocation adds a location to an account.
func (s *Server) SeedLocation(accountID int, name string, main bool) kaseyabms.Location {
	return decode[kaseyabms.Location](s.locations.Insert(fakeapi.Record{"Name": name, "AccountId": accountID, "IsMain": main}))
}

// MainLocation returns an account's main location.
func (s *Server) MainLocation(accountID int) kaseyabms.Location {
	for _, l := range s.locations.List(func(r fakeapi.Record) bool { return num(r, "AccountId") == accountID && r["IsMain"] == true }) {
		return decode[kaseyabms.Location](l)
	}
	return kaseyabms.Location{}
}

// SeedContact adds a contact to an account, at its main location unless
// c.LocationID says otherwise. c.IsActive is kept as given.
func (s *Server) SeedContact(c kaseyabms.Contact) kaseyabms.Contact {
	acct, ok := s.accounts.Get(key(c.AccountID))
	if !ok {
		panic(fmt.Sprintf("kaseyabmstest: SeedContact: no account %d", c.AccountID))
	}
	if c.LocationID == 0 {
		c.LocationID = s.MainLocation(c.AccountID).ID
	}
	loc, _ := s.locations.Get(key(c.LocationID))
	rec := must(fakeapi.Normalize(c))
	delete(rec, "Id")
	rec["AccountName"], rec["LocationName"] = acct["AccountName"], loc["Name"]
	return decode[kaseyabms.Contact](s.contacts.Insert(rec))
}

// SetContactActive activates or deactivates a contact.
func (s *Server) SetContactActive(id int, active bool) bool {
	return s.contacts.Update(key(id), func(r fakeapi.Record) { r["IsActive"] = active })
}

// SeedIssueType adds an issue type.
func (s *Server) SeedIssueType(name string) kaseyabms.LookupItem {
	return decode[kaseyabms.LookupItem](s.issueTypes.Insert(fakeapi.Record{"Name": name, "IsActive": true}))
}

// SeedSubIssueType adds a sub-issue type under an issue type.
func (s *Server) SeedSubIssueType(issueTypeID int, name string) kaseyabms.LookupItem {
	return decode[kaseyabms.LookupItem](s.subIssueTypes.Insert(fakeapi.Record{"Name": name, "IssueTypeId": issueTypeID}))
}

// SeedContract adds an active recurring-services contract to an account,
// ending a year from now.
func (s *Server) SeedContract(accountID int, name string, isDefault bool) kaseyabms.ContractLookup {
	acct, _ := s.accounts.Get(key(accountID))
	now := s.Now()
	return decode[kaseyabms.ContractLookup](s.contracts.Insert(fakeapi.Record{"Name": name, "AccountId": accountID,
		"AccountName": acct["AccountName"], "IsDefault": isDefault, "IsActive": true, "SLAId": nil, "SLAName": nil,
		"ContractType": "Recurring Services", "Status": "Active", "BillingCycle": "Monthly",
		"ContractNumber": fmt.Sprintf("CN-%04d", s.next()), "StartDate": stamp(now.AddDate(0, -1, 0)), "EndDate": stamp(now.AddDate(1, 0, 0))}))
}

// ExpireContract sets a contract's end date in the past.
func (s *Server) ExpireContract(id int) bool {
	return s.contracts.Update(key(id), func(r fakeapi.Record) { r["EndDate"] = stamp(s.Now().AddDate(0, 0, -1)) })
}

// SeedService adds a catalogue service.
func (s *Server) SeedService(name string, cost, price float64) kaseyabms.Service {
	return decode[kaseyabms.Service](s.services.Insert(fakeapi.Record{"Name": name, "Description": "", "UnitCost": cost,
		"UnitPrice": price, "IsActive": true, "IsTaxable": false, "CategoryId": nil}))
}

// Services returns the service catalogue.
func (s *Server) Services() []kaseyabms.Service {
	var out []kaseyabms.Service
	for _, r := range s.services.List(nil) {
		out = append(out, decode[kaseyabms.Service](r))
	}
	return out
}

// SeedHardwareAsset adds an active hardware asset to an account.
func (s *Server) SeedHardwareAsset(accountID int, name string, contactID int) kaseyabms.HardwareAsset {
	acct, _ := s.accounts.Get(key(accountID))
	return decode[kaseyabms.HardwareAsset](s.assets.Insert(fakeapi.Record{"AssetName": name, "SerialNumber": "SN-" + name,
		"AccountId": accountID, "AccountName": acct["AccountName"], "ContactId": contactID, "IsActive": true,
		"CategoryId": 1, "CategoryName": "Workstation", "LocationName": s.MainLocation(accountID).Name}))
}

// ContractServices returns the service lines added to a contract.
func (s *Server) ContractServices(contractID int) []kaseyabms.RecurringService {
	var out []kaseyabms.RecurringService
	for _, r := range s.lines.List(func(r fakeapi.Record) bool { return num(r, "ContractId") == contractID }) {
		out = append(out, decode[kaseyabms.RecurringService](r))
	}
	return out
}

// Ticket returns a ticket as BMS holds it.
func (s *Server) Ticket(id int) (kaseyabms.Ticket, bool) {
	r, ok := s.tickets.Get(key(id))
	if !ok {
		return kaseyabms.Ticket{}, false
	}
	return decode[kaseyabms.Ticket](r), true
}

// Tickets returns every ticket, in id order.
func (s *Server) Tickets() []kaseyabms.Ticket {
	var out []kaseyabms.Ticket
	for _, r := range s.tickets.List(nil) {
		out = append(out, decode[kaseyabms.Ticket](r))
	}
	return out
}

// TicketCustomFields returns the custom field values a ticket was created
// with.
func (s *Server) TicketCustomFields(id int) []kaseyabms.CustomFieldData {
	r, ok := s.tickets.Get(key(id))
	if !ok {
		return nil
	}
	var out []kaseyabms.CustomFieldData
	b, _ := jsonMarshal(r["CustomFieldsData"])
	_ = jsonUnmarshal(b, &out)
	return out
}

// Notes returns a ticket's notes, oldest first.
func (s *Server) Notes(ticketID int) []kaseyabms.Note {
	var out []kaseyabms.Note
	for _, r := range s.notes.List(func(r fakeapi.Record) bool { return num(r, "TicketId") == ticketID }) {
		out = append(out, decode[kaseyabms.Note](r))
	}
	return out
}

// Resolution returns the comment a ticket was resolved with ("" if none).
func (s *Server) Resolution(ticketID int) string {
	r, _ := s.tickets.Get(key(ticketID))
	return str(r, "Resolution")
}

// CompleteTicket completes a ticket the way a technician does in BMS:
// status Completed and CompletedDate now. False when there is no such
// ticket.
func (s *Server) CompleteTicket(id int) bool {
	now := s.Now()
	return s.tickets.Update(key(id), func(r fakeapi.Record) {
		s.setStatus(r, StatusCompleted, now)
	})
}

// SetTicketStatus sets a ticket's status as a technician would; a closed
// status completes the ticket, an open one reopens it.
func (s *Server) SetTicketStatus(id, statusID int) bool {
	now := s.Now()
	return s.tickets.Update(key(id), func(r fakeapi.Record) { s.setStatus(r, statusID, now) })
}

// DeleteTicket removes a ticket.
func (s *Server) DeleteTicket(id int) bool { return s.tickets.Delete(key(id)) }

// setStatus sets a ticket record's status and what follows from it.
func (s *Server) setStatus(r fakeapi.Record, statusID int, now time.Time) {
	st, _ := s.statuses.Get(key(statusID))
	r["StatusId"], r["StatusName"], r["LastStatusUpdate"] = statusID, st["Name"], stamp(now)
	if statusID == StatusCompleted || statusID == StatusClosed {
		if r["CompletedDate"] == nil {
			r["CompletedDate"] = stamp(now)
		}
	} else if r["CompletedDate"] != nil {
		r["CompletedDate"], r["ReOpenedDate"] = nil, stamp(now)
	}
}
