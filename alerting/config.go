package alerting

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/config"
)

// Grouping decides which alerts share a ticket.
type Grouping string

// Grouping modes.
const (
	// GroupPerAlert gives every source alert its own ticket; the alert's
	// resolve closes it. This is the default (Datto RMM / Halo behaviour).
	GroupPerAlert Grouping = "alert"
	// GroupUser puts every alert about one user on one ticket while that
	// ticket is open.
	GroupUser Grouping = "user"
	// GroupUserAlert puts alerts about one user with one alert type on one
	// ticket while that ticket is open.
	GroupUserAlert Grouping = "user_alert"
)

// ResolveAction says what happens when every alert of a ticket is resolved.
type ResolveAction string

// Resolve actions.
const (
	// CloseOnResolve closes the ticket (the default).
	CloseOnResolve ResolveAction = "close"
	// NoteOnResolve adds a note and leaves the ticket for a technician.
	NoteOnResolve ResolveAction = "note"
)

// ClosePolicy says whether a resolve that leaves no alert unresolved on a
// ticket closes it. The resolve note is added in every case.
type ClosePolicy string

// Close policies.
const (
	// CloseAlways closes the ticket.
	CloseAlways ClosePolicy = "always"
	// CloseIfUntouched closes the ticket only when nobody worked on it
	// since the engine's last write: no technician action, time entry or
	// status change, as the PSA tells (Sink extension TouchChecker). A
	// sink that cannot tell is taken to say untouched. This is the
	// default.
	CloseIfUntouched ClosePolicy = "if_untouched"
	// CloseNever adds the note and leaves the ticket for a technician
	// (the same as on_resolve "note").
	CloseNever ClosePolicy = "never"
)

// ReopenPolicy says what an alert does when its group's ticket was closed
// (or deleted) in the PSA and it does not reopen it (Config.ReopenWithin).
// A closed ticket is never appended to.
type ReopenPolicy string

// Reopen policies.
const (
	// ReopenNewTicket opens a new ticket (the default).
	ReopenNewTicket ReopenPolicy = "new_ticket"
	// ReopenNewLinkedTicket opens a new ticket and passes the previous
	// ticket's ID to the sink (NewTicket.PreviousTicket) to link them.
	ReopenNewLinkedTicket ReopenPolicy = "new_linked_ticket"
)

// Config is the engine's routing and ticket configuration. It is plain data:
// marshal it to JSON, keep it in a file, load it with LoadConfig or
// LoadConfigFile (over DefaultConfig). The zero value means the same as
// DefaultConfig; it is useful only together with a catch-all or auto-match
// (otherwise every alert is unmapped).
type Config struct {
	// Grouping is "alert" (default), "user" or "user_alert".
	Grouping Grouping `json:"grouping,omitempty"`

	// Customers maps source customers (sites) to PSA customers. Routing
	// takes, in order: the PSA asset the alert's device is linked to (by
	// an import; Sink extension AssetLocator), one of these mappings, a
	// mapping an import learned (WithSiteMappings), auto-match, the
	// catch-all. A mapping with Disabled set switches ticket creation off
	// for that source customer.
	Customers []CustomerMapping `json:"customers,omitempty"`
	// AutoMatch looks an unmapped source customer up in the PSA by exact
	// name (Sink.FindCustomer), case and runs of white space aside; two
	// PSA customers of that name are no match.
	AutoMatch bool `json:"auto_match"`
	// CatchAll receives the tickets of customers that are neither mapped nor
	// auto-matched. Without it such alerts are rejected with
	// ErrUnmappedCustomer.
	CatchAll *CatchAll `json:"catch_all,omitempty"`
	// DefaultContact is the PSA contact ("user for new tickets") used when
	// no better contact is found. When the sink can tell
	// (ContactDirectory) that it is not of the ticket's customer or site,
	// it is passed over for the sink's own fallback and the alert's
	// routing record says so.
	DefaultContact string `json:"default_contact,omitempty"`

	// Ticket holds the defaults for new tickets.
	Ticket TicketDefaults `json:"ticket,omitzero"`
	// AlertTypes overrides ticket defaults per alert type, or switches
	// ticket creation off for a type.
	AlertTypes []AlertTypeRule `json:"alert_types,omitempty"`
	// OnlyMappedAlertTypes creates tickets only for alert types that have a
	// rule in AlertTypes (Level: only mapped policies create tickets).
	OnlyMappedAlertTypes bool `json:"only_mapped_alert_types,omitempty"`
	// SeverityPriority maps an alert severity to a PSA priority. A priority
	// set by an alert-type rule wins over it; it wins over Ticket.Priority.
	SeverityPriority map[Severity]string `json:"severity_priority,omitempty"`

	// OnResolve is "close" (default) or "note". With "close", Close
	// decides whether the ticket is closed; "note" never closes.
	OnResolve ResolveAction `json:"on_resolve,omitempty"`
	// Close is the close policy when every alert of a ticket is resolved:
	// "if_untouched" (default), "always" or "never".
	Close ClosePolicy `json:"close,omitempty"`
	// ReopenWithin is a Go duration ("72h"). A raise that would open a
	// new ticket reopens, with a note, the ticket of the same recurrence
	// (the same device and alert type of the same source and customer
	// under per-alert grouping; the same group otherwise) when that ticket
	// was closed at most this long ago and the sink can reopen tickets
	// (Sink extension Reopener). Empty or "0" switches reopening off:
	// such a raise opens a new ticket (Reopen decides whether linked).
	ReopenWithin string `json:"reopen_within,omitempty"`
	// LinkAsset links the PSA asset that matches the alert's device to the
	// ticket.
	LinkAsset bool `json:"link_asset"`
	// Reopen is "new_ticket" (default) or "new_linked_ticket".
	Reopen ReopenPolicy `json:"reopen,omitempty"`

	// AttachContract attaches the customer's active PSA contract to new
	// tickets when its mapping (or the catch-all) names no contract: the
	// sink looks it up (NewTicket.AttachContract). A contract named in the
	// mapping is always attached.
	AttachContract bool `json:"attach_contract,omitempty"`
	// PSACustomers holds settings per PSA customer, whichever way an alert
	// was routed to it (mapping, auto-match, catch-all, asset link).
	PSACustomers []PSACustomerSettings `json:"psa_customers,omitempty"`

	// Maintenance holds the maintenance windows: raises inside one are
	// suppressed and re-checked when it ends (see MaintenanceWindow).
	// Engine.SetWindows adds windows read from elsewhere.
	Maintenance Maintenance `json:"maintenance,omitzero"`
}

// PSACustomerSettings are the settings of one PSA customer.
type PSACustomerSettings struct {
	Customer string `json:"customer"`       // PSA customer ID
	Name     string `json:"name,omitempty"` // informational
	// CreateTickets is the customer's "auto-create tickets" switch; unset
	// means on. Off: its alerts are recorded and processed, and skipped
	// with Result.Reason ReasonCustomerDisabled (logged as "alert
	// ignored"), whatever route led to the customer. (A CustomerMapping
	// with Disabled switches a source customer off already at Accept.)
	CreateTickets *bool `json:"create_tickets,omitempty"`
}

// CustomerMapping maps one source customer to a PSA customer.
type CustomerMapping struct {
	Source string `json:"source"` // alert source, e.g. "datto"
	// Account limits the mapping to one source account (Alert.Account);
	// empty matches every account. A mapping with an Account wins over
	// one without.
	Account        string `json:"account,omitempty"`
	SourceCustomer string `json:"source_customer"`    // the source's customer ID (Alert.Customer.ID)
	Name           string `json:"name,omitempty"`     // informational
	Customer       string `json:"customer,omitempty"` // PSA customer ID; required unless Disabled
	Site           string `json:"site,omitempty"`     // PSA site ID
	// Contact is the ticket user for this source site when the alert's
	// device has no PSA user: the site's default contact. It must belong
	// to Customer (and Site); when the sink can tell it does not
	// (ContactDirectory), the alert's routing record says so and the next
	// fallback is used.
	Contact  string `json:"contact,omitempty"`
	Contract string `json:"contract,omitempty"` // PSA contract to attach to tickets
	Disabled bool   `json:"disabled,omitempty"` // no tickets for this customer
}

// CatchAll is the customer (and contact) that receives unmapped customers'
// tickets.
type CatchAll struct {
	// Customer is the PSA customer's ID.
	Customer string `json:"customer"`
	// Site is a site of that customer (empty: the sink's default site).
	Site string `json:"site,omitempty"`
	// Contact is the PSA contact (user) of its tickets.
	Contact string `json:"contact,omitempty"`
	// Contract is the PSA contract attached to its tickets.
	Contract string `json:"contract,omitempty"`
}

// TicketDefaults are the PSA-side settings of a new ticket, as the PSA's own
// IDs (Halo ticket type, BMS issue type, …). Empty fields are left to the
// sink's defaults. Fields carries anything else a driver understands (a Halo
// category, a custom field).
//
// A sub-issue type belongs to its issue type: an override that sets
// IssueType also sets SubIssueType (to its own, or to none), so a default
// sub-issue type is never paired with another issue type. An override that
// sets only SubIssueType keeps the default IssueType.
//
// How the Halo sink writes them (halodriver.AlertSink.CreateTicket): Type
// → tickettype_id, Source → source, Status → status_id, Queue → team (by
// name), Priority → priority_id, IssueType and SubIssueType → one category
// field as "Issue>Sub" (category_1 unless configured otherwise).
type TicketDefaults struct {
	// Type is the ticket type's ID.
	Type string `json:"type,omitempty"`
	// Source is the ticket source's ID (how the ticket came in).
	Source string `json:"source,omitempty"`
	// Status is the initial status's ID.
	Status string `json:"status,omitempty"`
	// Queue is the team (queue, board) by name.
	Queue string `json:"queue,omitempty"`
	// Priority is the priority's ID (checked against the ticket type's
	// SLA by Engine.CheckPSA).
	Priority string `json:"priority,omitempty"`
	// IssueType is the issue type (Halo: the category).
	IssueType string `json:"issue_type,omitempty"`
	// SubIssueType is the sub-issue type, of IssueType.
	SubIssueType string `json:"sub_issue_type,omitempty"`
	// Fields are further PSA fields by the driver's names (a Halo
	// custom field: "CFAlertSource": "datto").
	Fields map[string]string `json:"fields,omitempty"`
}

// merge returns d with every non-empty field of o laid over it.
func (d TicketDefaults) merge(o TicketDefaults) TicketDefaults {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&d.Type, o.Type)
	set(&d.Source, o.Source)
	set(&d.Status, o.Status)
	set(&d.Queue, o.Queue)
	set(&d.Priority, o.Priority)
	if o.IssueType != "" { // the sub-issue type goes with its issue type
		d.IssueType, d.SubIssueType = o.IssueType, o.SubIssueType
	}
	set(&d.SubIssueType, o.SubIssueType)
	if len(o.Fields) > 0 {
		f := maps.Clone(d.Fields)
		if f == nil {
			f = make(map[string]string, len(o.Fields))
		}
		maps.Copy(f, o.Fields)
		d.Fields = f
	} else {
		d.Fields = maps.Clone(d.Fields)
	}
	return d
}

// AlertTypeRule overrides ticket defaults for one alert type.
type AlertTypeRule struct {
	// Source limits the rule to one alert source; empty matches any. A rule
	// with a Source wins over one without.
	Source string `json:"source,omitempty"`
	// Type is the alert type, compared ignoring case and surrounding space.
	Type string `json:"type"`
	// Disabled switches ticket creation off for this type.
	Disabled bool `json:"disabled,omitempty"`
	// Ticket holds the overrides; empty fields keep the defaults. Its
	// Priority wins over every severity mapping.
	Ticket TicketDefaults `json:"ticket,omitzero"`
	// SeverityPriority maps the severity of alerts of this type to a PSA
	// priority; it wins over Config.SeverityPriority.
	SeverityPriority map[Severity]string `json:"severity_priority,omitempty"`
}

// ConfigError is the SDK's one configuration error type, config.Error:
// Key is the JSON path of the bad value, e.g. "customers[2].customer",
// Problem what is wrong with it. Every configuration error this package
// returns (LoadConfig, LoadConfigFile, Validate, New) holds one or more of
// them, found with errors.As, and matches ErrInvalidConfig.
type ConfigError = config.Error

// invalidConfig carries configuration problems (one *ConfigError or
// several joined) out of this package: "alerting: " before the message,
// and a match for ErrInvalidConfig.
type invalidConfig struct{ err error }

func (e *invalidConfig) Error() string        { return "alerting: " + e.err.Error() }
func (e *invalidConfig) Unwrap() error        { return e.err }
func (e *invalidConfig) Is(target error) bool { return target == ErrInvalidConfig }

// DefaultConfig returns the settings a configuration file is laid over:
// one ticket per alert, close on resolve when nobody touched the ticket
// (Close empty means CloseIfUntouched), a new ticket when the old one was
// closed, no reopening, no customer mappings, no auto-match and no catch-all.
func DefaultConfig() Config {
	return Config{Grouping: GroupPerAlert, OnResolve: CloseOnResolve, Reopen: ReopenNewTicket}
}

// LoadConfig reads a JSON Config from r over DefaultConfig, strictly (see
// package config: unknown keys and values of the wrong type are errors
// naming their key path), and validates it. Every problem is a
// *ConfigError.
func LoadConfig(r io.Reader) (*Config, error) {
	c := DefaultConfig()
	if err := config.Decode(r, &c); err != nil {
		return nil, loadError(err)
	}
	if err := c.problems(); err != nil {
		return nil, &invalidConfig{err}
	}
	return &c, nil
}

// LoadConfigFile is LoadConfig reading the file at path. Its errors name
// the file: "alerting: routing.json: config grouping: …".
func LoadConfigFile(path string) (*Config, error) {
	c := DefaultConfig()
	if err := config.LoadFile(path, &c); err != nil {
		return nil, loadError(err)
	}
	if err := c.problems(); err != nil {
		return nil, &invalidConfig{fmt.Errorf("%s: %w", path, err)}
	}
	return &c, nil
}

// loadError marks a decoding problem as invalid configuration and leaves
// I/O errors as they are.
func loadError(err error) error {
	if _, ok := errors.AsType[*ConfigError](err); ok {
		return &invalidConfig{err}
	}
	return fmt.Errorf("alerting: %w", err)
}

// Validate checks the configuration. The result joins one *ConfigError per
// problem (errors.As finds the first) and matches ErrInvalidConfig; nil
// means valid.
func (c Config) Validate() error {
	if err := c.problems(); err != nil {
		return &invalidConfig{err}
	}
	return nil
}

// problems is Validate without the package's wrapping.
func (c Config) problems() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	switch c.Grouping {
	case "", GroupPerAlert, GroupUser, GroupUserAlert:
	default:
		bad("grouping", "%q is not one of %q, %q, %q", c.Grouping, GroupPerAlert, GroupUser, GroupUserAlert)
	}
	switch c.OnResolve {
	case "", CloseOnResolve, NoteOnResolve:
	default:
		bad("on_resolve", "%q is not one of %q, %q", c.OnResolve, CloseOnResolve, NoteOnResolve)
	}
	switch c.Close {
	case "", CloseAlways, CloseIfUntouched, CloseNever:
		if c.Close != "" && c.Close != CloseNever && c.OnResolve == NoteOnResolve {
			bad("close", "%q contradicts on_resolve %q (which never closes); use close %q", c.Close, NoteOnResolve, CloseNever)
		}
	default:
		bad("close", "%q is not one of %q, %q, %q", c.Close, CloseAlways, CloseIfUntouched, CloseNever)
	}
	if c.ReopenWithin != "" {
		if d, err := time.ParseDuration(c.ReopenWithin); err != nil || d < 0 {
			bad("reopen_within", "%q is not a duration >= 0 such as \"72h\"", c.ReopenWithin)
		}
	}
	switch c.Reopen {
	case "", ReopenNewTicket, ReopenNewLinkedTicket:
	default:
		bad("reopen", "%q is not one of %q, %q", c.Reopen, ReopenNewTicket, ReopenNewLinkedTicket)
	}
	seen := map[[3]string]int{}
	for i, m := range c.Customers {
		key := "customers[" + strconv.Itoa(i) + "]"
		if m.Source == "" {
			bad(key+".source", "is empty")
		} else if !validSource(m.Source) {
			bad(key+".source", "%q: use letters, digits, '.', '_' or '-'", m.Source)
		}
		if !validSource(m.Account) {
			bad(key+".account", "%q: use letters, digits, '.', '_' or '-'", m.Account)
		}
		if m.SourceCustomer == "" {
			bad(key+".source_customer", "is empty")
		}
		if m.Customer == "" && !m.Disabled {
			bad(key+".customer", "is empty (set a PSA customer, or disabled: true)")
		}
		k := [3]string{m.Source, m.Account, m.SourceCustomer}
		if j, dup := seen[k]; dup && m.SourceCustomer != "" {
			bad(key+".source_customer", "%s/%s is already mapped by customers[%d]", ScopedSource(m.Source, m.Account), m.SourceCustomer, j)
		} else {
			seen[k] = i
		}
	}
	seenPSA := map[string]int{}
	for i, p := range c.PSACustomers {
		key := "psa_customers[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(p.Customer) == "" {
			bad(key+".customer", "is empty")
		} else if j, dup := seenPSA[p.Customer]; dup {
			bad(key+".customer", "%s is already configured by psa_customers[%d]", p.Customer, j)
		} else {
			seenPSA[p.Customer] = i
		}
	}
	if c.CatchAll != nil && c.CatchAll.Customer == "" {
		bad("catch_all.customer", "is empty (remove catch_all to reject unmapped customers)")
	}
	if c.Ticket.SubIssueType != "" && c.Ticket.IssueType == "" {
		bad("ticket.sub_issue_type", "is set without ticket.issue_type (a sub-issue type belongs to an issue type)")
	}
	seenType := map[[2]string]int{}
	for i, r := range c.AlertTypes {
		key := "alert_types[" + strconv.Itoa(i) + "]"
		if r.Ticket.SubIssueType != "" && r.Ticket.IssueType == "" && c.Ticket.IssueType == "" {
			bad(key+".ticket.sub_issue_type", "is set without an issue type here or in ticket.issue_type")
		}
		if strings.TrimSpace(r.Type) == "" {
			bad(key+".type", "is empty")
		}
		if r.Source != "" && !validSource(r.Source) {
			bad(key+".source", "%q: use letters, digits, '.', '_' or '-'", r.Source)
		}
		for _, s := range slices.Sorted(maps.Keys(r.SeverityPriority)) {
			if s == SeverityUnknown || !s.Valid() {
				bad(key+".severity_priority."+string(s), "is not one of info, low, medium, high, critical")
			}
		}
		k := [2]string{r.Source, normType(r.Type)}
		if j, dup := seenType[k]; dup && k[1] != "" {
			bad(key+".type", "%q is already configured by alert_types[%d]", r.Type, j)
		} else {
			seenType[k] = i
		}
	}
	if z := c.Maintenance.TimeZone; z != "" {
		if _, err := time.LoadLocation(z); err != nil {
			bad("maintenance.time_zone", "%q is not a known IANA time zone", z)
		}
	}
	windowProblems("maintenance.windows", c.Maintenance.Windows, bad)
	for _, s := range slices.Sorted(maps.Keys(c.SeverityPriority)) {
		if s == SeverityUnknown || !s.Valid() {
			bad("severity_priority."+string(s), "is not one of info, low, medium, high, critical")
		}
	}
	return errors.Join(errs...)
}

func normType(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// routing is a Config compiled for lookups.
type routing struct {
	cfg       Config
	close     ClosePolicy                    // effective: never with on_resolve note
	reopenIn  time.Duration                  // ReopenWithin; 0: off
	customers map[[3]string]CustomerMapping  // {source, account or "", source customer}
	psa       map[string]PSACustomerSettings // PSA customer ID → settings
	types     map[[2]string]AlertTypeRule    // {source or "", normalised type}
	windows   []window                       // Maintenance.Windows
}

// clone returns a deep copy, so that neither the caller nor the engine can
// change the other's configuration.
func (c Config) clone() Config {
	c.Customers = slices.Clone(c.Customers)
	if c.CatchAll != nil {
		ca := *c.CatchAll
		c.CatchAll = &ca
	}
	c.Ticket.Fields = maps.Clone(c.Ticket.Fields)
	c.AlertTypes = slices.Clone(c.AlertTypes)
	for i := range c.AlertTypes {
		c.AlertTypes[i].Ticket.Fields = maps.Clone(c.AlertTypes[i].Ticket.Fields)
		c.AlertTypes[i].SeverityPriority = maps.Clone(c.AlertTypes[i].SeverityPriority)
	}
	c.SeverityPriority = maps.Clone(c.SeverityPriority)
	c.Maintenance.Windows = slices.Clone(c.Maintenance.Windows)
	for i, w := range c.Maintenance.Windows {
		if w.Weekly != nil {
			wk := *w.Weekly
			wk.Days = slices.Clone(wk.Days)
			c.Maintenance.Windows[i].Weekly = &wk
		}
	}
	c.PSACustomers = slices.Clone(c.PSACustomers)
	for i, p := range c.PSACustomers {
		if p.CreateTickets != nil {
			v := *p.CreateTickets
			c.PSACustomers[i].CreateTickets = &v
		}
	}
	return c
}

func compile(c Config) routing {
	c = c.clone()
	if c.Grouping == "" {
		c.Grouping = GroupPerAlert
	}
	if c.OnResolve == "" {
		c.OnResolve = CloseOnResolve
	}
	if c.Reopen == "" {
		c.Reopen = ReopenNewTicket
	}
	if c.Close == "" {
		c.Close = CloseIfUntouched
	}
	r := routing{cfg: c, close: c.Close, customers: map[[3]string]CustomerMapping{}, types: map[[2]string]AlertTypeRule{}}
	if c.OnResolve == NoteOnResolve {
		r.close = CloseNever
	}
	r.reopenIn, _ = time.ParseDuration(c.ReopenWithin) // validated
	for _, m := range c.Customers {
		r.customers[[3]string{m.Source, m.Account, m.SourceCustomer}] = m
	}
	for _, t := range c.AlertTypes {
		r.types[[2]string{t.Source, normType(t.Type)}] = t
	}
	r.windows = compileWindows(c.Maintenance.Windows, c.Maintenance.TimeZone)
	r.psa = make(map[string]PSACustomerSettings, len(c.PSACustomers))
	for _, p := range c.PSACustomers {
		r.psa[p.Customer] = p
	}
	return r
}

// customerOff reports whether the PSA customer's "auto-create tickets"
// switch is off (PSACustomerSettings.CreateTickets).
func (r *routing) customerOff(customerID string) bool {
	p, ok := r.psa[customerID]
	return ok && p.CreateTickets != nil && !*p.CreateTickets
}

func (r *routing) mapping(a Alert) (CustomerMapping, bool) {
	if a.Customer.ID == "" {
		return CustomerMapping{}, false
	}
	if a.Account != "" {
		if m, ok := r.customers[[3]string{a.Source, a.Account, a.Customer.ID}]; ok {
			return m, true
		}
	}
	m, ok := r.customers[[3]string{a.Source, "", a.Customer.ID}]
	return m, ok
}

func (r *routing) typeRule(a Alert) (AlertTypeRule, bool) {
	t := normType(a.Type)
	if rule, ok := r.types[[2]string{a.Source, t}]; ok {
		return rule, true
	}
	rule, ok := r.types[[2]string{"", t}]
	return rule, ok
}

// ticketDefaults resolves the defaults for an alert: config defaults, then
// severity priority, then the alert type's severity priority, then the
// alert type's overrides.
func (r *routing) ticketDefaults(a Alert) TicketDefaults {
	d := r.cfg.Ticket.merge(TicketDefaults{Priority: r.cfg.SeverityPriority[a.Severity]})
	if rule, ok := r.typeRule(a); ok {
		d = d.merge(TicketDefaults{Priority: rule.SeverityPriority[a.Severity]})
		d = d.merge(rule.Ticket)
	}
	return d
}
