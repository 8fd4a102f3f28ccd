package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
)

// The receiver takes alert e-mails at POST /mail/datto (with the secret)
// and from -maildir, into the same engine as webhooks.
func TestServeTakesAlertMail(t *testing.T) {
	t.Setenv("DATTO_MAIL_SECRET", "mail-secret-0123456789abcdef0123")
	eng, err := alerting.New(alerting.Config{CatchAll: &alerting.CatchAll{Customer: "1"}}, memstore.New(), alertingtest.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "Maildir")
	m, err := newMailSetup(options{maildir: dir, mailFrom: "centrastage.net, msp.example"}, eng, slog.New(slog.DiscardHandler), receiver.Limits{})
	if err != nil || m.endpoint == nil || m.maildir == nil {
		t.Fatalf("mail setup: %+v %v", m, err)
	}
	m.maildir.Interval = 10 * time.Millisecond
	verifier, _ := dattormm.NewWebhookVerifier(demoSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		errc <- serveWithMail(ctx, ln, eng, verifier, slog.New(slog.DiscardHandler), receiver.Limits{}, m)
	}()
	msg := func(uid string) string {
		return "From: noreply@centrastage.net\r\nSubject: Disk usage - Alert{" + uid + "}\r\n\r\nDevice: CON-PC01\r\n"
	}
	post := func(password string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/mail/datto", strings.NewReader(msg("b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978")))
		req.Header.Set("Content-Type", "message/rfc822")
		req.SetBasicAuth("mspsync", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong-secret-0123456789abcdef"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret answered %d", code)
	}
	if code := post("mail-secret-0123456789abcdef0123"); code != 200 {
		t.Errorf("alert e-mail answered %d", code)
	}
	for range 200 {
		if _, err := os.Stat(filepath.Join(dir, "tmp")); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	os.WriteFile(filepath.Join(dir, "tmp", "1.a"), []byte(msg("0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f")), 0o600)
	os.Rename(filepath.Join(dir, "tmp", "1.a"), filepath.Join(dir, "new", "1.a"))
	for range 400 {
		if _, err := os.Stat(filepath.Join(dir, "cur", "1.a:2,S")); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	st, _ := eng.Stats(t.Context())
	if st.Received != 2 {
		t.Errorf("engine received %d alerts; want 2 (one posted, one from the Maildir)", st.Received)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve: %v", err)
	}
}
