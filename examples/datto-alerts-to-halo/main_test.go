package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/config"
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
	t.Setenv("DATTO_WEBHOOK_SECRET", "s3cret-0123456789abcdef-0123456789")
	var out bytes.Buffer
	if code := run(t.Context(), options{printTemplates: true}, &out, &bytes.Buffer{}); code != exitOK ||
		!strings.Contains(out.String(), `"alert_resolved":true,"state":"s3cret-0123456789abcdef-0123456789"`) {
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

// TestLoadFileConfig: -config is laid over the program's defaults (auto
// match and asset links on, receiver's limits), strictly: an unknown key
// or a bad value anywhere, the receiver section included, names its path.
func TestLoadFileConfig(t *testing.T) {
	t.Parallel()
	fc, err := loadFileConfig("")
	if err != nil || !fc.AutoMatch || !fc.LinkAsset || fc.Grouping != alerting.GroupPerAlert || fc.Receiver.Limits() != receiver.DefaultLimits() {
		t.Errorf("default: %+v, %v", fc, err)
	}
	path := filepath.Join(t.TempDir(), "alerting.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"grouping":"user","catch_all":{"customer":"1"},"receiver":{"read_timeout":"45s"}}`)
	fc, err = loadFileConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	// The file's keys win; what it does not set keeps the program's default.
	wantLimits := receiver.DefaultLimits()
	wantLimits.ReadTimeout = 45 * time.Second
	if fc.Grouping != alerting.GroupUser || fc.CatchAll == nil || fc.CatchAll.Customer != "1" ||
		!fc.AutoMatch || !fc.LinkAsset || fc.OnResolve != alerting.CloseOnResolve || fc.Receiver.Limits() != wantLimits {
		t.Errorf("merged: %+v", fc)
	}
	write(`{"auto_match":false}`)
	if fc, err := loadFileConfig(path); err != nil || fc.AutoMatch || !fc.LinkAsset {
		t.Errorf("auto_match false: %+v, %v", fc, err)
	}
	for doc, want := range map[string]string{
		`{"grouping":"user","catch_all":{"customer":"1","contakt":"2"}}`: path + `: config catch_all.contakt: unknown key`,
		`{"receiver":{"read_timout":"45s"}}`:                             path + `: config receiver.read_timout: unknown key (did you mean "read_timeout"?)`,
		`{"receiver":{"read_timeout":45}}`:                               path + `: config receiver.read_timeout: want a string, got 45`,
		`{"receiver":{"max_in_flight":-1}}`:                              path + `: config receiver.max_in_flight: must not be negative`,
		`{"grouping":"team"}`:                                            `config grouping: "team" is not one of`,
		`{"recevier":{}}`:                                                path + `: config recevier: unknown key (did you mean "receiver"?)`,
	} {
		write(doc)
		_, err := loadFileConfig(path)
		var ce *config.Error
		if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &ce) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}

// TestPrintConfigRoundTrips: -print-config needs no settings, and what it
// prints loads back as the same configuration.
func TestPrintConfigRoundTrips(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	os.WriteFile(in, []byte(`{"auto_match":false,"close":"always","receiver":{"max_conns":10}}`), 0o600)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{printConfig: true, configPath: in}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	printed := filepath.Join(dir, "printed.json")
	os.WriteFile(printed, out.Bytes(), 0o600)
	want, err := loadFileConfig(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadFileConfig(printed)
	if err != nil {
		t.Fatalf("the printed config does not load: %v\n%s", err, out.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("printed config loads as\n%+v\nwant\n%+v", got, want)
	}
	for _, key := range []string{`"auto_match": false`, `"close": "always"`, `"max_conns": 10`, `"read_timeout": "15s"`} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("-print-config lacks %s:\n%s", key, out.String())
		}
	}
}

// TestWebhookSecretLength: -print-templates and the receiver refuse a
// webhook secret shorter than 32 bytes, without echoing it.
func TestWebhookSecretLength(t *testing.T) {
	short := "s3cret-0123456789abcdef-0123456" // 31 bytes
	t.Setenv("DATTO_WEBHOOK_SECRET", short)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{printTemplates: true}, &out, &errOut); code != exitSettings ||
		!strings.Contains(errOut.String(), "DATTO_WEBHOOK_SECRET is 31 bytes; use at least 32") || out.Len() != 0 ||
		strings.Contains(errOut.String(), short) {
		t.Errorf("31-byte secret: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	t.Setenv("DATTO_WEBHOOK_SECRET", short+"7")
	out.Reset()
	if code := run(t.Context(), options{printTemplates: true}, &out, &errOut); code != exitOK ||
		!strings.Contains(out.String(), `"state":"`+short+`7"`) {
		t.Errorf("32-byte secret: exit %d: %s", code, out.String())
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
