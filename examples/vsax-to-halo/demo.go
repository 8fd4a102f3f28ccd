package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

type demo struct {
	hs      *halotest.Server
	vs      *vsaxtest.Server
	hc      *halo.Client
	vc      *vsax.Client
	logger  *slog.Logger
	devices map[string]vsax.Device // by name
	orgs    map[string]vsax.Organization
}

func startDemo(logger *slog.Logger) (*demo, error) {
	d := &demo{hs: halotest.New(), vs: vsaxtest.New(), logger: logger, devices: map[string]vsax.Device{}, orgs: map[string]vsax.Organization{}}
	d.seed()
	var err error
	if d.hc, err = d.hs.NewClient(halo.WithLogger(logger)); err != nil {
		d.close()
		return nil, err
	}
	if d.vc, err = d.vs.NewClient(vsax.WithLogger(logger)); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *demo) close() { d.hs.Close(); d.vs.Close() }

// seed builds three organizations with a site or two each, 24 devices
// with asset records (serials, OS, addresses), and a Halo tenant that
// already knows Contoso and two of its machines by serial.
func (d *demo) seed() {
	grp := d.hs.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	ws := d.hs.SeedAssetType(halo.AssetType{Name: "windows", AssetGroupID: grp.ID})
	serial := d.hs.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	for _, n := range []string{"Operating System", "IP Address"} {
		d.hs.SeedAssetField(halo.AssetField{Name: n})
	}
	contoso := d.hs.SeedCustomer(halo.Customer{Name: "Contoso"})
	main := d.hs.SeedSite(halo.Site{Name: "Main", ClientID: contoso.ID})
	d.hs.SeedTicketType(halo.TicketType{Name: "Alert"})

	estate := []struct {
		org   string
		sites []string
		n     int
	}{{"Contoso", []string{"HQ", "Branch"}, 10}, {"Fabrikam", []string{"Main Office"}, 8}, {"Northwind Traders", []string{"Warehouse"}, 6}}
	for _, e := range estate {
		org := d.vs.SeedOrganization(e.org)
		d.orgs[e.org] = org
		var groups []vsax.Group
		for _, name := range e.sites {
			site := d.vs.SeedSite(int64(org.ID), name)
			groups = append(groups, d.vs.SeedGroup(int64(site.ID), "Workstations"))
		}
		for i := range e.n {
			g := groups[i%len(groups)]
			typ, os := "windows", "Windows 11 Pro"
			if i%4 == 3 {
				typ, os = "mac", "macOS 15"
			}
			name := fmt.Sprintf("%s-PC%02d", strings.ToUpper(e.org[:3]), i+1)
			sn := fmt.Sprintf("SN%s%04d", strings.ToUpper(e.org[:2]), i+1)
			dev := d.vs.SeedDevice(int64(g.ID), vsax.Device{Name: name, IsAgentInstalled: true}, &vsax.Asset{
				Type: typ, Description: os, LastSeenOnline: vsax.Time{Time: time.Date(2026, 11, 30, 9, i, 0, 0, time.UTC)},
				IPAddresses: []vsax.AssetAdapter{{Name: "Ethernet", MAC: fmt.Sprintf("00:1A:2B:00:%02X:%02X", len(d.orgs), i),
					IPs: []vsax.AssetIP{{IP: fmt.Sprintf("10.%d.0.%d", len(d.orgs), i+10)}}}},
				AssetInfo: []vsax.AssetInfoCategory{
					{CategoryName: "BIOS", CategoryData: map[string]string{"Serial Number": sn}},
					{CategoryName: "Operating System", CategoryData: map[string]string{"Name": os}},
				},
			})
			d.devices[name] = dev
			if e.org == "Contoso" && i < 2 { // Halo already knows these, by serial, without a link
				d.hs.SeedAsset(halo.Asset{InventoryNumber: name, SiteID: main.ID, AssetTypeID: ws.ID,
					Fields: []halo.FieldValue{{ID: serial.ID, Value: halo.TextValue(sn)}}})
			}
		}
	}
}

// alerts registers a notification webhook for an in-process receiver
// (EnsureWebhook keeps its secret), posts signed notifications the way
// VSA X does, and lists the Halo tickets they opened.
func (d *demo) alerts(ctx context.Context, stdout io.Writer, status *progress.Printer) error {
	types, err := d.hc.TicketTypes.List(ctx, nil)
	if err != nil || len(types) == 0 {
		return fmt.Errorf("reading Halo ticket types: %v", err)
	}
	cfg := alerting.Config{Ticket: alerting.TicketDefaults{Type: fmt.Sprint(types[0].ID)},
		CatchAll: &alerting.CatchAll{Customer: "Contoso"}}
	if err := checkTicketType(ctx, d.hc, cfg.Ticket.Type, d.logger); err != nil {
		return err
	}
	store := memstore.New()
	// The missed-notification poll of -serve; its pass runs below. The
	// receiver was first deployed a minute ago (-serve: FirstStart).
	opts := append(pollOptions(d.vc, 5*time.Minute), alerting.WithLogger(d.logger), alerting.WithPollSince(time.Now().Add(-time.Minute)),
		alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), alerting.WithPollInterval(20*time.Millisecond))
	eng, err := alerting.New(cfg, store, halodriver.NewAlertSink(d.hc), opts...)
	if err != nil {
		return err
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go eng.Run(ctx)

	// The receiver of -serve (alertRoutes behind alerting/receiver's
	// limits), on a local port; its verifier is known once the webhook
	// is registered.
	var routes atomic.Pointer[http.Handler]
	rcv := httptest.NewServer(receiver.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := routes.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}), receiver.DefaultLimits()))
	defer rcv.Close()
	o := options{publicURL: rcv.URL + "/webhooks/vsax"}
	_, secret, err := vsaxdriver.EnsureWebhook(ctx, d.vc, store, "", webhookRequest(o))
	if err != nil {
		return err
	}
	v, err := vsax.NewWebhookVerifier(secret)
	if err != nil {
		return err
	}
	h := alertRoutes(eng, v, d.logger)
	routes.Store(&h)
	status.Printf("webhook registered in VSA X for %s; its secret is kept in the alert store", o.publicURL)

	disk := d.payload("CON-PC01", "Low disk space", vsax.PriorityCritical)
	sends := []struct {
		what string
		p    vsax.WebhookPayload
	}{
		{"disk almost full on CON-PC01 (linked asset)", disk},
		{"redelivery of the same notification", disk},
		{"service stopped on FAB-PC03 (linked asset)", d.payload("FAB-PC03", "Service stopped", vsax.PriorityElevated)},
	}
	fmt.Fprintln(stdout, "\nNotifications delivered by VSA X")
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NOTIFICATION\tDELIVERED")
	for _, s := range sends {
		n, err := d.vs.DeliverAll(ctx, rcv.Client(), s.p)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\n", s.what, n)
	}
	tw.Flush()
	if err := waitPending(ctx, eng); err != nil {
		return err
	}

	// The receiver is down: VSA X raises a notification and its webhook
	// is lost. The next pass of the notification poll tickets it.
	lost := d.payload("NOR-PC02", "Memory usage high", vsax.PriorityCritical)
	fmt.Fprintf(stdout, "\nReceiver down: notification %d (%s) raised in VSA X, its webhook lost\n", lost.ID, lost.Message)
	listed := d.listRequests()
	res, err := eng.PollOpenAlerts(ctx)
	if err != nil {
		return err
	}
	listed = d.listRequests() - listed
	fmt.Fprintf(stdout, "Notification poll pass: %d request (GET /notifications); listed %d, already received %d, ticketed %d, resolved %d\n",
		listed, res.Listed, res.Known, res.Raised, res.Resolved)
	if err := waitPending(ctx, eng); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nHalo tickets")
	tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tCUSTOMER\tSUMMARY")
	for _, t := range d.hs.Tickets() {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.ID, t.ClientName, t.Summary)
	}
	return tw.Flush()
}

// listRequests counts the notification list requests the fake VSA X
// received.
func (d *demo) listRequests() int {
	n := 0
	for _, r := range d.vs.Requests() {
		if r.Method == http.MethodGet && r.Path == "/api/v3/notifications" {
			n++
		}
	}
	return n
}

// payload raises a notification on device in the fake VSA X (which keeps
// it, as VSA X does) and returns the webhook payload VSA X posts for it.
func (d *demo) payload(device, title string, p vsax.Priority) vsax.WebhookPayload {
	dev := d.devices[device]
	n := d.vs.SeedNotification(dev.Identifier, title+" on "+device, p, time.Now())
	return vsax.WebhookPayload{ID: n.ID, Title: title, Message: n.Message,
		DateTime: n.DateTime, Priority: p, DeviceIdentifier: dev.Identifier, OrganizationID: dev.OrganizationID}
}

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
