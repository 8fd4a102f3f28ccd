package vsaxdriver_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// TestOpenAlertListerConforms: the notification lister passes
// alertingtest.RunOpenAlerts across pages of two; a notification's
// "resolve" is its deletion (VSA X's only lifecycle action), after which
// it is not listed.
func TestOpenAlertListerConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunOpenAlerts(t, func(t *testing.T) alertingtest.OpenAlertsFixture {
		srv := vsaxtest.NewServer(t)
		c, err := srv.NewClient(vsax.WithPageSize(2))
		if err != nil {
			t.Fatal(err)
		}
		_, _, d := seed(srv)
		return alertingtest.OpenAlertsFixture{
			Lister: vsaxdriver.NewAccountOpenAlertLister(c, "eu"), Source: vsaxdriver.Kind, Account: "eu",
			Raise: func(t *testing.T) string {
				return strconv.Itoa(int(srv.SeedNotification(d.Identifier, "Low disk space", vsax.PriorityElevated, time.Now()).ID))
			},
			Resolve: func(t *testing.T, id string) {
				n, _ := strconv.ParseInt(id, 10, 64)
				if err := c.Notifications.Delete(t.Context(), n); err != nil {
					t.Fatal(err)
				}
			},
			BreakListing: func(t *testing.T) {
				srv.Inject(vsaxtest.Fault{Path: "/api/v3/notifications", Status: 500, Times: 10})
			},
		}
	})
}

// TestOpenAlertListerRequests: one pass over 250 notifications is three
// GET /notifications requests ($top 100, $skip 0/100/200, $count=true,
// $orderby=Id asc), each alert is the webhook's mapping (event and alert
// ID the notification Id, severity from Priority, raise time), and the
// lister is raise-only.
func TestOpenAlertListerRequests(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, _, d := seed(srv)
	at := time.Date(2026, 9, 24, 16, 15, 2, 0, time.UTC)
	for i := range 250 {
		srv.SeedNotification(d.Identifier, fmt.Sprintf("Notification %d", i), vsax.PriorityCritical, at)
	}
	srv.ResetRequests()
	l := vsaxdriver.NewOpenAlertLister(c)
	var got []alerting.Alert
	for a, err := range l.OpenAlerts(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if len(got) != 250 {
		t.Fatalf("%d alerts, want 250", len(got))
	}
	a := got[0]
	if a.Source != "vsax" || a.Account != "" || a.EventID != "1" || a.AlertID != "1" || a.Kind != alerting.Raise ||
		a.Severity != alerting.SeverityCritical || !a.Time.Equal(at) || a.Title != "Notification 0" || !a.FoundByPoll {
		t.Errorf("first alert %+v", a)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3: %+v", len(reqs), reqs)
	}
	for i, r := range reqs {
		q := r.Query
		if r.Method != "GET" || r.Path != "/api/v3/notifications" || q.Get("$top") != "100" || q.Get("$skip") != strconv.Itoa(100*i) ||
			q.Get("$count") != "true" || q.Get("$orderby") != "Id asc" {
			t.Errorf("request %d: %s %s?%s", i, r.Method, r.Path, r.RawQuery)
		}
	}
	if ro, ok := any(l).(alerting.RaiseOnlyLister); !ok || !ro.RaiseOnly() {
		t.Error("the notification lister is not raise-only")
	}
}

// TestPolledNotificationIsThePushedOne: ToAlert over a webhook payload and
// NotificationAlert over the same notification read from the API give one
// event (source, account, event and alert ID, kind, severity, time).
func TestPolledNotificationIsThePushedOne(t *testing.T) {
	t.Parallel()
	p := payload(2733, "8f3c2a1d-4b5e-6f70-8192-a3b4c5d6e7f8")
	pushed := vsaxdriver.AccountAlert(&p, "eu")
	polled := vsaxdriver.NotificationAlert(vsax.Notification{ID: p.ID, Message: p.Message, DateTime: p.DateTime,
		Priority: "critical", ComputerIdentifier: p.DeviceIdentifier}, "eu")
	if pushed.Key() != polled.Key() || pushed.EventKey() != polled.EventKey() || pushed.AlertID != polled.AlertID ||
		pushed.Severity != polled.Severity || !pushed.Time.Equal(polled.Time) || pushed.Device != polled.Device {
		t.Errorf("pushed %+v\npolled %+v", pushed, polled)
	}
	if pushed.Customer.ID != "eu:org-4821" {
		t.Errorf("pushed customer %q, want the account-scoped organization", pushed.Customer.ID)
	}
}

// TestPollTicketsMissedNotification: with the receiver down, a
// notification raised at VSA X is ticketed by a poll pass (one list
// request; the enricher then reads its detail and its device: two
// requests) and routed to its organization's customer; a notification
// whose webhook arrived is the same event (one ticket); and after both
// are deleted at VSA X a complete listing resolves nothing.
func TestPollTicketsMissedNotification(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org, _, d := seed(srv)
	d2 := srv.SeedDevice(int64(d.GroupID), vsax.Device{Name: "CON-PC02"}, nil)
	cfg := alerting.Config{
		Customers: []alerting.CustomerMapping{{Source: vsaxdriver.Kind, SourceCustomer: vsaxdriver.OrgSiteID(int64(org.ID)), Name: "Contoso", Customer: "C1"}},
		Ticket:    alerting.TicketDefaults{Type: "21"},
	}
	sink := alertingtest.NewSink()
	eng, err := alerting.New(cfg, memstore.New(), sink,
		alerting.WithOpenAlertLister(vsaxdriver.Kind, "", vsaxdriver.NewOpenAlertLister(c)),
		alerting.WithEnricher(vsaxdriver.Kind, vsaxdriver.NewEnricher(c)),
		alerting.WithPollSince(time.Now().Add(-time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	ctx := t.Context()

	// Pushed: the webhook arrived.
	pushedN := srv.SeedNotification(d.Identifier, "CPU usage high", vsax.PriorityElevated, time.Now())
	p := vsax.WebhookPayload{ID: pushedN.ID, Title: "CPU usage", Message: pushedN.Message, DateTime: pushedN.DateTime,
		Priority: vsax.PriorityElevated, DeviceIdentifier: d.Identifier, OrganizationID: org.ID}
	body, sig := signed(p)
	v, _ := vsax.NewWebhookVerifier(hookSecret)
	if w := post(vsaxdriver.NewWebhookHandler(v, eng), "POST", body, sig); w.Code != 200 {
		t.Fatalf("webhook: %d %s", w.Code, w.Body)
	}
	// Missed: raised while the receiver was down.
	missed := srv.SeedNotification(d2.Identifier, "Disk C: below 9% free", vsax.PriorityCritical, time.Now())

	srv.ResetRequests()
	res, err := eng.PollOpenAlerts(ctx)
	if err != nil || res.Listed != 2 || res.Known != 1 || res.Raised != 1 || res.Resolved != 0 {
		t.Fatalf("poll 1: %+v, %v", res, err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("poll pass: %d requests, want 1 (one page)", n)
	}
	srv.ResetRequests()
	if _, err := eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	wantPaths := map[string]int{"/api/v3/notifications/" + strconv.Itoa(int(missed.ID)): 1, "/api/v3/devices/" + d2.Identifier: 1}
	got := map[string]int{}
	for _, r := range srv.Requests() {
		got[r.Path]++
	}
	if fmt.Sprint(got) != fmt.Sprint(wantPaths) {
		t.Errorf("processing read %v; want %v (the missed notification's detail and device only)", got, wantPaths)
	}
	ts := sink.Tickets()
	if len(ts) != 2 {
		t.Fatalf("%d tickets, want 2 (the pushed one once, the missed one)", len(ts))
	}
	var polled alertingtest.Ticket
	for _, tk := range ts {
		if tk.Customer != "C1" {
			t.Errorf("ticket %q for customer %q, want C1", tk.Title, tk.Customer)
		}
		if tk.Title == missed.Message {
			polled = tk
		}
	}
	if polled.ID == "" {
		t.Fatalf("no ticket for the missed notification: %+v", ts)
	}

	// A second pass: nothing new, one ticket each.
	if res, err := eng.PollOpenAlerts(ctx); err != nil || res.Raised != 0 || res.Known != 2 {
		t.Fatalf("poll 2: %+v, %v", res, err)
	}
	// Both deleted at VSA X: absence resolves nothing.
	for _, id := range []vsax.FlexInt{pushedN.ID, missed.ID} {
		if err := c.Notifications.Delete(ctx, int64(id)); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := eng.PollOpenAlerts(ctx); err != nil || res.Resolved != 0 || res.Listed != 0 {
		t.Fatalf("poll 3: %+v, %v", res, err)
	}
	if _, err := eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	wantOpen(t, sink, 2)
}

func wantOpen(t *testing.T, s *alertingtest.Sink, n int) {
	t.Helper()
	ts := s.Tickets()
	if len(ts) != n {
		t.Fatalf("%d tickets, want %d", len(ts), n)
	}
	for _, tk := range ts {
		if tk.State != alerting.TicketOpen {
			t.Errorf("ticket %s is %s; want open (VSA X tickets close from the PSA side)", tk.ID, tk.State)
		}
	}
}
