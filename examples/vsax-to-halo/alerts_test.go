package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// TestCheck: -check pings VSA X (GET /environment) and reads Halo once,
// one line each, and does nothing else.
func TestCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, check: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "VSA X http") || !strings.Contains(lines[0], " ok: ") || !strings.HasPrefix(lines[1], "Halo ok: ") || !strings.Contains(lines[1], " ticket types, ") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestLogFormat: -log-format json writes JSON lines; another value is a
// settings error.
func TestLogFormat(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger("json", false, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("listening", "addr", "127.0.0.1:8080")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["msg"] != "listening" || m["addr"] != "127.0.0.1:8080" {
		t.Errorf("%s: %v", buf.String(), err)
	}
	var errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, logFormat: "xml"}, &bytes.Buffer{}, &errOut); code != exitSettings || !strings.Contains(errOut.String(), "-log-format") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	if code := run(t.Context(), options{demo: true, check: true, logFormat: "json", verbose: true}, &bytes.Buffer{}, &errOut); code != exitOK {
		t.Errorf("json demo check: exit %d", code)
	}
}

// TestTicketTypeWithMandatoryFieldsIsRefused: the start-up check reads
// the ticket type and refuses one Halo marks as having mandatory fields.
func TestTicketTypeWithMandatoryFieldsIsRefused(t *testing.T) {
	d, err := startDemo(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	seed := func(name string, extra halo.Extra) string {
		return fmt.Sprint(d.hs.SeedTicketType(halo.TicketType{Name: name, Extra: extra}).ID)
	}
	log := slog.New(slog.DiscardHandler)
	for name, c := range map[string]struct {
		extra halo.Extra
		want  error
	}{
		"tech fields":  {halo.Extra{"hasmandatorytechfields": json.RawMessage(`true`)}, ErrMandatoryFields},
		"user fields":  {halo.Extra{"hasmandatoryuserfields": json.RawMessage(`true`), "hasmandatorytechfields": json.RawMessage(`false`)}, ErrMandatoryFields},
		"none":         {halo.Extra{"hasmandatorytechfields": json.RawMessage(`false`), "hasmandatoryuserfields": json.RawMessage(`false`)}, nil},
		"not reported": {nil, nil},
	} {
		if err := checkTicketType(t.Context(), d.hc, seed(name, c.extra), log); !errors.Is(err, c.want) {
			t.Errorf("%s: %v; want %v", name, err, c.want)
		}
	}
	if err := checkTicketType(t.Context(), d.hc, "Alert", log); err == nil || !strings.Contains(err.Error(), "ticket type") {
		t.Errorf("a name instead of an ID: %v", err)
	}
}

// TestServeReceivesNotifications runs -serve's code on the fakes: the
// webhook is registered once (its secret kept in the bbolt store), a
// signed notification becomes a Halo ticket, a forged one is refused,
// and a restart on the same store reuses the secret without registering
// again.
func TestServeReceivesNotifications(t *testing.T) {
	d, err := startDemo(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alerts.json")
	if err := os.WriteFile(cfgPath, []byte(`{"ticket":{"type":"1"},"catch_all":{"customer":"Contoso"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	o := options{listen: addr, store: filepath.Join(dir, "alerts.db"), publicURL: "http://" + addr + "/webhooks/vsax", alertConfig: cfgPath}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- serveAlerts(ctx, o, d.hc, d.vc, slog.New(slog.DiscardHandler)) }()
		for i := 0; i < 200; i++ {
			if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
				r.Body.Close()
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	stop := start()
	hooks := d.vs.Webhooks()
	if len(hooks) != 1 || hooks[0].URL != o.publicURL {
		t.Fatalf("webhooks %+v", hooks)
	}
	p := d.payload("CON-PC01", "Low disk space", vsax.PriorityCritical)
	if n, err := d.vs.DeliverAll(t.Context(), nil, p); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if st, _ := vsaxtest.Deliver(t.Context(), nil, o.publicURL, "forged", p); st != http.StatusUnauthorized {
		t.Errorf("forged: %d", st)
	}
	for i := 0; i < 300 && len(d.hs.Tickets()) == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if ts := d.hs.Tickets(); len(ts) != 1 || !strings.Contains(ts[0].Summary, "Low disk space") {
		t.Fatalf("tickets %+v", ts)
	}
	secret := d.vs.Webhooks()[0].SecretKey
	st, err := boltstore.Open(o.store)
	if err != nil {
		t.Fatal(err)
	}
	var sec alerting.Secrets = st
	if v, _ := sec.Secret(t.Context(), vsaxdriver.WebhookSecretName("", o.publicURL)); v != secret {
		t.Errorf("stored secret differs from VSA X's")
	}
	st.Close()
	d.vs.ResetRequests()
	stop = start()
	stop()
	if n := d.vs.Count("POST", "/api/v3/notifications/webhooks"); n != 0 || len(d.vs.Webhooks()) != 1 || d.vs.Webhooks()[0].SecretKey != secret {
		t.Errorf("restart: %d POSTs, %d webhooks", n, len(d.vs.Webhooks()))
	}
	if n := d.listRequests(); n != 0 {
		t.Errorf("-poll-interval 0: %d notification list requests, want none", n)
	}
}

// TestServePollsMissedNotifications runs -serve with -poll-interval: a
// notification raised while the receiver was down (no webhook posted) is
// ticketed by the poll pass at start-up, one request (GET /notifications
// $top=100 $skip=0 $count=true), the one received by webhook before is
// not ticketed again, and no ticket is closed.
func TestServePollsMissedNotifications(t *testing.T) {
	d, err := startDemo(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alerts.json")
	if err := os.WriteFile(cfgPath, []byte(`{"ticket":{"type":"1"},"catch_all":{"customer":"Contoso"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	o := options{listen: addr, store: filepath.Join(dir, "alerts.db"), publicURL: "http://" + addr + "/webhooks/vsax",
		alertConfig: cfgPath, pollInterval: time.Hour}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- serveAlerts(ctx, o, d.hc, d.vc, slog.New(slog.DiscardHandler)) }()
		for i := 0; i < 200; i++ {
			if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
				r.Body.Close()
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	waitTickets := func(n int) []halo.Ticket {
		for i := 0; i < 300 && len(d.hs.Tickets()) < n; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		return d.hs.Tickets()
	}
	stop := start() // first deployment: FirstStart stored
	if n, err := d.vs.DeliverAll(t.Context(), nil, d.payload("CON-PC01", "Low disk space", vsax.PriorityCritical)); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if ts := waitTickets(1); len(ts) != 1 {
		t.Fatalf("tickets %+v", ts)
	}
	stop()

	// Receiver down: raised in VSA X, no webhook. VSA X lists DateTime in
	// whole seconds; raise it a second later so it is not taken for one
	// raised before the first deployment.
	dev := d.devices["NOR-PC02"]
	d.vs.SeedNotification(dev.Identifier, "Memory usage high on NOR-PC02", vsax.PriorityCritical, time.Now().Add(time.Second))
	d.vs.ResetRequests()
	stop = start()
	ts := waitTickets(2)
	stop()
	if len(ts) != 2 {
		t.Fatalf("%d tickets, want 2 (the webhook's once, the missed one): %+v", len(ts), ts)
	}
	var found bool
	for _, tk := range ts {
		found = found || (tk.Summary == "Memory usage high on NOR-PC02" && strings.Contains(tk.Details, "Device: NOR-PC02 (") &&
			strings.Contains(tk.Details, "Source customer: Northwind Traders (org-"))
		if tk.StatusID == halo.DefaultClosedStatusID {
			t.Errorf("ticket %d closed by the poll", tk.ID)
		}
	}
	if !found {
		t.Errorf("the missed notification was not ticketed with its device and organization (read by the enricher): %+v", ts)
	}
	var lists []string
	for _, r := range d.vs.Requests() {
		if r.Path == "/api/v3/notifications" {
			lists = append(lists, r.RawQuery)
		}
	}
	if len(lists) != 1 || !strings.Contains(lists[0], "$top=100") || !strings.Contains(lists[0], "$skip=0") || !strings.Contains(lists[0], "$count=true") {
		t.Errorf("notification list requests %q; want one page", lists)
	}
}

// TestServeRefusesNegativePollInterval: a negative -poll-interval is a
// settings error before anything is registered.
func TestServeRefusesNegativePollInterval(t *testing.T) {
	d, err := startDemo(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	o := options{publicURL: "http://127.0.0.1:1/webhooks/vsax", pollInterval: -time.Minute, store: filepath.Join(t.TempDir(), "a.db")}
	cfgPath := filepath.Join(t.TempDir(), "alerts.json")
	os.WriteFile(cfgPath, []byte(`{"ticket":{"type":"1"}}`), 0o600)
	o.alertConfig = cfgPath
	if err := serveAlerts(t.Context(), o, d.hc, d.vc, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "-poll-interval") {
		t.Errorf("err %v", err)
	}
	if len(d.vs.Webhooks()) != 0 {
		t.Error("a webhook was registered")
	}
}
