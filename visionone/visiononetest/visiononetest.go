// Package visiononetest is an in-memory Trend Vision One for tests and
// demos: one httptest server per region host, each speaking API v3.0 under
// /v3.0 the way Vision One does, so code written against package visionone
// runs unchanged against it.
//
// It reproduces what matters to a client: a Bearer API key per customer
// that works only on its own region's host (401 InvalidCredentials
// elsewhere); list envelopes {totalCount, count, items, nextLink} with an
// absolute nextLink carrying a skipToken, and a TMV1-Filter that must be
// sent again with every page (a page asked for without it, or with
// another one, is refused); the filter syntax (eq, ne, gt, ge, lt, le,
// and, or, not, parentheses, contains, startswith, hassubset) on the
// fields each list documents, others refused with 400; top checked against
// each list's allowed values; workbench alerts with ETags, PATCH guarded
// by If-Match (412 ConditionNotMet on a stale ETag, 204 on success) and
// notes; the ASRM lists, 403 AccessDenied when a customer has no ASRM
// licence; the error body {"error":{"code","message"}}; and 429 and other
// faults through Inject.
//
//	srv := visiononetest.NewServer(t)
//	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
//	c, _ := cust.NewClient()
//	a := cust.AddAlert(visionone.WorkbenchAlert{Model: "Ransomware Behavior", Severity: "high"})
package visiononetest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/visionone"
)

// KeyPrefix starts every API key the server issues
// ("visiononetest-key-<n>-<region>").
const KeyPrefix = "visiononetest-key-"

// DefaultWorkbenchPageSize is how many workbench alerts a page holds (the
// list takes no top).
const DefaultWorkbenchPageSize = 50

// Fault is an injected failure (Customer.Inject): a status with Vision
// One's error body, a 429 with or without Retry-After, a slow answer, a
// truncated body or a dropped connection. Paths are relative to the host,
// e.g. "/v3.0/workbench/alerts".
type Fault = fakeapi.Fault

// Request is one request as a region host received it.
type Request = fakeapi.Request

// Server is a fake Vision One: its region hosts and their customers. It
// is safe for concurrent use.
type Server struct {
	mu        sync.Mutex
	regions   map[visionone.Region]*region
	customers []*Customer
	wbPage    int
	now       func() time.Time
	seq       int
}

type region struct {
	*fakeapi.Server
	name visionone.Region
	s    *Server
	keys map[string]*Customer // guarded by s.mu
}

// Option configures a Server.
type Option func(*Server)

// WithWorkbenchPageSize sets how many workbench alerts a page holds
// (default DefaultWorkbenchPageSize).
func WithWorkbenchPageSize(n int) Option { return func(s *Server) { s.wbPage = n } }

// WithClock sets the server's clock (default time.Now): update times and
// the "now" of date windows.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New returns a server with no region host started yet; AddCustomer
// starts them. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	s := &Server{regions: map[visionone.Region]*region{}, wbPage: DefaultWorkbenchPageSize, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewServer starts a server for a test and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// Close shuts every region host down.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.regions {
		r.Close()
	}
}

// Customers returns the customers in the order they were added.
func (s *Server) Customers() []*Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.customers)
}

// Customer is one Vision One customer (tenant): its region, its API key
// and its data.
type Customer struct {
	Name   string
	Region visionone.Region
	// Key is the customer's API key; it works only on its region's host.
	Key string

	s      *Server
	r      *region
	alerts *fakeapi.Table // by id
	notes  *fakeapi.Table // by id; alertId field
	lists  map[string]*fakeapi.Table
	// guarded by s.mu
	etags      map[string]int // alert id → version
	asrmDenied bool
	gen        int             // bumped by every change to alerts
	walks      map[string]walk // the selection of a walk of the alert list, by query
}

// walk caches a selection of the workbench alerts for the pages after the
// first, until the alerts change (the fake stays cheap on long lists).
type walk struct {
	gen int
	sel sorted
}

// AddCustomer adds a customer in region (any name; a new name starts a
// new host) with a new API key.
func (s *Server) AddCustomer(name string, r visionone.Region) *Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg := s.regions[r]
	if rg == nil {
		rg = &region{name: r, s: s, keys: map[string]*Customer{}}
		rg.Server = fakeapi.New("/", writeFault)
		rg.routes()
		s.regions[r] = rg
	}
	s.seq++
	c := &Customer{
		Name: name, Region: r, Key: fmt.Sprintf("%s%d-%s", KeyPrefix, s.seq, r), s: s, r: rg,
		alerts: fakeapi.NewTable("id"), notes: fakeapi.NewTable("id"), lists: map[string]*fakeapi.Table{},
		etags: map[string]int{}, walks: map[string]walk{},
	}
	for _, l := range asrmLists {
		c.lists[l.path] = fakeapi.NewTable("id")
	}
	rg.keys[c.Key] = c
	s.customers = append(s.customers, c)
	return c
}

// BaseURL returns the customer's region host ("http://127.0.0.1:port"),
// which visionone.WithBaseURL takes.
func (c *Customer) BaseURL() string { return c.r.URL() }

// ClientOptions returns the options that point a visionone.Client at the
// customer: its host and key, the server's HTTP client, no client-side
// rate limit and quick retries.
func (c *Customer) ClientOptions() []visionone.Option {
	return []visionone.Option{
		visionone.WithBaseURL(c.BaseURL()), visionone.WithAPIKey(c.Key),
		visionone.WithHTTPClient(c.r.Client()),
		visionone.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		visionone.WithRetryPolicy(visionone.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	}
}

// NewClient returns a visionone.Client for the customer; opts are applied
// after ClientOptions.
func (c *Customer) NewClient(opts ...visionone.Option) (*visionone.Client, error) {
	return visionone.NewClient(append(c.ClientOptions(), opts...)...)
}

// Inject queues a fault on the customer's region host (it hits whichever
// request matches first, of any customer of that region).
func (c *Customer) Inject(f Fault) { c.r.Inject(f) }

// Requests returns the requests the region host received with the
// customer's key, oldest first.
func (c *Customer) Requests() []Request {
	var out []Request
	for _, r := range c.r.Requests() {
		if fakeapi.BearerToken(&http.Request{Header: r.Header}) == c.Key {
			out = append(out, r)
		}
	}
	return out
}

// HostRequests returns every request the customer's region host received.
func (c *Customer) HostRequests() []Request { return c.r.Requests() }

// ResetRequests empties the request log of the customer's region host.
func (c *Customer) ResetRequests() { c.r.ResetRequests() }

// SetAttackSurfaceLicensed switches the customer's ASRM lists on (default)
// or off (403 AccessDenied, as without a Cyber Risk Exposure Management
// licence).
func (c *Customer) SetAttackSurfaceLicensed(on bool) {
	c.s.mu.Lock()
	c.asrmDenied = !on
	c.s.mu.Unlock()
}

func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Second) }

// ---- seeding and inspection ----

func mustNormalize(v any) fakeapi.Record {
	r, err := fakeapi.Normalize(v)
	if err != nil {
		panic("visiononetest: " + err.Error())
	}
	return r
}

func decode[T any](r fakeapi.Record) T {
	var v T
	raw, _ := json.Marshal(r)
	if err := json.Unmarshal(raw, &v); err != nil {
		panic("visiononetest: " + err.Error())
	}
	return v
}

// AddAlert stores a workbench alert and returns it as stored. Zero fields
// are filled: ID (WB-<n>-<date>-<seq>), status Open, investigationResult
// No Findings, createdDateTime and updatedDateTime now, severity medium,
// model, alertProvider SAE, schemaVersion, workbenchLink.
func (c *Customer) AddAlert(a visionone.WorkbenchAlert) visionone.WorkbenchAlert {
	now := c.s.clock()
	c.s.mu.Lock()
	c.s.seq++
	seq := c.s.seq
	c.s.mu.Unlock()
	if a.CreatedDateTime == nil {
		a.CreatedDateTime = &now
	}
	if a.ID == "" {
		a.ID = fmt.Sprintf("WB-9002-%s-%05d", a.CreatedDateTime.UTC().Format("20060102"), seq)
	}
	if a.UpdatedDateTime == nil {
		a.UpdatedDateTime = a.CreatedDateTime
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&a.Status, visionone.StatusOpen)
	def(&a.InvestigationResult, visionone.ResultNoFindings)
	def(&a.Severity, "medium")
	def(&a.Model, "Suspicious Activity")
	def(&a.AlertProvider, "SAE")
	def(&a.SchemaVersion, "1.12")
	def(&a.WorkbenchLink, "https://portal.xdr.trendmicro.com/index.html#/workbench/alerts/"+a.ID)
	rec := c.alerts.Insert(mustNormalize(a))
	c.s.mu.Lock()
	c.etags[a.ID] = 1
	c.gen++
	c.s.mu.Unlock()
	out := decode[visionone.WorkbenchAlert](rec)
	out.ETag = c.etag(a.ID)
	return out
}

// Alert returns a workbench alert with its current ETag.
func (c *Customer) Alert(id string) (visionone.WorkbenchAlert, bool) {
	r, ok := c.alerts.Get(id)
	if !ok {
		return visionone.WorkbenchAlert{}, false
	}
	a := decode[visionone.WorkbenchAlert](r)
	a.ETag = c.etag(id)
	return a, true
}

// Alerts returns every workbench alert, by ID.
func (c *Customer) Alerts() []visionone.WorkbenchAlert {
	var out []visionone.WorkbenchAlert
	for _, r := range c.alerts.List(nil) {
		out = append(out, decode[visionone.WorkbenchAlert](r))
	}
	return out
}

// SetAlertStatus changes an alert as an analyst in the console would:
// status (and the investigation result, when not empty), a new
// updatedDateTime and a new ETag.
func (c *Customer) SetAlertStatus(id, status, result string) bool {
	ok := c.alerts.Update(id, func(r fakeapi.Record) {
		r["status"] = status
		if result != "" {
			r["investigationResult"] = result
		}
		r["updatedDateTime"] = visionone.FormatTime(c.s.clock())
	})
	if ok {
		c.s.mu.Lock()
		c.etags[id]++
		c.gen++
		c.s.mu.Unlock()
	}
	return ok
}

func (c *Customer) etag(id string) string {
	c.s.mu.Lock()
	v := c.etags[id]
	c.s.mu.Unlock()
	sum := sha256.Sum256([]byte(c.Key + "/" + id + "/" + strconv.Itoa(v)))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Notes returns a workbench alert's notes.
func (c *Customer) Notes(alertID string) []visionone.Note {
	var out []visionone.Note
	for _, r := range c.notes.List(fakeapi.FieldEquals("alertId", alertID)) {
		delete(r, "alertId")
		out = append(out, decode[visionone.Note](r))
	}
	return out
}

// AddHighRiskUser adds a user to the high-risk users list (an ID is
// assigned when empty).
func (c *Customer) AddHighRiskUser(u visionone.HighRiskUser) visionone.HighRiskUser {
	if u.ID == "" {
		u.ID = c.newID("user")
	}
	return decode[visionone.HighRiskUser](c.lists["highRiskUsers"].Insert(mustNormalize(u)))
}

// AddHighRiskDevice adds a device to the high-risk devices list.
func (c *Customer) AddHighRiskDevice(d visionone.HighRiskDevice) visionone.HighRiskDevice {
	if d.ID == "" {
		d.ID = c.newID("device")
	}
	return decode[visionone.HighRiskDevice](c.lists["highRiskDevices"].Insert(mustNormalize(d)))
}

// RemoveHighRisk takes a user or device off its high-risk list.
func (c *Customer) RemoveHighRisk(id string) bool {
	return c.lists["highRiskUsers"].Delete(id) || c.lists["highRiskDevices"].Delete(id)
}

// AddDevice adds an attack-surface device (firstSeenDateTime now when
// nil, an ID when empty).
func (c *Customer) AddDevice(d visionone.AttackSurfaceDevice) visionone.AttackSurfaceDevice {
	if d.ID == "" {
		d.ID = c.newID("asset")
	}
	if d.FirstSeenDateTime == nil {
		now := c.s.clock()
		d.FirstSeenDateTime = &now
	}
	return decode[visionone.AttackSurfaceDevice](c.lists["attackSurfaceDevices"].Insert(mustNormalize(d)))
}

// AddAsset adds an item to another attack-surface list, named by its path
// ("attackSurfaceCloudAssets", "attackSurfaceCustomTags", ...).
func (c *Customer) AddAsset(list string, a visionone.Asset) visionone.Asset {
	t := c.lists[list]
	if t == nil {
		panic("visiononetest: no attack-surface list " + list)
	}
	if a.ID == "" {
		a.ID = c.newID("asset")
	}
	return decode[visionone.Asset](t.Insert(mustNormalize(a)))
}

func (c *Customer) newID(kind string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", c.Key, kind, c.s.seq)))
	h := hex.EncodeToString(sum[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// ---- HTTP ----

var errCodes = map[int]string{
	400: "BadRequest", 401: "InvalidCredentials", 403: "AccessDenied", 404: "NotFound",
	412: "ConditionNotMet", 413: "RequestEntityTooLarge", 429: "TooManyRequests", 500: "InternalServerError",
}

// writeFault renders Vision One's error body for status.
func writeFault(w http.ResponseWriter, status int, msg string) {
	code := errCodes[status]
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	writeError(w, status, code, msg)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	fakeapi.WriteJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// asrmList is one /v3.0/asrm list: its filterable fields (nil: any) and
// the page sizes it takes.
type asrmList struct {
	path   string
	fields map[string]bool
	tops   []int
	// dates maps a date parameter to the field it bounds and whether it is
	// a start (inclusive) bound.
	dates map[string]dateParam
}

type dateParam struct {
	field string
	start bool
}

func set(fields ...string) map[string]bool {
	m := map[string]bool{}
	for _, f := range fields {
		m[f] = true
	}
	return m
}

var (
	asrmTops  = []int{10, 50, 100, 200, 500, 1000}
	seenDates = map[string]dateParam{"firstSeenStartDateTime": {"firstSeenDateTime", true}, "firstSeenEndDateTime": {"firstSeenDateTime", false}, "lastDetectedStartDateTime": {"lastDetectDateTime", true}, "lastDetectedEndDateTime": {"lastDetectDateTime", false}}
	asrmLists = []asrmList{
		{path: "highRiskUsers", fields: set("id", "riskScore", "userPrincipalName", "userName"), tops: []int{10, 50, 100, 200, 1000}},
		{path: "highRiskDevices", fields: set("id", "riskScore", "deviceName", "os", "lastLogonUser", "ip"), tops: asrmTops},
		{path: "attackSurfaceDevices", fields: set("deviceName", "id", "ip", "deviceType", "latestRiskScore", "criticality", "osPlatform", "lastUser", "installedAgents", "discoveredBy", "assetCustomTagIds"), tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceDomainAccounts", tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceServiceAccounts", tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceGlobalFqdns", tops: asrmTops, dates: seenDates},
		{path: "attackSurfacePublicIpAddresses", tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceCloudAssets", tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceLocalApps", tops: asrmTops, dates: seenDates},
		{path: "attackSurfaceCustomTags", tops: asrmTops},
	}
	workbenchFields = set("id", "investigationStatus", "status", "investigationResult", "alertProvider", "modelId", "model", "modelType", "severity", "incidentId")
	workbenchOrder  = set("id", "caseId", "name", "status", "investigationResult", "modelId", "model", "score", "severity", "createdDateTime", "updatedDateTime", "firstInvestigatedDateTime")
	noteFields      = set("id", "creatorMailAddress", "creatorName", "lastUpdatedBy")
)

func (rg *region) routes() {
	rg.Handle("GET /v3.0/workbench/alerts", rg.authed(rg.listAlerts))
	rg.Handle("GET /v3.0/workbench/alerts/{id}", rg.authed(rg.getAlert))
	rg.Handle("PATCH /v3.0/workbench/alerts/{id}", rg.authed(rg.patchAlert))
	rg.Handle("GET /v3.0/workbench/alerts/{id}/notes", rg.authed(rg.listNotes))
	rg.Handle("POST /v3.0/workbench/alerts/{id}/notes", rg.authed(rg.addNote))
	for _, l := range asrmLists {
		rg.Handle("GET /v3.0/asrm/"+l.path, rg.authed(func(c *Customer, w http.ResponseWriter, r *http.Request) { rg.listASRM(c, l, w, r) }))
	}
	rg.Handle("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "no such API: "+r.Method+" "+r.URL.Path)
	})
}

func (rg *region) authed(h func(*Customer, http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := fakeapi.BearerToken(r)
		rg.s.mu.Lock()
		c := rg.keys[key]
		rg.s.mu.Unlock()
		if key == "" || c == nil {
			writeError(w, http.StatusUnauthorized, "InvalidCredentials", "Invalid API key or the key is not valid in this region")
			return
		}
		h(c, w, r)
	}
}

// page is one window of a list, with the nextLink to the rest.
type page struct {
	offset, size int
	filterSum    string
}

// startPage reads skipToken (offset and the hash of the filter the walk
// began with) and checks that the same TMV1-Filter came again.
func startPage(r *http.Request, size int) (page, error) {
	p := page{size: size, filterSum: sum(r.Header.Get(visionone.FilterHeader))}
	tok := r.URL.Query().Get("skipToken")
	if tok == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return p, errors.New("invalid skipToken")
	}
	off, fsum, ok := strings.Cut(string(raw), "|")
	if p.offset, err = strconv.Atoi(off); !ok || err != nil || p.offset < 0 {
		return p, errors.New("invalid skipToken")
	}
	if fsum != p.filterSum {
		return p, errors.New("the TMV1-Filter header must be sent unchanged with every page of a list")
	}
	return p, nil
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// write sends items[offset:offset+size] of all with totalCount and, when
// more remain, an absolute nextLink: the request's URL with skipToken.
func (p page) write(w http.ResponseWriter, r *http.Request, all sorted) {
	total := len(all.keys)
	end := min(p.offset+p.size, total)
	items := []fakeapi.Record{}
	if p.offset < total {
		items = all.records(p.offset, end)
	}
	body := map[string]any{"totalCount": total, "count": len(items), "items": items}
	if end < total {
		q := r.URL.Query()
		q.Set("skipToken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)+"|"+p.filterSum)))
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		if r.TLS != nil {
			u.Scheme = "https"
		}
		body["nextLink"] = u.String()
	}
	fakeapi.WriteJSON(w, http.StatusOK, body)
}

func badRequest(w http.ResponseWriter, code, msg string) {
	writeError(w, http.StatusBadRequest, code, msg)
}

// parseTime reads a date-time parameter the way Vision One takes it:
// UTC "2006-01-02T15:04:05Z", no fractions.
func parseTime(v string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05Z", v)
	if err != nil {
		return t, fmt.Errorf("%q is not yyyy-MM-ddThh:mm:ssZ", v)
	}
	return t, nil
}

func recordTime(r fakeapi.Record, field string) (time.Time, bool) {
	s := fakeapi.Str(r[field])
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func (rg *region) listAlerts(c *Customer, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("top") {
		badRequest(w, "ParameterNotAccepted", "top is not supported by this API")
		return
	}
	target := q.Get("dateTimeTarget")
	if target == "" {
		target = visionone.TargetCreated
	}
	if target != visionone.TargetCreated && target != visionone.TargetUpdated && target != visionone.TargetFirstInvestigated {
		badRequest(w, "ParameterNotAccepted", "dateTimeTarget "+target)
		return
	}
	var start, end time.Time
	for name, dst := range map[string]*time.Time{"startDateTime": &start, "endDateTime": &end} {
		if v := q.Get(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				badRequest(w, "ParameterNotAccepted", name+": "+err.Error())
				return
			}
			*dst = t
		}
	}
	field, desc, err := orderBy(q.Get("orderBy"), "createdDateTime desc", workbenchOrder)
	if err != nil {
		badRequest(w, "ParameterNotAccepted", err.Error())
		return
	}
	f, err := parseFilter(r.Header.Get(visionone.FilterHeader), workbenchFields)
	if err != nil {
		badRequest(w, "BadRequest", "TMV1-Filter: "+err.Error())
		return
	}
	p, err := startPage(r, c.s.wbPage)
	if err != nil {
		badRequest(w, "BadRequest", err.Error())
		return
	}
	wq := r.URL.Query()
	wq.Del("skipToken")
	wkey := wq.Encode() + "\n" + r.Header.Get(visionone.FilterHeader)
	c.s.mu.Lock()
	cached, ok := c.walks[wkey]
	gen := c.gen
	c.s.mu.Unlock()
	if ok && cached.gen == gen && p.offset > 0 {
		p.write(w, r, cached.sel)
		return
	}
	all := selectSorted(c.alerts, func(rec fakeapi.Record) bool {
		if !start.IsZero() || !end.IsZero() {
			t, ok := recordTime(rec, target)
			if !ok || (!start.IsZero() && t.Before(start)) || (!end.IsZero() && t.After(end)) {
				return false
			}
		}
		return f(rec)
	}, field, desc)
	c.s.mu.Lock()
	if len(c.walks) > 64 {
		clear(c.walks)
	}
	c.walks[wkey] = walk{gen: gen, sel: all}
	c.s.mu.Unlock()
	p.write(w, r, all)
}

// selectSorted returns the keys of t's records matching match, ordered by
// field (ties by key). Matching reads the stored records without copying
// them; the page copies only its window (sorted.records).
func selectSorted(t *fakeapi.Table, match func(fakeapi.Record) bool, field string, desc bool) sorted {
	type hit struct{ key, val string }
	var hits []hit
	t.Select(func(r fakeapi.Record) bool {
		if match(r) {
			hits = append(hits, hit{fakeapi.Str(r["id"]), fakeapi.Str(r[field])})
		}
		return false
	}, 0, 0)
	slices.SortStableFunc(hits, func(a, b hit) int {
		c := compareValues(a.val, b.val)
		if desc {
			c = -c
		}
		if c == 0 {
			return strings.Compare(a.key, b.key)
		}
		return c
	})
	out := sorted{t: t, keys: make([]string, len(hits))}
	for i, h := range hits {
		out.keys[i] = h.key
	}
	return out
}

// sorted is a selection: the keys of the matching records, in order.
type sorted struct {
	t    *fakeapi.Table
	keys []string
	// strip names a field to leave out of the records (an internal one).
	strip string
}

// records copies the records of keys[from:to].
func (s sorted) records(from, to int) []fakeapi.Record {
	out := make([]fakeapi.Record, 0, to-from)
	for _, k := range s.keys[from:to] {
		if r, ok := s.t.Get(k); ok {
			if s.strip != "" {
				delete(r, s.strip)
			}
			out = append(out, r)
		}
	}
	return out
}

func compareValues(a, b string) int {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

func orderBy(v, def string, fields map[string]bool) (field string, desc bool, err error) {
	if v == "" {
		v = def
	}
	field, dir, _ := strings.Cut(strings.TrimSpace(v), " ")
	switch strings.ToLower(strings.TrimSpace(dir)) {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return "", false, fmt.Errorf("orderBy %q: direction must be asc or desc", v)
	}
	if fields != nil && !fields[field] {
		return "", false, fmt.Errorf("orderBy %q: unknown field", v)
	}
	return field, desc, nil
}

func (rg *region) getAlert(c *Customer, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, ok := c.alerts.Get(id)
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "workbench alert "+id+" not found")
		return
	}
	w.Header().Set("ETag", c.etag(id))
	fakeapi.WriteJSON(w, http.StatusOK, rec)
}

var statuses = set(visionone.StatusOpen, visionone.StatusInProgress, visionone.StatusClosed)

func (rg *region) patchAlert(c *Customer, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := c.alerts.Get(id); !ok {
		writeError(w, http.StatusNotFound, "NotFound", "workbench alert "+id+" not found")
		return
	}
	match := strings.TrimSpace(r.Header.Get("If-Match"))
	if match == "" {
		badRequest(w, "BadRequest", "the If-Match header is required")
		return
	}
	var body map[string]any
	if err := fakeapi.DecodeJSON(r.Body, &body); err != nil {
		badRequest(w, "BadRequest", "body is not a JSON object")
		return
	}
	for k, v := range body {
		s, ok := v.(string)
		switch {
		case !ok:
			badRequest(w, "BadRequest", k+" must be a string")
			return
		case k == "status" && !statuses[s]:
			badRequest(w, "BadRequest", "status "+s+" is not Open, In Progress or Closed")
			return
		case k == "investigationResult" && !slices.Contains(visionone.InvestigationResults, s):
			badRequest(w, "BadRequest", "investigationResult "+s+" is not valid")
			return
		case k != "status" && k != "investigationResult":
			badRequest(w, "BadRequest", "field "+k+" cannot be updated")
			return
		}
	}
	if len(body) == 0 {
		badRequest(w, "BadRequest", "nothing to update")
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	v := c.etags[id]
	h := sha256.Sum256([]byte(c.Key + "/" + id + "/" + strconv.Itoa(v)))
	if strings.TrimPrefix(match, "W/") != `"`+hex.EncodeToString(h[:16])+`"` {
		writeError(w, http.StatusPreconditionFailed, "ConditionNotMet", "the ETag in If-Match is not the alert's current one")
		return
	}
	now := visionone.FormatTime(c.s.clock())
	c.alerts.Update(id, func(rec fakeapi.Record) {
		for k, v := range body {
			rec[k] = v
		}
		rec["updatedDateTime"] = now
	})
	c.etags[id] = v + 1
	c.gen++
	w.WriteHeader(http.StatusNoContent)
}

func (rg *region) listNotes(c *Customer, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := c.alerts.Get(id); !ok {
		writeError(w, http.StatusNotFound, "NotFound", "workbench alert "+id+" not found")
		return
	}
	size := 100
	if v := r.URL.Query().Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 50 && n != 100 && n != 200) {
			badRequest(w, "ParameterNotAccepted", "top must be 50, 100 or 200")
			return
		}
		size = n
	}
	field, desc, err := orderBy(r.URL.Query().Get("orderBy"), "createdDateTime asc", nil)
	if err != nil {
		badRequest(w, "ParameterNotAccepted", err.Error())
		return
	}
	f, err := parseFilter(r.Header.Get(visionone.FilterHeader), noteFields)
	if err != nil {
		badRequest(w, "BadRequest", "TMV1-Filter: "+err.Error())
		return
	}
	p, err := startPage(r, size)
	if err != nil {
		badRequest(w, "BadRequest", err.Error())
		return
	}
	all := selectSorted(c.notes, func(rec fakeapi.Record) bool { return fakeapi.Str(rec["alertId"]) == id && f(rec) }, field, desc)
	all.strip = "alertId"
	p.write(w, r, all)
}

func (rg *region) addNote(c *Customer, w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := c.alerts.Get(id); !ok {
		writeError(w, http.StatusNotFound, "NotFound", "workbench alert "+id+" not found")
		return
	}
	var body map[string]any
	if err := fakeapi.DecodeJSON(r.Body, &body); err != nil {
		badRequest(w, "BadRequest", "body is not a JSON object")
		return
	}
	content, _ := body["content"].(string)
	if strings.TrimSpace(content) == "" || len(body) != 1 {
		badRequest(w, "BadRequest", "the body must be {\"content\": \"...\"}")
		return
	}
	now := visionone.FormatTime(c.s.clock())
	rec := c.notes.Insert(fakeapi.Record{"alertId": id, "content": content, "creatorName": "API", "createdDateTime": now, "lastUpdatedDateTime": now})
	w.Header().Set("Location", "/v3.0/workbench/alerts/"+id+"/notes/"+fakeapi.Str(rec["id"]))
	w.WriteHeader(http.StatusCreated)
}

func (rg *region) listASRM(c *Customer, l asrmList, w http.ResponseWriter, r *http.Request) {
	c.s.mu.Lock()
	denied := c.asrmDenied
	c.s.mu.Unlock()
	if denied {
		writeError(w, http.StatusForbidden, "AccessDenied", "Cyber Risk Exposure Management is not enabled for this customer")
		return
	}
	q := r.URL.Query()
	size := 100
	if v := q.Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(l.tops, n) {
			badRequest(w, "ParameterNotAccepted", fmt.Sprintf("top must be one of %v", l.tops))
			return
		}
		size = n
	}
	for k := range q {
		if _, ok := l.dates[k]; !ok && k != "top" && k != "orderBy" && k != "skipToken" {
			badRequest(w, "ParameterNotAccepted", "unknown parameter "+k)
			return
		}
	}
	type bound struct {
		field string
		start bool
		t     time.Time
	}
	var bounds []bound
	for k, d := range l.dates {
		if v := q.Get(k); v != "" {
			t, err := parseTime(v)
			if err != nil {
				badRequest(w, "ParameterNotAccepted", k+": "+err.Error())
				return
			}
			bounds = append(bounds, bound{d.field, d.start, t})
		}
	}
	field, desc, err := orderBy(q.Get("orderBy"), "id asc", nil)
	if err != nil {
		badRequest(w, "ParameterNotAccepted", err.Error())
		return
	}
	f, err := parseFilter(r.Header.Get(visionone.FilterHeader), l.fields)
	if err != nil {
		badRequest(w, "BadRequest", "TMV1-Filter: "+err.Error())
		return
	}
	p, err := startPage(r, size)
	if err != nil {
		badRequest(w, "BadRequest", err.Error())
		return
	}
	all := selectSorted(c.lists[l.path], func(rec fakeapi.Record) bool {
		for _, b := range bounds {
			t, ok := recordTime(rec, b.field)
			if !ok || (b.start && t.Before(b.t)) || (!b.start && t.After(b.t)) {
				return false
			}
		}
		return f(rec)
	}, field, desc)
	p.write(w, r, all)
}

// ClearFaults drops the faults queued on the customer's region host.
func (c *Customer) ClearFaults() { c.r.ClearFaults() }
