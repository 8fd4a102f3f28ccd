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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`redelivery of the same raise +200 `),
		regexp.MustCompile(`a body with the wrong secret +401 `),
		regexp.MustCompile(`Datto's test button +400 `),
		regexp.MustCompile(`POST /mail/datto\) +200 `),
		regexp.MustCompile(`webhook lost; poll pass \(raised 1\) +\S+ +created +\d+ +open`),
		regexp.MustCompile(`webhook lost; poll pass \(resolved 1\) +\S+ +closed +\d+ +closed`),
		regexp.MustCompile(`maintenance window \(webhook\) +\S+ +suppressed: maintenance_window +- +-`),
		regexp.MustCompile(`the window ends; still open in Datto +\S+ +created +\d+ +open`),
		regexp.MustCompile(`fire again 2h later \(webhook\) +\S+ +reopened +\d+ +open +2`),
		regexp.MustCompile(`(?m)^\d+ +poll +raise `),
	} {
		if !want.MatchString(s) {
			t.Errorf("output lacks %s:\n%s", want, s)
		}
	}
	for _, want := range []string{
		"Unassigned alerts", "resolved by API",
		"mspsync_alerting_tickets_created_total 7",
		"mspsync_alerting_deduplicated_total 1",
		"mspsync_alerting_source_resolves_total 1",
		// the lifecycle demo
		"mspsync_alerting_poll_raised_total 1", "mspsync_alerting_poll_resolved_total 1",
		"mspsync_alerting_suppressed_total 1", "mspsync_alerting_tickets_reopened_total 1",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET", "DATTO_API_URL, DATTO_API_KEY, DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}

func TestPrintTemplates(t *testing.T) {
	t.Setenv("DATTO_WEBHOOK_SECRET", "s3cret-0123456789abcdef")
	var out bytes.Buffer
	if code := run(t.Context(), options{printTemplates: true}, &out, &bytes.Buffer{}); code != exitOK ||
		!strings.Contains(out.String(), `"alert_resolved":true,"state":"s3cret-0123456789abcdef"`) {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

func TestOpenStorePicksByScheme(t *testing.T) {
	s, err := openStore(t.Context(), t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := openStore(t.Context(), "postgres://u:secret-pw@127.0.0.1:1/db?connect_timeout=1"); err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("unreachable postgres: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	if cfg, err := loadConfig(""); err != nil || !cfg.AutoMatch || !cfg.LinkAsset || cfg.Grouping != alerting.GroupPerAlert {
		t.Errorf("default: %+v, %v", cfg, err)
	}
	path := filepath.Join(t.TempDir(), "alerting.json")
	os.WriteFile(path, []byte(`{"grouping":"user","catch_all":{"customer":"1","contakt":"2"}}`), 0o600)
	if _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), path+`: config catch_all.contakt: unknown key`) {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(path, []byte(`{"grouping":"user","catch_all":{"customer":"1"}}`), 0o600)
	if cfg, err := loadConfig(path); err != nil || cfg.Grouping != alerting.GroupUser || cfg.OnResolve != alerting.CloseOnResolve {
		t.Errorf("file: %+v, %v", cfg, err)
	}
}

// TestServeCutsOffSlowClients runs the receiver's serve with short limits:
// a client dribbling its body is cut off, a normal delivery is answered,
// and serve stops with its context. The program's own limits are the
// receiver package's defaults.
func TestServeCutsOffSlowClients(t *testing.T) {
	t.Parallel()
	if receiverLimits.ReadTimeout <= 0 || receiverLimits.ReadHeaderTimeout <= 0 || receiverLimits.WriteTimeout <= 0 ||
		receiverLimits.IdleTimeout <= 0 || receiverLimits.MaxInFlight <= 0 || receiverLimits.MaxBodyBytes <= 0 || receiverLimits.MaxConns <= 0 {
		t.Fatalf("receiver limits %+v", receiverLimits)
	}
	eng, err := alerting.New(alerting.Config{CatchAll: &alerting.CatchAll{Customer: "1"}}, memstore.New(), alertingtest.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := dattormm.NewWebhookVerifier(demoSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, ln, eng, verifier, slog.New(slog.DiscardHandler),
			receiver.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /webhooks/datto HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Error("a client that stopped sending its body was held for 10s")
		}
	}
	raised, _ := dattormm.WebhookTemplates(demoSecret)
	body := strings.ReplaceAll(raised, "[alert_uid]", "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978")
	resp, err := http.Post("http://"+ln.Addr().String()+"/webhooks/datto", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("delivery answered %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestStoreLabelHidesThePassword(t *testing.T) {
	if got := storeLabel("postgres://mspsync:hunter2-pw@db.internal/alerts"); strings.Contains(got, "hunter2") || !strings.Contains(got, "db.internal/alerts") {
		t.Errorf("label = %q", got)
	}
	if got := storeLabel("alerts.db"); got != "alerts.db" {
		t.Errorf("label = %q", got)
	}
}

// TestCheckAndLogFormat runs -demo -check against the fakes (one line per
// vendor), -check against a closed port (the cause and the host, exit 1)
// and refuses an unknown -log-format.
func TestCheckAndLogFormat(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, check: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "halo: ok: http://127.0.0.1:") || !strings.HasPrefix(lines[1], `datto: ok: account "Fake MSP"`) {
		t.Errorf("-check printed:\n%s", out.String())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("HALO_URL", "http://"+addr)
	t.Setenv("HALO_CLIENT_ID", "id")
	t.Setenv("HALO_CLIENT_SECRET", "cs-SECRET")
	t.Setenv("DATTO_API_URL", "http://"+addr+"/api")
	t.Setenv("DATTO_API_KEY", "key")
	t.Setenv("DATTO_API_SECRET", "ds-SECRET")
	out.Reset()
	if code := run(t.Context(), options{check: true, logFormat: "json"}, &out, &errOut); code != exitFailed {
		t.Fatalf("closed port: exit %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "halo: FAILED: halo: POST http://"+addr+"/auth/token") || !strings.Contains(out.String(), "connection refused") ||
		strings.Contains(out.String(), "SECRET") {
		t.Errorf("closed port:\n%s", out.String())
	}
	if code := run(t.Context(), options{demo: true, logFormat: "xml"}, &out, &errOut); code != exitSettings {
		t.Errorf("-log-format xml: exit %d", code)
	}
}
