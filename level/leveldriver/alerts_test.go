package leveldriver_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/reconcile"
)

// estate is a five-level Level tree with a device at every level, an
// unmapped root with a device, and an ungrouped device.
type estate struct {
	srv      *leveltest.Server
	c        *level.Client
	chain    []level.Group
	devs     []level.Device // devs[i] in chain[i]
	stray    level.Device   // under an unmapped root
	loose    level.Device   // ungrouped
	strayGrp level.Group
}

func newEstate(t *testing.T) *estate {
	srv, c := setup(t)
	e := &estate{srv: srv, c: c}
	parent := ""
	for i, name := range []string{"MSP", "Acme", "Acme EU", "Acme Berlin", "Acme Berlin Lab"} {
		g := srv.SeedGroup(level.Group{Name: name, ParentID: parent})
		e.chain = append(e.chain, g)
		e.devs = append(e.devs, srv.SeedDevice(level.Device{Hostname: "pc-" + string(rune('a'+i)), GroupID: g.ID}))
		parent = g.ID
	}
	e.strayGrp = srv.SeedGroup(level.Group{Name: "Prospects"})
	e.stray = srv.SeedDevice(level.Device{Hostname: "prospect-pc", GroupID: e.strayGrp.ID})
	e.loose = srv.SeedDevice(level.Device{Hostname: "loose-pc"})
	return e
}

// event delivers a signed alert event through the webhook handler and
// answers the status.
func deliver(t *testing.T, h http.Handler, typ, eventID string, data map[string]any) int {
	t.Helper()
	body := leveltest.Event(typ, eventID, time.Now(), data)
	req := httptest.NewRequest(http.MethodPost, "/level", bytes.NewReader(body))
	req.Header.Set(leveldriver.SignatureHeader, leveltest.Sign(hookSecret, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

type pipeline struct {
	eng  *alerting.Engine
	sink *alertingtest.Sink
	hook *leveldriver.WebhookHandler
}

func newPipeline(t *testing.T, e *estate, cfg alerting.Config, opts ...alerting.Option) *pipeline {
	t.Helper()
	sink := alertingtest.NewSink()
	en := leveldriver.NewEnricher(e.c, leveldriver.MappedGroups(cfg, "", nil))
	eng, err := alerting.New(cfg, memstore.New(), sink, append([]alerting.Option{
		alerting.WithEnricher(leveldriver.Kind, en), alerting.WithResolver(leveldriver.Kind, leveldriver.NewResolver(e.c))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	v, err := leveldriver.NewVerifier(hookSecret)
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline{eng: eng, sink: sink, hook: leveldriver.NewWebhookHandler(v, eng)}
}

func (p *pipeline) process(t *testing.T) {
	t.Helper()
	if _, err := p.eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestAlertsRouteToNearestMappedAncestor raises an alert on a device at
// each level of a five-level tree mapped at levels 2 and 4: each ticket
// goes to the customer of the nearest mapped ancestor; the device under
// no mapped group is rejected with unmapped_customer, as is the
// ungrouped one; the webhook data carries only the alert and device IDs,
// so routing reads the device and the tree from the API.
func TestAlertsRouteToNearestMappedAncestor(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{
		{Source: leveldriver.Kind, SourceCustomer: e.chain[1].ID, Customer: "acme"},
		{Source: leveldriver.Kind, SourceCustomer: e.chain[3].ID, Customer: "acme-berlin", Site: "berlin"},
	}}
	p := newPipeline(t, e, cfg)
	want := map[string]string{e.devs[1].ID: "acme", e.devs[2].ID: "acme", e.devs[3].ID: "acme-berlin", e.devs[4].ID: "acme-berlin"}
	for i, d := range append(append([]level.Device(nil), e.devs...), e.stray, e.loose) {
		a := e.srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "CPU usage", Severity: level.SeverityCritical})
		if st := deliver(t, p.hook, leveldriver.EventAlertActive, "evt-"+string(rune('a'+i)), map[string]any{"id": a.ID, "device_id": d.ID}); st != http.StatusOK {
			t.Fatalf("delivery %d: %d", i, st)
		}
	}
	p.process(t)
	got := map[string]string{}
	for _, tk := range p.sink.Tickets() {
		if tk.Title != "CPU usage" {
			t.Errorf("ticket title %q: the alert was not re-read", tk.Title)
		}
		_, host, _ := strings.Cut(tk.Body, "Device: ")
		host, _, _ = strings.Cut(host, "\n")
		got[host] = tk.Customer
		if tk.Customer == "acme-berlin" && tk.Site != "berlin" {
			t.Errorf("ticket %s: site %q, want berlin", tk.ID, tk.Site)
		}
	}
	for id, cust := range want {
		var host string
		for _, d := range e.devs {
			if d.ID == id {
				host = d.Hostname
			}
		}
		if got[host] != cust {
			t.Errorf("%s: customer %q, want %q (tickets %v)", host, got[host], cust, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tickets, want %d: %v", len(got), len(want), got)
	}
	st, err := p.eng.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// MSP (level 1, unmapped), the Prospects device and the ungrouped one.
	if n := st.Rejected[alerting.ReasonUnmappedCustomer]; n != 3 {
		t.Errorf("rejected unmapped_customer %d, want 3", n)
	}
}

// TestUnmappedAlertsGoToTheDefaultCustomer: with a catch-all, the alerts
// of devices under no mapped group open tickets on it; a device whose PSA
// asset the import linked goes to the asset's customer, before any group.
func TestUnmappedAlertsGoToTheDefaultCustomerAndLinksComeFirst(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := alerting.Config{CatchAll: &alerting.CatchAll{Customer: "unassigned"},
		Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: e.chain[1].ID, Customer: "acme"}}}
	p := newPipeline(t, e, cfg)
	p.sink.AddAsset("linked-customer", leveldriver.Kind, alerting.Device{ID: e.devs[4].ID}, alerting.Asset{ID: "77", Site: "s9"})
	for i, d := range []level.Device{e.stray, e.loose, e.devs[4], e.devs[2]} {
		a := e.srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "Disk space"})
		deliver(t, p.hook, leveldriver.EventAlertActive, "e"+string(rune('0'+i)), map[string]any{"id": a.ID, "device_id": d.ID, "name": "Disk space"})
	}
	p.process(t)
	got := map[string]string{}
	for _, tk := range p.sink.Tickets() {
		_, host, _ := strings.Cut(tk.Body, "Device: ")
		host, _, _ = strings.Cut(host, "\n")
		got[host] = tk.Customer
	}
	want := map[string]string{e.stray.Hostname: "unassigned", e.loose.Hostname: "unassigned", e.devs[4].Hostname: "linked-customer", e.devs[2].Hostname: "acme"}
	if len(got) != len(want) {
		t.Errorf("customers %v, want %v", got, want)
	}
	for h, c := range want {
		if got[h] != c {
			t.Errorf("%s: customer %q, want %q", h, got[h], c)
		}
	}
}

// TestUnmappedPolicyOpensNoTicket: with a policy map, a mapped alert name
// opens a ticket of its type; an unmapped one is accepted (200), counted
// as ignored (alert_type_not_mapped) and opens nothing.
func TestUnmappedPolicyOpensNoTicket(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: e.chain[0].ID, Customer: "msp"}}}
	leveldriver.PolicyMap{"cpu usage": "31"}.Apply(&cfg)
	p := newPipeline(t, e, cfg)
	for i, name := range []string{"CPU usage", "Printer offline"} {
		a := e.srv.SeedAlert(level.Alert{DeviceID: e.devs[0].ID, Name: name})
		if st := deliver(t, p.hook, leveldriver.EventAlertActive, "p"+string(rune('0'+i)), map[string]any{"id": a.ID, "device_id": e.devs[0].ID, "name": name}); st != http.StatusOK {
			t.Fatalf("%s: %d", name, st)
		}
	}
	p.process(t)
	tks := p.sink.Tickets()
	if len(tks) != 1 || tks[0].Title != "CPU usage" || tks[0].Defaults.Type != "31" {
		t.Fatalf("tickets %+v, want one of type 31 for CPU usage", tks)
	}
	st, _ := p.eng.Stats(t.Context())
	if st.Ignored[alerting.ReasonAlertTypeNotMapped] != 1 || st.Received != 2 {
		t.Errorf("received %d, ignored not-mapped %d; want 2 and 1", st.Received, st.Ignored[alerting.ReasonAlertTypeNotMapped])
	}
}

// TestRedeliveriesAreDeduplicatedByEventID: Level's retries and manual
// re-runs keep event_id: three deliveries, one ticket; the resolve closes
// it, and resolve sync does not echo that resolve back to Level.
func TestRedeliveriesAreDeduplicatedByEventIDAndResolvesAreNotEchoed(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := alerting.Config{Close: alerting.CloseAlways,
		Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: e.chain[0].ID, Customer: "msp"}}}
	p := newPipeline(t, e, cfg)
	a := e.srv.SeedAlert(level.Alert{DeviceID: e.devs[0].ID, Name: "CPU usage"})
	data := map[string]any{"id": a.ID, "device_id": e.devs[0].ID, "name": "CPU usage"}
	for range 3 {
		if st := deliver(t, p.hook, leveldriver.EventAlertActive, "3b2c6c1e-retry", data); st != http.StatusOK {
			t.Fatalf("delivery: %d", st)
		}
		p.process(t)
	}
	if n := len(p.sink.Tickets()); n != 1 {
		t.Fatalf("%d tickets after three deliveries of one event, want 1", n)
	}
	st, _ := p.eng.Stats(t.Context())
	if st.Deduplicated != 2 {
		t.Errorf("deduplicated %d, want 2", st.Deduplicated)
	}
	// Level resolves the alert and says so; the engine closes the ticket.
	if err := e.c.Alerts.Resolve(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	before := len(e.srv.Resolves())
	deliver(t, p.hook, leveldriver.EventAlertResolved, "resolved-1", data)
	p.process(t)
	if tk := p.sink.Tickets()[0]; tk.State != alerting.TicketClosed {
		t.Fatalf("ticket %+v not closed by the resolve", tk.State)
	}
	if _, err := p.eng.SyncResolved(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Resolves(); len(got) != before {
		t.Fatalf("resolve sync echoed Level's own resolve back: %v", got[before:])
	}
}

// TestTicketClosedInPSAResolvesTheAlertInLevel: resolve sync sends POST
// /alerts/{id}/resolve, once more with PUT on 405.
func TestTicketClosedInPSAResolvesTheAlertInLevel(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t, leveltest.WithResolveVerb(http.MethodPut))
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	g := srv.SeedGroup(level.Group{Name: "Acme"})
	d := srv.SeedDevice(level.Device{Hostname: "pc", GroupID: g.ID})
	e := &estate{srv: srv, c: c}
	p := newPipeline(t, e, alerting.Config{Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: g.ID, Customer: "acme"}}})
	a := srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "CPU usage"})
	deliver(t, p.hook, leveldriver.EventAlertActive, "e1", map[string]any{"id": a.ID, "device_id": d.ID, "name": "CPU usage"})
	p.process(t)
	tks := p.sink.Tickets()
	if len(tks) != 1 {
		t.Fatalf("%d tickets", len(tks))
	}
	if err := p.sink.CloseInPSA(tks[0].ID); err != nil {
		t.Fatal(err)
	}
	res, err := p.eng.SyncResolved(t.Context())
	if err != nil || res.Resolved != 1 {
		t.Fatalf("sync %+v, %v", res, err)
	}
	if got, _ := srv.Alert(a.ID); !got.IsResolved {
		t.Fatal("alert not resolved in Level")
	}
	if post, put := srv.Count(http.MethodPost, "/alerts/"+a.ID+"/resolve"), srv.Count(http.MethodPut, "/alerts/"+a.ID+"/resolve"); post != 1 || put != 1 {
		t.Errorf("POST %d, PUT %d; want one each (405 → PUT)", post, put)
	}
}

// TestResolveLevelStillReportsOpenIsIgnored: a resolve event for an alert
// Level reports unresolved is contradicted and closes nothing.
func TestResolveLevelStillReportsOpenIsIgnored(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	p := newPipeline(t, e, alerting.Config{Close: alerting.CloseAlways, Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: e.chain[0].ID, Customer: "msp"}}})
	a := e.srv.SeedAlert(level.Alert{DeviceID: e.devs[0].ID, Name: "CPU usage"})
	data := map[string]any{"id": a.ID, "device_id": e.devs[0].ID, "name": "CPU usage"}
	deliver(t, p.hook, leveldriver.EventAlertActive, "r", data)
	deliver(t, p.hook, leveldriver.EventAlertResolved, "s", data)
	p.process(t)
	if tk := p.sink.Tickets(); len(tk) != 1 || tk[0].State != alerting.TicketOpen {
		t.Fatalf("tickets %+v: want one, open", tk)
	}
	st, _ := p.eng.Stats(t.Context())
	if st.Ignored[alerting.ReasonContradicted] != 1 {
		t.Errorf("contradicted %d, want 1", st.Ignored[alerting.ReasonContradicted])
	}
}

func TestSignatureCases(t *testing.T) {
	t.Parallel()
	v, err := leveldriver.NewVerifier(hookSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"event_type":"alert_active","event_id":"e","data":{"id":"a"}}`)
	good := leveltest.Sign(hookSecret, body)
	for name, tc := range map[string]struct {
		body []byte
		sig  string
		ok   bool
	}{
		"valid":          {body, good, true},
		"upper-case hex": {body, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), true},
		"missing":        {body, "", false},
		"no prefix":      {body, strings.TrimPrefix(good, "sha256="), false},
		"sha1 prefix":    {body, "sha1=" + strings.TrimPrefix(good, "sha256="), false},
		"not hex":        {body, "sha256=zz" + good[9:], false},
		"truncated":      {body, good[:len(good)-2], false},
		"other secret":   {body, leveltest.Sign("another-secret-0123456789", body), false},
		"tampered body":  {append(bytes.Clone(body), ' '), good, false},
	} {
		if err := v.Verify(tc.body, tc.sig); (err == nil) != tc.ok {
			t.Errorf("%s: Verify = %v, want ok %v", name, err, tc.ok)
		}
	}
	if _, err := leveldriver.NewVerifier(" "); err == nil {
		t.Error("blank secret accepted")
	}
}

func TestWebhookRefusesBadIDsAndAcknowledgesOtherEvents(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	v, _ := leveldriver.NewVerifier(hookSecret)
	h := leveldriver.NewWebhookHandler(v, rec)
	var others []string
	h.OnOtherEvent = func(env leveldriver.Envelope) { others = append(others, env.EventType) }
	if st := deliver(t, h, leveldriver.EventAlertActive, "e1", map[string]any{"id": "a b", "device_id": "d"}); st != http.StatusBadRequest {
		t.Errorf("alert id with a space: %d, want 400", st)
	}
	for _, typ := range []string{"device_updated", "group_created", "automation_finished"} {
		if st := deliver(t, h, typ, "o-"+typ, map[string]any{"id": "x"}); st != http.StatusOK {
			t.Errorf("%s: %d, want 200", typ, st)
		}
	}
	if len(rec.Accepted()) != 0 || strings.Join(others, ",") != "device_updated,group_created,automation_finished" {
		t.Errorf("accepted %d, others %v", len(rec.Accepted()), others)
	}
}

// TestImportMappingsRouteAlerts: the reconcile config's group mappings
// (and learned ones) route alerts through alerting.WithSiteMappings, and
// they are the mapped groups the enricher looks for.
func TestImportMappingsRouteAlerts(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	rc := &reconcile.Config{Sites: reconcile.SiteConfig{Mappings: []reconcile.SiteMapping{{SourceSiteID: e.chain[2].ID, CustomerID: 12, SiteID: 34}}}}
	store := reconcile.NewFileMappings(t.TempDir() + "/m.json")
	if err := store.SaveMappings(t.Context(), []reconcile.Mapping{{Kind: leveldriver.Kind, SourceSiteID: e.chain[0].ID, CustomerID: 5}}); err != nil {
		t.Fatal(err)
	}
	sm := leveldriver.ImportMappings(rc, store)
	cfg := alerting.Config{}
	sink := alertingtest.NewSink()
	eng, err := alerting.New(cfg, memstore.New(), sink, alerting.WithSiteMappings(sm),
		alerting.WithEnricher(leveldriver.Kind, leveldriver.NewEnricher(e.c, leveldriver.MappedGroups(cfg, "", sm))))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for i, d := range []level.Device{e.devs[4], e.devs[1]} {
		a := e.srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "CPU usage"})
		if _, err := eng.Accept(t.Context(), alerting.Alert{Source: leveldriver.Kind, EventID: "i" + string(rune('0'+i)), AlertID: a.ID, Kind: alerting.Raise}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.ProcessPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range sink.Tickets() {
		got = append(got, tk.Customer+"/"+tk.Site)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "12/34,5/" {
		t.Errorf("routed to %v, want 12/34 (config mapping of level 3) and 5/ (learned mapping of level 1)", got)
	}
}
