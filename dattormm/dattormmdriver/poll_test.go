package dattormmdriver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// dropOne drops the first alert of the next open-alert page it carries
// (totalCount kept), as a listing that lost an item would arrive.
type dropOne struct {
	base http.RoundTripper
	arm  *atomic.Bool
}

func (d dropOne) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/account/alerts/open") || !d.arm.CompareAndSwap(true, false) {
		return resp, err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var env map[string]json.RawMessage
	var alerts []json.RawMessage
	if json.Unmarshal(raw, &env) == nil && json.Unmarshal(env["alerts"], &alerts) == nil && len(alerts) > 0 {
		env["alerts"], _ = json.Marshal(alerts[1:])
		raw, _ = json.Marshal(env)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

type pollRig struct {
	srv     *dattormmtest.Server
	hs      *halotest.Server
	dc      *dattormm.Client
	eng     *alerting.Engine
	hook    http.Handler
	partial *atomic.Bool
	site    dattormm.Site
	dev     dattormm.Device
}

// newPollRig is a Datto account (pages of 2 alerts) feeding an engine
// that writes to a fake Halo where the Datto site's customer exists, with
// the webhook handler, enricher, resolver and open-alert lister of the
// account. The poll tickets alerts raised after since.
func newPollRig(t *testing.T, since time.Time) *pollRig {
	t.Helper()
	r := &pollRig{partial: &atomic.Bool{}}
	r.srv = dattormmtest.NewServer(t, dattormmtest.WithPageMax(2))
	dc, err := r.srv.NewClient(dattormm.WithHTTPClient(&http.Client{Transport: dropOne{base: r.srv.Client().Transport, arm: r.partial}}))
	if err != nil {
		t.Fatal(err)
	}
	r.dc = dc
	r.site = r.srv.SeedSite(dattormm.Site{Name: "Contoso"})
	r.dev = r.srv.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: r.site.UID})
	r.hs = halotest.NewServer(t)
	hc, err := r.hs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	cust := r.hs.SeedCustomer(halo.Customer{Name: "Contoso"})
	r.hs.SeedSite(halo.Site{Name: "Main", ClientID: cust.ID})
	r.hs.SeedTicketType(halo.TicketType{Name: "Alert"})
	lister := dattormmdriver.NewOpenAlertLister(dc)
	lister.Budget = nil // PollBudget(DefaultPollShare): 60 a minute, a burst of 3
	r.eng, err = alerting.New(alerting.Config{AutoMatch: true}, memstore.New(), halodriver.NewAlertSink(hc, halodriver.WithTicketType(1)),
		alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(dc)),
		alerting.WithResolver(dattormmdriver.Kind, dattormmdriver.NewResolver(dc)),
		alerting.WithOpenAlertLister(dattormmdriver.Kind, "", lister),
		alerting.WithPollSince(since))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	r.hook = dattormmdriver.NewWebhookHandler(v, r.eng)
	return r
}

func (r *pollRig) alert(t *testing.T, msg string, at time.Time) dattormm.Alert {
	return r.srv.SeedAlert(dattormm.Alert{Priority: "High", Diagnostics: msg, Timestamp: dattormm.Time{Time: at},
		AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: r.dev.UID, DeviceName: r.dev.Hostname, SiteUID: r.site.UID, SiteName: r.site.Name}})
}

// deliver posts a raise webhook and processes it.
func (r *pollRig) deliver(t *testing.T, uid string) {
	t.Helper()
	raised, _ := dattormm.WebhookTemplates(hookSecret)
	if w := post(r.hook, http.MethodPost, fillHook(raised, uid, "webhook")); w.Code != http.StatusOK {
		t.Fatalf("webhook answered %d %s", w.Code, w.Body)
	}
	r.process(t)
}

func (r *pollRig) process(t *testing.T) {
	t.Helper()
	if _, err := r.eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// ticketOf returns the Halo ticket whose details name the alert.
func (r *pollRig) ticketOf(uid string) (halo.Ticket, bool) {
	for _, tk := range r.hs.Tickets() {
		if strings.Contains(tk.Details, uid) {
			return tk, true
		}
	}
	return halo.Ticket{}, false
}

func closedInHalo(tk halo.Ticket) bool { return tk.StatusID == halo.DefaultClosedStatusID }

// TestPollHealsMissedWebhooks drops a raise webhook and a resolve webhook:
// after one poll the missed raise has its Halo ticket (marked as found by
// the poll) and the ticket of the missed resolve is closed, while an alert
// open since before the receiver's start stays unticketed and is counted
// as pre-existing. The poll itself costs one request per page of open
// alerts (and the page maximum, once per client); the missed raise costs
// no further Datto read, the resolve one confirming read.
func TestPollHealsMissedWebhooks(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := newPollRig(t, now.Add(-time.Hour))
	old := r.alert(t, "Old backup warning", now.Add(-48*time.Hour))
	missedRaise := r.alert(t, "C: 2% free", now.Add(-time.Minute))
	missedResolve := r.alert(t, "CPU 99%", now.Add(-10*time.Minute))
	r.deliver(t, missedResolve.AlertUID)
	if tk, ok := r.ticketOf(missedResolve.AlertUID); !ok || closedInHalo(tk) {
		t.Fatalf("webhook raise: ticket %+v, %v", tk, ok)
	}
	if err := r.dc.Alerts.Resolve(t.Context(), missedResolve.AlertUID); err != nil { // the resolve webhook never comes
		t.Fatal(err)
	}

	r.srv.ResetRequests()
	res, err := r.eng.PollOpenAlerts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pages := len(r.srv.Requests())
	if n := r.srv.Count(http.MethodGet, "/api/v2/account/alerts/open"); n != 1 || pages != 2 {
		// 2 open alerts on pages of 2: one page, plus GET /v2/system/pagination once.
		t.Errorf("poll made %d requests (%d open-alert pages); want 2 (1 page + the page maximum)", pages, n)
	}
	if res.Listed != 2 || res.Raised != 1 || res.PreExisting != 1 || res.Resolved != 1 || res.Known != 0 || len(res.Incomplete) != 0 {
		t.Errorf("poll result %+v", res)
	}
	if len(res.PreExistingKeys) != 1 || !strings.HasSuffix(res.PreExistingKeys[0], old.AlertUID) {
		t.Errorf("pre-existing %v; want %s", res.PreExistingKeys, old.AlertUID)
	}
	r.srv.ResetRequests()
	r.process(t)
	if n := r.srv.Count(http.MethodGet, "/api/v2/alert/"); n != 1 {
		t.Errorf("processing the poll's events read %d alerts from Datto; want 1 (the resolve's confirmation)", n)
	}

	tk, ok := r.ticketOf(missedRaise.AlertUID)
	if !ok || closedInHalo(tk) || !strings.Contains(tk.Details, "reconciliation poll") {
		t.Errorf("missed raise: ticket %+v, %v; want an open ticket marked as found by the poll", tk, ok)
	}
	if tk, ok := r.ticketOf(missedResolve.AlertUID); !ok || !closedInHalo(tk) {
		t.Errorf("missed resolve: ticket %+v, %v; want it closed", tk, ok)
	}
	if tk, ok := r.ticketOf(old.AlertUID); ok {
		t.Errorf("pre-existing alert got ticket %d", tk.ID)
	}

	// A second pass changes nothing, and a late webhook is a duplicate.
	before := len(r.hs.Tickets())
	res, err = r.eng.PollOpenAlerts(t.Context())
	if err != nil || res.Raised != 0 || res.Resolved != 0 || res.Known != 1 || res.PreExisting != 1 {
		t.Errorf("second poll %+v, %v", res, err)
	}
	r.deliver(t, missedRaise.AlertUID)
	if n := len(r.hs.Tickets()); n != before {
		t.Errorf("tickets %d after a second poll and a late webhook; want %d", n, before)
	}
}

// TestPollPartialListingResolvesNothing: a listing whose pages do not add
// up to Datto's totalCount (ErrIncomplete) resolves nothing, even for an
// alert really gone; the next complete listing does.
func TestPollPartialListingResolvesNothing(t *testing.T) {
	t.Parallel()
	now := time.Now()
	r := newPollRig(t, now.Add(-time.Hour))
	gone := r.alert(t, "CPU 99%", now.Add(-10*time.Minute))
	for i := range 3 {
		r.deliver(t, r.alert(t, "disk "+string(rune('a'+i)), now.Add(-5*time.Minute)).AlertUID)
	}
	r.deliver(t, gone.AlertUID)
	if err := r.dc.Alerts.Resolve(t.Context(), gone.AlertUID); err != nil {
		t.Fatal(err)
	}
	r.partial.Store(true)
	res, err := r.eng.PollOpenAlerts(t.Context())
	if !errors.Is(err, dattormm.ErrIncomplete) || len(res.Incomplete) != 1 || res.Resolved != 0 {
		t.Fatalf("partial poll: %+v, %v; want ErrIncomplete and nothing resolved", res, err)
	}
	r.process(t)
	if tk, ok := r.ticketOf(gone.AlertUID); !ok || closedInHalo(tk) {
		t.Errorf("after a partial listing the ticket is %+v, %v; want it open", tk, ok)
	}
	for _, tk := range r.hs.Tickets() {
		if closedInHalo(tk) {
			t.Errorf("ticket %d closed by a partial listing", tk.ID)
		}
	}
	// A failed page is partial too.
	r.srv.Inject(dattormmtest.Fault{Path: "/api/v2/account/alerts/open", Status: http.StatusInternalServerError, Times: 100})
	if res, err := r.eng.PollOpenAlerts(t.Context()); err == nil || res.Resolved != 0 {
		t.Errorf("failed listing: %+v, %v", res, err)
	}
	r.srv.ClearFaults()
	if res, err := r.eng.PollOpenAlerts(t.Context()); err != nil || res.Resolved != 1 {
		t.Fatalf("complete poll: %+v, %v", res, err)
	}
	r.process(t)
	if tk, _ := r.ticketOf(gone.AlertUID); !closedInHalo(tk) {
		t.Errorf("after a complete listing the ticket is %+v; want it closed", tk)
	}
}
