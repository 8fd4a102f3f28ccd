package dattormm

import (
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"testing"
)

// mailMsg builds an RFC 5322 message with CRLF line ends, as a mail server
// stores it.
func mailMsg(headers, body string) string {
	return strings.ReplaceAll(strings.TrimLeft(headers, "\n")+"\n"+body, "\n", "\r\n")
}

func readTestMail(t *testing.T, raw string) *mail.Message {
	t.Helper()
	msg, err := ReadMail(strings.NewReader(raw), 0)
	if err != nil {
		t.Fatalf("ReadMail: %v", err)
	}
	return msg
}

// datto is the header block of an alert e-mail as Datto RMM sends it for a
// monitor whose subject is MailSubjectRaised (or the Halo example).
const dattoHeaders = `
Return-Path: <noreply@centrastage.net>
From: "Datto RMM" <noreply@centrastage.net>
To: alerts@msp.example
Date: Tue, 25 Nov 2026 10:00:03 +0000
Message-ID: <20261125100003.4f2a@merlot.centrastage.net>
MIME-Version: 1.0
`

const dattoPlainBody = `A monitor has raised an alert.

Site: Contoso - HQ
Device: CONTOSO-LT042
Device UID: 6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b
Alert Type: Disk usage
Priority: High
Message: C: is 92% full (8.1 GB free of 100 GB)

View the alert: https://merlot.rmm.datto.com/alert/` + uid1 + `
`

func TestMailDecode(t *testing.T) {
	plain := func(subject, body string) string {
		return mailMsg(dattoHeaders+"Subject: "+subject+"\nContent-Type: text/plain; charset=utf-8\n", body)
	}
	htmlMail := mailMsg(dattoHeaders+"Subject: =?UTF-8?Q?Alert_on_device:_10.0.0.42,_reason_Disk_usage_=E2=80=93?= Alert{"+uid1+"}\n"+
		"Content-Type: multipart/alternative; boundary=\"b1\"\n", `--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><style>td{color:red}</style></head><body><table>
<tr><td>Site:</td><td>Contoso &amp; Sons</td></tr>
<tr><td>Device:</td><td>CONTOSO-LT042</td></tr>
<tr><td>Priority:</td><td>Critical</td></tr>
<tr><td>Message:</td><td>C: is 92% =
full</td></tr></table></body></html>
--b1--
`)
	altMail := mailMsg(dattoHeaders+"Subject: Disk usage - Alert{"+uid1+"}\nContent-Type: multipart/alternative; boundary=b2\n", `--b2
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: base64

U2l0ZTogQ2Fm6SBN/GxsZXIKRGV2aWNlOiBDQUZFLVBDMDEK
--b2
Content-Type: text/html

<p>Site: wrong (HTML part loses to plain text)</p>
--b2--
`)
	cases := []struct {
		name string
		raw  string
		want MailAlert
	}{
		{"raise, plain text", plain("Disk usage - Alert{"+uid1+"}", dattoPlainBody), MailAlert{
			AlertUID: uid1, SiteName: "Contoso - HQ", DeviceHostname: "CONTOSO-LT042", DeviceUID: "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b",
			AlertType: "Disk usage", AlertPriority: "High", AlertMessage: "C: is 92% full (8.1 GB free of 100 GB)"}},
		{"resolve by subject", plain("Resolved: Disk usage - Alert{"+uid1+"}", dattoPlainBody), MailAlert{
			AlertUID: uid1, Resolved: true, SiteName: "Contoso - HQ", DeviceHostname: "CONTOSO-LT042", DeviceUID: "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b",
			AlertType: "Disk usage", AlertPriority: "High", AlertMessage: "C: is 92% full (8.1 GB free of 100 GB)"}},
		{"resolve by [Resolved] after Fwd", plain("Fwd: [RESOLVED] Disk usage Alert{"+uid1+"}", "Device: X1\n"), MailAlert{
			AlertUID: uid1, Resolved: true, DeviceHostname: "X1", AlertMessage: "Disk usage"}},
		{"resolve by Status line", plain("Disk usage - Alert{"+uid1+"}", "Status: Resolved\nDevice: X1\n"), MailAlert{
			AlertUID: uid1, Resolved: true, DeviceHostname: "X1", AlertMessage: "Disk usage"}},
		{"raise whose text says resolved", plain("DNS name could not be resolved - Alert{"+uid1+"}", "Message: host name could not be resolved\n"), MailAlert{
			AlertUID: uid1, AlertMessage: "host name could not be resolved"}},
		{"Halo's example subject, no body fields", plain("Alert on device: 10.0.0.42, reason Service stopped - Alert{"+uid1+"}", "Spooler stopped.\n"), MailAlert{
			AlertUID: uid1, AlertMessage: "Alert on device: 10.0.0.42, reason Service stopped"}},
		{"HTML only, encoded subject, QP", htmlMail, MailAlert{
			AlertUID: uid1, SiteName: "Contoso & Sons", DeviceHostname: "CONTOSO-LT042", AlertPriority: "Critical", AlertMessage: "C: is 92% full"}},
		{"plain before HTML, base64 Latin-1", altMail, MailAlert{
			AlertUID: uid1, SiteName: "Café Müller", DeviceHostname: "CAFE-PC01", AlertMessage: "Disk usage"}},
		{"placeholders Datto left are empty", plain("x Alert{"+uid1+"}", "Site: [sitename]\nDevice: [device_hostname]\nDevice: later\n"), MailAlert{
			AlertUID: uid1, AlertMessage: "x"}},
		{"same UID twice", plain("Alert{"+uid1+"} again Alert{"+strings.ToUpper(uid1)+"}", ""), MailAlert{
			AlertUID: uid1, AlertMessage: "again"}},
	}
	var d MailDecoder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.Decode(readTestMail(t, c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if got.From != "noreply@centrastage.net" || got.MessageID != "20261125100003.4f2a@merlot.centrastage.net" || got.Date.IsZero() || got.Subject == "" {
				t.Errorf("headers: from %q id %q date %v subject %q", got.From, got.MessageID, got.Date, got.Subject)
			}
			got.From, got.MessageID, got.Subject, got.Date = "", "", "", c.want.Date
			if *got != c.want {
				t.Errorf("decoded\n %+v\nwant\n %+v", *got, c.want)
			}
		})
	}
}

func TestMailDecodeRefuses(t *testing.T) {
	plain := func(extra, subject, body string) string {
		return mailMsg(dattoHeaders+extra+"Subject: "+subject+"\nContent-Type: text/plain\n", body)
	}
	big := strings.Repeat("x", DefaultMailMaxBody+1)
	cases := []struct {
		name string
		d    MailDecoder
		raw  string
		kind error
		says string
	}{
		{"newsletter", MailDecoder{}, plain("", "Datto RMM release notes 14.9", "Hello"), ErrMailNotAlert, "no Alert{"},
		{"test mail with placeholder", MailDecoder{}, plain("", "Test - Alert{[alertuid]}", ""), ErrMailTest, "[alertuid]"},
		{"webhook placeholder name", MailDecoder{}, plain("", "Test - Alert{[alert_uid]}", ""), ErrMailTest, "without an underscore"},
		{"not a UUID", MailDecoder{}, plain("", "Alert{../../account}", ""), ErrMailNotAlert, "UUID"},
		{"two alerts", MailDecoder{}, plain("", "Alert{"+uid1+"} and Alert{"+uid2+"}", ""), ErrMailNotAlert, "2 different alerts"},
		{"reply", MailDecoder{}, plain("", "RE: Disk usage - Alert{"+uid1+"}", "Is this fixed?"), ErrMailNotAlert, "a reply"},
		{"forwarded reply", MailDecoder{}, plain("", "Fwd: Re: Disk usage - Alert{"+uid1+"}", ""), ErrMailNotAlert, "a reply"},
		{"out of office", MailDecoder{}, plain("Auto-Submitted: auto-replied\n", "Automatic reply: Alert{"+uid1+"}", "I am away"), ErrMailNotAlert, "automatic reply"},
		{"bounce", MailDecoder{}, mailMsg(dattoHeaders+"Subject: Undelivered Mail: Alert{"+uid1+"}\nContent-Type: multipart/report; report-type=delivery-status; boundary=z\n", "--z--\n"), ErrMailNotAlert, "report"},
		{"subject resolved, body open", MailDecoder{}, plain("", "Resolved: Alert{"+uid1+"}", "Status: Open\n"), ErrMailNotAlert, "refusing to guess"},
		{"sender not allowed", MailDecoder{AllowFrom: []string{"rmm.example"}}, plain("", "Alert{"+uid1+"}", ""), ErrMailSender, "noreply@centrastage.net"},
		{"too large", MailDecoder{}, plain("", "Alert{"+uid1+"}", big), ErrMailTooLarge, "larger than"},
		{"bad base64", MailDecoder{}, mailMsg(dattoHeaders+"Subject: Alert{"+uid1+"}\nContent-Transfer-Encoding: base64\n", "!!!!\n"), ErrMailMalformed, "base64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, err := ReadMail(strings.NewReader(c.raw), int64(len(c.raw)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.d.Decode(msg)
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("Decode = %+v, %v; want %v saying %q", got, err, c.kind, c.says)
			}
			var me *MailError
			if !errors.As(err, &me) || me.Reason == "" {
				t.Errorf("error %T without a reason", err)
			}
		})
	}
}

func TestMailAllowFrom(t *testing.T) {
	for _, c := range []struct {
		allow []string
		from  string
		ok    bool
	}{
		{nil, "anyone@anywhere.example", true},
		{[]string{"centrastage.net"}, "noreply@centrastage.net", true},
		{[]string{"@centrastage.net"}, "noreply@merlot.centrastage.net", true},
		{[]string{"centrastage.net"}, "noreply@evilcentrastage.net", false},
		{[]string{"Alerts@MSP.example"}, "alerts@msp.example", true},
		{[]string{"alerts@msp.example"}, "other@msp.example", false},
		{[]string{"msp.example"}, "", false},
	} {
		d := MailDecoder{AllowFrom: c.allow}
		if got := d.senderOK(c.from); got != c.ok {
			t.Errorf("AllowFrom %v, From %q: %v; want %v", c.allow, c.from, got, c.ok)
		}
	}
}

func TestMailResolvedSubjectConfigurable(t *testing.T) {
	d := MailDecoder{ResolvedSubject: regexp.MustCompile(`(?i)^OK\b`)}
	raw := mailMsg(dattoHeaders+"Subject: OK - Disk usage Alert{"+uid1+"}\n", "")
	got, err := d.Decode(readTestMail(t, raw))
	if err != nil || !got.Resolved || got.AlertMessage != "Disk usage" {
		t.Fatalf("Decode = %+v, %v; want a resolve titled Disk usage", got, err)
	}
	if got.EventID() != "datto:"+uid1+":resolved" {
		t.Errorf("EventID = %s", got.EventID())
	}
}

func TestReadMail(t *testing.T) {
	if _, err := ReadMail(strings.NewReader("just text, no headers"), 0); !errors.Is(err, ErrMailMalformed) {
		t.Errorf("headerless text: %v", err)
	}
	if _, err := ReadMail(strings.NewReader(strings.Repeat("x", 100)), 50); !errors.Is(err, ErrMailTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}
