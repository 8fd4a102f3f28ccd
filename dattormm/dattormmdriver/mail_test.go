package dattormmdriver_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// alertMail is a Datto RMM alert e-mail for alert uid, as a monitor with
// the subject dattormm.MailSubjectRaised (or MailSubjectResolved) sends it.
func alertMail(uid string, resolved bool, from string) string {
	subject := "Disk usage on CON-PC01 - Alert{" + uid + "}"
	if resolved {
		subject = "Resolved: " + subject
	}
	return strings.ReplaceAll(`From: "Datto RMM" <`+from+`>
To: alerts@msp.example
Subject: `+subject+`
Date: Tue, 25 Nov 2026 10:00:03 +0000
Message-ID: <`+uid[:8]+`@merlot.centrastage.net>
Content-Type: text/plain; charset=utf-8

Site: Contoso
Device: CON-PC01
Priority: High
Message: Disk full
`, "\n", "\r\n")
}

func parseMail(t testing.TB, raw string) *mail.Message {
	t.Helper()
	msg, err := dattormm.ReadMail(strings.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

const dattoFrom = "noreply@centrastage.net"

// An e-mail becomes the alert the same alert's webhook becomes: same
// source, event, alert ID and kind, so the engine deduplicates across the
// two channels.
func TestMailAlertMatchesWebhook(t *testing.T) {
	t.Parallel()
	const uid = "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	for _, res := range []bool{false, true} {
		tmpl := raised
		if res {
			tmpl = resolved
		}
		wa, err := v.Decode([]byte(fillHook(tmpl, uid, "Disk full")))
		if err != nil {
			t.Fatal(err)
		}
		hook := dattormmdriver.ToAlert(wa, nil)
		got, err := dattormmdriver.MailAlert(parseMail(t, alertMail(uid, res, dattoFrom)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Key() != hook.Key() || got.Kind != hook.Kind || got.Source != hook.Source {
			t.Errorf("resolved=%v: e-mail alert %s %s, webhook alert %s %s", res, got.Key(), got.Kind, hook.Key(), hook.Kind)
		}
		// A raise shares the webhook's event (one ticket whichever comes
		// first); a resolve has the e-mail's own (see MailToAlert).
		if sameEvent := got.EventKey() == hook.EventKey(); sameEvent == res || (res && !strings.HasPrefix(got.EventID, uid+":mail:")) {
			t.Errorf("resolved=%v: e-mail event %s, webhook event %s", res, got.EventKey(), hook.EventKey())
		}
		if got.Title != "Disk full" || got.Customer.Name != "Contoso" || got.Device.Hostname != "CON-PC01" || got.Severity != alerting.SeverityHigh ||
			!strings.Contains(got.Body, "e-mail") || !strings.Contains(got.Body, dattoFrom) || !got.Time.IsZero() {
			t.Errorf("alert = %+v", got)
		}
		if err := got.Validate(); err != nil {
			t.Error(err)
		}
	}
	if _, err := dattormmdriver.MailAlert(parseMail(t, "Subject: lunch?\r\n\r\nhi\r\n")); !errors.Is(err, dattormm.ErrMailNotAlert) {
		t.Errorf("non-alert: %v", err)
	}
}

func TestMailIntakeRefuses(t *testing.T) {
	t.Parallel()
	const uid = "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"
	rec := &alertingtest.Recorder{}
	in := dattormmdriver.NewMailIntake(&dattormm.MailDecoder{AllowFrom: []string{"centrastage.net"}}, rec)
	for _, c := range []struct {
		name   string
		raw    string
		reason alerting.Reason
		says   string
	}{
		{"newsletter", "From: news@vendor.example\r\nSubject: Our spring offers\r\n\r\nBuy now\r\n", alerting.ReasonBadSignature, "allow-list"},
		{"not an alert", "From: " + dattoFrom + "\r\nSubject: Your weekly report\r\n\r\n-\r\n", alerting.ReasonMalformedPayload, "no Alert{"},
		{"reply", strings.Replace(alertMail(uid, false, dattoFrom), "Subject: ", "Subject: Re: ", 1), alerting.ReasonMalformedPayload, "a reply"},
		{"forged sender", alertMail(uid, true, "it@attacker.example"), alerting.ReasonBadSignature, "it@attacker.example"},
	} {
		before := len(rec.Rejected())
		res, err := in.Accept(t.Context(), parseMail(t, c.raw))
		if err == nil || !alerting.IsPermanent(err) || !strings.Contains(err.Error(), c.says) || res.Reason != c.reason {
			t.Errorf("%s: %+v, %v; want a permanent error saying %q (%s)", c.name, res, err, c.says, c.reason)
		}
		if r := rec.Rejected(); len(r) != before+1 || r[len(r)-1] != c.reason {
			t.Errorf("%s: rejections %v; want one more, %s", c.name, r, c.reason)
		}
	}
	if n := len(rec.Accepted()); n != 0 {
		t.Errorf("refused mails produced %d alerts", n)
	}
	if err := in.HandleMail(t.Context(), parseMail(t, alertMail(uid, false, dattoFrom))); err != nil || len(rec.Accepted()) != 1 {
		t.Errorf("a Datto alert e-mail: %v, %d accepted", err, len(rec.Accepted()))
	}
	rec.FailNext(errors.New("store down"))
	if err := in.HandleMail(t.Context(), parseMail(t, alertMail(uid, false, dattoFrom))); err == nil || alerting.IsPermanent(err) || errors.Is(err, alerting.ErrRejected) {
		t.Errorf("store failure: %v; want a transient error (retry)", err)
	}
}

// The enricher holds e-mails to the API: a resolve Datto contradicts, or
// that it cannot confirm, is ignored; so is a raise Datto does not know. A
// webhook's resolve, which carries the secret, still goes on unconfirmed
// when the API is down.
func TestEnricherMailRules(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site, dev, al := seedDiskAlert(srv)
	en := dattormmdriver.NewEnricher(c)
	mailAlert := func(uid string, resolved bool) alerting.Alert {
		a, err := dattormmdriver.MailAlert(parseMail(t, alertMail(uid, resolved, dattoFrom)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	const unknown = "0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f"
	down := func() {
		srv.Inject(dattormmtest.Fault{Path: "/api/v2/alert/", Status: http.StatusInternalServerError, Times: 20})
	}

	a := mailAlert(al.AlertUID, false)
	if err := en.Enrich(t.Context(), &a); err != nil || a.Customer.ID != site.UID || a.Device.ID != dev.UID || a.Severity != alerting.SeverityCritical {
		t.Errorf("raise e-mail of a real alert: %+v %v", a, err)
	}
	for _, c := range []struct {
		name         string
		a            alerting.Alert
		fault        bool
		contradicted bool
	}{
		{"raise e-mail, unknown alert", mailAlert(unknown, false), false, true},
		{"raise e-mail, API down", mailAlert(al.AlertUID, false), true, false},
		{"resolve e-mail, alert open (forged)", mailAlert(al.AlertUID, true), false, true},
		{"resolve e-mail, API down", mailAlert(al.AlertUID, true), true, true},
		{"resolve e-mail, unknown alert", mailAlert(unknown, true), false, false},
	} {
		if c.fault {
			down()
		}
		err := en.Enrich(t.Context(), &c.a)
		if got := errors.Is(err, alerting.ErrContradicted); got != c.contradicted {
			t.Errorf("%s: %v; contradicted %v, want %v", c.name, err, got, c.contradicted)
		}
		srv.ClearFaults()
	}
	// The webhook rule is unchanged: its resolve is not refused when Datto
	// cannot be asked.
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	_, resolved := dattormm.WebhookTemplates(hookSecret)
	wa, _ := v.Decode([]byte(fillHook(resolved, al.AlertUID, "Disk full")))
	hook := dattormmdriver.ToAlert(wa, nil)
	down()
	defer srv.ClearFaults()
	if err := en.Enrich(t.Context(), &hook); err == nil || errors.Is(err, alerting.ErrContradicted) {
		t.Errorf("webhook resolve, API down: %v; want a plain error (go on unconfirmed)", err)
	}
}

// End to end on the engine: a webhook raise opens the ticket; a forged
// resolve e-mail (Datto reports the alert open) leaves it open; the same
// alert's raise e-mail is a duplicate of the webhook; once Datto has
// resolved the alert, the resolve e-mail closes the ticket.
func TestMailThroughEngine(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site, _, al := seedDiskAlert(srv)
	eng, sink := engineOn(t, c, site.UID)
	in := dattormmdriver.NewMailIntake(nil, eng)
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	if w := post(dattormmdriver.NewWebhookHandler(v, eng), http.MethodPost, fillHook(raised, al.AlertUID, "Disk full")); w.Code != 200 {
		t.Fatalf("webhook: %d %s", w.Code, w.Body)
	}
	process := func() {
		t.Helper()
		if _, err := eng.ProcessPending(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	process()
	tks := sink.Tickets()
	if len(tks) != 1 {
		t.Fatalf("tickets %+v", tks)
	}
	forged := alertMail(al.AlertUID, true, "noreply@centrastage.net")
	if _, err := in.Accept(t.Context(), parseMail(t, forged)); err != nil {
		t.Fatal(err)
	}
	process()
	st, _ := eng.Stats(t.Context())
	if tk, _ := sink.Ticket(tks[0].ID); tk.State != alerting.TicketOpen || st.Ignored[alerting.ReasonContradicted] != 1 {
		t.Fatalf("forged resolve e-mail: ticket %s, ignored %v", tk.State, st.Ignored)
	}
	if res, err := in.Accept(t.Context(), parseMail(t, alertMail(al.AlertUID, false, dattoFrom))); err != nil || res.Outcome != alerting.OutcomeDuplicate {
		t.Errorf("raise e-mail after the webhook: %+v %v; want a duplicate", res, err)
	}
	// The forged resolve consumed only its own event: once Datto has
	// resolved the alert, the genuine resolve webhook closes the ticket,
	// and the genuine resolve e-mail after it changes nothing.
	al.Resolved, al.ResolvedBy = true, "monitor"
	srv.SeedAlert(al)
	if w := post(dattormmdriver.NewWebhookHandler(v, eng), http.MethodPost, fillHook(resolved, al.AlertUID, "Disk full")); w.Code != 200 {
		t.Fatalf("resolve webhook: %d %s", w.Code, w.Body)
	}
	process()
	if tk, _ := sink.Ticket(tks[0].ID); tk.State != alerting.TicketClosed {
		t.Fatalf("genuine resolve webhook after a forged resolve e-mail: ticket %s; want closed", tk.State)
	}
	if _, err := in.Accept(t.Context(), parseMail(t, alertMail(al.AlertUID, true, dattoFrom)+"\r\n")); err != nil {
		t.Fatal(err)
	}
	process()
	if n := len(sink.Tickets()); n != 1 {
		t.Errorf("%d tickets; want 1", n)
	}

	// An alert raised and resolved by e-mail alone.
	al2 := srv.SeedAlert(dattormm.Alert{Priority: "Low", AlertSourceInfo: al.AlertSourceInfo})
	if _, err := in.Accept(t.Context(), parseMail(t, alertMail(al2.AlertUID, false, dattoFrom))); err != nil {
		t.Fatal(err)
	}
	process()
	var tk2 alertingtest.Ticket
	for _, tk := range sink.Tickets() {
		if tk.Alert.ID() == al2.AlertUID {
			tk2 = tk
		}
	}
	if tk2.ID == "" || tk2.Customer != "C1" || tk2.Alert.Device.ID == "" {
		t.Fatalf("raise e-mail made no enriched ticket for C1: %+v", sink.Tickets())
	}
	al2.Resolved = true
	srv.SeedAlert(al2)
	if _, err := in.Accept(t.Context(), parseMail(t, alertMail(al2.AlertUID, true, dattoFrom))); err != nil {
		t.Fatal(err)
	}
	process()
	if tk, _ := sink.Ticket(tk2.ID); tk.State != alerting.TicketClosed {
		t.Errorf("confirmed resolve e-mail: ticket %s; want closed", tk.State)
	}
}

const mailSecret = "mail-secret-0123456789abcdef0123"

// The HTTP mail endpoint over MailIntake passes the suite every intake
// passes; "forged" is a delivery with the wrong password.
func TestMailEndpointConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
		const uid = "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"
		e, err := receiver.NewMailEndpoint(dattormmdriver.NewMailIntake(nil, rec), receiver.Limits{}, mailSecret)
		if err != nil {
			t.Fatal(err)
		}
		delivery := func(raw, password string) alertingtest.Delivery {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.SetBasicAuth("mspsync", password)
			return alertingtest.Delivery{Body: []byte(raw), Header: http.Header{
				"Content-Type": {"message/rfc822"}, "Authorization": {r.Header.Get("Authorization")}}}
		}
		return alertingtest.IntakeFixture{
			Handler:   e,
			Source:    dattormmdriver.Kind,
			Raise:     delivery(alertMail(uid, false, dattoFrom), mailSecret),
			Resolve:   delivery(alertMail(uid, true, dattoFrom), mailSecret),
			Forged:    delivery(alertMail(uid, false, dattoFrom), "wrong-password-0123456789abcdef"),
			Malformed: delivery("From: "+dattoFrom+"\r\nSubject: Datto RMM maintenance window\r\n\r\nTonight.\r\n", mailSecret),
		}
	})
}

// A message handed over twice — a crash after the engine recorded it and
// before the watcher moved it — is one ticket.
func TestMaildirCrashWindowIsDeduplicated(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site, _, al := seedDiskAlert(srv)
	eng, sink := engineOn(t, c, site.UID)
	dir := t.TempDir()
	md := &receiver.Maildir{Dir: dir, Handler: dattormmdriver.NewMailIntake(nil, eng)}
	raw := alertMail(al.AlertUID, false, dattoFrom)
	for i := range 2 {
		os.MkdirAll(filepath.Join(dir, "new"), 0o700)
		if err := os.WriteFile(filepath.Join(dir, "new", "1700000001.M1P1.host"), []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		if st, err := md.Poll(t.Context()); err != nil || st.Handled != 1 {
			t.Fatalf("poll %d: %+v %v", i, st, err)
		}
		if _, err := eng.ProcessPending(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := eng.Stats(t.Context())
	if n := len(sink.Tickets()); n != 1 || st.Deduplicated != 1 {
		t.Errorf("%d tickets, %d deduplicated; want 1 and 1", n, st.Deduplicated)
	}
}
