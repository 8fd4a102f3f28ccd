package visiononedriver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
	"github.com/mspsync/mspsync/visionone"
)

// MaxNotificationBody caps a notification body; a larger one is refused
// with 413 unread.
const MaxNotificationBody = 256 << 10

// TokenParam is the query parameter that may carry the intake's secret
// token; otherwise it is the last segment of the URL path.
const TokenParam = "token"

// NotificationConfig configures the notification intake.
type NotificationConfig struct {
	// TokenEnv names the environment variable holding the secret token
	// of the webhook URL (at least 16 characters).
	TokenEnv string `json:"token_env,omitempty"`
	// Paths says where in the operator's JSON each alert field is.
	Paths FieldPaths `json:"paths,omitzero"`
	// Types maps notification types (the value at Paths.Type, compared
	// ignoring case and space) to alert kinds, over DefaultTypes.
	Types map[string]AlertKind `json:"types,omitempty"`
}

// FieldPaths are the JSON paths of the alert fields in the notification
// body the operator defined in Vision One: dot-separated keys with
// optional [n] array indexes ("data.alert.id", "entities[0].name"; a
// leading "$." is allowed). Empty paths take DefaultFieldPaths.
type FieldPaths struct {
	// EventID is the path of the notification's unique ID (the alert's
	// event ID: a redelivery with the same ID is one event). For a
	// workbench alert it is the alert ID ("WB-…"), re-read from the API.
	EventID string `json:"event_id,omitempty"`
	// Type is the path of the notification type, mapped to an alert kind
	// through IntakeConfig.Types.
	Type string `json:"type,omitempty"`
	// Severity is the path of the severity (risk events below the
	// configured severities are acknowledged and dropped).
	Severity string `json:"severity,omitempty"`
	// User is the path of the user account the alert is about, if any.
	User string `json:"user,omitempty"`
	// Device is the path of the device (endpoint) name, if any.
	Device string `json:"device,omitempty"`
	// Customer is the path of the Vision One customer reference; it can
	// only select one of the configured customers.
	Customer string `json:"customer,omitempty"`
	// Title is the path of the ticket summary.
	Title string `json:"title,omitempty"`
	// Body is the path of the ticket details.
	Body string `json:"body,omitempty"`
}

// DefaultFieldPaths are the paths of ExampleNotificationBody.
func DefaultFieldPaths() FieldPaths {
	return FieldPaths{EventID: "event_id", Type: "type", Severity: "severity", User: "user", Device: "device",
		Customer: "customer", Title: "title", Body: "body"}
}

// ExampleNotificationBody is a notification body template to enter in
// Vision One (Administration > Notifications > webhook, custom body),
// with DefaultFieldPaths. Put Vision One's own variables for the values;
// "customer" must hold the customer's reference (its ID in the
// configuration) or its exact name, and "event_id" a workbench alert's ID
// for a workbench alert notification.
const ExampleNotificationBody = `{
  "event_id": "WB-9002-20250115-00022",
  "type": "Workbench alert",
  "severity": "High",
  "customer": "Contoso Ltd",
  "user": "alice@contoso.com",
  "device": "LAPTOP-7",
  "title": "Privilege Escalation via UAC Bypass",
  "body": "Details as Vision One words them"
}`

// DefaultTypes maps the notification type names (lower case) to kinds.
var DefaultTypes = map[string]AlertKind{
	"workbench":                   KindWorkbench,
	"workbench alert":             KindWorkbench,
	"workbench alerts":            KindWorkbench,
	"new risk event":              KindRiskEvent,
	"risk event":                  KindRiskEvent,
	"new risk events":             KindRiskEvent,
	"new high-risk users":         KindHighRiskUser,
	"new high-risk user":          KindHighRiskUser,
	"new high-risk devices":       KindHighRiskDevice,
	"new high-risk device":        KindHighRiskDevice,
	"new high-risk users/devices": KindHighRiskUser,
	"newly discovered assets":     KindNewAsset,
	"newly discovered asset":      KindNewAsset,
}

// IntakeConfig configures NewNotificationIntake.
type IntakeConfig struct {
	// Tokens are the accepted secret URL tokens (two during a rotation),
	// each at least 16 characters.
	Tokens []string
	// Paths maps the body to alert fields (empty fields: DefaultFieldPaths).
	Paths FieldPaths
	// Types maps notification types to kinds, over DefaultTypes.
	Types map[string]AlertKind
	// Customers are the configured customers; a notification names one
	// by reference or exact name. A notification for another is refused:
	// the body cannot bring a customer in.
	Customers []CustomerConfig
	// Clients are the customers' API clients by reference: a workbench
	// alert is read again from its customer's API, and the API's data,
	// not the body's, makes the ticket.
	Clients map[string]*visionone.Client
	// RiskEventSeverities are the risk-event severities that become
	// alerts (default DefaultRiskEventSeverities); the others are
	// acknowledged and dropped.
	RiskEventSeverities []string
	Logger              *slog.Logger
}

// NotificationIntake receives Vision One notification webhooks. Vision
// One signs nothing and lets the operator define the body, so the
// payload is untrusted: the request must carry a secret token in its URL
// (last path segment, or ?token=), compared in constant time; the body
// is capped and must be JSON; the configured paths pick the fields. A
// workbench alert notification only names the alert: it is read again
// from the customer's API and the ticket is made from that. A risk event
// becomes a raise when its severity is one of the configured ones. High-
// risk and new-asset notifications are acknowledged and left to the
// pollers (one event, one ticket). Vision One sends no resolves. Safe for
// concurrent use.
type NotificationIntake struct {
	acc       alerting.Acceptor
	secrets   intake.Secrets
	paths     FieldPaths
	types     map[string]AlertKind
	customers map[string]CustomerConfig // by lower-case ref and name
	clients   map[string]*visionone.Client
	sev       map[alerting.Severity]bool
	log       *slog.Logger
}

// NewNotificationIntake returns the intake feeding acc.
func NewNotificationIntake(acc alerting.Acceptor, cfg IntakeConfig) (*NotificationIntake, error) {
	if acc == nil {
		return nil, errors.New("visiononedriver: notification intake without an acceptor")
	}
	if len(cfg.Tokens) == 0 {
		return nil, errors.New("visiononedriver: notification intake without a secret token: Vision One signs nothing, the token is all that authenticates it")
	}
	sec, ok := intake.NewSecrets(cfg.Tokens...)
	if !ok {
		return nil, fmt.Errorf("visiononedriver: notification token shorter than %d characters", intake.MinSecretLen)
	}
	n := &NotificationIntake{acc: acc, secrets: sec, paths: cfg.Paths, types: map[string]AlertKind{},
		customers: map[string]CustomerConfig{}, clients: cfg.Clients, sev: map[alerting.Severity]bool{}, log: cfg.Logger}
	d := DefaultFieldPaths()
	for _, f := range []struct {
		dst *string
		def string
	}{{&n.paths.EventID, d.EventID}, {&n.paths.Type, d.Type}, {&n.paths.Severity, d.Severity},
		{&n.paths.User, d.User}, {&n.paths.Device, d.Device}, {&n.paths.Customer, d.Customer}, {&n.paths.Title, d.Title}, {&n.paths.Body, d.Body}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
		if _, err := parsePath(*f.dst); err != nil {
			return nil, fmt.Errorf("visiononedriver: notification path %q: %w", *f.dst, err)
		}
	}
	for k, v := range DefaultTypes {
		n.types[k] = v
	}
	for k, v := range cfg.Types {
		n.types[normType(k)] = v
	}
	for _, c := range cfg.Customers {
		n.customers[strings.ToLower(c.Ref())] = c
		n.customers[normType(c.Name)] = c
	}
	sevs := cfg.RiskEventSeverities
	if len(sevs) == 0 {
		sevs = DefaultRiskEventSeverities
	}
	for _, s := range sevs {
		n.sev[alerting.ParseSeverity(s)] = true
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	return n, nil
}

func normType(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// token returns the request's token: ?token=, else the last path segment.
func token(r *http.Request) string {
	if t := r.URL.Query().Get(TokenParam); t != "" {
		return t
	}
	p := strings.TrimRight(r.URL.Path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

var (
	workbenchID = regexp.MustCompile(`^WB-[A-Za-z0-9-]{1,100}$`)
	eventID     = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// ServeHTTP handles one notification.
func (n *NotificationIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	refuse := func(status int, reason alerting.Reason, err error) {
		n.acc.RejectPayload(ctx, Kind, reason, err)
		n.log.WarnContext(ctx, "visionone notification refused", "reason", reason, "err", err)
		intake.Reply(w, status, err.Error())
	}
	body, ok := intake.ReadPost(w, r, MaxNotificationBody, func(status int, err error) {
		refuse(status, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: notification: %w", err))
	})
	if !ok {
		return
	}
	if !n.secrets.Match(token(r)) {
		refuse(http.StatusUnauthorized, alerting.ReasonBadSignature, errors.New("visionone: missing or wrong notification token"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		refuse(http.StatusUnsupportedMediaType, alerting.ReasonMalformedPayload, errors.New("visionone: notification is not JSON (Content-Type)"))
		return
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil || dec.More() {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, errors.New("visionone: notification is not a JSON object"))
		return
	}
	get := func(path string) string { v, _ := lookup(doc, path); return strings.TrimSpace(v) }
	typ := get(n.paths.Type)
	kind, ok := n.types[normType(typ)]
	if !ok {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: the notification type at %s is not a known one (configure notifications.types)", n.paths.Type))
		return
	}
	ref := get(n.paths.Customer)
	cust, ok := n.customers[strings.ToLower(ref)]
	if !ok {
		cust, ok = n.customers[normType(ref)]
	}
	if !ok {
		refuse(http.StatusUnprocessableEntity, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: the customer at %s is not a configured customer", n.paths.Customer))
		return
	}
	if !cust.Enabled(kind) {
		n.log.InfoContext(ctx, "visionone notification ignored: kind switched off for the customer", "customer", cust.Name, "kind", kind)
		intake.Reply(w, http.StatusOK, "")
		return
	}
	id := get(n.paths.EventID)
	var a alerting.Alert
	switch kind {
	case KindWorkbench:
		if !workbenchID.MatchString(id) {
			refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: the value at %s is not a workbench alert ID", n.paths.EventID))
			return
		}
		c := n.clients[cust.Ref()]
		if c == nil {
			refuse(http.StatusUnprocessableEntity, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: no API client for customer %q to read workbench alert %s", cust.Name, id))
			return
		}
		wa, err := c.Workbench.Get(ctx, id)
		if errors.Is(err, visionone.ErrNotFound) {
			refuse(http.StatusUnprocessableEntity, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: workbench alert %s does not exist for customer %q", id, cust.Name))
			return
		}
		if err != nil {
			n.log.ErrorContext(ctx, "visionone: reading the notified workbench alert failed", "customer", cust.Name, "alert", id, "err", err)
			intake.Reply(w, http.StatusServiceUnavailable, "could not read the alert from Vision One; retry")
			return
		}
		a = WorkbenchAlert(cust, wa)
	case KindRiskEvent:
		if !eventID.MatchString(id) {
			refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, fmt.Errorf("visionone: event ID at %s is missing or not letters, digits, '.', '_', ':' or '-'", n.paths.EventID))
			return
		}
		sev := alerting.ParseSeverity(get(n.paths.Severity))
		if !n.sev[sev] {
			n.log.InfoContext(ctx, "visionone risk event ignored: severity not selected", "customer", cust.Name, "severity", sev)
			intake.Reply(w, http.StatusOK, "")
			return
		}
		a = base(cust, prefixRiskEvent+id)
		a.Type, a.Severity = TypeRiskEvent, sev
		a.User = get(n.paths.User)
		a.Device = alerting.Device{Hostname: get(n.paths.Device)}
		a.Title = firstNonEmpty(get(n.paths.Title), "Vision One: new risk event")
		a.Body = strings.Join([]string{get(n.paths.Body), "Customer: " + cust.Name, "Risk event: " + id}, "\n")
		a.Raw = body
	default:
		n.log.InfoContext(ctx, "visionone notification acknowledged; its kind is polled", "customer", cust.Name, "kind", kind)
		intake.Reply(w, http.StatusOK, "")
		return
	}
	res, err := n.acc.Accept(ctx, a)
	if err != nil {
		var re *alerting.RejectedError
		if errors.As(err, &re) {
			intake.Reply(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		n.log.ErrorContext(ctx, "visionone notification not recorded", "event", a.EventID, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "not recorded; retry")
		return
	}
	n.log.DebugContext(ctx, "visionone notification accepted", "event", a.EventID, "outcome", res.Outcome)
	intake.Reply(w, http.StatusOK, "")
}

// pathStep is one step of a field path: a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

// parsePath parses "a.b[0].c" (a leading "$." or "$" is allowed).
func parsePath(p string) ([]pathStep, error) {
	p = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(p), "$"), ".")
	if p == "" {
		return nil, errors.New("empty path")
	}
	var out []pathStep
	for _, part := range strings.Split(p, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" && rest == "" {
			return nil, errors.New("empty key")
		}
		if name != "" {
			out = append(out, pathStep{key: name})
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || i < 0 {
				return nil, fmt.Errorf("bad index in %q", part)
			}
			out = append(out, pathStep{index: i})
			rest = strings.TrimPrefix(after, "[")
			if after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("bad index in %q", part)
			}
		}
	}
	return out, nil
}

// lookup returns the text of the value at path: a string as is, a number
// or bool as written, anything else as compact JSON.
func lookup(doc map[string]any, path string) (string, bool) {
	steps, err := parsePath(path)
	if err != nil {
		return "", false
	}
	var v any = doc
	for _, s := range steps {
		switch x := v.(type) {
		case map[string]any:
			if s.key == "" {
				return "", false
			}
			v = x[s.key]
		case []any:
			if s.key != "" || s.index >= len(x) {
				return "", false
			}
			v = x[s.index]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	raw, _ := json.Marshal(v)
	return string(raw), true
}
