package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/progress"
)

const demoSecret = "demo-secret-6f1d9a2c4b7e8f30a1b2c3d4e5f60718"

// runDemo starts the fakes and the receiver, posts a scripted burst of
// Datto webhooks to it, closes one ticket in the fake Halo as a technician
// would, shows the resolve reaching the fake Datto, and prints what
// happened.
func runDemo(ctx context.Context, o options, stdout, stderr io.Writer) error {
	status := progress.New(stderr)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hs, ds := halotest.New(), dattormmtest.New()
	defer hs.Close()
	defer ds.Close()
	status.Printf("demo: seeding the fakes (Halo: Contoso, Fabrikam, Unassigned; Datto: three sites, four alerts)")
	w := seedAlertsDemo(hs, ds)
	rc, err := startDemoReceiver(ctx, hs, ds, w, logger)
	if err != nil {
		return err
	}
	defer rc.stop()
	status.Printf("receiver listening on %s", rc.url)
	if err := postDemoWebhooks(stdout, rc.url, demoWebhooks(w, ds)); err != nil {
		return err
	}
	if err := closeOfflineInHalo(ctx, rc.eng, hs, status); err != nil {
		return err
	}
	printDemoTickets(stdout, hs)
	printDemoAlerts(stdout, ds, w)
	if err := printDemoMetrics(ctx, stdout, rc.eng); err != nil {
		return err
	}
	if off, _ := ds.Alert(w.offline.AlertUID); !off.Resolved {
		return fmt.Errorf("the close in Halo did not reach Datto")
	}
	return nil
}

// demoReceiver is the demo's running engine and webhook receiver.
type demoReceiver struct {
	eng  *alerting.Engine
	url  string   // where it takes Datto webhooks
	undo []func() // what stop runs, last first
}

// stop shuts down what startDemoReceiver started and removes its store.
func (r *demoReceiver) stop() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
}

// startDemoReceiver opens a store in a temporary directory and starts the
// engine on the fakes and the webhook receiver on a local port.
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
		alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), alerting.WithPollInterval(20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	r.undo = append(r.undo, func() { eng.Close() })
	verifier, _ := dattormm.NewWebhookVerifier(demoSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r.undo = append(r.undo, cancel)
	srv := receiver.NewServer(handler(eng, verifier, logger), receiverLimits)
	go srv.Serve(receiver.LimitListener(ln, receiverLimits.MaxConns))
	r.undo = append(r.undo, func() { srv.Close() })
	go eng.Run(ctx)
	r.eng, r.url = eng, "http://"+ln.Addr().String()+"/webhooks/datto"
	return r, nil
}

// demoConfig maps Contoso's Datto site by hand, finds Fabrikam by name,
// sends the rest to Unassigned and closes tickets on resolve.
func demoConfig(w demoWorld) alerting.Config {
	return alerting.Config{
		Grouping:  alerting.GroupPerAlert,
		Customers: []alerting.CustomerMapping{{Source: dattormmdriver.Kind, SourceCustomer: w.contosoSite, Customer: strconv.Itoa(w.contoso), Name: "Contoso"}},
		AutoMatch: true, // Fabrikam is found by name
		CatchAll:  &alerting.CatchAll{Customer: strconv.Itoa(w.unassigned)},
		OnResolve: alerting.CloseOnResolve,
		LinkAsset: true,
		Ticket:    alerting.TicketDefaults{Type: "2"},
	}
}

// demoWebhook is one webhook the demo posts, and what it stands for.
// before, if set, runs first (what Datto does before it sends it).
type demoWebhook struct {
	what, body string
	before     func()
}

// demoWebhooks returns the scripted burst: raises, a redelivery, a
// resolve, a wrong secret and Datto's test button.
func demoWebhooks(w demoWorld, ds *dattormmtest.Server) []demoWebhook {
	raised, resolved := dattormm.WebhookTemplates(demoSecret)
	wrong, _ := dattormm.WebhookTemplates("not-the-secret-0123456789abcdef")
	fill := func(tmpl string, al dattormm.Alert, msg string) string {
		return strings.NewReplacer("[alert_uid]", al.AlertUID, "[alert_message_en]", msg, "[alert_priority]", al.Priority,
			"[device_hostname]", al.AlertSourceInfo.DeviceName, "[site_name]", al.AlertSourceInfo.SiteName,
			"[device_uid]", al.AlertSourceInfo.DeviceUID, "[site_uid]", al.AlertSourceInfo.SiteUID,
			"[alert_type]", "Monitor", "[platform]", "demo", "[timestamp]", "now").Replace(tmpl)
	}
	// Datto resolves an alert before it sends the resolve webhook; the
	// engine confirms a resolve with Datto before it closes the ticket.
	resolveSpooler := func() {
		al := w.spooler
		al.Resolved, al.ResolvedBy, al.ResolvedOn = true, "monitor", dattormm.Time{Time: time.Now()}
		ds.SeedAlert(al)
	}
	return []demoWebhook{
		{what: "raise: disk almost full on CON-PC01", body: fill(raised, w.disk, "Disk C: 92% full")},
		{what: "redelivery of the same raise", body: fill(raised, w.disk, "Disk C: 92% full")},
		{what: "raise: spooler stopped on CON-SRV01", body: fill(raised, w.spooler, "Service Print Spooler stopped")},
		{what: "raise: Fabrikam laptop offline", body: fill(raised, w.offline, "Device offline")},
		{what: "raise: from a site nobody mapped", body: fill(raised, w.stray, "Antivirus not running")},
		{what: "resolve: spooler running again", body: fill(resolved, w.spooler, "Service Print Spooler stopped"), before: resolveSpooler},
		{what: "a body with the wrong secret", body: fill(wrong, w.disk, "x")},
		{what: "Datto's test button", body: raised},
	}
}

// postDemoWebhooks posts each webhook to url in turn and prints a table of
// the answers.
func postDemoWebhooks(stdout io.Writer, url string, hooks []demoWebhook) error {
	var rows [][]string
	for _, s := range hooks {
		if s.before != nil {
			s.before()
		}
		resp, err := http.Post(url, "application/json", strings.NewReader(s.body))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rows = append(rows, []string{s.what, strconv.Itoa(resp.StatusCode), httpSummary(b)})
	}
	fmt.Fprintln(stdout, "Webhooks posted to the receiver")
	writeTable(stdout, []string{"WEBHOOK", "STATUS", "ANSWER"}, rows)
	fmt.Fprintln(stdout)
	return nil
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

// printDemoTickets prints the tickets in the fake Halo.
func printDemoTickets(stdout io.Writer, hs *halotest.Server) {
	fmt.Fprintln(stdout, "Tickets in Halo")
	var rows [][]string
	for _, t := range hs.Tickets() {
		state := "open"
		if t.HasBeenClosed != nil && *t.HasBeenClosed {
			state = "closed"
		}
		assets := ""
		for _, a := range t.Assets {
			assets += strconv.Itoa(a.ID)
		}
		rows = append(rows, []string{strconv.Itoa(t.ID), t.Summary, t.ClientName, state, strconv.Itoa(len(hs.Actions(t.ID))), assets})
	}
	writeTable(stdout, []string{"ID", "SUMMARY", "CUSTOMER", "STATE", "NOTES", "ASSET"}, rows)
	fmt.Fprintln(stdout)
}

// printDemoAlerts prints the demo's alerts as the fake Datto now has them.
func printDemoAlerts(stdout io.Writer, ds *dattormmtest.Server, w demoWorld) {
	fmt.Fprintln(stdout, "Alerts in Datto RMM")
	var rows [][]string
	for _, a := range []dattormm.Alert{w.disk, w.spooler, w.offline, w.stray} {
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

// printDemoMetrics prints the engine's metrics that are not zero.
func printDemoMetrics(ctx context.Context, stdout io.Writer, eng *alerting.Engine) error {
	var metrics bytes.Buffer
	if err := eng.WriteMetrics(ctx, &metrics); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "GET /metrics (excerpt)")
	for _, l := range strings.Split(metrics.String(), "\n") {
		if strings.HasPrefix(l, "mspsync_") && !strings.HasSuffix(l, " 0") {
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

type demoWorld struct {
	contoso, unassigned           int
	contosoSite                   string
	disk, spooler, offline, stray dattormm.Alert
}

func seedAlertsDemo(hs *halotest.Server, ds *dattormmtest.Server) demoWorld {
	var w demoWorld
	typ := hs.SeedAssetType(halo.AssetType{Name: "Workstation"})
	contoso := hs.SeedCustomer(halo.Customer{Name: "Contoso"})
	cMain := hs.SeedSite(halo.Site{Name: "Main", ClientID: contoso.ID})
	fab := hs.SeedCustomer(halo.Customer{Name: "Fabrikam"})
	hs.SeedSite(halo.Site{Name: "Main", ClientID: fab.ID})
	un := hs.SeedCustomer(halo.Customer{Name: "Unassigned alerts"})
	hs.SeedSite(halo.Site{Name: "Main", ClientID: un.ID})
	w.contoso, w.unassigned = contoso.ID, un.ID

	cs := ds.SeedSite(dattormm.Site{Name: "Contoso"})
	fs := ds.SeedSite(dattormm.Site{Name: "Fabrikam"})
	ts := ds.SeedSite(dattormm.Site{Name: "Tailspin Toys"})
	w.contosoSite = cs.UID
	pc := ds.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: cs.UID})
	srv := ds.SeedDevice(dattormm.Device{Hostname: "CON-SRV01", SiteUID: cs.UID})
	lt := ds.SeedDevice(dattormm.Device{Hostname: "FAB-LT07", SiteUID: fs.UID})
	tp := ds.SeedDevice(dattormm.Device{Hostname: "TAIL-PC02", SiteUID: ts.UID})
	hs.SeedAsset(halo.Asset{InventoryNumber: "CON-PC01", SiteID: cMain.ID, AssetTypeID: typ.ID, DattoID: pc.UID})
	alert := func(d dattormm.Device, site dattormm.Site, prio, ctx string) dattormm.Alert {
		var ac dattormm.AlertContext
		ac.UnmarshalJSON([]byte(ctx))
		return ds.SeedAlert(dattormm.Alert{Priority: prio, Diagnostics: "Raised by the demo monitor.", AlertContext: ac,
			AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: d.UID, DeviceName: d.Hostname, SiteUID: site.UID, SiteName: site.Name}})
	}
	w.disk = alert(pc, cs, "High", `{"@class":"perf_disk_usage_ctx","diskName":"C:","freeSpace":8}`)
	w.spooler = alert(srv, cs, "Moderate", `{"@class":"srvc_status_ctx","serviceName":"Spooler","status":"STOPPED"}`)
	w.offline = alert(lt, fs, "Critical", `{"@class":"online_offline_status_ctx","status":"OFFLINE"}`)
	w.stray = alert(tp, ts, "Low", `{"@class":"antivirus_ctx","productName":"Defender","status":"NOTRUNNING"}`)
	return w
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
