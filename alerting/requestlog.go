package alerting

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultRequestLogSize is how many deliveries a store's request log keeps
// unless it is configured otherwise.
const DefaultRequestLogSize = 1000

// RequestLog is an optional Store extension: the last deliveries an
// engine took, newest first, for operators (the page the vendors' own
// integrations have). An engine writes to it when it is given one with
// WithRequestLog: an entry when an intake hands it an alert or reports a
// payload it refused (Accept, RejectPayload), completed when the worker
// applies the event (routing, ticket, outcome).
//
// Entries hold no payloads and no secrets: the alert's identifying and
// routing fields (which are the source's text and untrusted: escape them
// for display) and the engine's decisions. A store keeps a bounded
// number of them (DefaultRequestLogSize unless configured), dropping the
// oldest. The contract is storetest.RunRequestLog.
type RequestLog interface {
	// AddRequest appends r with the next sequence number (r.Seq is
	// ignored), drops the oldest entries beyond the store's size, and
	// returns r as stored.
	AddRequest(ctx context.Context, r Request) (Request, error)
	// ApplyRequest records how event eventKey was applied on the newest
	// entry for it whose Status is RequestAccepted (see
	// Request.WithApplied), or returns an error matching ErrNotFound when
	// there is none (it was dropped, or accepted without a request log).
	ApplyRequest(ctx context.Context, eventKey string, a Applied) error
	// Requests returns the entries q selects, newest first.
	Requests(ctx context.Context, q RequestQuery) ([]Request, error)
}

// RequestStatus is what the engine answered an intake.
type RequestStatus string

// Request statuses.
const (
	RequestAccepted  RequestStatus = "accepted"  // recorded; the worker applies it (see Request.Applied)
	RequestDuplicate RequestStatus = "duplicate" // the event was already pending or processed
	RequestRejected  RequestStatus = "rejected"  // refused for good (see Reason and Detail)
	RequestIgnored   RequestStatus = "ignored"   // switched off by configuration (see Reason)
	RequestFailed    RequestStatus = "failed"    // not recorded (the store failed); the sender retries
)

// Request is one delivery in the request log.
type Request struct {
	Seq  int64     `json:"seq"`  // assigned by the store, increasing
	Time time.Time `json:"time"` // when the engine took it
	// Intake names the channel ("webhook", "mail", "maildir"), when the
	// intake said (ContextWithIntake).
	Intake   string `json:"intake,omitempty"`
	Source   string `json:"source"`
	Account  string `json:"account,omitempty"`
	EventKey string `json:"event_key,omitempty"` // empty for a payload refused before it became an alert
	// Alert holds the alert's fields as received, replaced by the fields it
	// was routed with once it is applied (after enrichment). Nil for a
	// payload refused before it became an alert.
	Alert  *RequestAlert `json:"alert,omitempty"`
	Status RequestStatus `json:"status"`
	Reason Reason        `json:"reason,omitempty"`
	// Detail explains a rejection: the error's text, which by the
	// Acceptor contract carries neither the payload nor a secret.
	Detail  string   `json:"detail,omitempty"`
	Applied *Applied `json:"applied,omitempty"` // set once the worker applied the event
}

// RequestAlert is what the request log keeps of an alert: what routing
// uses, and its title, shortened. The body and raw payload are never kept.
type RequestAlert struct {
	EventID  string      `json:"event_id"`
	AlertID  string      `json:"alert_id,omitempty"`
	Kind     Kind        `json:"kind"`
	Type     string      `json:"type,omitempty"`
	User     string      `json:"user,omitempty"`
	Device   Device      `json:"device,omitzero"`
	Customer CustomerRef `json:"customer,omitzero"`
	Severity Severity    `json:"severity,omitempty"`
	Title    string      `json:"title,omitempty"`
	Time     time.Time   `json:"time,omitzero"`
}

// Applied is how the worker applied an accepted event. A retried event
// updates it on every attempt (OutcomePending with Error until it
// succeeds).
type Applied struct {
	Time     time.Time `json:"time"`
	Attempts int       `json:"attempts"`
	Outcome  Outcome   `json:"outcome"`
	Reason   Reason    `json:"reason,omitempty"`
	Error    string    `json:"error,omitempty"` // why the attempt failed (OutcomePending, OutcomeRejected)
	Routing  Routing   `json:"routing,omitzero"`
	GroupKey string    `json:"group_key,omitempty"`
	TicketID string    `json:"ticket_id,omitempty"`
	// Alert is the alert as it was routed; WithApplied moves it to
	// Request.Alert.
	Alert *RequestAlert `json:"alert,omitempty"`
}

// WithApplied returns r completed with a: a.Alert, when set, replaces
// r.Alert, and the rest becomes r.Applied. Stores use it in ApplyRequest.
func (r Request) WithApplied(a Applied) Request {
	if a.Alert != nil {
		al := *a.Alert
		r.Alert = &al
		a.Alert = nil
	}
	r.Applied = &a
	return r
}

// AsAlert returns the alert the entry stands for, for a routing dry run
// (Explain), and false for an entry without one.
func (r Request) AsAlert() (Alert, bool) {
	if r.Alert == nil {
		return Alert{}, false
	}
	a := r.Alert
	return Alert{Source: r.Source, Account: r.Account, EventID: a.EventID, AlertID: a.AlertID, Kind: a.Kind,
		Type: a.Type, User: a.User, Device: a.Device, Customer: a.Customer, Severity: a.Severity, Title: a.Title, Time: a.Time}, true
}

// RequestQuery selects request log entries.
type RequestQuery struct {
	// Limit caps the entries returned (newest first); 0 or less means
	// DefaultRequestQueryLimit.
	Limit int
	// Source, when set, keeps the entries of that source only.
	Source string
}

// DefaultRequestQueryLimit is the number of entries Requests returns when
// RequestQuery.Limit is not set.
const DefaultRequestQueryLimit = 100

// Match reports whether q selects r (Limit aside). Stores use it.
func (q RequestQuery) Match(r Request) bool { return q.Source == "" || r.Source == q.Source }

// Max returns the number of entries q asks for.
func (q RequestQuery) Max() int {
	if q.Limit <= 0 {
		return DefaultRequestQueryLimit
	}
	return q.Limit
}

// Bounds of the text a request log entry keeps.
const (
	maxLoggedTitle  = 200
	maxLoggedDetail = 500
	maxLoggedField  = 256
)

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) && len(s) > 0 {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// requestAlert is what the request log keeps of a.
func requestAlert(a Alert) *RequestAlert {
	return &RequestAlert{
		EventID: clip(a.EventID, maxLoggedField), AlertID: clip(a.AlertID, maxLoggedField), Kind: a.Kind,
		Type: clip(a.Type, maxLoggedField), User: clip(a.User, maxLoggedField),
		Device:   Device{ID: clip(a.Device.ID, maxLoggedField), Hostname: clip(a.Device.Hostname, maxLoggedField)},
		Customer: CustomerRef{ID: clip(a.Customer.ID, maxLoggedField), Name: clip(a.Customer.Name, maxLoggedField)},
		Severity: a.Severity, Title: clip(strings.TrimSpace(a.Title), maxLoggedTitle), Time: a.Time,
	}
}

type intakeKey struct{}

// ContextWithIntake returns ctx naming the intake channel ("webhook",
// "mail", "maildir") that the engine records with the deliveries it takes
// under ctx in the request log. Receivers set it (receiver.Intake).
func ContextWithIntake(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, intakeKey{}, name)
}

// IntakeFromContext returns the intake channel ContextWithIntake set, or "".
func IntakeFromContext(ctx context.Context) string {
	s, _ := ctx.Value(intakeKey{}).(string)
	return s
}

// WithRequestLog makes the engine keep its deliveries in rl (usually the
// engine's own store, when it implements RequestLog). A failed request log
// write is logged and changes nothing else: the log never decides whether
// an alert is taken.
func WithRequestLog(rl RequestLog) Option {
	return func(e *Engine) error {
		if rl == nil {
			return errors.New("alerting: WithRequestLog: nil request log")
		}
		e.requests = rl
		return nil
	}
}

// RequestLog returns the request log set with WithRequestLog, or nil.
func (e *Engine) RequestLog() RequestLog { return e.requests }

// logIntake records what Accept answered for a.
func (e *Engine) logIntake(ctx context.Context, a Alert, at time.Time, res Result, err error) {
	e.observeAlert(EventAccepted, a, res, 0, err)
	if e.requests == nil {
		return
	}
	r := Request{Time: at, Intake: IntakeFromContext(ctx), Source: clip(a.Source, maxLoggedField), Account: clip(a.Account, maxLoggedField),
		EventKey: clip(res.EventKey, 3*maxLoggedField), Alert: requestAlert(a), Reason: res.Reason}
	switch {
	case res.Outcome == OutcomeQueued:
		r.Status = RequestAccepted
	case res.Outcome == OutcomeDuplicate:
		r.Status = RequestDuplicate
	case res.Outcome == OutcomeIgnored:
		r.Status = RequestIgnored
	case errors.Is(err, ErrRejected) || res.Outcome == OutcomeRejected:
		r.Status = RequestRejected
	default:
		r.Status = RequestFailed
	}
	if err != nil {
		r.Detail = clip(err.Error(), maxLoggedDetail)
	}
	e.addRequest(ctx, r)
}

// logPayload records a payload an intake refused (RejectPayload).
func (e *Engine) logPayload(ctx context.Context, source string, reason Reason, err error) {
	if e.requests == nil {
		return
	}
	r := Request{Time: e.now(), Intake: IntakeFromContext(ctx), Source: clip(source, maxLoggedField), Status: RequestRejected, Reason: reason}
	if err != nil {
		r.Detail = clip(err.Error(), maxLoggedDetail)
	}
	e.addRequest(ctx, r)
}

func (e *Engine) addRequest(ctx context.Context, r Request) {
	bctx, cancel := detach(ctx)
	defer cancel()
	if _, err := e.requests.AddRequest(bctx, r); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "alerting: request log", slog.String("event", r.EventKey), slog.Any("err", err))
	}
}

// logApplied records how the worker applied item.
func (e *Engine) logApplied(ctx context.Context, item PendingItem, res Result, err error) {
	e.observeAlert(EventProcessed, item.Alert, res, item.Attempts, err)
	if e.requests == nil {
		return
	}
	a := Applied{Time: e.now(), Attempts: item.Attempts, Outcome: res.Outcome, Reason: res.Reason, Routing: res.Routing,
		GroupKey: res.GroupKey, TicketID: res.TicketID, Alert: requestAlert(item.Alert)}
	switch {
	case res.Err != nil:
		a.Error = clip(res.Err.Error(), maxLoggedDetail)
	case err != nil:
		a.Error = clip(err.Error(), maxLoggedDetail)
	}
	if a.Outcome == "" && err != nil {
		a.Outcome = OutcomeRejected
	}
	// A maintenance window's re-check completes its raise's entry.
	id, _, _ := strings.Cut(item.ID, recheckMark)
	if lerr := e.requests.ApplyRequest(ctx, id, a); lerr != nil && !errors.Is(lerr, ErrNotFound) {
		e.log.LogAttrs(ctx, slog.LevelWarn, "alerting: request log", slog.String("event", item.ID), slog.Any("err", lerr))
	}
}
