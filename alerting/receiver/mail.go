package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
)

// MailHandler takes the e-mails of Maildir and MailEndpoint (for example
// dattormmdriver.MailIntake).
type MailHandler interface {
	// HandleMail takes one message. nil: done (accepted, or a duplicate).
	// An error matching alerting.ErrRejected or marked alerting.Permanent
	// is final: the message is not an alert, or not one that will ever be
	// accepted; it is not retried. Any other error means nothing was
	// recorded: the message is offered again later.
	HandleMail(ctx context.Context, msg *mail.Message) error
	// RejectMail counts a delivery refused before it reached HandleMail:
	// bad credentials (alerting.ReasonBadSignature), an unreadable or
	// oversized message (alerting.ReasonMalformedPayload). err explains it
	// and carries neither the message nor a secret.
	RejectMail(ctx context.Context, reason alerting.Reason, err error)
}

// mailFinal reports whether a HandleMail error is final.
func mailFinal(err error) bool {
	return errors.Is(err, alerting.ErrRejected) || alerting.IsPermanent(err)
}

// DefaultMailFields are the form fields MailEndpoint reads a raw message
// from, in order: Mailgun's "body-mime" (a route forwarding to a URL
// ending in "mime"), SendGrid Inbound Parse's "email" ("POST the raw, full
// MIME message"), then "raw", "message" and "mime".
var DefaultMailFields = []string{"body-mime", "email", "raw", "message", "mime"}

// MailEndpoint is an http.Handler that takes e-mails the way mail
// forwarding services post them, and hands them to a MailHandler:
//
//   - POST only;
//   - authenticated by a secret of the user's: HTTP Basic (any user name,
//     the secret as the password: put https://mspsync:<secret>@host/path in
//     the forwarding service) or "Authorization: Bearer <secret>".
//     An e-mail carries no secret of its own, so this is what keeps
//     strangers from posting alerts. Missing or wrong: 401, counted as
//     alerting.ReasonBadSignature;
//   - the body capped at Limits.MaxBodyBytes (413);
//   - the message is the raw body (message/rfc822, text/plain, anything
//     that is not a form), or the first of Fields in a multipart/form-data
//     or URL-encoded form (a value or a file);
//   - answers: 200 {"ok":true} once HandleMail returned nil; 406 for a
//     message that is not an alert (final; Mailgun does not retry a 406),
//     422 when the engine rejects the alert (alerting.ErrRejected), 400
//     for a body that is not a message, 503 with Retry-After when nothing
//     was recorded (the service retries). Errors are {"error":"<reason>"}.
type MailEndpoint struct {
	handler MailHandler
	secrets intake.Secrets
	maxBody int64
	// Fields are the form fields that may hold the message (default
	// DefaultMailFields).
	Fields []string
	Logger *slog.Logger
}

// NewMailEndpoint returns the endpoint feeding h, with l's body cap,
// accepting any of secrets (two during a rotation; each at least 16
// characters: use 32 random bytes, hex or base64url).
func NewMailEndpoint(h MailHandler, l Limits, secrets ...string) (*MailEndpoint, error) {
	if h == nil {
		return nil, errors.New("receiver: NewMailEndpoint: nil handler")
	}
	sums, ok := intake.NewSecrets(secrets...)
	if !ok {
		return nil, errors.New("receiver: mail endpoint secret too short (use at least 32 random bytes, hex or base64url)")
	}
	e := &MailEndpoint{handler: h, maxBody: l.withDefaults().MaxBodyBytes, secrets: sums}
	if len(e.secrets) == 0 {
		return nil, errors.New("receiver: mail endpoint: no secret configured (an e-mail carries none; the endpoint must require one)")
	}
	return e, nil
}

// ServeHTTP takes one posted message.
func (e *MailEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := e.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reply := func(status int, msg string) { intake.Reply(w, status, msg) }
	refuse := func(status int, reason alerting.Reason, err error) {
		e.handler.RejectMail(ctx, reason, err)
		log.Warn("mail delivery refused", "reason", reason, "err", err)
		reply(status, err.Error())
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(http.StatusMethodNotAllowed, "POST only")
		return
	}
	if !e.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="mspsync mail", charset="UTF-8"`)
		refuse(http.StatusUnauthorized, alerting.ReasonBadSignature, errors.New("missing or wrong credentials (HTTP Basic password or Bearer token)"))
		return
	}
	if r.ContentLength > e.maxBody {
		w.Header().Set("Connection", "close")
		refuse(http.StatusRequestEntityTooLarge, alerting.ReasonMalformedPayload, fmt.Errorf("body larger than %d bytes", e.maxBody))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
	if err != nil {
		w.Header().Set("Connection", "close")
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			refuse(http.StatusRequestEntityTooLarge, alerting.ReasonMalformedPayload, fmt.Errorf("body larger than %d bytes", e.maxBody))
			return
		}
		reply(http.StatusRequestTimeout, "reading the request body failed or timed out")
		return
	}
	raw, err := e.rawMessage(r.Header.Get("Content-Type"), body)
	if err != nil {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, err)
		return
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, fmt.Errorf("the body is not an RFC 5322 message: %v", err))
		return
	}
	switch err := e.handler.HandleMail(ctx, msg); {
	case err == nil:
		reply(http.StatusOK, "")
	case errors.Is(err, alerting.ErrRejected):
		reply(http.StatusUnprocessableEntity, err.Error())
	case mailFinal(err):
		reply(http.StatusNotAcceptable, err.Error())
	default:
		log.Error("mail not recorded", "err", err)
		w.Header().Set("Retry-After", "60")
		reply(http.StatusServiceUnavailable, "not recorded; retry")
	}
}

// authorized checks the Basic password or Bearer token in constant time
// (SHA-256 digests, so lengths do not leak).
func (e *MailEndpoint) authorized(r *http.Request) bool {
	var given string
	if _, pw, ok := r.BasicAuth(); ok {
		given = pw
	} else if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		given = strings.TrimSpace(tok)
	}
	return e.secrets.Match(given)
}

// rawMessage finds the message in a request body.
func (e *MailEndpoint) rawMessage(contentType string, body []byte) ([]byte, error) {
	fields := e.Fields
	if len(fields) == 0 {
		fields = DefaultMailFields
	}
	ct, params, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "multipart/form-data":
		found := map[string][]byte{}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("reading the multipart form: %v", err)
			}
			name := p.FormName()
			if _, dup := found[name]; dup || !slices.Contains(fields, name) {
				continue
			}
			v, err := io.ReadAll(p)
			if err != nil {
				return nil, fmt.Errorf("reading form field %q: %v", name, err)
			}
			found[name] = v
		}
		for _, f := range fields {
			if v := found[f]; len(bytes.TrimSpace(v)) > 0 {
				return v, nil
			}
		}
		return nil, fmt.Errorf("the form has none of the fields %s holding the raw message", strings.Join(fields, ", "))
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("reading the form: %v", err)
		}
		for _, f := range fields {
			if v := q.Get(f); strings.TrimSpace(v) != "" {
				return []byte(v), nil
			}
		}
		return nil, fmt.Errorf("the form has none of the fields %s holding the raw message", strings.Join(fields, ", "))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body")
	}
	return body, nil
}
