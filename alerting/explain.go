package alerting

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Action is what a routing dry run says an alert event would do.
type Action string

// Dry-run actions.
const (
	ActionNewTicket Action = "new_ticket" // a ticket would be created
	ActionNote      Action = "note"       // a note would be added to the group's open ticket
	ActionIgnored   Action = "ignored"    // nothing would be written (see Reason)
	ActionRejected  Action = "rejected"   // the alert would be rejected (see Reason)
	ActionResolve   Action = "resolve"    // a resolve: it follows the ticket its raise joined
	ActionError     Action = "error"      // a look-up failed (see Detail); the live engine would retry
)

// Explanation is where a routing dry run (Explain) would send one alert
// event, and why.
type Explanation struct {
	EventKey string `json:"event_key"`
	Source   string `json:"source"`
	Account  string `json:"account,omitempty"`
	AlertID  string `json:"alert_id"`
	Kind     Kind   `json:"kind"`
	Type     string `json:"type,omitempty"`
	Device   string `json:"device,omitempty"`      // hostname, else ID
	SiteName string `json:"source_site,omitempty"` // the source's customer (site) name, else ID

	Action Action `json:"action"`
	Reason Reason `json:"reason,omitempty"`
	// Detail says more: the error of ActionError and ActionRejected, the
	// ticket a note joins, why a group's ticket would not take a note.
	Detail string `json:"detail,omitempty"`
	// Routing is the customer, site, asset and user, with the reason, as
	// the engine would record them (the user for a new ticket only).
	Routing  Routing  `json:"routing,omitzero"`
	Grouping Grouping `json:"grouping"`
	GroupKey string   `json:"group_key,omitempty"`
	// Ticket is the open ticket a note would go to, when it exists in the
	// PSA already.
	Ticket string `json:"ticket,omitempty"`
	// Defaults are the ticket settings a new ticket would get (type,
	// queue, priority, …) after the alert-type overrides.
	Defaults TicketDefaults `json:"defaults,omitzero"`
	// Contract is the contract a new ticket names, when the configuration
	// maps one; with AttachContract the sink looks the active one up when
	// it creates the ticket.
	Contract       string `json:"contract,omitempty"`
	AttachContract bool   `json:"attach_contract,omitempty"`
}

// errDryRun is what the dry run's store answers every write with.
var errDryRun = errors.New("alerting: dry run: nothing is written")

// Explain is a routing dry run: it routes alerts (recorded ones, from the
// request log with Request.AsAlert, or a file) through the candidate
// configuration cfg and says where each would go (customer, site, asset,
// user, ticket type and queue, group key, new ticket or note) without
// writing anything: it uses sink's look-ups (customers, assets, contacts,
// AssetLocator, ContactDirectory, TicketState) and never its ticket
// writes, and keeps no state. Alerts are taken in order, as the engine
// would take them: a raise that joins a group an earlier one opened is a
// note. opts are the engine's (WithSiteMappings, WithLogger; enrichers are
// not called: recorded alerts are already enriched).
//
// To include the tickets the live engine has open, route with an engine
// on the live store instead (Engine.Explain).
func Explain(ctx context.Context, cfg Config, sink Sink, alerts []Alert, opts ...Option) ([]Explanation, error) {
	e, err := New(cfg, dryStore{}, sink, opts...)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	return e.Explain(ctx, alerts)
}

// Explain is the routing dry run of package-level Explain with e's
// configuration, sink and options, and with the groups in e's store: a
// raise whose group has an open ticket in the PSA is a note on it. It
// reads the store and never writes it; it needs no Run.
func (e *Engine) Explain(ctx context.Context, alerts []Alert) ([]Explanation, error) {
	seen := map[string]seenGroup{} // groups an earlier alert of the run opened or noted
	out := make([]Explanation, 0, len(alerts))
	for _, a := range alerts {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, e.explain(ctx, a, seen))
	}
	return out, nil
}

// seenGroup is a group an earlier alert of a dry run reached: the open
// ticket it has, or the event whose raise would open one.
type seenGroup struct{ ticket, opener string }

func (e *Engine) explain(ctx context.Context, a Alert, seen map[string]seenGroup) Explanation {
	if a.Time.IsZero() {
		a.Time = e.now()
	}
	x := Explanation{EventKey: a.EventKey(), Source: a.Source, Account: a.Account, AlertID: a.ID(), Kind: a.Kind, Type: a.Type,
		Device: a.Device.Hostname, SiteName: a.Customer.Name, Grouping: e.route.cfg.Grouping}
	if x.Device == "" {
		x.Device = a.Device.ID
	}
	if x.SiteName == "" {
		x.SiteName = a.Customer.ID
	}
	if err := a.Validate(); err != nil {
		x.Action, x.Reason, x.Detail = ActionRejected, ReasonInvalidAlert, err.Error()
		return x
	}
	if a.Kind == Resolve {
		x.Action, x.Detail = ActionResolve, "a resolve goes to the ticket its raise joined; routing does not apply"
		return x
	}
	if reason, ok := e.staticIgnore(a); ok {
		x.Action, x.Reason = ActionIgnored, reason
		return x
	}
	rt, err := e.routeAlert(ctx, a)
	if err != nil {
		if re, ok := errors.AsType[*RejectedError](err); ok {
			x.Action, x.Reason, x.Detail = ActionRejected, re.Reason, err.Error()
		} else {
			x.Action, x.Detail = ActionError, err.Error()
		}
		return x
	}
	x.Routing = rt.rec
	if e.route.customerOff(rt.cust.ID) {
		x.Action, x.Reason = ActionIgnored, ReasonCustomerDisabled
		return x
	}
	gk := e.GroupKey(rt.cust.ID, a)
	x.GroupKey = gk
	if sg, ok := seen[gk]; ok {
		x.Action, x.Ticket = ActionNote, sg.ticket
		if sg.ticket == "" {
			x.Detail = "joins the ticket " + sg.opener + " would open"
		} else {
			x.Detail = "the group's ticket " + sg.ticket + " is open"
		}
		return x
	}
	id, open, why, err := e.openTicketOf(ctx, gk)
	if err != nil {
		x.Action, x.Detail = ActionError, err.Error()
		return x
	}
	if open {
		x.Action, x.Ticket, x.Detail = ActionNote, id, "the group's ticket "+id+" is open"
		seen[gk] = seenGroup{ticket: id}
		return x
	}
	x.Detail = why
	nt, err := e.newTicket(ctx, &rt, gk, a, "")
	if err != nil {
		x.Action, x.Detail = ActionError, err.Error()
		return x
	}
	x.Action, x.Routing, x.Defaults = ActionNewTicket, rt.rec, nt.Defaults
	x.Contract, x.AttachContract = nt.Contract, nt.AttachContract
	seen[gk] = seenGroup{opener: x.EventKey}
	return x
}

// openTicketOf returns the open ticket of group gk in the store, if the
// PSA says it is open; why explains a ticket that would not take a note.
func (e *Engine) openTicketOf(ctx context.Context, gk string) (id string, open bool, why string, err error) {
	g, err := e.store.Group(ctx, gk)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", false, "", nil
	case err != nil:
		return "", false, "", fmt.Errorf("alerting: load group %s: %w", gk, err)
	}
	i := current(&g)
	if i < 0 || g.Tickets[i].ID == "" {
		return "", false, "", nil
	}
	id = g.Tickets[i].ID
	st, err := e.sink.TicketState(ctx, id)
	if err != nil {
		return "", false, "", fmt.Errorf("alerting: state of ticket %s: %w", id, err)
	}
	if st != TicketOpen {
		return id, false, fmt.Sprintf("the group's ticket %s is %s in the PSA", id, st), nil
	}
	return id, true, "", nil
}

// dryStore is the store of a dry run: empty, and every write fails.
type dryStore struct{}

var _ Store = dryStore{}

func (dryStore) Enqueue(context.Context, PendingItem) (bool, error) { return false, errDryRun }
func (dryStore) Claim(context.Context, string, time.Time, time.Duration, int) ([]PendingItem, error) {
	return nil, nil
}
func (dryStore) Complete(context.Context, string, string, time.Time) error { return errDryRun }
func (dryStore) Release(context.Context, string, string, time.Time, string) error {
	return errDryRun
}
func (dryStore) Pending(context.Context) (int, error) { return 0, nil }
func (dryStore) Group(_ context.Context, key string) (GroupState, error) {
	return GroupState{}, fmt.Errorf("%w: group %s", ErrNotFound, key)
}
func (dryStore) GroupByTicket(_ context.Context, id string) (GroupState, error) {
	return GroupState{}, fmt.Errorf("%w: ticket %s", ErrNotFound, id)
}
func (dryStore) PutGroup(context.Context, GroupState) (GroupState, error) {
	return GroupState{}, errDryRun
}
func (dryStore) Alert(_ context.Context, key string) (AlertRecord, error) {
	return AlertRecord{}, fmt.Errorf("%w: alert %s", ErrNotFound, key)
}
func (dryStore) PutAlert(context.Context, AlertRecord) (AlertRecord, error) {
	return AlertRecord{}, errDryRun
}
func (dryStore) Cursor(context.Context, string) (string, error)  { return "", nil }
func (dryStore) SetCursor(context.Context, string, string) error { return errDryRun }
func (dryStore) Prune(context.Context, time.Time) (int, error)   { return 0, nil }
