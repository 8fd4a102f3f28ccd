// Package halotest is an in-memory HaloPSA for tests and demos: an
// httptest server that speaks the API the way Halo does, so code written
// against package halo runs unchanged against it.
//
// It reproduces what matters to a client: the OAuth token endpoint (client
// ID and secret checked, tenant checked, tokens that expire and are then
// refused with 401), AuthInfo discovery, the page cap of 100 with
// record_count, the agent's default page of 50 when paging is not asked for,
// order/orderdesc on lists, wrapped lists for paged resources and bare
// arrays for configuration
// lists, POST of JSON arrays as create-or-update (an asset's fields or
// customfields array sent replaces the stored one whole, entries left out
// emptied, as Halo does; one record answered with
// the saved object; several, whose reply Halo does not document, with the
// last saved object unless WithArrayBatchReply), inactive records hidden
// unless includeinactive=true, actions refused without an outcome with
// Halo's text, tickets closed by a closed status, Halo's error shapes and
// the plain-text 429.
//
// It is as strict as Halo about what it is sent: each POSTed record is
// checked against the resource's request schema from Halo's OpenAPI
// document (compiled in, schema_gen.go; Halo's schemas forbid other
// properties). A property the schema lacks, an integer sent as 95.0 or a
// value of the wrong type refuses the whole batch with Halo's model-state
// 400 ({"[0].id": "The value '95.0' is not valid for Int32."}) and stores
// nothing; numbers sent as strings are accepted, as Halo accepts them.
// What Halo derives is derived: key_field, key_field2 and key_field3 come
// from the asset's field values for its type's key fields, never from the
// body; userlookup is taken on a ticket create and not kept. User search
// matches names only, since what Halo's search covers is not documented.
//
// Everything lives in one model: a fakeapi.Table per resource, one route
// table and one generic list handler. Faults (status codes, 429 with or
// without Retry-After, slow answers, truncated JSON, dropped connections)
// are injected with Inject; every request is logged (Requests, Count).
//
//	srv := halotest.NewServer(t)
//	hc, _ := srv.NewClient()
//	srv.SeedCustomer(halo.Customer{Name: "Acme"})
package halotest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/halo"
)

// Credentials the server accepts unless told otherwise.
const (
	DefaultClientID     = "halotest-client"
	DefaultClientSecret = "halotest-secret"
	DefaultTenant       = "acme"
	// RateLimitMessage is Halo's plain-text 429 body.
	RateLimitMessage = "Rate Limit Reached - 300 Requests per rolling 5 minute window"
	// OutcomeMessage is Halo's answer to an action without an outcome.
	OutcomeMessage = "An Outcome must be entered for this Action"
	// DefaultPage is how many records Halo returns when paging is not asked
	// for.
	DefaultPage = 50
)

// Server is a fake HaloPSA. It is safe for concurrent use.
type Server struct {
	*fakeapi.Server

	ClientID, ClientSecret, Tenant string

	tokens *fakeapi.Tokens
	res    map[string]*resource // lower-case route name → resource

	mu     sync.Mutex
	now    func() time.Time
	closed map[int]bool // closed status ids

	arrayReply bool // answer a several-record POST with an array
}

// Fault is an injected failure (Server.Inject): a status with the
// vendor's error body, a 429 with or without Retry-After, a slow answer,
// a truncated body or a dropped connection, for the next Times matching
// requests. Status with Applied is a write that takes effect and whose
// reply is lost: Fault{Method: "POST", Path: "/api/Actions", Status: 503,
// Applied: true} stores the note and answers 503.
type Fault = fakeapi.Fault

// Request is one request as the server received it (Server.Requests).
type Request = fakeapi.Request

// Record is a stored object as JSON (Server.Records, Server.Seed).
type Record = fakeapi.Record

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the client ID and secret the token endpoint accepts.
func WithCredentials(id, secret string) Option {
	return func(s *Server) { s.ClientID, s.ClientSecret = id, secret }
}

// WithTenant sets the tenant the token endpoint requires ("" for an
// on-premises instance that takes none).
func WithTenant(t string) Option { return func(s *Server) { s.Tenant = t } }

// WithTokenTTL sets the lifetime of issued tokens (default one hour).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokens.SetTTL(d) } }

// WithArrayBatchReply answers a POST of several records with the array of
// saved objects. By default the fake answers it with the last saved object
// only: Halo documents the reply to one record (the saved object) but not
// to several, so clients must not count on an array.
func WithArrayBatchReply() Option { return func(s *Server) { s.arrayReply = true } }

// New starts a server. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	s := &Server{
		ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, Tenant: DefaultTenant,
		tokens: fakeapi.NewTokens(time.Hour),
		now:    time.Now,
		closed: map[int]bool{halo.DefaultClosedStatusID: true},
	}
	s.Server = fakeapi.New("/halo", writeError)
	for _, o := range opts {
		o(s)
	}
	s.res = resources(s)
	s.routes()
	s.seedBuiltins()
	return s
}

// NewServer starts a server for a test and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// ClientOptions returns the options that point a halo.Client at this
// server: its credentials and tenant, no client-side rate limit and quick
// retries (so tests of faults run fast).
func (s *Server) ClientOptions() []halo.Option {
	return []halo.Option{
		halo.WithClientCredentials(s.ClientID, s.ClientSecret),
		halo.WithTenant(s.Tenant),
		halo.WithHTTPClient(s.Client()),
		halo.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		halo.WithRetryPolicy(halo.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	}
}

// NewClient returns a halo.Client for this server; opts are applied after
// ClientOptions.
func (s *Server) NewClient(opts ...halo.Option) (*halo.Client, error) {
	return halo.NewClient(s.URL(), append(s.ClientOptions(), opts...)...)
}

// SetNow replaces the clock used for ticket and action dates.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().UTC()
}

// ExpireTokens makes every token issued so far invalid, as if they had
// expired.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// TokensIssued returns how many tokens the server has issued.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// writeError renders Halo's error shapes: the plain-text 429, and
// {"ClassName":"System.Exception","Message":...} otherwise.
func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusTooManyRequests {
		if msg == "" || msg == http.StatusText(status) {
			msg = RateLimitMessage
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, msg)
		return
	}
	fakeapi.WriteJSON(w, status, map[string]string{"ClassName": "System.Exception", "Message": msg})
}

func (s *Server) routes() {
	s.Handle("POST /auth/token", s.token)
	s.Handle("GET /api/{res}", s.api(s.list))
	s.Handle("POST /api/{res}", s.api(s.save))
	s.Handle("GET /api/{res}/{id}", s.api(s.get))
	s.Handle("DELETE /api/{res}/{id}", s.api(s.delete))
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	case f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret:
		fakeapi.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
	case s.Tenant != "" && r.URL.Query().Get("tenant") != s.Tenant:
		fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unknown tenant"})
	default:
		tok, exp := s.tokens.Issue()
		fakeapi.WriteJSON(w, http.StatusOK, map[string]any{
			"access_token": tok, "token_type": "Bearer", "expires_in": exp, "scope": f.Get("scope"),
		})
	}
}

// api checks the bearer token (AuthInfo is anonymous) and finds the
// resource; route names are case-insensitive, as on Halo.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, *resource)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := strings.ToLower(r.PathValue("res"))
		if name == "authinfo" && r.Method == http.MethodGet {
			fakeapi.WriteJSON(w, http.StatusOK, map[string]string{"auth_url": s.URL() + "/auth", "tenant_id": s.Tenant})
			return
		}
		if !s.tokens.Valid(fakeapi.BearerToken(r)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		res, ok := s.res[name]
		if !ok {
			writeError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI")
			return
		}
		h(w, r, res)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, res *resource) {
	id := r.PathValue("id")
	if res.title == "Agent" && strings.EqualFold(id, "me") { // GET /Agent/me: the API application's agent
		id = strconv.Itoa(APIAgentID)
	}
	rec, ok := res.table.Get(id)
	if !ok {
		writeError(w, http.StatusNotFound, res.title+" not found")
		return
	}
	fakeapi.WriteJSON(w, http.StatusOK, rec)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, res *resource) {
	if !res.table.Delete(r.PathValue("id")) {
		writeError(w, http.StatusNotFound, res.title+" not found")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// list is the one list handler of every resource: filters, inactive
// records, Halo's paging (pageinate, page_size capped at 100, page_no from
// 1, record_count) or its default page, and the wrapper-or-bare shape.
func (s *Server) list(w http.ResponseWriter, r *http.Request, res *resource) {
	q := r.URL.Query()
	for _, p := range res.required {
		if q.Get(p) == "" {
			writeError(w, http.StatusBadRequest, p+" is required")
			return
		}
	}
	includeInactive := q.Get("includeinactive") == "true"
	type active struct {
		f filter
		v string
	}
	var use []active // only the filters this request asks for
	for param, f := range res.filters {
		if v := q.Get(param); v != "" {
			use = append(use, active{f, v})
		}
	}
	match := func(rec fakeapi.Record) bool {
		if res.hidesInactive && !includeInactive && rec["inactive"] == true {
			return false
		}
		for _, a := range use {
			if !a.f(rec, a.v, q) {
				return false
			}
		}
		return true
	}
	offset, limit := 0, -1
	if res.paged {
		limit = DefaultPage
		if q.Get("pageinate") == "true" {
			size, _ := strconv.Atoi(q.Get("page_size"))
			if size <= 0 || size > halo.MaxPageSize {
				size = halo.MaxPageSize
			}
			page, _ := strconv.Atoi(q.Get("page_no"))
			if page < 1 {
				page = 1
			}
			offset, limit = (page-1)*size, size
		}
	}
	if n, err := strconv.Atoi(q.Get("count")); err == nil && n > 0 && q.Get("pageinate") != "true" {
		limit = n
	}
	var items []fakeapi.Record
	var total int
	if order := q.Get("order"); order != "" {
		// Halo's order/orderdesc: sort every match, then take the window.
		items, total = res.table.Select(match, 0, -1)
		sortRecords(items, order, q.Get("orderdesc") == "true")
		items = items[min(offset, len(items)):]
		if limit >= 0 {
			items = items[:min(limit, len(items))]
		}
	} else {
		items, total = res.table.Select(match, offset, limit)
	}
	if items == nil {
		items = []fakeapi.Record{}
	}
	if res.key == "" {
		fakeapi.WriteJSON(w, http.StatusOK, items)
		return
	}
	body := map[string]any{res.key: items}
	if res.paged {
		body["record_count"] = total
		if q.Get("pageinate") == "true" {
			body["page_no"] = max(1, atoi(q.Get("page_no")))
			body["page_size"] = limit
		}
	}
	fakeapi.WriteJSON(w, http.StatusOK, body)
}

// save is Halo's create-or-update: a JSON array of records; a record with
// an id updates it (only the fields sent; an array sent, such as an
// asset's fields or customfields, replaces the stored one), one without
// creates it. Every
// record is checked first: properties outside the resource's schema, ids
// that are not integers (95.0) and values of the wrong type are refused
// with Halo's model-state 400 and nothing of the batch is stored. One
// record is answered with the saved object; several, whose reply Halo does
// not document, with the last saved object (WithArrayBatchReply: an array).
func (s *Server) save(w http.ResponseWriter, r *http.Request, res *resource) {
	var recs []fakeapi.Record
	if err := fakeapi.DecodeJSON(r.Body, &recs); err != nil {
		writeError(w, http.StatusBadRequest, "The request body must be a JSON array of "+res.title+" objects: "+err.Error())
		return
	}
	if len(recs) == 0 {
		writeError(w, http.StatusBadRequest, "The request body is empty")
		return
	}
	// Validate everything before writing anything, so a rejected batch
	// changes nothing.
	bad := map[string]string{}
	for i, rec := range recs {
		if rec == nil {
			bad[fmt.Sprintf("[%d]", i)] = "The value 'null' is not valid for " + res.title + "."
			continue
		}
		maps.Copy(bad, checkBody(res, i, rec))
	}
	if len(bad) > 0 {
		writeModelState(w, bad)
		return
	}
	for i, rec := range recs {
		id := fakeapi.KeyOf(rec, "id")
		var cur fakeapi.Record
		if id != "" {
			var ok bool
			if cur, ok = res.table.Get(id); !ok {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("[%d].id: %s %s does not exist", i, res.title, id))
				return
			}
		}
		if res.validate != nil {
			if msg := res.validate(rec, cur); msg != "" {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, msg)
				return
			}
		}
	}
	out := make([]fakeapi.Record, 0, len(recs))
	for _, rec := range recs {
		var saved fakeapi.Record
		if id := fakeapi.KeyOf(rec, "id"); id == "" {
			delete(rec, "id") // "id": 0 or null creates
			if res.prepare != nil {
				res.prepare(rec, nil)
			}
			saved = res.table.Insert(rec)
		} else {
			rec["id"] = json.Number(id) // "12" is stored as 12
			cur, _ := res.table.Get(id)
			if res.prepare != nil {
				res.prepare(rec, cur)
			}
			var err error
			if saved, err = res.table.Merge(rec); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		out = append(out, saved)
	}
	s.mu.Lock()
	arrays := s.arrayReply
	s.mu.Unlock()
	if len(out) > 1 && arrays {
		fakeapi.WriteJSON(w, http.StatusOK, out)
		return
	}
	fakeapi.WriteJSON(w, http.StatusOK, out[len(out)-1])
}

// sortRecords orders records by a field, numerically when both values are
// numbers, stably.
func sortRecords(recs []fakeapi.Record, field string, desc bool) {
	slices.SortStableFunc(recs, func(a, b fakeapi.Record) int {
		x, y := fakeapi.Str(a[field]), fakeapi.Str(b[field])
		c := strings.Compare(strings.ToLower(x), strings.ToLower(y))
		if xf, err := strconv.ParseFloat(x, 64); err == nil {
			if yf, err := strconv.ParseFloat(y, 64); err == nil {
				c = cmp.Compare(xf, yf)
			}
		}
		if desc {
			return -c
		}
		return c
	})
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// Seed stores v (a halo type or a map) in the named resource ("Asset",
// "Tickets", ... as in the route) as if created through the API, and
// returns the stored record. Typed helpers (SeedCustomer, ...) wrap it.
func (s *Server) Seed(resource string, v any) (fakeapi.Record, error) {
	res, ok := s.res[strings.ToLower(resource)]
	if !ok {
		return nil, fmt.Errorf("halotest: no resource %q", resource)
	}
	rec, err := fakeapi.Normalize(v)
	if err != nil {
		return nil, err
	}
	if res.prepare != nil {
		var cur fakeapi.Record
		if id := fakeapi.KeyOf(rec, "id"); id != "" {
			cur, _ = res.table.Get(id)
		}
		res.prepare(rec, cur)
	}
	return res.table.Insert(rec), nil
}

// Records returns every stored record of a resource, inactive ones
// included.
func (s *Server) Records(resource string) []fakeapi.Record {
	res, ok := s.res[strings.ToLower(resource)]
	if !ok {
		return nil
	}
	return res.table.List(nil)
}

func seed[T any](s *Server, resource string, v T) T {
	rec, err := s.Seed(resource, v)
	if err != nil {
		panic(fmt.Sprintf("halotest: seeding %s: %v", resource, err))
	}
	return decode[T](rec)
}

func all[T any](s *Server, resource string, match func(fakeapi.Record) bool) []T {
	res := s.res[strings.ToLower(resource)]
	var out []T
	for _, rec := range res.table.List(match) {
		out = append(out, decode[T](rec))
	}
	return out
}

func decode[T any](rec fakeapi.Record) T {
	var v T
	raw, _ := json.Marshal(rec)
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(fmt.Sprintf("halotest: decoding %T: %v", v, err))
	}
	return v
}

// SeedCustomer stores a customer (Halo client).
func (s *Server) SeedCustomer(v halo.Customer) halo.Customer { return seed(s, "Client", v) }

// SeedSite stores a site; client_name follows client_id.
func (s *Server) SeedSite(v halo.Site) halo.Site { return seed(s, "Site", v) }

// SeedUser stores an end-user.
func (s *Server) SeedUser(v halo.User) halo.User { return seed(s, "Users", v) }

// SeedAsset stores an asset; client and names follow site_id and
// assettype_id, field names follow the field definitions.
func (s *Server) SeedAsset(v halo.Asset) halo.Asset { return seed(s, "Asset", v) }

// SeedAssetType stores an asset type.
func (s *Server) SeedAssetType(v halo.AssetType) halo.AssetType { return seed(s, "AssetType", v) }

// SeedAssetGroup stores an asset group.
func (s *Server) SeedAssetGroup(v halo.AssetGroup) halo.AssetGroup { return seed(s, "AssetGroup", v) }

// SeedAssetField stores an asset info field definition.
func (s *Server) SeedAssetField(v halo.AssetField) halo.AssetField { return seed(s, "Field", v) }

// SeedCustomField stores a custom field definition.
func (s *Server) SeedCustomField(v halo.CustomFieldDef) halo.CustomFieldDef {
	return seed(s, "FieldInfo", v)
}

// SeedTicket stores a ticket.
func (s *Server) SeedTicket(v halo.Ticket) halo.Ticket { return seed(s, "Tickets", v) }

// SeedTicketType stores a ticket type.
func (s *Server) SeedTicketType(v halo.TicketType) halo.TicketType { return seed(s, "TicketType", v) }

// SeedContract stores a client contract (/ClientContract).
func (s *Server) SeedContract(v halo.Contract) halo.Contract { return seed(s, "ClientContract", v) }

// APIAgentID is the agent id of the fake's API application: actions
// written through the API without a who_agentid get it.
const APIAgentID = 1

// SeedSLA stores an SLA with its priorities (GET /SLA/{id}).
func (s *Server) SeedSLA(v halo.SLA) halo.SLA { return seed(s, "SLA", v) }

// SeedAction stores an action on a ticket as if written in Halo at the
// server's clock (a technician's note, a time entry, a status change).
func (s *Server) SeedAction(v halo.Action) halo.Action { return seed(s, "Actions", v) }

// SeedTeam stores a team (/Team).
func (s *Server) SeedTeam(v halo.Team) halo.Team { return seed(s, "Team", v) }

// SeedStatus stores a status; closed marks it as a closed status.
func (s *Server) SeedStatus(v halo.Status, closed bool) halo.Status {
	st := seed(s, "Status", v)
	if closed {
		s.mu.Lock()
		s.closed[st.ID] = true
		s.mu.Unlock()
	}
	return st
}

// Customers returns every customer.
func (s *Server) Customers() []halo.Customer { return all[halo.Customer](s, "Client", nil) }

// Sites returns every site.
func (s *Server) Sites() []halo.Site { return all[halo.Site](s, "Site", nil) }

// Users returns every user.
func (s *Server) Users() []halo.User { return all[halo.User](s, "Users", nil) }

// Assets returns every asset, inactive ones included.
func (s *Server) Assets() []halo.Asset { return all[halo.Asset](s, "Asset", nil) }

// AssetTypes returns every asset type.
func (s *Server) AssetTypes() []halo.AssetType { return all[halo.AssetType](s, "AssetType", nil) }

// Tickets returns every ticket.
func (s *Server) Tickets() []halo.Ticket { return all[halo.Ticket](s, "Tickets", nil) }

// Ticket returns one ticket.
func (s *Server) Ticket(id int) (halo.Ticket, bool) {
	rec, ok := s.res["tickets"].table.Get(strconv.Itoa(id))
	if !ok {
		return halo.Ticket{}, false
	}
	return decode[halo.Ticket](rec), true
}

// Actions returns the actions of a ticket, oldest first.
func (s *Server) Actions(ticketID int) []halo.Action {
	return all[halo.Action](s, "Actions", fakeapi.FieldEquals("ticket_id", strconv.Itoa(ticketID)))
}

// CloseTicket closes a ticket as a technician would in Halo (closed status,
// hasbeenclosed, dateclosed), for tests of syncing closes back.
func (s *Server) CloseTicket(id int) bool {
	res := s.res["tickets"]
	now := s.clock()
	return res.table.Update(strconv.Itoa(id), func(r fakeapi.Record) {
		r["status_id"] = json.Number(strconv.Itoa(halo.DefaultClosedStatusID))
		r["hasbeenclosed"] = true
		r["dateclosed"] = halo.FormatTime(now)
		r["last_update"] = halo.FormatTime(now)
	})
}

// DeleteTicket removes a ticket, as if deleted in Halo.
func (s *Server) DeleteTicket(id int) bool { return s.res["tickets"].table.Delete(strconv.Itoa(id)) }

func (s *Server) isClosed(status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed[atoi(status)]
}

func (s *Server) seedBuiltins() {
	for _, st := range []struct {
		id     int
		name   string
		closed bool
	}{{1, "New", false}, {2, "In Progress", false}, {3, "Waiting on User", false}, {9, "Closed", true}} {
		s.SeedStatus(halo.Status{ID: st.id, Name: st.name, Type: map[bool]int{false: 0, true: 1}[st.closed]}, st.closed)
	}
	s.Seed("Agent", map[string]any{"id": APIAgentID, "name": "API"})
	s.SeedTicketType(halo.TicketType{ID: 1, Name: "Incident", CanCreate: halo.Ptr(true)})
	s.SeedTicketType(halo.TicketType{ID: 2, Name: "Alert", CanCreate: halo.Ptr(true)})
}
