package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/jsonintake"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// TestDemoReplaysTheSeedScenario checks the BMS tenant each mode of the
// demo ends with: the tickets, their accounts and contacts, the notes, and
// the per-user contract line.
func TestDemoReplaysTheSeedScenario(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		g      alerting.Grouping
		titles []string
		notes  int // on the first ticket
	}{
		{alerting.GroupUser, []string{"Too Many Downloads", "Multiple MFA Failures", "Too Many Downloads", "Login From Unusual Country"}, 1},
		{alerting.GroupUserAlert, []string{"Too Many Downloads", "Too Many Uploads", "Multiple MFA Failures", "Too Many Downloads", "Login From Unusual Country"}, 0},
	} {
		t.Run(string(c.g), func(t *testing.T) {
			t.Parallel()
			w, err := demoRun(t.Context(), c.g, io.Discard, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer w.srv.Close()
			tks := w.srv.Tickets()
			if len(tks) != len(c.titles) {
				t.Fatalf("%d tickets, want %d", len(tks), len(c.titles))
			}
			for i, tk := range tks {
				if !strings.HasPrefix(tk.Title, c.titles[i]) {
					t.Errorf("ticket %d is %q, want %s", i, tk.Title, c.titles[i])
				}
			}
			if n := len(w.srv.Notes(tks[0].ID)); n != c.notes {
				t.Errorf("first ticket has %d notes, want %d", n, c.notes)
			}
			last := len(tks) - 1
			for i, tk := range tks {
				want := [2]int{w.contoso.ID, w.ann.ID}
				switch i {
				case last - 1:
					want = [2]int{w.catchAll.ID, w.alertDesk.ID} // unmapped organisation
				case last:
					want = [2]int{w.contoso.ID, w.frontDesk.ID} // unknown e-mail address
				}
				if got := [2]int{tk.AccountID, tk.ContactID}; got != want {
					t.Errorf("ticket %q: account, contact %v, want %v", tk.Title, got, want)
				}
			}
			if mfa := tks[len(tks)-3]; mfa.SubIssueTypeID != w.compromise.ID || !mfa.CompletedDate.IsZero() {
				t.Errorf("MFA ticket %+v: want an open ticket with sub-issue type Account compromise", mfa)
			}
			if tks[0].CompletedDate.IsZero() {
				t.Error("the first ticket is not completed")
			}
			if lines := w.srv.ContractServices(w.contract.ID); len(lines) != 1 || lines[0].Units != 57 {
				t.Errorf("contract lines %+v, want 57 units", lines)
			}
		})
	}
}

func TestDemoPrintsBothModes(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	if code := run(t.Context(), options{demo: true, logFormat: "json"}, &out, &errs); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{`Grouping User ("user")`, `Grouping User+Alert ("user_alert")`, "note: Alert raised: Too Many Uploads",
		"account Unassigned Alerts, contact Alert Desk", "account Contoso, contact Front Desk", "SaaS Alerts Seat × 57"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// The real mode's start-up: -check pings, a configuration BMS
// contradicts exits 2 naming the key, missing settings exit 2.
func TestRealModeStartUp(t *testing.T) {
	srv := kaseyabmstest.NewServer(t)
	acme := srv.SeedAccount(kaseyabmstestAccount("Contoso"))
	other := srv.SeedAccount(kaseyabmstestAccount("Other"))
	stranger := srv.SeedContact(kaseyabmstestContact(other.ID))
	t.Setenv("BMS_URL", "")
	t.Setenv("BMS_TENANT", "")
	var out, errs bytes.Buffer
	if code := run(t.Context(), options{check: true}, &out, &errs); code != exitSettings || !strings.Contains(errs.String(), "BMS_TENANT") {
		t.Fatalf("-check without settings: exit %d, %s", code, errs.String())
	}
	t.Setenv("BMS_URL", srv.URL())
	t.Setenv("BMS_TENANT", srv.Tenant)
	t.Setenv("BMS_USERNAME", srv.Username)
	t.Setenv("BMS_PASSWORD", srv.Password)
	out.Reset()
	if code := run(t.Context(), options{check: true}, &out, &errs); code != exitOK || !strings.Contains(out.String(), `tenant "`+srv.Tenant+`"`) {
		t.Fatalf("-check: exit %d, out %q, err %s", code, out.String(), errs.String())
	}
	cfg := filepath.Join(t.TempDir(), "cfg.json")
	os.WriteFile(cfg, []byte(`{"alerting": {"grouping": "user", "customers": [{"source": "saasalerts", "source_customer": "org-1",
		"customer": "`+itoa(acme.ID)+`", "contact": "`+itoa(stranger.ID)+`"}], "ticket": {"type": "2", "source": "5"}}}`), 0o600)
	t.Setenv(EnvSecret, "0123456789abcdef0123456789abcdef")
	errs.Reset()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	code := run(ctx, options{configPath: cfg, listen: "127.0.0.1:0", store: filepath.Join(t.TempDir(), "s.db")}, &out, &errs)
	if code != exitSettings || !strings.Contains(errs.String(), "customers[0].contact") || !strings.Contains(errs.String(), "belongs to account") {
		t.Errorf("bad contact: exit %d, %s", code, errs.String())
	}
	for _, s := range []string{srv.Password, "0123456789abcdef0123456789abcdef"} {
		if strings.Contains(out.String()+errs.String(), s) {
			t.Errorf("output shows a secret")
		}
	}
}

func kaseyabmstestAccount(name string) kaseyabms.AccountSummary {
	return kaseyabms.AccountSummary{AccountName: name}
}

func kaseyabmstestContact(account int) kaseyabms.Contact {
	return kaseyabms.Contact{AccountID: account, FirstName: "Sam", EmailAddress: "sam@other.example", IsActive: true}
}

// TestRealModeServesTheIntake runs the real mode against the fake BMS: a
// signed alert posted to /alerts/json becomes a ticket; a forged one is
// refused.
func TestRealModeServesTheIntake(t *testing.T) {
	srv := kaseyabmstest.NewServer(t)
	acme := srv.SeedAccount(kaseyabmstestAccount("Contoso"))
	desk := srv.SeedContact(kaseyabms.Contact{AccountID: acme.ID, FirstName: "Front", LastName: "Desk", IsActive: true})
	t.Setenv("BMS_URL", srv.URL())
	t.Setenv("BMS_TENANT", srv.Tenant)
	t.Setenv("BMS_USERNAME", srv.Username)
	t.Setenv("BMS_PASSWORD", srv.Password)
	const secret = "0123456789abcdef0123456789abcdef"
	t.Setenv(EnvSecret, secret)
	cfg := filepath.Join(t.TempDir(), "cfg.json")
	os.WriteFile(cfg, []byte(`{"alerting": {"grouping": "user", "customers": [{"source": "saasalerts", "source_customer": "org-1",
		"customer": "`+itoa(acme.ID)+`", "contact": "`+itoa(desk.ID)+`"}], "ticket": {"type": "2", "source": "5", "queue": "Security"}},
		"bms": {"group_key_field": 9}}`), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	var errs syncBuffer
	go func() {
		done <- run(ctx, options{configPath: cfg, listen: addr, store: filepath.Join(t.TempDir(), "s.db"), lines: filepath.Join(t.TempDir(), "l.json")}, io.Discard, &errs)
	}()
	body := []byte(`{"source":"saasalerts","event_id":"e1","action":"raise","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","customer_ref":"org-1"}`)
	post := func(sig string) int {
		for range 200 { // the server may not listen yet
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/alerts/json", bytes.NewReader(body))
			req.Header.Set(jsonintake.SignatureHeader, sig)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				return resp.StatusCode
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("the receiver never answered")
		return 0
	}
	if code := post(jsonintake.Sign("another-secret-0123456789abcdef", body)); code != http.StatusUnauthorized {
		t.Errorf("forged delivery answered %d", code)
	}
	if code := post(jsonintake.Sign(secret, body)); code != http.StatusOK {
		t.Fatalf("signed delivery answered %d: %s", code, errs.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Tickets()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d: %s", code, errs.String())
	}
	tks := srv.Tickets()
	if len(tks) != 1 || tks[0].AccountID != acme.ID || tks[0].ContactID != desk.ID || tks[0].QueueID != kaseyabmstest.QueueSecurity {
		t.Fatalf("tickets %+v", tks)
	}
	if cf := srv.TicketCustomFields(tks[0].ID); len(cf) != 1 || cf[0].CustomFieldID != 9 {
		t.Errorf("custom fields %+v", cf)
	}
	if strings.Contains(errs.String(), secret) || strings.Contains(errs.String(), srv.Password) {
		t.Error("the log shows a secret")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestPrintConfig: -print-config needs no settings; with -config it
// prints the file over the defaults, and refuses a file with an unknown
// key or an invalid alerting part, naming the key, without printing.
func TestPrintConfig(t *testing.T) {
	for _, k := range []string{"BMS_URL", "BMS_TENANT", "BMS_USERNAME", "BMS_PASSWORD", EnvSecret} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out, errs bytes.Buffer
	if code := run(t.Context(), options{printConfig: true}, &out, &errs); code != exitOK {
		t.Fatalf("defaults: exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), `"saasalerts"`) || !strings.Contains(out.String(), `"on_resolve": "close"`) ||
		!strings.Contains(errs.String(), "alerting.ticket.type") {
		t.Errorf("defaults: stdout %s\nstderr %s", out.String(), errs.String())
	}

	out.Reset()
	errs.Reset()
	good := write("good.json", `{"alerting": {"grouping": "user", "ticket": {"type": "2", "source": "5"}}, "bms": {"note_type": 3}}`)
	if code := run(t.Context(), options{printConfig: true, configPath: good}, &out, &errs); code != exitOK {
		t.Fatalf("good file: exit %d: %s", code, errs.String())
	}
	var got Settings
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Alerting.Grouping != alerting.GroupUser || got.Alerting.Ticket.Type != "2" || got.BMS.NoteType != 3 ||
		got.Alerting.OnResolve != alerting.DefaultConfig().OnResolve || len(got.Sources) != 1 || got.Sources[0] != "saasalerts" {
		t.Errorf("the file over the defaults: %+v", got)
	}

	for _, c := range []struct{ body, key string }{
		{`{"alerting": {"groupng": "user"}}`, "alerting.groupng"},
		{`{"bms": {"note_type": "three"}}`, "bms.note_type"},
		{`{"alerting": {"grouping": "nonsense"}}`, "grouping"},
	} {
		out.Reset()
		errs.Reset()
		p := write("bad.json", c.body)
		if code := run(t.Context(), options{printConfig: true, configPath: p}, &out, &errs); code != exitSettings ||
			!strings.Contains(errs.String(), c.key) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %s", c.body, code, out.String(), errs.String())
		}
	}
}
