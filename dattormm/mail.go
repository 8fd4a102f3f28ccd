package dattormm

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Alert e-mails.
//
// Datto RMM monitors can send an e-mail when they raise an alert. The
// subject and body are templates the user writes with Datto's e-mail
// variables ([alertuid], [alert], [ipaddress], … — not the webhook's
// names). HaloPSA's convention, which mspsync follows, puts the alert UID in
// the subject as Alert{[alertuid]}; MailSubjectRaised and
// MailSubjectResolved are the subjects to paste.
//
// uncertain: how Datto marks a resolution e-mail (whether it sends one, and
// with which subject) is not documented. MailDecoder therefore decides
// "resolved" only from a clear marker — by default a subject that starts
// with "Resolved" (DefaultResolvedSubject, configurable) or a body line
// "Status: Resolved" — and everything else with an Alert{uid} is a raise.
// A misread resolve costs nothing (the raise is a duplicate), and a resolve
// is confirmed with the API before it closes anything
// (dattormmdriver.NewEnricher).
const (
	// MailSubjectRaised is the monitor e-mail subject to paste into Datto
	// RMM for alert e-mails.
	MailSubjectRaised = "[alert] - Alert{[alertuid]}"
	// MailSubjectResolved is the subject for resolution e-mails, where the
	// monitor offers one.
	MailSubjectResolved = "Resolved: [alert] - Alert{[alertuid]}"
	// DefaultMailMaxBody is the largest message body MailDecoder reads
	// (1 MiB): alert e-mails are a few KiB; attachments are not needed.
	DefaultMailMaxBody = 1 << 20
)

// DefaultResolvedSubject matches the subject of a resolution e-mail once
// forwarding prefixes (Fwd:, FW:) are removed: it starts with "Resolved",
// "Alert resolved", "[Resolved]", "Cleared" or "Resolution", in any case.
var DefaultResolvedSubject = regexp.MustCompile(`(?i)^[\[(]?\s*(?:alert\s+)?(?:resolved|cleared|resolution)\b`)

// MailAlert is a decoded Datto RMM alert e-mail. Fields the e-mail does not
// carry (or carries as a literal [placeholder]) are empty.
type MailAlert struct {
	AlertUID string
	Resolved bool
	// AlertType, AlertMessage, AlertPriority, DeviceHostname, DeviceUID,
	// SiteName and SiteUID come from "Key: value" lines of the body (the
	// first occurrence of each key); AlertMessage falls back to the
	// subject without the Alert{…} token. DeviceUID and SiteUID are kept
	// only when they are UUIDs.
	AlertType      string
	AlertMessage   string
	AlertPriority  string
	DeviceHostname string
	DeviceUID      string
	SiteName       string
	SiteUID        string
	// From is the sender's address; MessageID the Message-ID header
	// (without angle brackets); Subject the decoded subject; Date the Date
	// header (zero when missing or unreadable).
	From      string
	MessageID string
	Subject   string
	Date      time.Time
}

// EventID is the idempotency key of the e-mail, the same as the webhook's
// for the same alert: "datto:<alert_uid>:raised" or
// "datto:<alert_uid>:resolved".
func (m *MailAlert) EventID() string {
	return (&WebhookAlert{AlertUID: m.AlertUID, Resolved: m.Resolved}).EventID()
}

// MailError says why an e-mail is not taken as an alert. Reason is safe to
// show: it names headers and rules, never the body.
type MailError struct {
	Reason string
	Kind   error
}

// Error returns the reason.
func (e *MailError) Error() string { return "dattormm mail: " + e.Reason }

// Is matches the Kind sentinel.
func (e *MailError) Is(target error) bool { return target == e.Kind }

// Sentinels of MailError.Kind.
var (
	// ErrMailNotAlert: the message is not a Datto RMM alert e-mail (no
	// Alert{uid} in the subject, a reply, an auto-reply, a bounce, a
	// subject naming several alerts, or conflicting raise/resolve markers).
	ErrMailNotAlert = errors.New("not a Datto RMM alert e-mail")
	// ErrMailSender: the sender is not on MailDecoder.AllowFrom.
	ErrMailSender = errors.New("sender not allowed")
	// ErrMailMalformed: the message cannot be read (encoding, MIME).
	ErrMailMalformed = errors.New("malformed e-mail")
	// ErrMailTooLarge: the body is larger than MailDecoder.MaxBody.
	ErrMailTooLarge = errors.New("e-mail too large")
	// ErrMailTest: the subject still holds Datto's literal [alertuid]
	// (a test e-mail, or a variable Datto did not fill in).
	ErrMailTest = errors.New("Datto test e-mail")
)

func mailErr(kind error, format string, args ...any) error {
	return &MailError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// MailDecoder decodes Datto RMM alert e-mails. The zero value is ready to
// use; it is safe for concurrent use once configured.
//
// An e-mail carries no shared secret, and its From header is whatever the
// sender wrote: AllowFrom filters mistakes and casual spam, it does not
// authenticate. What protects the intake is the channel (a local Maildir,
// an HTTP endpoint with its own credentials, see receiver.MailEndpoint)
// and the API check of dattormmdriver.NewEnricher, which lets no e-mail
// resolve an alert Datto reports open, or raise one Datto does not know.
type MailDecoder struct {
	// AllowFrom lists the senders accepted: full addresses
	// ("alerts@example.com") or domains ("example.com" or "@example.com",
	// which also match their subdomains). Empty accepts any sender.
	AllowFrom []string
	// ResolvedSubject matches the subject (forwarding prefixes removed) of
	// a resolution e-mail. Nil means DefaultResolvedSubject.
	ResolvedSubject *regexp.Regexp
	// MaxBody caps the body read (default DefaultMailMaxBody).
	MaxBody int64
}

var (
	subjectUIDs   = regexp.MustCompile(`Alert\{([^{}]*)\}`)
	replyPrefix   = regexp.MustCompile(`(?i)^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:`)
	fwdPrefix     = regexp.MustCompile(`(?i)^\s*(fwd?|fw|wg|tr|vs|rv)\s*(\[\d+\])?\s*:`)
	bodyField     = regexp.MustCompile(`^\s*[*_>-]*\s*([A-Za-z][A-Za-z _-]{0,30}?)\s*[*_]*\s*[:=]\s*(.*?)\s*$`)
	maxFieldChars = 1000
)

// mailFields maps a normalised body key (lower case, no spaces, '_' or
// '-') to the MailAlert field it fills.
var mailFields = map[string]string{
	"device": "host", "devicename": "host", "hostname": "host", "devicehostname": "host", "computer": "host", "computername": "host",
	"deviceuid": "deviceuid",
	"site":      "site", "sitename": "site", "customer": "site", "client": "site",
	"siteuid":      "siteuid",
	"alertmessage": "msg", "message": "msg", "alert": "msg", "reason": "msg", "description": "msg",
	"priority": "prio", "alertpriority": "prio", "severity": "prio",
	"alerttype": "type", "type": "type", "monitor": "type", "monitortype": "type", "alertcategory": "type", "category": "type",
	"status": "status", "alertstatus": "status", "state": "status",
}

// Decode reads msg (its body at most MaxBody bytes) and returns the alert
// it reports, or a *MailError saying why it is not one:
//
//   - the sender must match AllowFrom (when set);
//   - replies (Re:), auto-replies (Auto-Submitted: auto-replied) and
//     delivery reports (multipart/report) are not alerts;
//   - the subject must hold exactly one alert UID as Alert{<uid>}, a UUID
//     (a literal Alert{[alertuid]} is ErrMailTest); several different UIDs
//     are refused rather than guessed between;
//   - the e-mail is a resolve when its subject (Fwd:/FW: removed) matches
//     ResolvedSubject or its first Status line says resolved/cleared; a
//     subject and a Status line that disagree are refused;
//   - device, site, message, priority and type come from the first
//     "Key: value" line of each in the plain-text part (or the HTML part,
//     its tags removed). Keys: Device/Hostname/Computer, Device UID,
//     Site/Customer/Client, Site UID, Message/Alert/Reason/Description,
//     Priority/Severity, Alert type/Type/Monitor/Category, Status/State.
func (d *MailDecoder) Decode(msg *mail.Message) (*MailAlert, error) {
	if msg == nil {
		return nil, mailErr(ErrMailMalformed, "no message")
	}
	h := msg.Header
	m := &MailAlert{}
	if from, err := mail.ParseAddress(decodeHeader(h.Get("From"))); err == nil {
		m.From = strings.ToLower(from.Address)
	}
	if !d.senderOK(m.From) {
		if m.From == "" {
			return nil, mailErr(ErrMailSender, "the From header has no readable address and AllowFrom is set")
		}
		return nil, mailErr(ErrMailSender, "sender %s is not on the allow-list", m.From)
	}
	m.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	if t, err := h.Date(); err == nil {
		m.Date = t
	}
	m.Subject = strings.TrimSpace(decodeHeader(h.Get("Subject")))
	if as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); strings.HasPrefix(as, "auto-replied") {
		return nil, mailErr(ErrMailNotAlert, "an automatic reply (Auto-Submitted: %s), not an alert", as)
	}
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if ct == "multipart/report" {
		return nil, mailErr(ErrMailNotAlert, "a delivery or read report (multipart/report), not an alert")
	}
	subject := m.Subject
	for {
		loc := fwdPrefix.FindStringIndex(subject)
		if replyPrefix.MatchString(subject) {
			return nil, mailErr(ErrMailNotAlert, "a reply (subject starts with %q), not an alert from Datto RMM", strings.TrimSpace(subject[:strings.IndexByte(subject, ':')+1]))
		}
		if loc == nil {
			break
		}
		subject = strings.TrimSpace(subject[loc[1]:])
	}
	uid, err := subjectAlertUID(subject)
	if err != nil {
		return nil, err
	}
	m.AlertUID = uid

	body, err := d.readBody(msg.Body)
	if err != nil {
		return nil, err
	}
	text, err := mailText(ct, params, h.Get("Content-Transfer-Encoding"), body, 0)
	if err != nil {
		return nil, err
	}
	f := bodyFields(text)
	m.DeviceHostname, m.SiteName = f["host"], f["site"]
	m.AlertMessage, m.AlertPriority, m.AlertType = f["msg"], f["prio"], f["type"]
	if IsAlertUID(f["deviceuid"]) {
		m.DeviceUID = f["deviceuid"]
	}
	if IsAlertUID(f["siteuid"]) {
		m.SiteUID = f["siteuid"]
	}
	re := d.ResolvedSubject
	if re == nil {
		re = DefaultResolvedSubject
	}
	subjResolved := re.MatchString(subject)
	switch st := strings.ToLower(f["status"]); {
	case st == "":
		m.Resolved = subjResolved
	case statusResolved(st):
		m.Resolved = true
	case statusOpen(st):
		if subjResolved {
			return nil, mailErr(ErrMailNotAlert, "the subject says resolved but the body's Status line says %q; refusing to guess", f["status"])
		}
	default:
		m.Resolved = subjResolved // an unknown status word decides nothing
	}
	if m.AlertMessage == "" {
		m.AlertMessage = subjectTitle(subject, re)
	}
	return m, nil
}

func statusResolved(s string) bool {
	s = strings.Fields(s + " x")[0]
	return s == "resolved" || s == "cleared" || s == "closed" || s == "ok"
}

func statusOpen(s string) bool {
	s = strings.Fields(s + " x")[0]
	return s == "open" || s == "raised" || s == "active" || s == "triggered" || s == "new" || s == "alert"
}

// subjectAlertUID finds the one alert UID of a subject.
func subjectAlertUID(subject string) (string, error) {
	ms := subjectUIDs.FindAllStringSubmatch(subject, -1)
	if len(ms) == 0 {
		return "", mailErr(ErrMailNotAlert, "the subject has no Alert{<alert uid>}: put Alert{[alertuid]} in the monitor's e-mail subject (see MailSubjectRaised)")
	}
	var uid string
	for _, m := range ms {
		v := strings.TrimSpace(m[1])
		switch {
		case placeholder.MatchString(v):
			return "", mailErr(ErrMailTest, "the subject holds a literal Alert{%s}: Datto fills in [alertuid] only for real alerts (check the variable's spelling: the e-mail variable is [alertuid], without an underscore)", v)
		case !IsAlertUID(v):
			return "", mailErr(ErrMailNotAlert, "the subject's Alert{…} does not hold a Datto alert UID (a UUID)")
		case uid != "" && !strings.EqualFold(uid, v):
			return "", mailErr(ErrMailNotAlert, "the subject names %d different alerts; an alert e-mail names one", len(ms))
		}
		if uid == "" {
			uid = v
		}
	}
	return uid, nil
}

// subjectTitle is the subject without the Alert{…} token and the resolve
// marker, as a ticket title.
func subjectTitle(subject string, resolved *regexp.Regexp) string {
	s := subjectUIDs.ReplaceAllString(subject, "")
	if loc := resolved.FindStringIndex(s); loc != nil {
		s = s[loc[1]:]
	}
	return strings.Trim(s, " \t-–—:|[]()")
}

func (d *MailDecoder) senderOK(from string) bool {
	if len(d.AllowFrom) == 0 {
		return true
	}
	if from == "" {
		return false
	}
	_, domain, _ := strings.Cut(from, "@")
	for _, a := range d.AllowFrom {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "":
		case strings.Contains(strings.TrimPrefix(a, "@"), "@"):
			if a == from {
				return true
			}
		default:
			a = strings.TrimPrefix(a, "@")
			if domain == a || strings.HasSuffix(domain, "."+a) {
				return true
			}
		}
	}
	return false
}

func (d *MailDecoder) readBody(r io.Reader) ([]byte, error) {
	limit := d.MaxBody
	if limit <= 0 {
		limit = DefaultMailMaxBody
	}
	if r == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, mailErr(ErrMailMalformed, "reading the body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, mailErr(ErrMailTooLarge, "body larger than %d bytes", limit)
	}
	return b, nil
}

// ReadMail parses a raw RFC 5322 message of at most max bytes (max <= 0:
// DefaultMailMaxBody plus 64 KiB of headers).
func ReadMail(r io.Reader, max int64) (*mail.Message, error) {
	if max <= 0 {
		max = DefaultMailMaxBody + 64<<10
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, mailErr(ErrMailMalformed, "reading the message: %v", err)
	}
	if int64(len(b)) > max {
		return nil, mailErr(ErrMailTooLarge, "message larger than %d bytes", max)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return nil, mailErr(ErrMailMalformed, "not an RFC 5322 message: %v", err)
	}
	return msg, nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(toUTF8(charset, b)), nil
}}

// decodeHeader decodes RFC 2047 encoded words; on failure it returns the
// header as it is.
func decodeHeader(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// toUTF8 converts b from charset: UTF-8 and ASCII as they are, Latin-1
// and Windows-1252 byte by byte (as Latin-1), anything else with invalid
// sequences replaced.
func toUTF8(charset string, b []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252", "iso-8859-15":
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// mailText returns the readable text of a MIME entity: text/plain as it
// is, text/html without tags, the best part of a multipart (plain text
// before HTML), nothing for attachments and other types.
func mailText(ct string, params map[string]string, cte string, body []byte, depth int) (string, error) {
	if ct == "" {
		ct = "text/plain"
	}
	body, err := decodeTransfer(cte, body)
	if err != nil {
		return "", err
	}
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if depth > 5 || params["boundary"] == "" {
			return "", mailErr(ErrMailMalformed, "%s without a boundary, or nested too deep", ct)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var plain, htm string
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				if plain != "" || htm != "" {
					break // keep what was read before a broken trailer
				}
				return "", mailErr(ErrMailMalformed, "reading %s: %v", ct, err)
			}
			if disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); disp == "attachment" {
				continue
			}
			pb, err := io.ReadAll(p)
			if err != nil {
				return "", mailErr(ErrMailMalformed, "reading a %s part: %v", ct, err)
			}
			pct, pparams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if pct == "" {
				pct = "text/plain"
			}
			t, err := mailText(pct, pparams, p.Header.Get("Content-Transfer-Encoding"), pb, depth+1)
			if err != nil {
				return "", err
			}
			switch {
			case t == "":
			case pct == "text/html" && htm == "":
				htm = t
			case pct != "text/html" && plain == "":
				plain = t
			}
		}
		if plain != "" {
			return plain, nil
		}
		return htm, nil
	case ct == "text/plain":
		return toUTF8(params["charset"], body), nil
	case ct == "text/html":
		return htmlText(toUTF8(params["charset"], body)), nil
	}
	return "", nil
}

func decodeTransfer(cte string, b []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		if err != nil {
			return nil, mailErr(ErrMailMalformed, "bad quoted-printable body: %v", err)
		}
		return out, nil
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, b)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(out, clean)
		if err != nil {
			return nil, mailErr(ErrMailMalformed, "bad base64 body: %v", err)
		}
		return out[:n], nil
	}
	return b, nil
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlBreak = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|/table)\b[^>]*>`)
	htmlCell  = regexp.MustCompile(`(?i)<\s*/t[dh]\s*>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlText is a crude HTML-to-text: enough for "Key: value" lines in
// paragraphs and two-column tables.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = strings.NewReplacer("\r", "", "\n", " ").Replace(s)
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlCell.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// bodyFields reads the first "Key: value" line of every known key.
func bodyFields(text string) map[string]string {
	f := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := bodyField.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(m[1]))
		field, ok := mailFields[key]
		if !ok {
			continue
		}
		if _, seen := f[field]; seen {
			continue
		}
		v := strings.Join(strings.Fields(m[2]), " ")
		if placeholder.MatchString(v) {
			v = ""
		}
		if len(v) > maxFieldChars {
			v = strings.ToValidUTF8(v[:maxFieldChars], "")
		}
		f[field] = v
	}
	return f
}
