package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
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
