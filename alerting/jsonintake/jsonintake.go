package jsonintake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
)

// DefaultMaxBody is the largest body accepted unless WithMaxBody says
// otherwise (256 KiB).
const DefaultMaxBody = 256 << 10

// MinSecretLen is the shortest signing secret or token accepted. Use 32
// random bytes, hex or base64url (openssl rand -hex 32).
const MinSecretLen = intake.MinSecretLen

// UserCounter takes the user counts of customers (a PSA sink that bills
// per user sets a contract's unit count from them). SetUserCount is
// called once per delivery, after authentication and decoding; it should
// be quick and idempotent (the same count may arrive again).
//
// An error that matches alerting.ErrRejected or alerting.ErrNotFound, or
// is marked alerting.Permanent, is final: the sender is answered 422 and
// should not retry (an unknown customer, a customer without per-user
// billing). Any other error answers 503 so the sender retries.
type UserCounter interface {
	// SetUserCount takes c.Users as the user count of the customer
	// c.CustomerRef of c.Source (an authenticated, decoded delivery). It returns nil once the count is
	// applied or recorded; a final refusal (alerting.ErrRejected,
	// alerting.ErrNotFound or alerting.Permanent) answers 422, any other
	// error 503 so the sender retries.
	SetUserCount(ctx context.Context, c UserCount) error
}

// UserCounterFunc adapts a function to UserCounter.
type UserCounterFunc func(ctx context.Context, c UserCount) error

// SetUserCount calls f.
func (f UserCounterFunc) SetUserCount(ctx context.Context, c UserCount) error { return f(ctx, c) }

// Option configures a Handler.
type Option func(*Handler) error

// WithSources sets the sources the intake accepts (required): a delivery
// whose "source" is not one of them is refused 403, so a sender of one
// system cannot raise or resolve alerts in another's name. Names use
// letters, digits, '.', '_' and '-'; pick names no other intake of the
// engine uses ("saasalerts", not "datto").
func WithSources(sources ...string) Option {
	return func(h *Handler) error {
		for _, s := range sources {
			if err := (alerting.Alert{Source: s, EventID: "-", Kind: alerting.Raise}).Validate(); err != nil {
				return fmt.Errorf("jsonintake: WithSources: %w", err)
			}
		}
		h.sources = append(h.sources, sources...)
		return nil
	}
}

// WithSigningSecrets makes the intake accept deliveries signed in
// SignatureHeader with any of secrets (two during a rotation; each at
// least MinSecretLen characters). A request that carries SignatureHeader
// is decided by it alone, whatever tokens it also carries.
func WithSigningSecrets(secrets ...string) Option {
	return func(h *Handler) error {
		keys, err := secretBytes("WithSigningSecrets", secrets)
		if err != nil {
			return err
		}
		v, err := intake.NewHMACVerifier(intake.Hex, SignaturePrefix, keys...)
		if err != nil {
			return fmt.Errorf("jsonintake: WithSigningSecrets: %w", err)
		}
		h.sig = v
		return nil
	}
}

// WithHeaderToken makes the intake accept, from senders that cannot sign,
// any of tokens in TokenHeader or as "Authorization: Bearer <token>". A
// token proves the sender knows it, not that the body is unaltered: use
// it over HTTPS only, and prefer signing.
func WithHeaderToken(tokens ...string) Option {
	return func(h *Handler) error {
		s, err := secrets("WithHeaderToken", tokens)
		h.headerTokens = s
		return err
	}
}

// WithURLToken makes the intake accept any of tokens in the URL's query,
// ?token=<token>, for senders that can set nothing but a URL. A URL ends
// up in proxy and access logs: prefer a header or signing, keep the token
// for this intake alone, and rotate it if a log leaks.
func WithURLToken(tokens ...string) Option {
	return func(h *Handler) error {
		s, err := secrets("WithURLToken", tokens)
		h.urlTokens = s
		return err
	}
}

// WithUserCounter makes the intake take user count deliveries and hand
// them to c. Without it a user count is answered 422.
func WithUserCounter(c UserCounter) Option {
	return func(h *Handler) error { h.counter = c; return nil }
}

// WithAccount sets Alert.Account on every alert and UserCount.Account on
// every count: the source account this intake's URL and secret belong to
// when one deployment takes several.
func WithAccount(account string) Option {
	return func(h *Handler) error { h.account = account; return nil }
}

// WithMaxBody caps the body (default DefaultMaxBody); a larger one is
// answered 413 unread.
func WithMaxBody(n int64) Option {
	return func(h *Handler) error {
		if n <= 0 {
			return errors.New("jsonintake: WithMaxBody: the cap must be positive")
		}
		h.maxBody = n
		return nil
	}
}

// WithLogger logs refusals (status, reason and a message that quotes no
// secret), repeated, late and unknown key names, an unrecognised severity
// (clipped), never a body, token or signature; acceptances at debug level.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) error { h.log = l; return nil }
}

// Handler is the generic JSON alert intake, an http.Handler: see the
// package documentation for the schema, authentication and answers. It is
// safe for concurrent use.
type Handler struct {
	engine       alerting.Acceptor
	sources      []string
	sig          *intake.HMACVerifier
	headerTokens intake.Secrets
	urlTokens    intake.Secrets
	counter      UserCounter
	account      string
	maxBody      int64
	log          *slog.Logger
}

// NewHandler returns the intake that hands authenticated alerts to engine
// (an *alerting.Engine). WithSources and at least one of
// WithSigningSecrets, WithHeaderToken and WithURLToken are required.
func NewHandler(engine alerting.Acceptor, opts ...Option) (*Handler, error) {
	if engine == nil {
		return nil, errors.New("jsonintake: NewHandler: nil engine")
	}
	h := &Handler{engine: engine, maxBody: DefaultMaxBody}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	if len(h.sources) == 0 {
		return nil, errors.New("jsonintake: no source configured (WithSources)")
	}
	if h.sig == nil && len(h.headerTokens) == 0 && len(h.urlTokens) == 0 {
		return nil, errors.New("jsonintake: no authentication configured (WithSigningSecrets, WithHeaderToken or WithURLToken)")
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// ServeHTTP takes one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	source := h.sources[0] // the label of refusals before the body names its source
	refuse := func(status int, reason alerting.Reason, err error) {
		h.engine.RejectPayload(ctx, source, reason, fmt.Errorf("jsonintake: %w", err))
		h.log.Warn("json intake refused a delivery", "status", status, "reason", reason, "err", err)
		intake.Reply(w, status, err.Error())
	}
	body, ok := intake.ReadPost(w, r, h.maxBody, func(status int, err error) {
		refuse(status, alerting.ReasonMalformedPayload, err)
	})
	if !ok {
		return
	}
	if err := h.authenticate(r, body); err != nil {
		refuse(http.StatusUnauthorized, alerting.ReasonBadSignature, err)
		return
	}
	d, err := decode(body)
	if err != nil {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, err)
		return
	}
	got := d.alert.Source
	if d.kind == KindUserCount {
		got = d.count.Source
	}
	if !slices.Contains(h.sources, got) {
		refuse(http.StatusForbidden, alerting.ReasonMalformedPayload, fmt.Errorf("source %s is not one this intake accepts", quote(got)))
		return
	}
	source = got
	if len(d.duplicates) > 0 || len(d.late) > 0 {
		// Names only, never values: the first occurrence of each key
		// decided. A repeat, or a deciding key after free text, is what
		// text pasted into a template would look like.
		h.log.Warn("json intake: repeated keys ignored (the first occurrence decided), or deciding keys after free text",
			"source", source, "repeated", d.duplicates, "after_text", d.late)
	}
	if len(d.unknown) > 0 || d.severity != "" {
		h.log.Info("json intake: unknown keys ignored, or severity not recognised",
			"source", source, "unknown", d.unknown, "severity", d.severity)
	}
	if d.kind == KindUserCount {
		h.userCount(ctx, w, d.count)
		return
	}
	a := d.alert
	a.Account = h.account
	a.Raw = body
	res, err := h.engine.Accept(ctx, a)
	if err != nil {
		if errors.Is(err, alerting.ErrRejected) {
			h.log.Warn("json intake: alert rejected", "event", a.EventID, "err", err)
			intake.Reply(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		h.log.Error("json intake: alert not recorded", "event", a.EventID, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "not recorded; retry")
		return
	}
	h.log.Debug("json intake: alert accepted", "event", a.EventID, "kind", a.Kind, "outcome", res.Outcome)
	intake.Reply(w, http.StatusOK, "")
}

func (h *Handler) userCount(ctx context.Context, w http.ResponseWriter, c UserCount) {
	if h.counter == nil {
		intake.Reply(w, http.StatusUnprocessableEntity, "this intake takes no user counts")
		return
	}
	c.Account = h.account
	err := h.counter.SetUserCount(ctx, c)
	switch {
	case err == nil:
		h.log.Debug("json intake: user count taken", "source", c.Source, "customer", c.CustomerRef, "users", c.Users)
		intake.Reply(w, http.StatusOK, "")
	case errors.Is(err, alerting.ErrRejected) || errors.Is(err, alerting.ErrNotFound) || alerting.IsPermanent(err):
		h.log.Warn("json intake: user count refused", "source", c.Source, "customer", c.CustomerRef, "err", err)
		intake.Reply(w, http.StatusUnprocessableEntity, "user count refused: "+err.Error())
	default:
		h.log.Error("json intake: user count not taken", "source", c.Source, "customer", c.CustomerRef, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "user count not taken; retry")
	}
}

// authenticate checks the request's signature, else its header token,
// else its URL token, as configured. The errors say which check failed,
// never with what.
func (h *Handler) authenticate(r *http.Request, body []byte) error {
	if h.sig != nil {
		if sig := r.Header.Get(SignatureHeader); sig != "" {
			if err := h.sig.Verify(body, sig); err != nil {
				return fmt.Errorf("%s: %w", SignatureHeader, err)
			}
			return nil
		}
	}
	if len(h.headerTokens) > 0 {
		if tok := headerToken(r); tok != "" {
			if !h.headerTokens.Match(tok) {
				return errors.New("wrong token in " + TokenHeader + " or Authorization")
			}
			return nil
		}
	}
	if len(h.urlTokens) > 0 {
		if tok := r.URL.Query().Get(TokenParam); tok != "" {
			if !h.urlTokens.Match(tok) {
				return errors.New("wrong token in the URL")
			}
			return nil
		}
	}
	var want []string
	if h.sig != nil {
		want = append(want, "a "+SignatureHeader+" header")
	}
	if len(h.headerTokens) > 0 {
		want = append(want, "a "+TokenHeader+" or Authorization: Bearer header")
	}
	if len(h.urlTokens) > 0 {
		want = append(want, "a ?"+TokenParam+"= parameter")
	}
	return errors.New("not authenticated: send " + strings.Join(want, " or "))
}

func headerToken(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get(TokenHeader)); t != "" {
		return t
	}
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	return ""
}

func secretBytes(opt string, secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("jsonintake: %s: no secret given", opt)
	}
	var keys [][]byte
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			return nil, fmt.Errorf("jsonintake: %s: a secret is shorter than %d characters (use 32 random bytes, hex or base64url)", opt, MinSecretLen)
		}
		keys = append(keys, []byte(s))
	}
	return keys, nil
}

func secrets(opt string, tokens []string) (intake.Secrets, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("jsonintake: %s: no token given", opt)
	}
	s, ok := intake.NewSecrets(tokens...)
	if !ok {
		return nil, fmt.Errorf("jsonintake: %s: a token is shorter than %d characters (use 32 random bytes, hex or base64url)", opt, MinSecretLen)
	}
	return s, nil
}
