package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
)

// lifeStep is one step of the lifecycle demo and the Halo state it left.
type lifeStep struct {
	what   string // what happened in Datto and what reached the receiver
	alert  string // the Datto alert UID
	result string // the engine's outcome
	ticket int    // the Halo ticket of the alert, 0 for none
	state  string // that ticket's state in Halo after the step ("-" for none)
	notes  int    // its notes in Halo after the step
}

// lifeDemo is the lifecycle demo's receiver: an engine of its own (a new
// deployment: the demo's earlier alerts are pre-existing to it) with the
// reconciliation poll, a maintenance window on CON-SRV01, reopen_within
// and a clock the demo moves forward, serving the webhook and /requests.
type lifeDemo struct {
	eng    *alerting.Engine
	store  *memstore.Store
	base   string
	offset atomic.Int64 // how far the engine's clock is ahead of the wall clock
	srv    *http.Server
	cancel context.CancelFunc
	steps  []lifeStep
}

func (l *lifeDemo) now() time.Time { return time.Now().Add(time.Duration(l.offset.Load())) }

func (l *lifeDemo) stop() {
	if l.cancel != nil {
		l.cancel()
	}
	if l.srv != nil {
		l.srv.Close()
	}
	if l.eng != nil {
		l.eng.Close()
	}
}

// lifecycleConfig is demoConfig with reopening (24h) and a maintenance
// window on CON-SRV01 from a minute ago for an hour (server patching), as
// the -config file's "reopen_within" and "maintenance" say it.
func lifecycleConfig(w demoWorld, now time.Time) alerting.Config {
	cfg := demoConfig(w)
	cfg.ReopenWithin = "24h"
	cfg.Maintenance = alerting.Maintenance{Windows: []alerting.MaintenanceWindow{{Name: "CON-SRV01 patching", Device: "CON-SRV01",
		Start: now.Add(-time.Minute).UTC().Truncate(time.Second), End: now.Add(time.Hour).UTC().Truncate(time.Second)}}}
	return cfg
}

// lifecycleDemo shows what the receiver does about missed webhooks,
// maintenance windows and recurring alerts, on an engine of its own, and
// prints each step with the Halo ticket it left, then that engine's
// request log and metrics.
func (d *demo) lifecycleDemo(ctx context.Context, stdout io.Writer) error {
	hc, err := d.hs.NewClient(halo.WithLogger(d.logger))
	if err != nil {
		return err
	}
	dc, err := d.ds.NewClient(dattormm.WithLogger(d.logger))
	if err != nil {
		return err
	}
	l := &lifeDemo{store: memstore.New()}
	d.life = l
	eng, err := alerting.New(lifecycleConfig(d.w, time.Now()), l.store, halodriver.NewAlertSink(hc),
		alerting.WithResolver(dattormmdriver.Kind, dattormmdriver.NewResolver(dc)),
		alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(dc)),
		alerting.WithOpenAlertLister(dattormmdriver.Kind, "", dattormmdriver.NewOpenAlertLister(dc)),
		alerting.WithSiteMappings(demoLearned(d.w)), alerting.WithRequestLog(l.store), alerting.WithLogger(d.logger),
		alerting.WithClock(l.now), alerting.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond),
		alerting.WithPollInterval(20*time.Millisecond))
	if err != nil {
		return err
	}
	l.eng = eng
	if _, err := eng.FirstStart(ctx); err != nil {
		return err
	}
	verifier, _ := dattormm.NewWebhookVerifier(demoSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	l.srv = &http.Server{Handler: handler(eng, verifier, d.logger), ReadHeaderTimeout: 5 * time.Second}
	go l.srv.Serve(ln)
	l.base = "http://" + ln.Addr().String()
	ctx, l.cancel = context.WithCancel(ctx)
	go eng.Run(ctx)

	raised, _ := dattormm.WebhookTemplates(demoSecret)
	hook := func(tmpl string, al dattormm.Alert) error {
		_, err := postDemoWebhooks(l.base+"/webhooks/datto", []demoWebhook{{body: fillHook(tmpl, al)}})
		return err
	}
	// A new alert in Datto on a device of an earlier alert, with its
	// monitor's context (so its alert type).
	newAlert := func(like dattormm.Alert) dattormm.Alert {
		// Raised a second after now: Datto keeps milliseconds, and an alert
		// stamped in the millisecond of the first start would read as older.
		return d.ds.SeedAlert(dattormm.Alert{Priority: like.Priority, Diagnostics: "Raised by the demo monitor.",
			AlertContext: like.AlertContext, AlertSourceInfo: like.AlertSourceInfo, Timestamp: dattormm.Time{Time: time.Now().Add(time.Second)}})
	}
	resolveInDatto := func(al dattormm.Alert) {
		cur, _ := d.ds.Alert(al.AlertUID)
		cur.Resolved, cur.ResolvedBy, cur.ResolvedOn = true, "monitor", dattormm.Time{Time: time.Now()}
		d.ds.SeedAlert(cur)
	}
	poll := func() (alerting.PollResult, error) {
		res, err := eng.PollOpenAlerts(ctx)
		if err != nil {
			return res, err
		}
		return res, waitPending(ctx, eng)
	}

	// 0. The first pass of a new deployment: the alerts already open are
	// pre-existing, not ticketed (no flood).
	first, err := poll()
	if err != nil {
		return err
	}
	d.status.Printf("lifecycle: first poll pass: %d open alerts in Datto, %d pre-existing (not ticketed)", first.Listed, first.PreExisting)

	// 1. A raise whose webhook never arrived: the poll finds it.
	cpu := newAlert(d.w.disk) // CON-PC01, disk usage again
	res, err := poll()
	if err != nil {
		return err
	}
	if err := l.record(ctx, d, "raise in Datto, webhook lost; poll pass (raised "+strconv.Itoa(res.Raised)+")", cpu.AlertUID, alerting.Raise); err != nil {
		return err
	}
	// 2. Its resolve webhook is lost too: the poll sees it no longer open.
	resolveInDatto(cpu)
	if res, err = poll(); err != nil {
		return err
	}
	if err := l.record(ctx, d, "resolved in Datto, webhook lost; poll pass (resolved "+strconv.Itoa(res.Resolved)+")", cpu.AlertUID, alerting.Resolve); err != nil {
		return err
	}
	// 3. A raise inside CON-SRV01's maintenance window: suppressed.
	patch := newAlert(d.w.spooler)
	if err := hook(raised, patch); err != nil {
		return err
	}
	if err := l.waitOutcome(ctx, patch.AlertUID, alerting.OutcomeSuppressed); err != nil {
		return err
	}
	if err := l.record(ctx, d, "raise on CON-SRV01 inside its maintenance window (webhook)", patch.AlertUID, alerting.Raise); err != nil {
		return err
	}
	// 4. The window ends (the engine's clock moves two hours on) and the alert
	// is still open in Datto: it becomes a ticket.
	l.offset.Add(int64(2 * time.Hour))
	if err := l.waitTicket(ctx, patch.AlertUID); err != nil {
		return err
	}
	if err := l.record(ctx, d, "the window ends; still open in Datto", patch.AlertUID, alerting.Raise); err != nil {
		return err
	}
	// 5. The same device and alert type fire again (two hours after the
	// ticket closed, within reopen_within): the closed ticket is reopened
	// with a note.
	again := newAlert(d.w.disk)
	if err := hook(raised, again); err != nil {
		return err
	}
	if err := waitPending(ctx, eng); err != nil {
		return err
	}
	if err := l.record(ctx, d, "same device and type as step 1 fire again 2h later (webhook)", again.AlertUID, alerting.Raise); err != nil {
		return err
	}

	fmt.Fprintln(stdout, "Lifecycle: missed webhooks, a maintenance window, a recurring alert (an engine of its own: a new deployment, reopen_within 24h, a window on CON-SRV01)")
	fmt.Fprintf(stdout, "first poll pass: %d open alerts in Datto, %d pre-existing (raised before the receiver started: not ticketed)\n", first.Listed, first.PreExisting)
	var rows [][]string
	for i, s := range l.steps {
		tk := "-"
		if s.ticket != 0 {
			tk = strconv.Itoa(s.ticket)
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), s.what, shortUID(s.alert), s.result, tk, s.state, strconv.Itoa(s.notes)})
	}
	writeTable(stdout, []string{"STEP", "WHAT", "ALERT", "OUTCOME", "TICKET", "HALO STATE", "NOTES"}, rows)
	fmt.Fprintln(stdout)
	if err := printRequestLog(stdout, l.base, d.hs); err != nil {
		return err
	}
	return printDemoMetrics(ctx, stdout, eng)
}

// fillHook fills a webhook template with al's fields.
func fillHook(tmpl string, al dattormm.Alert) string {
	return demoFill(tmpl, al, "demo alert")
}

// entry returns the newest request log entry of alert uid's event of kind.
func (l *lifeDemo) entry(ctx context.Context, uid string, kind alerting.Kind) (alerting.Request, error) {
	rs, err := l.store.Requests(ctx, alerting.RequestQuery{Limit: 100})
	if err != nil {
		return alerting.Request{}, err
	}
	for _, r := range rs {
		if r.Alert != nil && r.Alert.EventID == uid && r.Alert.Kind == kind && r.Status == alerting.RequestAccepted {
			return r, nil
		}
	}
	return alerting.Request{}, fmt.Errorf("no request log entry for %s %s", kind, uid)
}

// record adds a step for the event (uid, kind) with its outcome and its
// ticket's state in Halo now.
func (l *lifeDemo) record(ctx context.Context, d *demo, what, uid string, kind alerting.Kind) error {
	r, err := l.entry(ctx, uid, kind)
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the worker may still be writing the entry
		r, err = l.entry(ctx, uid, kind)
	}
	if err != nil {
		return err
	}
	s := lifeStep{what: what, alert: uid, result: "-", state: "-"}
	if ap := r.Applied; ap != nil {
		s.result = string(ap.Outcome)
		if ap.Reason != "" {
			s.result += ": " + string(ap.Reason)
		}
		s.ticket, _ = strconv.Atoi(ap.TicketID)
	}
	if tk, ok := d.hs.Ticket(s.ticket); ok && s.ticket != 0 {
		s.state = "open"
		if tk.HasBeenClosed != nil && *tk.HasBeenClosed {
			s.state = "closed"
		}
		s.notes = len(d.hs.Actions(tk.ID))
	}
	l.steps = append(l.steps, s)
	return nil
}

// waitOutcome waits until the raise of alert uid was applied with outcome.
func (l *lifeDemo) waitOutcome(ctx context.Context, uid string, outcome alerting.Outcome) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := l.entry(ctx, uid, alerting.Raise); err == nil && r.Applied != nil && r.Applied.Outcome == outcome {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("raise of %s not %s after 10s", uid, outcome)
}

// waitTicket waits until the raise of alert uid is on a ticket.
func (l *lifeDemo) waitTicket(ctx context.Context, uid string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := l.entry(ctx, uid, alerting.Raise); err == nil && r.Applied != nil && r.Applied.TicketID != "" {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("no ticket for %s after 10s", uid)
}
