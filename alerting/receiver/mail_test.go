package receiver_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
)

// mailbox is a receiver.MailHandler that takes messages whose subject
// starts with "Alert", refuses others for good, and fails (transiently)
// while down is set.
type mailbox struct {
	mu       sync.Mutex
	subjects []string
	rejected []alerting.Reason
	down     bool
}

func (b *mailbox) HandleMail(_ context.Context, msg *mail.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := msg.Header.Get("Subject")
	switch {
	case b.down:
		return errors.New("store unavailable")
	case !strings.HasPrefix(s, "Alert"):
		return alerting.Permanent(errors.New("not an alert: " + s))
	case strings.Contains(s, "unmapped"):
		return &alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer, EventKey: "x"}
	}
	b.subjects = append(b.subjects, s)
	return nil
}

func (b *mailbox) RejectMail(_ context.Context, reason alerting.Reason, _ error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rejected = append(b.rejected, reason)
}

func (b *mailbox) handled() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.subjects)
}

func (b *mailbox) setDown(v bool) { b.mu.Lock(); b.down = v; b.mu.Unlock() }

func rawMail(subject string) string {
	return "From: rmm@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.com>\r\n\r\nbody\r\n"
}

const mailSecret = "mail-secret-0123456789abcdef0123"

func TestMailEndpoint(t *testing.T) {
	box := &mailbox{}
	e, err := receiver.NewMailEndpoint(box, receiver.Limits{MaxBodyBytes: 4 << 10}, mailSecret)
	if err != nil {
		t.Fatal(err)
	}
	form := func(field, value string, file bool) (string, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("sender", "rmm@example.com")
		mw.WriteField("subject", "ignored")
		if file {
			fw, _ := mw.CreateFormFile(field, "message.eml")
			fw.Write([]byte(value))
		} else {
			mw.WriteField(field, value)
		}
		mw.Close()
		return mw.FormDataContentType(), b.String()
	}
	basic := func(r *http.Request) { r.SetBasicAuth("mspsync", mailSecret) }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+mailSecret) }
	wrong := func(r *http.Request) { r.SetBasicAuth("mspsync", "guess-guess-guess-guess") }
	none := func(*http.Request) {}
	mgCT, mgBody := form("body-mime", rawMail("Alert mailgun"), false)
	sgCT, sgBody := form("email", rawMail("Alert sendgrid"), false)
	fileCT, fileBody := form("message", rawMail("Alert file"), true)
	noFieldCT, noFieldBody := form("text", "hello", false)
	for _, c := range []struct {
		name, method, ct, body string
		auth                   func(*http.Request)
		status                 int
		handled                string
		rejected               alerting.Reason
	}{
		{"raw rfc822", "POST", "message/rfc822", rawMail("Alert raw"), basic, 200, "Alert raw", ""},
		{"raw text/plain, bearer", "POST", "text/plain", rawMail("Alert bearer"), bearer, 200, "Alert bearer", ""},
		{"raw without a content type", "POST", "", rawMail("Alert bare"), basic, 200, "Alert bare", ""},
		{"mailgun body-mime", "POST", mgCT, mgBody, basic, 200, "Alert mailgun", ""},
		{"sendgrid email", "POST", sgCT, sgBody, basic, 200, "Alert sendgrid", ""},
		{"form file", "POST", fileCT, fileBody, basic, 200, "Alert file", ""},
		{"url-encoded", "POST", "application/x-www-form-urlencoded", url.Values{"body-mime": {rawMail("Alert urlenc")}}.Encode(), basic, 200, "Alert urlenc", ""},
		{"unauthenticated", "POST", "message/rfc822", rawMail("Alert x"), none, 401, "", alerting.ReasonBadSignature},
		{"wrong password", "POST", "message/rfc822", rawMail("Alert x"), wrong, 401, "", alerting.ReasonBadSignature},
		{"GET", "GET", "", "", basic, 405, "", ""},
		{"oversized", "POST", "message/rfc822", rawMail("Alert " + strings.Repeat("x", 5<<10)), basic, 413, "", alerting.ReasonMalformedPayload},
		{"form without the message", "POST", noFieldCT, noFieldBody, basic, 400, "", alerting.ReasonMalformedPayload},
		{"not a message", "POST", "text/plain", "hello", basic, 400, "", alerting.ReasonMalformedPayload},
		{"empty", "POST", "text/plain", "", basic, 400, "", alerting.ReasonMalformedPayload},
		{"not an alert", "POST", "message/rfc822", rawMail("Lunch"), basic, 406, "", ""},
		{"rejected alert", "POST", "message/rfc822", rawMail("Alert unmapped"), basic, 422, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, rejBefore := len(box.handled()), len(box.rejected)
			r := httptest.NewRequest(c.method, "/mail/datto", strings.NewReader(c.body))
			if c.ct != "" {
				r.Header.Set("Content-Type", c.ct)
			}
			c.auth(r)
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("status %d %s; want %d", w.Code, w.Body, c.status)
			}
			got := box.handled()[before:]
			if (c.handled == "" && len(got) != 0) || (c.handled != "" && !slices.Equal(got, []string{c.handled})) {
				t.Errorf("handled %q; want %q", got, c.handled)
			}
			rej := box.rejected[rejBefore:]
			if (c.rejected == "" && len(rej) != 0) || (c.rejected != "" && !slices.Equal(rej, []alerting.Reason{c.rejected})) {
				t.Errorf("rejected %v; want %q", rej, c.rejected)
			}
			if c.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(w.Body.String(), mailSecret) {
				t.Error("secret in the answer")
			}
		})
	}
	box.setDown(true)
	r := httptest.NewRequest("POST", "/mail/datto", strings.NewReader(rawMail("Alert later")))
	basic(r)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("store down: %d; want 503 with Retry-After so the service retries", w.Code)
	}
	if _, err := receiver.NewMailEndpoint(box, receiver.Limits{}); err == nil {
		t.Error("an endpoint without a secret was built")
	}
	if _, err := receiver.NewMailEndpoint(box, receiver.Limits{}, "short"); err == nil {
		t.Error("a short secret was accepted")
	}
}

// deliver creates a Maildir and delivers messages into new/ the way an
// MDA does (tmp/, then a rename).
func deliver(t *testing.T, dir string, msgs map[string]string) {
	t.Helper()
	for _, d := range []string{"new", "cur", "tmp"} {
		os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	for name, raw := range msgs {
		tmp := filepath.Join(dir, "tmp", name)
		if err := os.WriteFile(tmp, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
			t.Fatal(err)
		}
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestMaildirOnceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	box := &mailbox{}
	deliver(t, dir, map[string]string{
		"1700000001.M1P1.host": rawMail("Alert one"),
		"1700000002.M2P1.host": rawMail("Newsletter"),
		"1700000003.M3P1.host": "not a message at all",
		"1700000004.M4P1.host": rawMail("Alert " + strings.Repeat("big ", 100)),
		"1700000005.M5P1.host": rawMail("Alert unmapped customer"),
		".hidden":              rawMail("Alert hidden"),
	})
	md := &receiver.Maildir{Dir: dir, Handler: box, MaxMessageBytes: 300}
	st, err := md.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st != (receiver.MaildirStats{Handled: 1, Failed: 4}) || !slices.Equal(box.handled(), []string{"Alert one"}) {
		t.Fatalf("stats %+v, handled %q", st, box.handled())
	}
	if got := names(t, filepath.Join(dir, "cur")); !slices.Equal(got, []string{"1700000001.M1P1.host:2,S"}) {
		t.Errorf("cur/ = %q", got)
	}
	if got := names(t, filepath.Join(dir, "failed")); len(got) != 4 {
		t.Errorf("failed/ = %q", got)
	}
	if got := names(t, filepath.Join(dir, "new")); !slices.Equal(got, []string{".hidden"}) {
		t.Errorf("new/ = %q", got)
	}
	if !slices.Equal(box.rejected, []alerting.Reason{alerting.ReasonMalformedPayload, alerting.ReasonMalformedPayload}) {
		t.Errorf("RejectMail reasons %v; want the unreadable and the oversized message", box.rejected)
	}

	// A restart: a new watcher on the same directory handles only what is new.
	deliver(t, dir, map[string]string{"1700000006.M6P1.host": rawMail("Alert two")})
	md = &receiver.Maildir{Dir: dir, Handler: box}
	for range 2 {
		if _, err := md.Poll(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := box.handled(); !slices.Equal(got, []string{"Alert one", "Alert two"}) {
		t.Errorf("after a restart handled %q; want each message once", got)
	}
}

func TestMaildirRetriesWhenNotRecorded(t *testing.T) {
	dir := t.TempDir()
	box := &mailbox{down: true}
	deliver(t, dir, map[string]string{"1.a": rawMail("Alert a"), "2.b": rawMail("Alert b")})
	md := &receiver.Maildir{Dir: dir, Handler: box}
	st, err := md.Poll(t.Context())
	if err == nil || st.Deferred != 2 || len(names(t, filepath.Join(dir, "new"))) != 2 {
		t.Fatalf("store down: %+v %v; want both left in new/", st, err)
	}
	box.setDown(false)
	if st, err := md.Poll(t.Context()); err != nil || st.Handled != 2 {
		t.Fatalf("store back: %+v %v", st, err)
	}
	if got := names(t, filepath.Join(dir, "new")); len(got) != 0 {
		t.Errorf("new/ = %q", got)
	}
}

func TestMaildirRun(t *testing.T) {
	dir := t.TempDir()
	box := &mailbox{}
	ctx, cancel := context.WithCancel(t.Context())
	md := &receiver.Maildir{Dir: filepath.Join(dir, "Maildir"), Handler: box, Interval: 5 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- md.Run(ctx) }()
	deliverWhenReady := func() {
		for range 200 {
			if _, err := os.Stat(filepath.Join(dir, "Maildir", "tmp")); err == nil {
				break
			}
			waitABit()
		}
		deliver(t, filepath.Join(dir, "Maildir"), map[string]string{"1.x": rawMail("Alert run")})
	}
	deliverWhenReady()
	for range 400 {
		if len(box.handled()) == 1 {
			break
		}
		waitABit()
	}
	cancel()
	if err := <-done; err != nil || !slices.Equal(box.handled(), []string{"Alert run"}) {
		t.Errorf("Run: %v, handled %q", err, box.handled())
	}
}

func waitABit() { time.Sleep(5 * time.Millisecond) }
