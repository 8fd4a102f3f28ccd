package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

// syncBuffer is a bytes.Buffer safe for the receiver's logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// receiverEnv starts the fakes with the demo's estate, points the
// program's environment at them and writes cfg (JSON) to a file.
func receiverEnv(t *testing.T, cfg string) (*halotest.Server, *dattormmtest.Server, demoWorld, options) {
	hs, ds := halotest.NewServer(t), dattormmtest.NewServer(t)
	w := seedAlertsDemo(hs, ds)
	for k, v := range map[string]string{
		"HALO_URL": hs.URL(), "HALO_CLIENT_ID": hs.ClientID, "HALO_CLIENT_SECRET": hs.ClientSecret, "HALO_TENANT": hs.Tenant,
		"HALO_AUTH_URL": "", "DATTO_API_URL": ds.URL(), "DATTO_API_KEY": ds.APIKey, "DATTO_API_SECRET": ds.APISecret,
		"DATTO_WEBHOOK_SECRET": demoSecret, "DATTO_MAIL_SECRET": "",
	} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "alerting.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return hs, ds, w, options{listen: "127.0.0.1:0", store: filepath.Join(dir, "alerts.db"), configPath: path,
		syncInterval: time.Hour, pollInterval: time.Hour}
}

var listeningAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startRun runs the program as a receiver until the test ends and returns
// its base URL once it listens.
func startRun(t *testing.T, o options) (base string, stderr *syncBuffer) {
	stderr = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, o, &bytes.Buffer{}, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the receiver did not stop")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningAddr.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1], stderr
		}
		select {
		case code := <-done:
			t.Fatalf("exit %d before listening:\n%s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("not listening after 10s:\n%s", stderr.String())
	return "", nil
}

// postRaise posts al's raise webhook.
func postRaise(t *testing.T, base string, al dattormm.Alert) {
	t.Helper()
	raised, _ := dattormm.WebhookTemplates(demoSecret)
	body := strings.NewReplacer("[alert_uid]", al.AlertUID, "[alert_message_en]", "demo", "[device_hostname]", al.AlertSourceInfo.DeviceName,
		"[site_uid]", al.AlertSourceInfo.SiteUID, "[device_uid]", al.AlertSourceInfo.DeviceUID, "[site_name]", al.AlertSourceInfo.SiteName).Replace(raised)
	resp, err := http.Post(base+"/webhooks/datto", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

// waitTicket waits for Halo to hold n tickets.
func waitTickets(t *testing.T, hs *halotest.Server, n int) []halo.Ticket {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ts := hs.Tickets(); len(ts) >= n {
			return ts
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d tickets in Halo after 10s, want %d", len(hs.Tickets()), n)
	return nil
}

// TestReceiverReadsMaintenanceWindows: a window in -config's maintenance
// section keeps the alert of a device in it out of Halo; another device's
// alert becomes a ticket.
func TestReceiverReadsMaintenanceWindows(t *testing.T) {
	now := time.Now().UTC()
	cfg := fmt.Sprintf(`{"auto_match":true,"link_asset":true,"catch_all":{"customer":"1"},
		"maintenance":{"windows":[{"name":"PC01 rebuild","device":"CON-PC01","start":%q,"end":%q}]}}`,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
	hs, _, w, o := receiverEnv(t, cfg)
	base, stderr := startRun(t, o)
	postRaise(t, base, w.disk)    // CON-PC01: in the window
	postRaise(t, base, w.spooler) // CON-SRV01: not
	ts := waitTickets(t, hs, 1)
	time.Sleep(200 * time.Millisecond) // the suppressed raise had as long
	ts = hs.Tickets()
	if len(ts) != 1 || len(ts[0].Assets) != 1 || ts[0].Assets[0].ID != w.srv01 {
		t.Fatalf("tickets %+v; want only CON-SRV01's\n%s", ts, stderr.String())
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var m bytes.Buffer
	m.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(m.String(), "mspsync_alerting_suppressed_total 1\n") {
		t.Errorf("/metrics:\n%s", m.String())
	}
}

// TestReceiverChecksPriorities: a priority that is not in the ticket
// type's SLA in Halo stops the receiver with the settings exit code,
// naming the key.
func TestReceiverChecksPriorities(t *testing.T) {
	hs, _, _, o := receiverEnv(t, `{"catch_all":{"customer":"1"},"ticket":{"type":"7","priority":"3"},"severity_priority":{"critical":"8"}}`)
	hs.SeedSLA(halo.SLA{ID: 4, Name: "Standard", Priorities: []halo.SLAPriority{{PriorityID: 1, SLAID: 4}, {PriorityID: 2, SLAID: 4}, {PriorityID: 3, SLAID: 4}}})
	hs.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", DefaultSLA: 4})
	var stderr bytes.Buffer
	code := run(t.Context(), o, &bytes.Buffer{}, &stderr)
	if code != exitSettings || !strings.Contains(stderr.String(), "severity_priority.critical") {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if len(hs.Tickets()) != 0 {
		t.Error("tickets in Halo")
	}
}

// TestReceiverStartsWhenHaloIsDown: when the priority check cannot reach
// Halo the receiver logs it and starts; its tickets reach Halo once it
// answers.
func TestReceiverStartsWhenHaloIsDown(t *testing.T) {
	hs, _, w, o := receiverEnv(t, `{"auto_match":true,"link_asset":true,"catch_all":{"customer":"1"},"ticket":{"type":"7","priority":"3"}}`)
	hs.SeedSLA(halo.SLA{ID: 4, Name: "Standard", Priorities: []halo.SLAPriority{{PriorityID: 3, SLAID: 4}}})
	hs.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", DefaultSLA: 4})
	hs.Inject(halotest.Fault{Path: "/api/TicketType", Status: http.StatusServiceUnavailable, Times: 1000})
	defer func(d time.Duration) { psaCheckTimeout = d }(psaCheckTimeout)
	psaCheckTimeout = 300 * time.Millisecond
	base, stderr := startRun(t, o)
	if !strings.Contains(stderr.String(), "could not check the configuration's priorities in Halo") {
		t.Errorf("the failed check is not logged:\n%s", stderr.String())
	}
	postRaise(t, base, w.spooler)
	tk := waitTickets(t, hs, 1)[0]
	if tk.TicketTypeID != 7 || tk.PriorityID != 3 {
		t.Errorf("ticket type %d priority %d, want 7 and 3", tk.TicketTypeID, tk.PriorityID)
	}
}

// TestReceiverServesMetrics runs the receiver with a -config whose
// "receiver" section caps bodies: a larger body is refused with 413, a
// raise becomes a ticket, and GET /metrics (client_golang's exposition)
// counts them, typed, beside the Go runtime's and the process's metrics.
func TestReceiverServesMetrics(t *testing.T) {
	hs, _, w, o := receiverEnv(t, `{"catch_all":{"customer":"1"},"receiver":{"max_body_bytes":4096}}`)
	base, _ := startRun(t, o)
	resp, err := http.Post(base+"/webhooks/datto", "application/json", strings.NewReader(strings.Repeat("x", 5000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 5,000-byte body under max_body_bytes 4096: %d, want 413", resp.StatusCode)
	}
	postRaise(t, base, w.spooler)
	waitTickets(t, hs, 1)
	want := `
# HELP mspsync_alerting_received_total Alerts received, before deduplication.
# TYPE mspsync_alerting_received_total counter
mspsync_alerting_received_total 1
# HELP mspsync_alerting_tickets_created_total Tickets created in the PSA.
# TYPE mspsync_alerting_tickets_created_total counter
mspsync_alerting_tickets_created_total 1
# HELP mspsync_alerting_pending Alert events recorded and not yet processed.
# TYPE mspsync_alerting_pending gauge
mspsync_alerting_pending 0
`
	// The ticket exists a moment before the engine counts it done.
	var err2 error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err2 = testutil.ScrapeAndCompare(base+"/metrics", strings.NewReader(want),
			"mspsync_alerting_received_total", "mspsync_alerting_tickets_created_total", "mspsync_alerting_pending"); err2 == nil {
			break
		}
	}
	if err2 != nil {
		t.Error(err2)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, s := range []string{
		`mspsync_alerting_rejected_total{reason="unmapped_customer"} 0`,
		"# TYPE go_goroutines gauge", "# TYPE process_open_fds gauge",
	} {
		if !strings.Contains(body.String(), s) {
			t.Errorf("/metrics lacks %q", s)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.Contains(body.String(), demoSecret) {
		t.Error("/metrics shows the webhook secret")
	}
}
