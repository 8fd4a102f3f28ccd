package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/progress"
)

// demoWebhookSecret is the demo's Level webhook signing secret;
// demoTemplateSecret the shared secret of its automation-template intake.
const (
	demoWebhookSecret  = "level-demo-webhook-secret-5c2e9a7b41d3f086"
	demoTemplateSecret = "level-demo-template-secret-8d4f1b6e2a9c7035"
)

// hostIn returns the first hostname of a demo group.
func (d *demo) hostIn(group string) string {
	var hosts []string
	for h, g := range d.devices {
		if g == group {
			hosts = append(hosts, h)
		}
	}
	sort.Strings(hosts)
	return hosts[0]
}

// demoDelivery is one webhook the demo posts, and what it stands for.
type demoDelivery struct {
	what, typ, eventID string
	data               map[string]any
	secret             string
	before             func() // what Level does first
	// template, when set, is posted to /level/template instead: the body
	// a Level automation's HTTP POST step sends, with the shared secret.
	template map[string]string
}

// templateBody writes a template delivery's keys in TemplateBody's order
// (the decisive keys before the alert text), leaving out empty ones.
func templateBody(vals map[string]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range leveldriver.TemplateKeys {
		if v := vals[k]; v != "" {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			kj, _ := json.Marshal(k)
			vj, _ := json.Marshal(v)
			b.Write(kj)
			b.WriteByte(':')
			b.Write(vj)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// postTemplate posts one automation-template delivery with its shared
// secret and returns the status.
func postTemplate(ctx context.Context, c *http.Client, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(leveldriver.DefaultTemplateSecretHeader, secret)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// alerts is the demo's alert half: an in-process receiver takes signed
// Level webhooks — raises routed by a linked asset and by the nearest
// mapped group, a redelivery, an unmapped policy, a device under no mapped
// group, a forged signature, a device event that triggers an early sync,
// a resolve — and automation-template deliveries (a mapped policy_id, a
// wrong shared secret), then a technician closes a ticket in Halo and resolve sync
// resolves its alert in Level.
func (d *demo) alerts(ctx context.Context, cfg *Config, im *importer, logger *slog.Logger, stdout io.Writer, status *progress.Printer) error {
	synced := make(chan leveldriver.Scope, 1)
	// The early sync runs on its own goroutine: its plan is printed once
	// it is done, not in the middle of the deliveries.
	var earlyOut bytes.Buffer
	early := *im
	early.stdout = &earlyOut
	side, err := newAlertSide(alertSetup{cfg: cfg, store: memstore.New(), hc: d.hc, lc: d.lc, webhookSecret: demoWebhookSecret, templateSecret: demoTemplateSecret, logger: logger,
		quiet: 50 * time.Millisecond,
		sync: func(ctx context.Context, scope leveldriver.Scope) error {
			status.Printf("early sync of %d device(s) and %d group(s) after Level's device and group events", len(scope.Devices), len(scope.Groups))
			code := early.syncOnce(ctx, &scope)
			synced <- scope
			if code != exitOK {
				return fmt.Errorf("early sync failed")
			}
			return nil
		},
		opts: []alerting.Option{alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), alerting.WithPollInterval(20 * time.Millisecond)}})
	if err != nil {
		return err
	}
	defer side.eng.Close()
	rcv := httptest.NewServer(side.handler)
	defer rcv.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	side.early.Context = ctx
	go side.eng.Run(ctx)
	status.Printf("receiver listening on %s/level (webhooks) and %s/level/template (automation template)", rcv.URL, rcv.URL)

	ids := map[string]string{}
	for _, g := range d.groups {
		ids[g.name] = g.id
	}
	lab, sea, labs := d.hostIn("Berlin Lab"), d.hostIn("Seattle"), d.hostIn("Contoso Labs")
	newDev := d.ls.SeedDevice(level.Device{Hostname: "S12-NEW", GroupID: ids["Store 12"], Role: "workstation", SerialNumber: "LV09999"})
	d.devices["S12-NEW"], d.deviceIDs["S12-NEW"] = "Store 12", newDev.ID
	seed := func(host, name, sev string) level.Alert {
		return d.ls.SeedAlert(level.Alert{DeviceID: d.deviceIDs[host], Name: name, Description: name + " on " + host, Severity: sev})
	}
	cpu := seed(lab, "CPU usage", level.SeverityCritical)
	disk := seed("S12-NEW", "Disk space low", level.SeverityWarning)
	printer := seed(sea, "Printer offline", level.SeverityWarning)
	stray := seed(labs, "CPU usage", level.SeverityCritical)
	svc := seed(sea, "Print spooler stopped", level.SeverityWarning)
	tmpl := map[string]string{"event": leveldriver.EventAlertActive, "alert_id": svc.ID, "device_id": svc.DeviceID, "policy_id": demoPolicyID,
		"severity": svc.Severity, "name": svc.Name, "hostname": sea, "description": svc.Description}
	full := func(a level.Alert) map[string]any {
		return map[string]any{"id": a.ID, "device_id": a.DeviceID, "device_hostname": a.DeviceHostname, "name": a.Name, "severity": a.Severity, "is_resolved": a.IsResolved}
	}
	sends := []demoDelivery{
		{what: "alert_active: CPU usage on " + lab + " (Berlin Lab; its asset is linked by the import)", typ: leveldriver.EventAlertActive, eventID: "evt-cpu-1", data: full(cpu)},
		{what: "the same event again (Level's retry, same event_id)", typ: leveldriver.EventAlertActive, eventID: "evt-cpu-1", data: full(cpu)},
		{what: "device_created: S12-NEW in Store 12 (early sync)", typ: "device_created", eventID: "evt-dev-1", data: map[string]any{"id": newDev.ID, "hostname": "S12-NEW", "group_id": ids["Store 12"]}},
		{what: "alert_active: Disk space low on S12-NEW (data without device and name: re-read; Store 12 → mapped ancestor Contoso Retail)", typ: leveldriver.EventAlertActive, eventID: "evt-disk-1", data: map[string]any{"id": disk.ID}},
		{what: "alert_active: Printer offline on " + sea + " (policy not mapped: no ticket)", typ: leveldriver.EventAlertActive, eventID: "evt-prn-1", data: full(printer)},
		{what: "alert_active: CPU usage on " + labs + " (Contoso Labs: no mapped group, no catch_all: rejected)", typ: leveldriver.EventAlertActive, eventID: "evt-stray-1", data: full(stray)},
		{what: "template: Print spooler stopped on " + sea + " (policy_id " + demoPolicyID + " is mapped)", template: tmpl},
		{what: "template with a wrong shared secret", template: tmpl, secret: "not-the-level-template-secret-00"},
		{what: "alert_active signed with another secret", typ: leveldriver.EventAlertActive, eventID: "evt-forged", data: full(cpu), secret: "not-the-level-webhook-secret-000"},
		{what: "alert_resolved: Disk space low (Level resolved it)", typ: leveldriver.EventAlertResolved, eventID: "evt-disk-2", data: map[string]any{"id": disk.ID, "device_id": disk.DeviceID, "name": disk.Name},
			before: func() {
				r := disk
				r.IsResolved = true
				now := time.Now().UTC()
				r.ResolvedAt = &now
				d.ls.SeedAlert(r)
			}},
	}
	fmt.Fprintln(stdout, "\nLevel webhooks posted to the receiver")
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tSTATUS")
	for i, s := range sends {
		if s.before != nil {
			if err := waitPending(ctx, side.eng); err != nil { // the raise first, as in Level
				return err
			}
			s.before()
		}
		var st int
		var err error
		if s.template != nil {
			secret := s.secret
			if secret == "" {
				secret = demoTemplateSecret
			}
			st, err = postTemplate(ctx, rcv.Client(), rcv.URL+"/level/template", secret, templateBody(s.template))
		} else {
			secret := s.secret
			if secret == "" {
				secret = demoWebhookSecret
			}
			st, err = leveltest.Deliver(ctx, rcv.Client(), rcv.URL+"/level", secret, leveltest.Event(s.typ, s.eventID, time.Now(), s.data))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d. %s\t%d %s\n", i+1, s.what, st, http.StatusText(st))
	}
	tw.Flush()
	select {
	case <-synced:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("the early sync did not run")
	}
	fmt.Fprintln(stdout, "\nEarly sync (device_created webhook)")
	stdout.Write(earlyOut.Bytes())
	if err := waitPending(ctx, side.eng); err != nil {
		return err
	}
	if err := d.printTickets(ctx, stdout); err != nil {
		return err
	}
	st, err := side.eng.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nalerts: received=%d deduplicated=%d tickets_created=%d tickets_closed=%d ignored_policy_not_mapped=%d rejected_unmapped_group=%d rejected_bad_signature=%d\n",
		st.Received, st.Deduplicated, st.TicketsCreated, st.TicketsClosed, st.Ignored[alerting.ReasonAlertTypeNotMapped],
		st.Rejected[alerting.ReasonUnmappedCustomer], st.Rejected[alerting.ReasonBadSignature])

	// A technician closes the CPU ticket in Halo; resolve sync resolves
	// the alert in Level. The disk alert, resolved by Level itself, is not
	// resolved again.
	var cpuTicket int
	for _, t := range d.hs.Tickets() {
		if t.Summary == "CPU usage" {
			cpuTicket = t.ID
		}
	}
	if cpuTicket == 0 {
		return fmt.Errorf("no Halo ticket for the CPU alert")
	}
	status.Printf("a technician closes ticket %d (CPU usage on %s) in Halo", cpuTicket, lab)
	d.hs.CloseTicket(cpuTicket)
	sync, err := side.eng.SyncResolved(ctx)
	if err != nil {
		return err
	}
	got, _ := d.ls.Alert(cpu.ID)
	fmt.Fprintf(stdout, "\nresolve sync: %d closed ticket(s), %d alert(s) resolved in Level; Level alert %q on %s resolved: %v; resolves Level received: %d (the disk alert Level resolved itself is not echoed)\n",
		sync.Tickets, sync.Resolved, cpu.Name, lab, got.IsResolved, len(d.ls.Resolves()))
	if !got.IsResolved || !slices.Equal(d.ls.Resolves(), []string{cpu.ID}) {
		return fmt.Errorf("the resolve did not reach Level as expected: %v", d.ls.Resolves())
	}
	return nil
}

// printTickets lists the Halo tickets with their customer, site and type.
func (d *demo) printTickets(ctx context.Context, stdout io.Writer) error {
	types, err := d.hc.TicketTypes.List(ctx, nil)
	if err != nil {
		return err
	}
	typeName := map[int]string{}
	for _, t := range types {
		typeName[t.ID] = t.Name
	}
	fmt.Fprintln(stdout, "\nHalo tickets")
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tCUSTOMER\tSITE ID\tTYPE\tSTATUS\tSUMMARY")
	for _, t := range d.hs.Tickets() {
		state := "open"
		if d.hc.IsClosed(&t) {
			state = "closed"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", t.ID, t.ClientName, t.SiteID, typeName[t.TicketTypeID], state, t.Summary)
	}
	return tw.Flush()
}

// showRecords prints what -status and -events show: each group mapping's
// sync status and the events of the device the early sync created.
func (d *demo) showRecords(stdout io.Writer, dir string) error {
	fmt.Fprintln(stdout, "\nGroup mappings (-status)")
	sts, err := readStatus(dir)
	if err != nil {
		return err
	}
	if err := printStatus(stdout, sts); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nEvents of device S12-NEW (-events S12-NEW)")
	if err := printEvents(stdout, dir, "S12-NEW", false); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nEvents of device "+strings.ToLower(d.hostIn("Berlin Lab"))+" (-events "+d.hostIn("Berlin Lab")+")")
	return printEvents(stdout, dir, d.hostIn("Berlin Lab"), false)
}
