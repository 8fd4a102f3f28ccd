package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/examples/promstats"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/progress"
)

const (
	demoSecret     = "demo-secret-6f1d9a2c4b7e8f30a1b2c3d4e5f60718"
	demoMailSecret = "demo-mail-secret-9b2e4c6a8d0f1e3c5a7b"
)

// runDemo starts the fakes and the receiver, posts a scripted burst of
// Datto webhooks and one alert e-mail to it, closes one ticket in the fake
// Halo as a technician would, shows the resolve reaching the fake Datto,
// runs the user grouping modes on engines of their own, and prints the
// tickets, the request log and the metrics.
func runDemo(ctx context.Context, o options, stdout, stderr io.Writer) error {
	d, err := startDemoLogs(ctx, stderr, o.logFormat == "json")
	if err != nil {
		return err
	}
	defer d.stop()
	return d.script(ctx, stdout)
}

// demo is the demo's fakes, estate and receiver.
type demo struct {
	hs     *halotest.Server
	ds     *dattormmtest.Server
	w      demoWorld
	rc     *demoReceiver
	status *progress.Printer
	logger *slog.Logger
	// grouping is the grouping mode of the engine that opened each Halo
	// ticket of the grouping demo (the receiver's tickets are per alert).
	grouping map[int]alerting.Grouping
	// life is the lifecycle demo's receiver (lifecycleDemo).
	life *lifeDemo
}

func startDemo(ctx context.Context, stderr io.Writer) (*demo, error) {
	return startDemoLogs(ctx, stderr, false)
}

// startDemoLogs starts the demo, its progress and logs on stderr as JSON
// records when jsonLogs is set (-log-format json).
func startDemoLogs(ctx context.Context, stderr io.Writer, jsonLogs bool) (*demo, error) {
	d := &demo{
		hs: halotest.New(), ds: dattormmtest.New(), status: progress.New(stderr),
		logger:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		grouping: map[int]alerting.Grouping{},
	}
	if jsonLogs {
		d.status = progress.NewJSON(stderr)
		d.logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	d.status.Printf("demo: seeding the fakes (Halo: Contoso Ltd with two sites, Fabrikam, two Northwind Traders, Tailspin Toys Inc, Woodgrove Bank, Unassigned; Datto: five sites, seven alerts)")
	d.w = seedAlertsDemo(d.hs, d.ds)
	rc, err := startDemoReceiver(ctx, d.hs, d.ds, d.w, d.logger)
	if err != nil {
		d.stop()
		return nil, err
	}
	d.rc = rc
	d.status.Printf("receiver listening on %s", rc.base)
	return d, nil
}

func (d *demo) stop() {
	if d.life != nil {
		d.life.stop()
	}
	if d.rc != nil {
		d.rc.stop()
	}
	d.hs.Close()
	d.ds.Close()
}

// script is what the demo does once everything runs.
func (d *demo) script(ctx context.Context, stdout io.Writer) error {
	posts, err := postDemoWebhooks(d.rc.base+"/webhooks/datto", demoWebhooks(d.w, d.ds))
	if err != nil {
		return err
	}
	mailRow, err := postDemoMail(d.rc.base+"/mail/datto", d.w.av)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Deliveries posted to the receiver")
	writeTable(stdout, []string{"DELIVERY", "STATUS", "ANSWER"}, append(posts, mailRow))
	fmt.Fprintln(stdout)
	if err := closeOfflineInHalo(ctx, d.rc.eng, d.hs, d.status); err != nil {
		return err
	}
	if err := d.groupingDemo(ctx, stdout); err != nil {
		return err
	}
	if err := d.lifecycleDemo(ctx, stdout); err != nil {
		return err
	}
	printDemoTickets(stdout, d.hs, d.w, d.grouping)
	printDemoAlerts(stdout, d.ds, d.w)
	if err := printReadiness(stdout, d.rc.base); err != nil {
		return err
	}
	if err := printRequestLog(stdout, d.rc.base, d.hs); err != nil {
		return err
	}
	if err := printDemoMetrics(ctx, stdout, d.rc.eng); err != nil {
		return err
	}
	if off, _ := d.ds.Alert(d.w.offline.AlertUID); !off.Resolved {
		return fmt.Errorf("the close in Halo did not reach Datto")
	}
	return nil
}

// demoReceiver is the demo's running engine and receiver.
type demoReceiver struct {
	eng  *alerting.Engine
	base string   // the receiver's http://host:port
	undo []func() // what stop runs, last first
}

// stop shuts down what startDemoReceiver started and removes its store.
func (r *demoReceiver) stop() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
}

// startDemoReceiver opens a store in a temporary directory and starts the
// engine on the fakes, with the request log, and the receiver on a local
// port: webhooks, the mail endpoint, /readyz (store, Halo, Datto) and
// /requests.
func startDemoReceiver(ctx context.Context, hs *halotest.Server, ds *dattormmtest.Server, w demoWorld, logger *slog.Logger) (_ *demoReceiver, err error) {
	r := &demoReceiver{}
	defer func() {
		if err != nil {
			r.stop()
		}
	}()
	hc, err := hs.NewClient(halo.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	dc, err := ds.NewClient(dattormm.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mspsync-demo-")
	if err != nil {
		return nil, err
	}
	r.undo = append(r.undo, func() { os.RemoveAll(dir) })
	store, err := boltstore.Open(filepath.Join(dir, "alerts.db"))
	if err != nil {
		return nil, err
	}
	r.undo = append(r.undo, func() { store.Close() })
	eng, err := alerting.New(demoConfig(w), store, halodriver.NewAlertSink(hc),
		alerting.WithResolver(dattormmdriver.Kind, dattormmdriver.NewResolver(dc)),
		alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(dc)), alerting.WithLogger(logger),
		alerting.WithSiteMappings(demoLearned(w)), alerting.WithRequestLog(store),
		alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), alerting.WithPollInterval(20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	r.undo = append(r.undo, func() { eng.Close() })
	verifier, _ := dattormm.NewWebhookVerifier(demoSecret)
	ep, err := receiver.NewMailEndpoint(&dattormmdriver.MailIntake{Engine: eng, Logger: logger}, receiverLimits, demoMailSecret)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r.undo = append(r.undo, cancel)
	srv := receiver.NewServer(routes(eng, verifier, logger, mailSetup{endpoint: ep}, readyChecks(hc, dc)...), receiverLimits)
	go srv.Serve(receiver.LimitListener(ln, receiverLimits.MaxConns))
	r.undo = append(r.undo, func() { srv.Close() })
	go eng.Run(ctx)
	r.eng, r.base = eng, "http://"+ln.Addr().String()
	return r, nil
}

// demoWebhook is one webhook the demo posts, and what it stands for.
// before, if set, runs first (what Datto does before it sends it).
type demoWebhook struct {
	what, body string
	before     func()
}

// demoWebhooks returns the scripted burst: raises routed by each step, a
// redelivery, a resolve, a wrong secret and Datto's test button.
func demoWebhooks(w demoWorld, ds *dattormmtest.Server) []demoWebhook {
	raised, resolved := dattormm.WebhookTemplates(demoSecret)
	wrong, _ := dattormm.WebhookTemplates("not-the-secret-0123456789abcdef")
	fill := demoFill
	// Datto resolves an alert before it sends the resolve webhook; the
	// engine confirms a resolve with Datto before it closes the ticket.
	resolveSpooler := func() {
		al := w.spooler
		al.Resolved, al.ResolvedBy, al.ResolvedOn = true, "monitor", dattormm.Time{Time: time.Now()}
		ds.SeedAlert(al)
	}
	return []demoWebhook{
		{what: "raise: disk almost full on CON-PC01 (linked asset, its user)", body: fill(raised, w.disk, "Disk C: 92% full")},
		{what: "redelivery of the same raise", body: fill(raised, w.disk, "Disk C: 92% full")},
		{what: "raise: spooler stopped on CON-SRV01 (linked asset at Branch)", body: fill(raised, w.spooler, "Service Print Spooler stopped")},
		{what: "raise: Fabrikam laptop offline (found by name)", body: fill(raised, w.offline, "Device offline")},
		{what: "raise: Northwind PC (two Halo customers of that name: none)", body: fill(raised, w.stray, "CPU above 95% for 15 minutes")},
		{what: "raise: Tailspin PC (mapped in the config)", body: fill(raised, w.tail, "Patches failed to install")},
		{what: "raise: Woodgrove PC (mapped by an import)", body: fill(raised, w.wood, "Memory above 90%")},
		{what: "resolve: spooler running again", body: fill(resolved, w.spooler, "Service Print Spooler stopped"), before: resolveSpooler},
		{what: "a body with the wrong secret", body: fill(wrong, w.disk, "x")},
		{what: "Datto's test button", body: raised},
	}
}

// demoFill fills a webhook template with al's fields and message msg.
func demoFill(tmpl string, al dattormm.Alert, msg string) string {
	return strings.NewReplacer("[alert_uid]", al.AlertUID, "[alert_message_en]", msg, "[alert_priority]", al.Priority,
		"[device_hostname]", al.AlertSourceInfo.DeviceName, "[site_name]", al.AlertSourceInfo.SiteName,
		"[device_uid]", al.AlertSourceInfo.DeviceUID, "[site_uid]", al.AlertSourceInfo.SiteUID,
		"[alert_type]", "Monitor", "[platform]", "demo", "[timestamp]", "now").Replace(tmpl)
}

// postDemoWebhooks posts each webhook to url in turn and returns the
// answers as table rows.
func postDemoWebhooks(url string, hooks []demoWebhook) ([][]string, error) {
	var rows [][]string
	for _, s := range hooks {
		if s.before != nil {
			s.before()
		}
		resp, err := http.Post(url, "application/json", strings.NewReader(s.body))
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rows = append(rows, []string{s.what, strconv.Itoa(resp.StatusCode), httpSummary(b)})
	}
	return rows, nil
}

// demoMail is the alert e-mail of al, as a Datto monitor sends it.
func demoMail(al dattormm.Alert, message string) string {
	return strings.ReplaceAll(`From: "Datto RMM" <noreply@centrastage.net>
To: alerts@msp.example
Subject: Antivirus not running on `+al.AlertSourceInfo.DeviceName+` - Alert{`+al.AlertUID+`}
Date: Tue, 25 Nov 2026 10:00:03 +0000
Message-ID: <`+al.AlertUID[:8]+`@demo.centrastage.net>
Content-Type: text/plain; charset=utf-8

Site: `+al.AlertSourceInfo.SiteName+`
Device: `+al.AlertSourceInfo.DeviceName+`
Priority: `+al.Priority+`
Message: `+message+`
`, "\n", "\r\n")
}

// postDemoMail posts the antivirus alert e-mail to the mail endpoint the
// way a mail forwarding service does (raw message, HTTP Basic with the
// secret as password) and returns the answer as a table row.
func postDemoMail(url string, al dattormm.Alert) ([]string, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(demoMail(al, "Antivirus not running")))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "message/rfc822")
	req.SetBasicAuth("mspsync", demoMailSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return []string{"e-mail: antivirus not running on CON-PC01 (POST /mail/datto)", strconv.Itoa(resp.StatusCode), httpSummary(b)}, nil
}

// closeOfflineInHalo waits for the engine, closes the offline laptop's
// ticket in the fake Halo as a technician would, and syncs the resolve.
func closeOfflineInHalo(ctx context.Context, eng *alerting.Engine, hs *halotest.Server, status *progress.Printer) error {
	if err := waitPending(ctx, eng); err != nil {
		return err
	}
	tk, ok := ticketFor(hs, "Device offline")
	if !ok {
		return fmt.Errorf("no ticket for the offline alert")
	}
	status.Printf("a technician closes ticket %d (Fabrikam laptop offline) in Halo", tk.ID)
	hs.CloseTicket(tk.ID)
	sync, err := eng.SyncResolved(ctx)
	if err != nil {
		return err
	}
	status.Printf("resolve sync: %+v", sync)
	return nil
}

// groupingAlerts are the security alerts about Ann each grouping mode's
// engine takes, in order.
var groupingAlerts = map[alerting.Grouping][]alerting.Alert{
	alerting.GroupUser: {securityAlert("u-1", "Impossible travel"), securityAlert("u-2", "Mass download")},
	alerting.GroupUserAlert: {securityAlert("ua-1", "Impossible travel"), securityAlert("ua-2", "Impossible travel"),
		securityAlert("ua-3", "Mass download")},
}

// groupingDemo shows the user grouping modes. An engine has one grouping
// mode, so each mode runs on an engine of its own (same Halo, its own
// store), fed through the library API (Submit) with security alerts about
// a user, which is what user grouping is for.
func (d *demo) groupingDemo(ctx context.Context, stdout io.Writer) error {
	hc, err := d.hs.NewClient(halo.WithLogger(d.logger))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Grouping by user and by user and alert type: one engine per mode (the receiver's engine groups per alert)")
	var rows [][]string
	for _, mode := range []alerting.Grouping{alerting.GroupUser, alerting.GroupUserAlert} {
		eng, err := alerting.New(groupingConfig(d.w, mode), memstore.New(), halodriver.NewAlertSink(hc), alerting.WithLogger(d.logger))
		if err != nil {
			return err
		}
		for _, a := range groupingAlerts[mode] {
			res, err := eng.Submit(ctx, a)
			if err != nil {
				eng.Close()
				return err
			}
			if id, _ := strconv.Atoi(res.TicketID); id > 0 {
				d.grouping[id] = mode
			}
			rows = append(rows, []string{string(mode), a.User, a.Type, string(res.Outcome), res.TicketID})
		}
		eng.Close()
	}
	writeTable(stdout, []string{"GROUPING", "USER", "ALERT TYPE", "OUTCOME", "TICKET"}, rows)
	fmt.Fprintln(stdout)
	return nil
}

// demoNames looks up the names of the Halo records tickets point to.
type demoNames struct {
	customers, sites, users, assets map[int]string
}

func namesOf(hs *halotest.Server) demoNames {
	n := demoNames{customers: map[int]string{}, sites: map[int]string{}, users: map[int]string{}, assets: map[int]string{}}
	for _, c := range hs.Customers() {
		n.customers[c.ID] = c.Name
	}
	for _, s := range hs.Sites() {
		n.sites[s.ID] = s.Name
	}
	for _, u := range hs.Users() {
		n.users[u.ID] = u.Name
	}
	for _, a := range hs.Assets() {
		n.assets[a.ID] = a.InventoryNumber
	}
	return n
}

// name is "Name (id)", or "-" for id 0.
func name(m map[int]string, id int) string {
	if id == 0 {
		return "-"
	}
	if s := m[id]; s != "" {
		return s + " (" + strconv.Itoa(id) + ")"
	}
	return strconv.Itoa(id)
}

// printDemoTickets prints the tickets in the fake Halo with the fields
// routing and the ticket defaults set.
func printDemoTickets(stdout io.Writer, hs *halotest.Server, w demoWorld, grouping map[int]alerting.Grouping) {
	fmt.Fprintln(stdout, "Tickets in Halo")
	n := namesOf(hs)
	var rows [][]string
	for _, t := range hs.Tickets() {
		state := "open"
		if t.HasBeenClosed != nil && *t.HasBeenClosed {
			state = "closed"
		}
		asset := 0
		if len(t.Assets) > 0 {
			asset = t.Assets[0].ID
		}
		mode := grouping[t.ID]
		if mode == "" {
			mode = alerting.GroupPerAlert
		}
		contract := "-"
		if t.ContractID == w.contract && t.ContractID != 0 {
			contract = "MSA-2026 (" + strconv.Itoa(t.ContractID) + ")"
		} else if t.ContractID != 0 {
			contract = strconv.Itoa(t.ContractID)
		}
		summary := t.Summary
		if len(summary) > 32 {
			summary = summary[:32] + "…"
		}
		rows = append(rows, []string{strconv.Itoa(t.ID), string(mode), summary, name(n.customers, t.ClientID), name(n.sites, t.SiteID),
			name(n.assets, asset), name(n.users, t.UserID), strconv.Itoa(t.TicketTypeID), dash(t.Team), contract, state,
			strconv.Itoa(len(hs.Actions(t.ID)))})
	}
	writeTable(stdout, []string{"ID", "GROUPING", "SUMMARY", "CUSTOMER", "SITE", "ASSET", "USER", "TYPE", "TEAM", "CONTRACT", "STATE", "NOTES"}, rows)
	fmt.Fprintln(stdout)
}

// printDemoAlerts prints the demo's alerts as the fake Datto now has them.
func printDemoAlerts(stdout io.Writer, ds *dattormmtest.Server, w demoWorld) {
	fmt.Fprintln(stdout, "Alerts in Datto RMM")
	var rows [][]string
	for _, a := range []dattormm.Alert{w.disk, w.spooler, w.offline, w.stray, w.tail, w.wood, w.av} {
		cur, _ := ds.Alert(a.AlertUID)
		state := "open"
		if cur.Resolved {
			state = "resolved by " + cur.ResolvedBy
		}
		rows = append(rows, []string{a.AlertUID, a.AlertSourceInfo.DeviceName, a.AlertSourceInfo.SiteName, state})
	}
	writeTable(stdout, []string{"ALERT", "DEVICE", "SITE", "STATE"}, rows)
	fmt.Fprintln(stdout)
}

// printReadiness prints what GET /readyz answers.
func printReadiness(stdout io.Writer, base string) error {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Checks []receiver.CheckResult `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET /readyz: %w", err)
	}
	var parts []string
	for _, c := range body.Checks {
		s := c.Name + " ok"
		if !c.OK {
			s = c.Name + " FAILED: " + c.Error
		}
		parts = append(parts, s)
	}
	fmt.Fprintf(stdout, "GET /readyz: %d (%s)\n\n", resp.StatusCode, strings.Join(parts, ", "))
	return nil
}

// printRequestLog prints what GET /requests answers, oldest first.
func printRequestLog(stdout io.Writer, base string, hs *halotest.Server) error {
	rs, err := fetchRequests(base)
	if err != nil {
		return err
	}
	n := namesOf(hs)
	fmt.Fprintln(stdout, "GET /requests (the receiver's request log; in a browser, an HTML table)")
	var rows [][]string
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		event, device := "-", "-"
		if r.Alert != nil {
			event = string(r.Alert.Kind) + " " + shortUID(r.Alert.EventID)
			device = dash(r.Alert.Device.Hostname)
		}
		status := string(r.Status)
		if r.Reason != "" {
			status += ": " + string(r.Reason)
		}
		route, user, ticket, outcome := "-", "-", "-", "-"
		if ap := r.Applied; ap != nil {
			if ap.Routing.By != "" {
				c, _ := strconv.Atoi(ap.Routing.Customer)
				route = string(ap.Routing.By) + " → " + name(n.customers, c)
			}
			user = dash(string(ap.Routing.ContactBy))
			ticket = dash(ap.TicketID)
			outcome = string(ap.Outcome)
			if ap.Reason != "" {
				outcome += ": " + string(ap.Reason)
			}
		}
		rows = append(rows, []string{strconv.FormatInt(r.Seq, 10), dash(r.Intake), event, device, status, route, user, ticket, outcome})
	}
	writeTable(stdout, []string{"#", "INTAKE", "EVENT", "DEVICE", "STATUS", "ROUTED BY", "USER BY", "TICKET", "OUTCOME"}, rows)
	fmt.Fprintln(stdout)
	return nil
}

// fetchRequests reads GET /requests.
func fetchRequests(base string) ([]alerting.Request, error) {
	resp, err := http.Get(base + "/requests?limit=100")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Requests []alerting.Request `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("GET /requests: %w", err)
	}
	return body.Requests, nil
}

// shortUID shortens an alert UID for a table to its last characters.
func shortUID(s string) string {
	if len(s) > 9 {
		return "…" + s[len(s)-8:]
	}
	return s
}

// printDemoMetrics scrapes the receiver's GET /metrics (promstats.Handler)
// and prints the engine's samples that are not zero.
func printDemoMetrics(ctx context.Context, stdout io.Writer, eng *alerting.Engine) error {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
	rec := httptest.NewRecorder()
	promstats.Handler(eng, slog.New(slog.DiscardHandler)).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("GET /metrics: %d %s", rec.Code, httpSummary(rec.Body.Bytes()))
	}
	fmt.Fprintln(stdout, "GET /metrics (excerpt)")
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, alerting.MetricPrefix) && !strings.HasSuffix(l, " 0") {
			fmt.Fprintln(stdout, "  "+l)
		}
	}
	return nil
}

func httpSummary(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 110 {
		s = s[:110] + "…"
	}
	return s
}

// waitPending waits until the engine has processed everything accepted.
func waitPending(ctx context.Context, eng *alerting.Engine) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := eng.Stats(ctx)
		if err != nil {
			return err
		}
		if st.Pending == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("alerts still pending after 10s")
}

func ticketFor(hs *halotest.Server, summary string) (halo.Ticket, bool) {
	for _, t := range hs.Tickets() {
		if strings.Contains(t.Summary, summary) {
			return t, true
		}
	}
	return halo.Ticket{}, false
}

// writeTable prints rows under a header, in aligned columns.
func writeTable(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}
