package kaseyabmstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
)

func jsonMarshal(v any) ([]byte, error)               { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error             { return json.Unmarshal(b, v) }
func (s *Server) handle(p string, h http.HandlerFunc) { s.Handle(p, s.authed(h)) }

func (s *Server) routes() {
	s.Handle("POST /v2/security/authenticate", s.authenticate)
	s.Handle("POST /v2/security/refreshtoken", s.refreshToken)
	s.handle("GET /v2/security/userinfo", s.userInfo)

	s.handle("GET /v2/servicedesk/tickets", s.listTickets)
	s.handle("POST /v2/servicedesk/tickets", s.createTicket)
	s.handle("GET /v2/servicedesk/tickets/{id}", s.getTicket)
	s.handle("PATCH /v2/servicedesk/tickets/{id}", s.patchTicket)
	s.handle("POST /v2/servicedesk/tickets/{id}/resolve", s.resolveTicket)
	s.handle("GET /v2/servicedesk/tickets/{id}/notes", s.listNotes)
	s.handle("POST /v2/servicedesk/tickets/{id}/notes", s.addNote)
	s.handle("GET /v2/servicedesk/hardwareasset/searchselect", s.searchAssets)

	s.handle("GET /v2/crm/accounts/lookup", s.lookupAccounts)
	s.handle("GET /v2/crm/accounts/summary", s.summaryAccounts)
	s.handle("GET /v2/crm/accounts/summary/{id}", s.getAccount)
	s.handle("GET /v2/crm/accounts/{id}/locations/lookup", s.lookupLocations)
	s.handle("GET /v2/crm/accounts/{id}/contacts/lookup", s.accountContacts)
	s.handle("GET /v2/crm/contacts/search", s.searchContacts)

	s.handle("GET /v2/finance/contracts/lookup", s.lookupContracts)
	s.handle("GET /v2/finance/contracts/summary", s.summaryContracts)
	s.handle("POST /v2/finance/contracts/recurringservices/{id}/services", s.addContractServices)
	s.handle("GET /v2/admin/finance/services/lookup", s.lookupServices)
	s.handle("POST /v2/admin/finance/services/services", s.createService)
	s.handle("GET /v2/admin/finance/services/{id}", s.getService)

	s.handle("GET /v2/system/statuses/lookup", s.plainLookup(s.statuses))
	s.handle("GET /v2/system/priorities/lookup", s.plainLookup(s.priorities))
	s.handle("GET /v2/system/queues/lookup", s.plainLookup(s.queues))
	s.handle("GET /v2/system/accounttypes/lookup", s.plainLookup(s.accountTypes))
	s.handle("GET /v2/system/issuetypes/lookup", s.lookupIssueTypes)
	s.handle("GET /v2/system/issuetypes/{id}/issuesubtypes/lookup", s.lookupSubIssueTypes)
	s.handle("GET /v2/system/lookup/{table}", s.genericLookup)

	s.handle("POST /v2/admin/webhooks", s.createWebhook)
	s.handle("POST /v2/admin/webhooks/search", s.searchWebhooks)
	s.handle("GET /v2/admin/webhooks/events/lookup", s.webhookEvents)
}

// --- auth ---

// form reads a urlencoded or multipart form; field names match without
// case, as BMS's binder does.
func form(r *http.Request) (func(string) string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	return func(name string) string {
		for k, vs := range r.PostForm {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}, err
}

func (s *Server) issue(w http.ResponseWriter) {
	now := s.Now()
	access, refresh := s.nextToken(), s.nextToken()
	s.mu.Lock()
	s.access[access] = now.Add(s.tokenTTL)
	s.refresh[refresh] = refreshTok{access: access, expires: now.Add(s.refreshTTL)}
	s.issued++
	s.mu.Unlock()
	writeResult(w, map[string]any{"AccessToken": access, "RefreshToken": refresh,
		"AccessTokenExpireOn": stamp(now.Add(s.tokenTTL)), "RefreshTokenExpireOn": stamp(now.Add(s.refreshTTL))}, -1)
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	get, err := form(r)
	if err != nil || get("GrantType") == "" {
		writeFailure(w, http.StatusBadRequest, 400, "The GrantType field is required.")
		return
	}
	if !strings.EqualFold(get("GrantType"), "password") || get("UserName") != s.Username || get("Password") != s.Password ||
		!strings.EqualFold(get("Tenant"), s.Tenant) {
		writeFailure(w, http.StatusOK, 0, "Invalid username, password or tenant")
		return
	}
	s.issue(w)
}

func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	get, err := form(r)
	if err != nil || get("AccessToken") == "" {
		writeFailure(w, http.StatusBadRequest, 400, "The AccessToken field is required.")
		return
	}
	s.mu.Lock()
	rt, ok := s.refresh[get("RefreshToken")]
	valid := ok && rt.access == get("AccessToken") && s.nowLocked().Before(rt.expires)
	if ok {
		delete(s.refresh, get("RefreshToken")) // one use
	}
	s.mu.Unlock()
	if !valid {
		writeFailure(w, http.StatusOK, 0, "Invalid or expired refresh token")
		return
	}
	s.issue(w)
}

func (s *Server) nowLocked() time.Time { return time.Now().Add(s.offset) }

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := fakeapi.BearerToken(r)
		s.mu.Lock()
		exp, ok := s.access[tok]
		valid := ok && s.nowLocked().Before(exp)
		s.mu.Unlock()
		if !valid {
			writeFailure(w, http.StatusUnauthorized, 401, "Unauthorized: the access token is missing, invalid or expired")
			return
		}
		h(w, r)
	}
}

func (s *Server) userInfo(w http.ResponseWriter, _ *http.Request) {
	writeResult(w, map[string]any{"UserId": 12, "FullName": "API Bot", "EmailAddress": s.Username, "TenantId": 7,
		"BusinessName": s.Tenant, "ProductName": "BMS", "TimeZoneName": "UTC", "IsUserSystemAdmin": false,
		"CurrencyCode": "USD", "CultureCode": "en-US", "TimeStamp": stamp(s.Now())}, -1)
}

// --- lists ---

// page writes the records matching match, paged by PageSize and
// PageNumber (all when PageSize is absent), with totalRecords.
func (s *Server) page(w http.ResponseWriter, r *http.Request, t *fakeapi.Table, match func(fakeapi.Record) bool, view func(fakeapi.Record) fakeapi.Record) {
	q := r.URL.Query()
	size, number := -1, s.pageBase
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeFailure(w, http.StatusBadRequest, 400, "The value '"+v+"' is not valid for PageSize.")
			return
		}
		size = n
	}
	if v := q.Get("PageNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeFailure(w, http.StatusBadRequest, 400, "The value '"+v+"' is not valid for PageNumber.")
			return
		}
		number = max(n, s.pageBase) // a page below the base is the first page
	}
	s.writePage(w, t, match, view, size, number)
}

func (s *Server) writePage(w http.ResponseWriter, t *fakeapi.Table, match func(fakeapi.Record) bool, view func(fakeapi.Record) fakeapi.Record, size, number int) {
	offset := 0
	if size > 0 {
		offset = (number - s.pageBase) * size
	}
	rows, total := t.Select(match, offset, size)
	out := make([]fakeapi.Record, 0, len(rows))
	for _, row := range rows {
		if view != nil {
			row = view(row)
		}
		out = append(out, row)
	}
	writeResult(w, out, total)
}

// filters checks the Filter.* names of a request against those the route
// knows and returns a lookup of the given ones (case-insensitive names).
func filter(r *http.Request) func(string) string {
	q := r.URL.Query()
	return func(name string) string {
		for k, vs := range q {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
}

func filterAll(r *http.Request, name string) []string {
	var out []string
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(k, name) {
			for _, v := range vs {
				out = append(out, strings.Split(v, ",")...)
			}
		}
	}
	return out
}

func idsMatch(ids []string, v any) bool {
	if len(ids) == 0 {
		return true
	}
	return slices.Contains(ids, fakeapi.Str(v))
}

func boolMatch(want string, v any) bool {
	if want == "" {
		return true
	}
	b, _ := strconv.ParseBool(want)
	return v == b
}

// plainLookup serves a whole table (ListResponse, no totalRecords).
func (s *Server) plainLookup(t *fakeapi.Table) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeResult(w, t.List(nil), -1) }
}

// --- tickets ---

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	accounts := filterAll(r, "Filter.AccountIds")
	from, to := parseTimeParam(f("Filter.CompletedDateFrom")), parseTimeParam(f("Filter.CompletedDateTo"))
	statuses := filterAll(r, "Filter.StatusNames")
	s.page(w, r, s.tickets, func(t fakeapi.Record) bool {
		completed := parseTimeParam(str(t, "CompletedDate"))
		switch {
		case !idsMatch(accounts, t["AccountId"]):
		case f("Filter.ExcludeCompleted") == "1" && !completed.IsZero():
		case !from.IsZero() && (completed.IsZero() || completed.Before(from)):
		case !to.IsZero() && (completed.IsZero() || completed.After(to)):
		case f("Filter.Title") != "" && !containsFold(str(t, "Title"), f("Filter.Title")):
		case f("Filter.Details") != "" && !containsFold(str(t, "Details"), f("Filter.Details")):
		case f("Filter.ContactId") != "" && str(t, "ContactId") != f("Filter.ContactId"):
		case f("Filter.TicketNumber") != "" && !strings.EqualFold(str(t, "TicketNumber"), f("Filter.TicketNumber")):
		case len(statuses) > 0 && !slices.ContainsFunc(statuses, func(n string) bool { return strings.EqualFold(strings.TrimSpace(n), str(t, "StatusName")) }):
		default:
			return true
		}
		return false
	}, ticketListView)
}

func parseTimeParam(v string) time.Time {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.0000000Z", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ticketListView is a TicketListDto: the ticket with CustomFields as one
// string (its format is the fake's guess: "id=value" pairs joined by "; ").
func ticketListView(t fakeapi.Record) fakeapi.Record {
	var parts []string
	if cf, ok := t["CustomFieldsData"].([]any); ok {
		for _, e := range cf {
			if m, ok := e.(map[string]any); ok {
				parts = append(parts, fakeapi.Str(m["CustomFieldId"])+"="+fakeapi.Str(m["Data"]))
			}
		}
	}
	delete(t, "CustomFieldsData")
	delete(t, "Resolution")
	t["CustomFields"] = strings.Join(parts, "; ")
	return t
}

func ticketView(t fakeapi.Record) fakeapi.Record {
	delete(t, "CustomFieldsData")
	delete(t, "Resolution")
	return t
}

// readBody decodes a JSON body and checks it against a request schema;
// problems are answered with BMS's validation error (HTTP 400).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, schema string, v any) bool {
	if err := fakeapi.DecodeJSON(r.Body, v); err != nil {
		writeFailure(w, http.StatusBadRequest, 400, "The request body is not valid JSON: "+err.Error())
		return false
	}
	var problems []string
	check := func(item any, path string) {
		for _, p := range requestSchemas.Check(schema, item, path, fakeapi.CheckOptions{StringScalars: true}) {
			switch p.Problem {
			case fakeapi.Missing:
				problems = append(problems, fmt.Sprintf("The %s field is required.", p.Path))
			case fakeapi.Unknown:
				problems = append(problems, fmt.Sprintf("Could not find member '%s' on object of type '%s'.", p.Path, p.Schema))
			default:
				problems = append(problems, fmt.Sprintf("The value '%s' is not valid for %s.", p.Literal(), p.Path))
			}
		}
	}
	switch x := v.(type) {
	case *[]any:
		for i, item := range *x {
			check(item, fmt.Sprintf("[%d]", i))
		}
	case *fakeapi.Record:
		check(map[string]any(*x), "")
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		writeFailure(w, http.StatusBadRequest, 400, "One or more validation errors occurred.", problems...)
		return false
	}
	return true
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "TicketInputDto", &in) {
		return
	}
	rec, problem := s.resolveTicket0(in)
	if problem != "" {
		writeFailure(w, http.StatusOK, 0, problem)
		return
	}
	now := s.Now()
	rec["TicketNumber"] = fmt.Sprintf("T%s.%04d", now.UTC().Format("20060102"), s.next())
	rec["CreatedOn"], rec["ModifiedOn"], rec["LastActivityUpdate"], rec["LastStatusUpdate"] = stamp(now), stamp(now), stamp(now), stamp(now)
	rec["CompletedDate"], rec["ReOpenedDate"], rec["TenantId"], rec["IsReadOnly"] = nil, nil, 7, false
	rec["OpenDate"] = stamp(parseTimeParam(str(in, "OpenDate")))
	st := num(rec, "StatusId")
	if st == StatusCompleted || st == StatusClosed {
		rec["CompletedDate"] = stamp(now)
	}
	writeResult(w, ticketView(s.tickets.Insert(rec)), -1)
}

// resolveTicket0 checks the ids of a ticket input against the tenant's
// records and returns the ticket record with the names BMS adds, or the
// message BMS answers Success:false with.
func (s *Server) resolveTicket0(in fakeapi.Record) (fakeapi.Record, string) {
	rec := fakeapi.Record{}
	for k, v := range in {
		rec[k] = v
	}
	acctID := num(in, "AccountId")
	acct, ok := s.accounts.Get(key(acctID))
	if !ok {
		return nil, fmt.Sprintf("Account %d does not exist", acctID)
	}
	rec["AccountName"], rec["AccountCode"] = acct["AccountName"], acct["AccountCode"]
	loc, ok := s.locations.Get(key(num(in, "LocationId")))
	if !ok || num(loc, "AccountId") != acctID {
		return nil, fmt.Sprintf("Invalid LocationId %s for account %d", str(in, "LocationId"), acctID)
	}
	rec["LocationName"] = loc["Name"]
	if id := num(in, "ContactId"); id != 0 {
		c, ok := s.contacts.Get(key(id))
		if !ok || num(c, "AccountId") != acctID {
			return nil, fmt.Sprintf("Invalid ContactId %d for account %d", id, acctID)
		}
		rec["ContactName"] = strings.TrimSpace(str(c, "FirstName") + " " + str(c, "LastName"))
		rec["ContactEmail"] = c["EmailAddress"]
	}
	named := func(t *fakeapi.Table, field, nameField string, required bool) string {
		id := num(in, field)
		if id == 0 && !required {
			return ""
		}
		row, ok := t.Get(key(id))
		if !ok {
			return fmt.Sprintf("Invalid %s %d", field, id)
		}
		rec[nameField] = row["Name"]
		return ""
	}
	for _, p := range []string{named(s.statuses, "StatusId", "StatusName", true), named(s.priorities, "PriorityId", "PriorityName", true),
		named(s.queues, "QueueId", "QueueName", false), named(s.issueTypes, "IssueTypeId", "IssueTypeName", false)} {
		if p != "" {
			return nil, p
		}
	}
	if id := num(in, "SubIssueTypeId"); id != 0 {
		sub, ok := s.subIssueTypes.Get(key(id))
		if !ok || num(sub, "IssueTypeId") != num(in, "IssueTypeId") {
			return nil, fmt.Sprintf("Invalid SubIssueTypeId %d for IssueTypeId %d", id, num(in, "IssueTypeId"))
		}
		rec["SubIssueTypeName"] = sub["Name"]
	}
	name, ok := ticketTypes[num(in, "TypeId")]
	if !ok {
		return nil, fmt.Sprintf("Invalid TypeId %s", str(in, "TypeId"))
	}
	rec["TypeName"] = name
	if name, ok = sources[num(in, "SourceId")]; !ok {
		return nil, fmt.Sprintf("Invalid SourceId %s", str(in, "SourceId"))
	}
	rec["SourceName"] = name
	if id := num(in, "ContractId"); id != 0 {
		c, ok := s.contracts.Get(key(id))
		if !ok || num(c, "AccountId") != acctID {
			return nil, fmt.Sprintf("Invalid ContractId %d for account %d", id, acctID)
		}
		rec["ContractName"], rec["ContractNumber"] = c["Name"], c["ContractNumber"]
	}
	if id := num(in, "HardwareAssetId"); id != 0 {
		a, ok := s.assets.Get(key(id))
		if !ok || num(a, "AccountId") != acctID {
			return nil, fmt.Sprintf("Invalid HardwareAssetId %d for account %d", id, acctID)
		}
		rec["HardwareAssetName"] = a["AssetName"]
	}
	return rec, ""
}

func (s *Server) ticketOr404(w http.ResponseWriter, r *http.Request) (fakeapi.Record, bool) {
	id := r.PathValue("id")
	t, ok := s.tickets.Get(id)
	if !ok {
		writeFailure(w, http.StatusOK, 404, "Ticket not found")
	}
	return t, ok
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.ticketOr404(w, r); ok {
		writeResult(w, ticketView(t), -1)
	}
}

func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request) {
	var ops []any
	if !s.readBody(w, r, "Operation", &ops) {
		return
	}
	t, ok := s.ticketOr404(w, r)
	if !ok {
		return
	}
	now := s.Now()
	for _, o := range ops {
		m, _ := o.(map[string]any)
		op, path := fakeapi.Str(m["op"]), strings.TrimPrefix(fakeapi.Str(m["path"]), "/")
		if !strings.EqualFold(op, "replace") || path == "" || strings.Contains(path, "/") {
			writeFailure(w, http.StatusOK, 0, fmt.Sprintf("Unsupported patch operation %q on %q", op, path))
			return
		}
		field := ""
		for k := range t {
			if strings.EqualFold(k, path) {
				field = k
			}
		}
		if field == "" {
			field = path
		}
		if strings.EqualFold(field, "StatusId") {
			st, _ := strconv.Atoi(fakeapi.Str(m["value"]))
			if _, ok := s.statuses.Get(key(st)); !ok {
				writeFailure(w, http.StatusOK, 0, fmt.Sprintf("Invalid StatusId %d", st))
				return
			}
			s.setStatus(t, st, now)
			continue
		}
		t[field] = m["value"]
	}
	t["ModifiedOn"] = stamp(now)
	stored, _ := s.tickets.Merge(t)
	writeResult(w, ticketView(stored), -1)
}

func (s *Server) resolveTicket(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "ResolveTicketDto", &in) {
		return
	}
	t, ok := s.ticketOr404(w, r)
	if !ok {
		return
	}
	st := num(in, "StatusId")
	if st == 0 {
		st = StatusCompleted
	}
	if st != StatusCompleted && st != StatusClosed {
		writeFailure(w, http.StatusOK, 0, fmt.Sprintf("Status %d is not a completed status", st))
		return
	}
	now := s.Now()
	s.setStatus(t, st, now)
	t["Resolution"], t["ModifiedOn"] = in["Comment"], stamp(now)
	stored, _ := s.tickets.Merge(t)
	writeResult(w, ticketView(stored), -1)
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	t, ok := s.ticketOr404(w, r)
	if !ok {
		return
	}
	id := num(t, "Id")
	s.page(w, r, s.notes, func(n fakeapi.Record) bool { return num(n, "TicketId") == id }, func(n fakeapi.Record) fakeapi.Record {
		delete(n, "TicketId")
		return n
	})
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "TicketNotePostInputDto", &in) {
		return
	}
	t, ok := s.ticketOr404(w, r)
	if !ok {
		return
	}
	now := s.Now()
	if st := num(in, "StatusId"); st != 0 {
		if _, ok := s.statuses.Get(key(st)); !ok {
			writeFailure(w, http.StatusOK, 0, fmt.Sprintf("Invalid StatusId %d", st))
			return
		}
		s.setStatus(t, st, now)
	}
	t["LastActivityUpdate"] = stamp(now)
	_, _ = s.tickets.Merge(t)
	n := s.notes.Insert(fakeapi.Record{"TicketId": num(t, "Id"), "Details": in["Details"], "IsInternal": in["IsInternal"],
		"TypeId": in["TypeId"], "TypeName": "Internal Note", "CreatedBy": 12, "CreatedByName": "API Bot", "CreatedByEmail": s.Username,
		"CreatedOn": stamp(now), "ModifiedOn": stamp(now), "NoteDate": in["NoteDate"]})
	delete(n, "TicketId")
	writeResult(w, n, -1)
}

// AddTechnicianNote adds a note to a ticket as a technician would in BMS.
func (s *Server) AddTechnicianNote(ticketID int, text string) bool {
	if _, ok := s.tickets.Get(key(ticketID)); !ok {
		return false
	}
	now := s.Now()
	s.notes.Insert(fakeapi.Record{"TicketId": ticketID, "Details": text, "IsInternal": true, "TypeId": NoteTypeInternal,
		"TypeName": "Internal Note", "CreatedBy": 3, "CreatedByName": "Tess Technician", "CreatedOn": stamp(now), "ModifiedOn": stamp(now)})
	return true
}

func (s *Server) searchAssets(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	s.page(w, r, s.assets, func(a fakeapi.Record) bool {
		return (f("Filter.AccountId") == "" || str(a, "AccountId") == f("Filter.AccountId")) &&
			(f("Filter.AssetName") == "" || containsFold(str(a, "AssetName"), f("Filter.AssetName"))) &&
			(f("Filter.SerialNumber") == "" || strings.EqualFold(str(a, "SerialNumber"), f("Filter.SerialNumber"))) &&
			boolMatch(f("Filter.IsActive"), a["IsActive"])
	}, nil)
}

// --- CRM ---

func (s *Server) lookupAccounts(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	ids := filterAll(r, "Filter.Ids")
	s.page(w, r, s.accounts, func(a fakeapi.Record) bool {
		return idsMatch(ids, a["Id"]) && (f("Filter.Name") == "" || containsFold(str(a, "AccountName"), f("Filter.Name"))) &&
			(a["IsActive"] == true || f("Filter.WithInactiveAccounts") == "true")
	}, func(a fakeapi.Record) fakeapi.Record {
		return fakeapi.Record{"Id": a["Id"], "Name": a["AccountName"], "TenantName": a["TenantName"], "IsActive": a["IsActive"]}
	})
}

func (s *Server) summaryAccounts(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	s.page(w, r, s.accounts, func(a fakeapi.Record) bool {
		return (f("Filter.AccountName") == "" || containsFold(str(a, "AccountName"), f("Filter.AccountName"))) &&
			(f("Filter.AccountCode") == "" || strings.EqualFold(str(a, "AccountCode"), f("Filter.AccountCode"))) &&
			(f("Filter.AccountTypeId") == "" || str(a, "AccountTypeId") == f("Filter.AccountTypeId")) &&
			(f("Filter.AccountTypeName") == "" || strings.EqualFold(str(a, "AccountType"), f("Filter.AccountTypeName"))) &&
			boolMatch(f("Filter.IsActive"), a["IsActive"])
	}, nil)
}

// getAccount answers the bare AccountSummaryOutputDto, without the
// envelope, as the spec declares it.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accounts.Get(r.PathValue("id"))
	if !ok {
		writeFailure(w, http.StatusNotFound, 404, "Account not found")
		return
	}
	fakeapi.WriteJSON(w, http.StatusOK, camel(a))
}

func (s *Server) lookupLocations(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	writeResult(w, s.locations.List(func(l fakeapi.Record) bool { return num(l, "AccountId") == id }), -1)
}

func (s *Server) accountContacts(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	f := filter(r)
	s.page(w, r, s.contacts, func(c fakeapi.Record) bool {
		name := strings.TrimSpace(str(c, "FirstName") + " " + str(c, "LastName"))
		return num(c, "AccountId") == id && (f("Filter.Name") == "" || containsFold(name, f("Filter.Name")))
	}, func(c fakeapi.Record) fakeapi.Record {
		return fakeapi.Record{"Id": c["Id"], "Name": strings.TrimSpace(str(c, "FirstName") + " " + str(c, "LastName")),
			"LocationId": c["LocationId"], "LocationName": c["LocationName"], "EmailAddress": c["EmailAddress"], "Phone": nil}
	})
}

// searchContacts filters like BMS: Filter.EmailAddress matches a part of
// the address (so a client must compare the whole), the others exactly.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	ids, accounts := filterAll(r, "Filter.Ids"), filterAll(r, "Filter.AccountIds")
	s.page(w, r, s.contacts, func(c fakeapi.Record) bool {
		return idsMatch(ids, c["Id"]) && idsMatch(accounts, c["AccountId"]) &&
			(f("Filter.EmailAddress") == "" || containsFold(str(c, "EmailAddress"), f("Filter.EmailAddress"))) &&
			(f("Filter.FirstName") == "" || containsFold(str(c, "FirstName"), f("Filter.FirstName"))) &&
			(f("Filter.LastName") == "" || containsFold(str(c, "LastName"), f("Filter.LastName"))) &&
			(f("Filter.LocationId") == "" || str(c, "LocationId") == f("Filter.LocationId")) &&
			boolMatch(f("Filter.IsActive"), c["IsActive"])
	}, nil)
}

// --- finance ---

func (s *Server) lookupContracts(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	ids := filterAll(r, "Ids")
	now := s.Now()
	writeResult(w, s.contracts.List(func(c fakeapi.Record) bool {
		return idsMatch(ids, c["Id"]) && (f("AccountId") == "" || str(c, "AccountId") == f("AccountId")) &&
			(f("Name") == "" || containsFold(str(c, "Name"), f("Name"))) &&
			(f("ExcludeExpiredContracts") != "true" || parseTimeParam(str(c, "EndDate")).After(now))
	}), -1)
}

func (s *Server) summaryContracts(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	s.page(w, r, s.contracts, func(c fakeapi.Record) bool {
		return (f("Filter.ContractName") == "" || containsFold(str(c, "Name"), f("Filter.ContractName"))) &&
			(f("Filter.AccountName") == "" || containsFold(str(c, "AccountName"), f("Filter.AccountName")))
	}, func(c fakeapi.Record) fakeapi.Record {
		return fakeapi.Record{"Id": c["Id"], "ContractName": c["Name"], "AccountName": c["AccountName"], "ContractType": c["ContractType"],
			"ContractNumber": c["ContractNumber"], "Status": c["Status"], "BillingCycle": c["BillingCycle"], "ContractBillingPrice": 0,
			"StartDate": c["StartDate"], "EndDate": c["EndDate"]}
	})
}

func (s *Server) addContractServices(w http.ResponseWriter, r *http.Request) {
	var in []any
	if !s.readBody(w, r, "RecurringServicePostInputDto", &in) {
		return
	}
	c, ok := s.contracts.Get(r.PathValue("id"))
	if !ok {
		writeFailure(w, http.StatusOK, 404, "Contract not found")
		return
	}
	var out []fakeapi.Record
	for _, item := range in {
		m, _ := item.(map[string]any)
		svc, ok := s.services.Get(fakeapi.Str(m["ServiceId"]))
		if !ok {
			writeFailure(w, http.StatusOK, 0, "Invalid ServiceId "+fakeapi.Str(m["ServiceId"]))
			return
		}
		units, _ := strconv.ParseFloat(fakeapi.Str(m["Units"]), 64)
		price, _ := strconv.ParseFloat(fakeapi.Str(m["UnitPrice"]), 64)
		cost, _ := strconv.ParseFloat(fakeapi.Str(m["UnitCost"]), 64)
		out = append(out, s.lines.Insert(fakeapi.Record{"ServiceId": svc["Id"], "ServiceName": svc["Name"], "ContractId": c["Id"],
			"ContractName": c["Name"], "Units": units, "UnitCost": cost, "UnitPrice": price, "TotalPrice": units * price,
			"TotalCost": units * cost, "EffectiveDate": m["EffectiveDate"], "SortOrder": m["SortOrder"]}))
	}
	if len(out) == 1 {
		writeResult(w, out[0], -1) // the spec declares one line
		return
	}
	writeResult(w, out, -1)
}

func (s *Server) lookupServices(w http.ResponseWriter, r *http.Request) {
	f := filter(r)
	s.page(w, r, s.services, func(v fakeapi.Record) bool {
		return (f("Filter.Id") == "" || str(v, "Id") == f("Filter.Id")) && (f("Filter.Name") == "" || containsFold(str(v, "Name"), f("Filter.Name")))
	}, func(v fakeapi.Record) fakeapi.Record {
		return fakeapi.Record{"Id": v["Id"], "Name": v["Name"], "Description": v["Description"]}
	})
}

func (s *Server) createService(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "ServiceInputDto", &in) {
		return
	}
	if strings.TrimSpace(str(in, "Name")) == "" {
		writeFailure(w, http.StatusOK, 0, "Service name is required")
		return
	}
	delete(in, "Id")
	writeResult(w, s.services.Insert(in), -1)
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request) {
	v, ok := s.services.Get(r.PathValue("id"))
	if !ok {
		writeFailure(w, http.StatusOK, 404, "Service not found")
		return
	}
	writeResult(w, v, -1)
}

// --- system lookups ---

func (s *Server) lookupIssueTypes(w http.ResponseWriter, r *http.Request) {
	name := filter(r)("Filter.Name")
	writeResult(w, s.issueTypes.List(func(t fakeapi.Record) bool { return name == "" || containsFold(str(t, "Name"), name) }), -1)
}

func (s *Server) lookupSubIssueTypes(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var out []fakeapi.Record
	for _, t := range s.subIssueTypes.List(func(t fakeapi.Record) bool { return str(t, "IssueTypeId") == id }) {
		out = append(out, fakeapi.Record{"Id": t["Id"], "Name": t["Name"]})
	}
	if out == nil {
		out = []fakeapi.Record{}
	}
	writeResult(w, out, -1)
}

func (s *Server) genericLookup(w http.ResponseWriter, r *http.Request) {
	var table map[int]string
	switch strings.ToLower(r.PathValue("table")) {
	case "tickettypes":
		table = ticketTypes
	case "ticketsources":
		table = sources
	default:
		writeFailure(w, http.StatusOK, 0, "Unknown lookup table "+r.PathValue("table"))
		return
	}
	ids := make([]int, 0, len(table))
	for id := range table {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]fakeapi.Record, 0, len(ids))
	for _, id := range ids {
		out = append(out, fakeapi.Record{"Id": id, "Name": table[id], "IsDefault": false, "IsActive": true})
	}
	writeResult(w, out, -1)
}

// --- webhooks ---

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "WebhookConfigurationInputDto", &in) {
		return
	}
	u, err := url.Parse(str(in, "PayloadURL"))
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		writeFailure(w, http.StatusOK, 0, "PayloadURL must be an absolute URL")
		return
	}
	rec := fakeapi.Record{"Name": in["Name"], "PayloadUrl": in["PayloadURL"], "IsEnabled": in["IsEnabled"], "ContentType": in["ContentType"],
		"SendAllEvents": in["SendAllEvents"], "Events": in["Events"], "HasSecret": str(in, "Secret") != "", "CreatedOn": stamp(s.Now()), "UseCount": 0}
	writeResult(w, s.webhooks.Insert(rec), -1)
}

func (s *Server) searchWebhooks(w http.ResponseWriter, r *http.Request) {
	var in fakeapi.Record
	if !s.readBody(w, r, "WebhookConfigurationListInputDto", &in) {
		return
	}
	flt, _ := in["Filter"].(map[string]any)
	size, _ := strconv.Atoi(fakeapi.Str(in["PageSize"]))
	number, _ := strconv.Atoi(fakeapi.Str(in["PageNumber"]))
	if size <= 0 {
		size = -1
	}
	s.writePage(w, s.webhooks, func(h fakeapi.Record) bool {
		return (fakeapi.Str(flt["Name"]) == "" || containsFold(str(h, "Name"), fakeapi.Str(flt["Name"]))) &&
			(fakeapi.Str(flt["PayloadUrl"]) == "" || strings.EqualFold(str(h, "PayloadUrl"), fakeapi.Str(flt["PayloadUrl"])))
	}, nil, size, max(number, s.pageBase))
}

func (s *Server) webhookEvents(w http.ResponseWriter, _ *http.Request) {
	writeResult(w, []fakeapi.Record{
		{"Id": 1, "Name": "Ticket Created", "CategoryId": 1, "CategoryName": "Service Desk"},
		{"Id": 2, "Name": "Ticket Updated", "CategoryId": 1, "CategoryName": "Service Desk"},
		{"Id": 3, "Name": "Ticket Completed", "CategoryId": 1, "CategoryName": "Service Desk"},
	}, -1)
}

var _ = bytes.TrimSpace
