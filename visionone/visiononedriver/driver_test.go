package visiononedriver_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func at(t time.Time) *time.Time      { return &t }
func ids(as []alerting.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.EventID)
	}
	return out
}

type fixture struct {
	srv   *visiononetest.Server
	cust  *visiononetest.Customer
	cfg   visiononedriver.CustomerConfig
	c     *visionone.Client
	rec   *alertingtest.Recorder
	store *memstore.Store
	clk   *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)}
	srv := visiononetest.NewServer(t, visiononetest.WithClock(clk.now), visiononetest.WithWorkbenchPageSize(2))
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	c, err := cust.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, cust: cust, c: c, cfg: visiononedriver.CustomerConfig{Name: "Contoso Ltd"}, rec: &alertingtest.Recorder{}, store: memstore.New(), clk: clk}
}

func (f *fixture) poller(t *testing.T, opts ...visiononedriver.PollerOption) *visiononedriver.Poller {
	t.Helper()
	p, err := visiononedriver.NewPoller(f.c, f.cfg, f.rec, f.store, append([]visiononedriver.PollerOption{visiononedriver.WithClock(f.clk.now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) poll(t *testing.T, p *visiononedriver.Poller) visiononedriver.PollResult {
	t.Helper()
	res, err := p.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestWorkbenchPollerWindowAndRestart: the first poll reads the last four
// hours (an alert of five hours ago is not raised), asks for
// createdDateTime from there in ascending order, and a second poller on the
// same store (a restart) raises nothing again but does raise a new alert,
// also one Vision One recorded late with an earlier createdDateTime.
func TestWorkbenchPollerWindowAndRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.DisabledKinds = []visiononedriver.AlertKind{visiononedriver.KindHighRiskUser, visiononedriver.KindHighRiskDevice, visiononedriver.KindNewAsset}
	now := f.clk.now()
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-1-OLD", CreatedDateTime: at(now.Add(-5 * time.Hour))})
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-2", Model: "Ransomware Behavior", Severity: "critical", CreatedDateTime: at(now.Add(-3 * time.Hour))})
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-3", CreatedDateTime: at(now.Add(-time.Minute))})
	res := f.poll(t, f.poller(t))
	if got := ids(f.rec.Accepted()); strings.Join(got, ",") != "WB-2,WB-3" || res.Raised[visiononedriver.KindWorkbench] != 2 {
		t.Fatalf("first poll raised %v (%+v); want WB-2, WB-3", got, res)
	}
	r0 := f.cust.Requests()[0]
	if r0.Query.Get("startDateTime") != "2025-01-15T08:00:00Z" || r0.Query.Get("endDateTime") != "2025-01-15T12:00:00Z" ||
		r0.Query.Get("dateTimeTarget") != "createdDateTime" || r0.Query.Get("orderBy") != "createdDateTime asc" {
		t.Errorf("first request %v", r0.Query)
	}
	a := f.rec.Accepted()[0]
	if a.Source != "visionone" || a.Account != "contoso-ltd" || a.Customer.ID != "contoso-ltd" || a.Customer.Name != "Contoso Ltd" ||
		a.Type != "Ransomware Behavior" || a.Severity != alerting.SeverityCritical || a.AlertID != "WB-2" || !a.Time.Equal(now.Add(-3*time.Hour)) {
		t.Errorf("alert %+v", a)
	}

	f.clk.add(5 * time.Minute)
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-4", CreatedDateTime: at(f.clk.now())})
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-5-LATE", CreatedDateTime: at(now.Add(-2 * time.Minute))}) // recorded late
	f.poll(t, f.poller(t))                                                                                     // a new poller: the restart
	if got := ids(f.rec.Accepted()); strings.Join(got, ",") != "WB-2,WB-3,WB-5-LATE,WB-4" {
		t.Fatalf("after the restart: %v; want WB-4 and the late WB-5-LATE added, nothing again", got)
	}
	f.cust.ResetRequests()
	f.clk.add(time.Hour)
	f.poll(t, f.poller(t))
	if n := len(f.rec.Accepted()); n != 4 {
		t.Errorf("an hour later %d alerts; want still 4", n)
	}
	if q := f.cust.Requests()[0].Query; q.Get("startDateTime") != "2025-01-15T11:55:00Z" {
		t.Errorf("third poll starts at %s; want the previous end minus the overlap", q.Get("startDateTime"))
	}
}

// TestPollerKeepsPositionOnFailure: an acceptor that fails keeps the
// position; the next pass raises the alert.
func TestPollerKeepsPositionOnFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.DisabledKinds = []visiononedriver.AlertKind{visiononedriver.KindHighRiskUser, visiononedriver.KindHighRiskDevice, visiononedriver.KindNewAsset}
	f.cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-1", CreatedDateTime: at(f.clk.now().Add(-time.Hour))})
	p := f.poller(t)
	f.rec.FailNext(errors.New("store down"))
	if _, err := p.Poll(t.Context()); err == nil {
		t.Fatal("a failed accept was not reported")
	}
	f.clk.add(6 * time.Hour) // far beyond the first-run window
	f.poll(t, p)
	if got := ids(f.rec.Accepted()); len(got) != 1 || got[0] != "WB-1" {
		t.Errorf("after the failure: %v; want WB-1", got)
	}
}

// TestHighRiskPoller: the first poll raises the users with a time in the
// last four hours and takes the others as the start; a later poll raises
// each new ID; one that leaves and comes back is a new event (n=2); a
// restart raises nothing again; riskScore ge goes out as TMV1-Filter.
func TestHighRiskPoller(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.DisabledKinds = []visiononedriver.AlertKind{visiononedriver.KindWorkbench, visiononedriver.KindNewAsset}
	s80, s95 := 80, 95
	old := f.cust.AddHighRiskUser(visionone.HighRiskUser{UserPrincipalName: "old@contoso.com", RiskScore: &s80})
	recent := visionone.HighRiskUser{UserPrincipalName: "recent@contoso.com", RiskScore: &s95,
		Extra: visionone.Extra{"updatedDateTime": []byte(`"2025-01-15T10:00:00Z"`)}}
	recent = f.cust.AddHighRiskUser(recent)
	dev := f.cust.AddHighRiskDevice(visionone.HighRiskDevice{DeviceName: "LAPTOP-7", RiskScore: &s80, LastLogonUser: "alice"})
	res := f.poll(t, f.poller(t, visiononedriver.WithHighRiskMinScore(70)))
	got := ids(f.rec.Accepted())
	if len(got) != 1 || got[0] != "high-risk-user:"+recent.ID+":1" || res.Baseline != 2 {
		t.Fatalf("first poll raised %v, baseline %d; want only the recent user, 2 taken as the start", got, res.Baseline)
	}
	for _, r := range f.cust.Requests() {
		if r.Header.Get("TMV1-Filter") != "riskScore ge 70" {
			t.Errorf("%s without the score filter", r.Path)
		}
	}
	a := f.rec.Accepted()[0]
	if a.Type != visiononedriver.TypeHighRiskUser || a.User != "recent@contoso.com" || a.Severity != alerting.SeverityCritical {
		t.Errorf("alert %+v", a)
	}
	f.cust.RemoveHighRisk(old.ID)
	f.clk.add(10 * time.Minute)
	newUser := f.cust.AddHighRiskUser(visionone.HighRiskUser{UserName: "bob", RiskScore: &s80})
	f.poll(t, f.poller(t))
	f.cust.AddHighRiskUser(old) // back on the list
	f.clk.add(10 * time.Minute)
	f.poll(t, f.poller(t))
	f.poll(t, f.poller(t)) // nothing new
	want := []string{"high-risk-user:" + recent.ID + ":1", "high-risk-user:" + newUser.ID + ":1", "high-risk-user:" + old.ID + ":2"}
	if got := ids(f.rec.Accepted()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("raised %v; want %v", got, want)
	}
	_ = dev
}

// TestDisabledKindsAreNotPolled: a kind switched off for a customer sends
// no request; a 403 (ASRM not licensed) skips the kind without failing
// the pass.
func TestDisabledKindsAreNotPolled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.DisabledKinds = []visiononedriver.AlertKind{visiononedriver.KindNewAsset, visiononedriver.KindHighRiskDevice}
	f.cust.SetAttackSurfaceLicensed(false)
	res := f.poll(t, f.poller(t))
	if f.srv.Customers()[0].Requests() == nil || len(res.Forbidden) != 1 || res.Forbidden[0] != visiononedriver.KindHighRiskUser {
		t.Errorf("forbidden %v", res.Forbidden)
	}
	for _, r := range f.cust.Requests() {
		if strings.Contains(r.Path, "attackSurfaceDevices") || strings.Contains(r.Path, "highRiskDevices") {
			t.Errorf("a switched-off kind was polled: %s", r.Path)
		}
	}
}

// TestTicketsOffPollsNothing: a customer whose ticket creation is off is
// not polled at all.
func TestTicketsOffPollsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.CreateTickets = new(false)
	f.cust.AddAlert(visionone.WorkbenchAlert{CreatedDateTime: at(f.clk.now().Add(-time.Minute))})
	if res := f.poll(t, f.poller(t)); !res.Off || len(f.cust.Requests()) != 0 || len(f.rec.Accepted()) != 0 {
		t.Errorf("tickets off: %+v, %d requests, %d alerts", res, len(f.cust.Requests()), len(f.rec.Accepted()))
	}
}

// TestNewAssetPoller: attack-surface devices first seen since the last
// poll that match the watchlist filter become alerts.
func TestNewAssetPoller(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.DisabledKinds = []visiononedriver.AlertKind{visiononedriver.KindWorkbench, visiononedriver.KindHighRiskUser, visiononedriver.KindHighRiskDevice}
	now := f.clk.now()
	f.cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "OLD", Criticality: "high", FirstSeenDateTime: at(now.Add(-5 * time.Hour))})
	nw := f.cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "NEW-SRV", Criticality: "high", FirstSeenDateTime: at(now.Add(-time.Hour))})
	f.cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "NEW-PRINTER", Criticality: "low", FirstSeenDateTime: at(now.Add(-time.Hour))})
	f.poll(t, f.poller(t))
	f.poll(t, f.poller(t))
	got := f.rec.Accepted()
	if len(got) != 1 || got[0].EventID != "new-asset:"+nw.ID || got[0].Device.Hostname != "NEW-SRV" || got[0].Type != visiononedriver.TypeNewAsset {
		t.Errorf("raised %+v", ids(got))
	}
	r := f.cust.Requests()[0]
	if r.Header.Get("TMV1-Filter") != visiononedriver.DefaultWatchlistFilter || r.Query.Get("firstSeenStartDateTime") != "2025-01-15T08:00:00Z" {
		t.Errorf("request %v %q", r.Query, r.Header.Get("TMV1-Filter"))
	}
}

func validConfig() visiononedriver.Config {
	return visiononedriver.Config{
		TicketType: "21", DefaultCustomer: "99",
		Customers: []visiononedriver.CustomerConfig{
			{Name: "Contoso Ltd", Region: "eu"},
			{Name: "Fabrikam Inc", PSACustomer: "7"},
			{Name: "Northwind", CreateTickets: new(false), PSACustomer: "8"},
		},
	}
}

// TestConfigErrors: no ticket type is a clear configuration error, and so
// are a missing default customer, resolve sync without an investigation
// result, an unknown region, a duplicate reference and an unknown kind.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cfg := validConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.TicketType = ""
	err := cfg.Validate()
	var ce *alerting.ConfigError
	if !errors.Is(err, visiononedriver.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Key != "ticket_type" || !strings.Contains(err.Error(), "ticket type") {
		t.Errorf("no ticket type: %v", err)
	}
	if _, err := cfg.EngineConfig(alerting.DefaultConfig()); !errors.Is(err, visiononedriver.ErrInvalidConfig) {
		t.Errorf("EngineConfig without a ticket type: %v", err)
	}
	bad := validConfig()
	bad.DefaultCustomer = ""
	bad.ResolveSync = true
	bad.Customers = append(bad.Customers, visiononedriver.CustomerConfig{Name: "contoso ltd", Region: "mars", DisabledKinds: []visiononedriver.AlertKind{"emails"}})
	msg := bad.Validate().Error()
	for _, want := range []string{"default_customer", "investigation_result", "customers[3].region", "customers[3].id", "customers[3].disabled_kinds[0]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	if _, err := visiononedriver.LoadConfig(strings.NewReader(`{"ticket_type":"1","default_customer":"2","customers":[{"name":"A","colour":"red"}]}`)); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestMappingPrecedence: a manual mapping wins over an exact-name match,
// an exact name auto-matches, anything else is unmatched and goes to the
// default customer; the engine routes the same way, and a customer with
// ticket creation off gets no ticket.
func TestMappingPrecedence(t *testing.T) {
	t.Parallel()
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "1", Name: "Contoso Ltd"})
	sink.AddCustomer(alerting.Customer{ID: "2", Name: "Fabrikam Inc"})
	sink.AddCustomer(alerting.Customer{ID: "7", Name: "Fabrikam (manual)"})
	sink.AddCustomer(alerting.Customer{ID: "8", Name: "Northwind"})
	sink.AddCustomer(alerting.Customer{ID: "99", Name: "Vision One Unassigned"})
	cfg := validConfig()
	cfg.Customers = append(cfg.Customers, visiononedriver.CustomerConfig{Name: "Tailspin Toys"})
	rows, err := visiononedriver.MappingReport(t.Context(), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"Contoso Ltd": {"auto-matched", "1"}, "Fabrikam Inc": {"manual", "7"}, "Northwind": {"manual", "8"}, "Tailspin Toys": {"unmatched", "99"},
	}
	for _, r := range rows {
		if w := want[r.Customer.Name]; string(r.Status) != w[0] || r.PSACustomer != w[1] {
			t.Errorf("%s: %s → %s; want %v", r.Customer.Name, r.Status, r.PSACustomer, w)
		}
		if r.Customer.Name == "Northwind" && r.TicketsOn {
			t.Error("Northwind's tickets are switched off")
		}
	}
	ec, err := cfg.EngineConfig(alerting.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := alerting.New(ec, memstore.New(), sink)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for i, c := range cfg.Customers {
		a := alerting.Alert{Source: visiononedriver.Kind, Account: c.Ref(), EventID: "WB-" + string(rune('A'+i)), Kind: alerting.Raise, Customer: c.CustomerRef(), Title: "t"}
		if _, err := eng.Accept(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tk := range sink.Tickets() {
		got[tk.Customer]++
		if tk.Defaults.Type != "21" {
			t.Errorf("ticket type %q", tk.Defaults.Type)
		}
	}
	if got["1"] != 1 || got["7"] != 1 || got["99"] != 1 || got["8"] != 0 || got["2"] != 0 {
		t.Errorf("tickets per customer %v; want Contoso→1, Fabrikam→7 (manual wins), Tailspin→99, none for Northwind", got)
	}
}

type catalog struct{ types []visiononedriver.PSARecord }

func (c catalog) TicketTypes(context.Context) ([]visiononedriver.PSARecord, error) {
	return c.types, nil
}
func (c catalog) Customer(_ context.Context, id string) (visiononedriver.PSARecord, error) {
	if id == "99" || id == "7" {
		return visiononedriver.PSARecord{ID: id}, nil
	}
	return visiononedriver.PSARecord{}, alerting.ErrNotFound
}

func TestCheckPSA(t *testing.T) {
	t.Parallel()
	cat := catalog{types: []visiononedriver.PSARecord{{ID: "21", Name: "Security Alert"}}}
	cfg := validConfig()
	cfg.Customers = cfg.Customers[:2]
	if err := visiononedriver.CheckPSA(t.Context(), cfg, cat); err != nil {
		t.Fatalf("valid: %v", err)
	}
	cfg.TicketType, cfg.DefaultCustomer = "22", "100"
	err := visiononedriver.CheckPSA(t.Context(), cfg, cat)
	if !errors.Is(err, visiononedriver.ErrInvalidConfig) || !strings.Contains(err.Error(), "ticket_type") || !strings.Contains(err.Error(), "default_customer") {
		t.Errorf("CheckPSA = %v", err)
	}
}

// TestResolverETagRoundTrip: the close is GET then PATCH with the ETag
// and the configured investigation result; after a 412 the alert is read
// again and, as it is not Closed, patched once more with the new ETag; a
// 412 whose PATCH did apply (the alert is Closed on the re-read) stops.
func methods(rs []visiononetest.Request) string {
	var m []string
	for _, r := range rs {
		m = append(m, r.Method)
	}
	return strings.Join(m, " ")
}

func TestResolverETagRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, err := visiononedriver.NewResolver(f.c, visionone.ResultTruePositive)
	if err != nil {
		t.Fatal(err)
	}
	count := func(method string) int {
		n := 0
		for _, q := range f.cust.Requests() {
			if q.Method == method {
				n++
			}
		}
		return n
	}
	ref := func(id string) alerting.AlertRef { return alerting.AlertRef{Source: "visionone", AlertID: id} }

	a := f.cust.AddAlert(visionone.WorkbenchAlert{})
	if err := r.ResolveAlert(t.Context(), ref(a.ID)); err != nil {
		t.Fatal(err)
	}
	got, _ := f.cust.Alert(a.ID)
	if got.Status != "Closed" || got.InvestigationResult != "True Positive" || count("GET") != 1 || count("PATCH") != 1 {
		t.Fatalf("%s/%s after %d GET %d PATCH", got.Status, got.InvestigationResult, count("GET"), count("PATCH"))
	}
	if im := f.cust.Requests()[1].Header.Get("If-Match"); im != a.ETag {
		t.Errorf("If-Match %q, want %q", im, a.ETag)
	}

	f.cust.ResetRequests()
	b := f.cust.AddAlert(visionone.WorkbenchAlert{})
	f.cust.Inject(visiononetest.Fault{Method: http.MethodPatch, Status: http.StatusPreconditionFailed})
	if err := r.ResolveAlert(t.Context(), ref(b.ID)); err != nil {
		t.Fatal(err)
	}
	if seq := methods(f.cust.Requests()); seq != "GET PATCH GET PATCH" {
		t.Errorf("after a 412: %s; want GET PATCH GET PATCH (each PATCH after its own GET)", seq)
	}
	if got, _ := f.cust.Alert(b.ID); got.Status != "Closed" {
		t.Errorf("b is %s", got.Status)
	}

	f.cust.ResetRequests()
	c := f.cust.AddAlert(visionone.WorkbenchAlert{})
	f.cust.Inject(visiononetest.Fault{Method: http.MethodPatch, Status: http.StatusPreconditionFailed, Applied: true})
	if err := r.ResolveAlert(t.Context(), ref(c.ID)); err != nil {
		t.Fatal(err)
	}
	if count("GET") != 2 || count("PATCH") != 1 {
		t.Errorf("412 on an applied PATCH: %d GET %d PATCH; want 2 and 1 (Closed on the re-read)", count("GET"), count("PATCH"))
	}

	f.cust.ResetRequests()
	d := f.cust.AddAlert(visionone.WorkbenchAlert{})
	f.cust.Inject(visiononetest.Fault{Method: http.MethodPatch, Status: http.StatusPreconditionFailed, Times: 2})
	if err := r.ResolveAlert(t.Context(), ref(d.ID)); !errors.Is(err, visionone.ErrPreconditionFailed) || count("PATCH") != 2 {
		t.Errorf("two 412s: %v after %d PATCH; want the 412 after 2", err, count("PATCH"))
	}
	f.cust.ClearFaults()
	if err := r.ResolveAlert(t.Context(), ref("high-risk-user:x:1")); err != nil || len(f.cust.Requests()) != 4 {
		t.Errorf("a high-risk alert was written back: %v", err)
	}
	if err := r.ResolveAlert(t.Context(), ref("WB-nope")); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("missing alert: %v", err)
	}
	if _, err := visiononedriver.NewResolver(f.c, ""); !errors.Is(err, visiononedriver.ErrInvalidConfig) {
		t.Errorf("resolver without an investigation result: %v", err)
	}
}

const token = "notify-token-0123456789abcdef"

// tokenInQuery adapts alertingtest's deliveries (to "/webhook", with
// headers) to the intake's URL token: the X-Test-Token header becomes
// ?token=.
func tokenInQuery(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.RawQuery = "token=" + r.Header.Get("X-Test-Token")
		h.ServeHTTP(w, r)
	})
}

func intakeFor(t *testing.T, acc alerting.Acceptor, f *fixture) *visiononedriver.NotificationIntake {
	t.Helper()
	in, err := visiononedriver.NewNotificationIntake(acc, visiononedriver.IntakeConfig{
		Tokens: []string{token}, Customers: []visiononedriver.CustomerConfig{f.cfg},
		Clients: map[string]*visionone.Client{f.cfg.Ref(): f.c},
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

const riskBody = `{"event_id":"RE-1001","type":"New risk event","severity":"High","customer":"Contoso Ltd","user":"alice@contoso.com","device":"LAPTOP-7","title":"Suspicious sign-in","body":"From a new country"}`

// TestNotificationIntakeConforms: the intake passes RunIntake as a
// raise-only intake.
func TestNotificationIntakeConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
		f := newFixture(t)
		hdr := func(tok string) http.Header { return http.Header{"X-Test-Token": {tok}} }
		return alertingtest.IntakeFixture{
			Handler:   tokenInQuery(intakeFor(t, rec, f)),
			Source:    visiononedriver.Kind,
			Raise:     alertingtest.Delivery{Body: []byte(riskBody), Header: hdr(token)},
			RaiseOnly: true,
			Forged:    alertingtest.Delivery{Body: []byte(riskBody), Header: hdr("wrong-token-0123456789abcdef")},
			Malformed: alertingtest.Delivery{Body: []byte(`{"event_id":`), Header: hdr(token)},
		}
	})
}

func post(h http.Handler, url, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestNotificationIntake: the token works in the path or the query; the
// body must be JSON; a workbench notification is read again from the API
// (its title comes from Vision One, not the body); risk events below
// Medium are dropped; an unknown customer is refused; operator paths are
// followed.
func TestNotificationIntake(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := &alertingtest.Recorder{}
	h := intakeFor(t, rec, f)
	wb := f.cust.AddAlert(visionone.WorkbenchAlert{Model: "Privilege Escalation via UAC Bypass", Severity: "high"})
	forged := strings.NewReplacer("RE-1001", wb.ID, "New risk event", "Workbench alert", "Suspicious sign-in", "Please wire money").Replace(riskBody)
	cases := []struct {
		name, url, ctype, body string
		status                 int
	}{
		{"path token", "/hooks/visionone/" + token, "application/json", riskBody, 200},
		{"query token", "/hooks/visionone?token=" + token, "application/json; charset=utf-8", riskBody, 200},
		{"no token", "/hooks/visionone", "application/json", riskBody, 401},
		{"not JSON", "/hooks/" + token, "text/plain", riskBody, 415},
		{"array", "/hooks/" + token, "application/json", `[1]`, 400},
		{"workbench", "/hooks/" + token, "application/json", forged, 200},
		{"low risk", "/hooks/" + token, "application/json", strings.Replace(riskBody, `"High"`, `"Low"`, 1), 200},
		{"unknown customer", "/hooks/" + token, "application/json", strings.Replace(riskBody, "Contoso Ltd", "Evil Corp", 1), 422},
		{"unknown type", "/hooks/" + token, "application/json", strings.Replace(riskBody, "New risk event", "Coffee", 1), 400},
		{"bad workbench id", "/hooks/" + token, "application/json", strings.NewReplacer("RE-1001", "../../x", "New risk event", "workbench").Replace(riskBody), 400},
		{"polled kind", "/hooks/" + token, "application/json", strings.Replace(riskBody, "New risk event", "Newly discovered assets", 1), 200},
	}
	for _, c := range cases {
		if w := post(h, c.url, c.ctype, c.body); w.Code != c.status {
			t.Errorf("%s: %d %s; want %d", c.name, w.Code, w.Body, c.status)
		}
	}
	got := rec.Accepted()
	if len(got) != 3 {
		t.Fatalf("accepted %v; want two risk events and the workbench alert", ids(got))
	}
	if r := got[0]; r.EventID != "risk-event:RE-1001" || r.Severity != alerting.SeverityHigh || r.User != "alice@contoso.com" || r.Device.Hostname != "LAPTOP-7" || r.Type != visiononedriver.TypeRiskEvent {
		t.Errorf("risk event %+v", r)
	}
	if w := got[2]; w.EventID != wb.ID || w.Type != "Privilege Escalation via UAC Bypass" || strings.Contains(w.Title+w.Body, "wire money") {
		t.Errorf("workbench alert %+v: not from the API", w)
	}

	in, err := visiononedriver.NewNotificationIntake(rec, visiononedriver.IntakeConfig{Tokens: []string{token}, Customers: []visiononedriver.CustomerConfig{f.cfg},
		Paths: visiononedriver.FieldPaths{EventID: "$.data.events[0].id", Type: "data.kind", Severity: "data.events[0].sev", Customer: "tenant.name"}})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"tenant":{"name":"contoso ltd"},"data":{"kind":"risk event","events":[{"id":42,"sev":"medium"}]}}`
	if w := post(in, "/x/"+token, "application/json", body); w.Code != 200 {
		t.Fatalf("operator paths: %d %s", w.Code, w.Body)
	}
	if last := rec.Accepted()[3]; last.EventID != "risk-event:42" || last.Severity != alerting.SeverityMedium {
		t.Errorf("operator paths gave %+v", last)
	}
	if _, err := visiononedriver.NewNotificationIntake(rec, visiononedriver.IntakeConfig{Tokens: []string{"short"}}); err == nil {
		t.Error("a short token was accepted")
	}
	if big := post(h, "/"+token, "application/json", `{"x":"`+string(bytes.Repeat([]byte("a"), visiononedriver.MaxNotificationBody))+`"}`); big.Code != 413 {
		t.Errorf("oversized: %d", big.Code)
	}
}

// TestOpenAlertListerConforms: the workbench open-alert lister passes
// RunOpenAlerts.
func TestOpenAlertListerConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunOpenAlerts(t, func(t *testing.T) alertingtest.OpenAlertsFixture {
		srv := visiononetest.NewServer(t, visiononetest.WithWorkbenchPageSize(2))
		cust := srv.AddCustomer("Contoso Ltd", visionone.RegionUS)
		c, _ := cust.NewClient(visionone.WithRetryPolicy(visionone.RetryPolicy{MaxAttempts: 1}))
		cfg := visiononedriver.CustomerConfig{Name: "Contoso Ltd"}
		return alertingtest.OpenAlertsFixture{
			Lister: visiononedriver.NewOpenAlertLister(c, cfg, 0),
			Source: visiononedriver.Kind, Account: cfg.Ref(),
			Raise: func(t *testing.T) string {
				return cust.AddAlert(visionone.WorkbenchAlert{CreatedDateTime: at(time.Now().Add(-time.Minute))}).ID
			},
			Resolve: func(t *testing.T, id string) {
				cust.SetAlertStatus(id, visionone.StatusClosed, visionone.ResultFalsePositive)
			},
			BreakListing: func(t *testing.T) {
				cust.Inject(visiononetest.Fault{Path: "/v3.0/workbench/alerts", Status: http.StatusInternalServerError})
			},
		}
	})
}
