package alerting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"time"
)

// TicketState is what a PSA says about a ticket.
type TicketState int

// Ticket states. A deleted ticket, or one the PSA cannot find, is
// TicketMissing; the engine treats it like a closed one.
const (
	TicketOpen TicketState = iota + 1
	TicketClosed
	TicketMissing
)

// String returns "open", "closed" or "missing".
func (s TicketState) String() string {
	switch s {
	case TicketOpen:
		return "open"
	case TicketClosed:
		return "closed"
	case TicketMissing:
		return "missing"
	}
	return "unknown"
}

// TicketSink creates, appends to and closes PSA tickets.
//
// Errors: a ticket that is closed or gone when AddNote or CloseTicket runs
// should be reported as an error matching ErrTicketClosed or ErrNotFound; the
// engine then opens a new ticket instead of failing. A request the PSA
// refuses for good (a validation error) should be wrapped with Permanent so
// the engine does not retry it. Every other error is treated as an outage
// and retried.
type TicketSink interface {
	// CreateTicket creates a ticket and returns its ID. The sink writes
	// t.GroupKey onto the ticket (a custom field, a third-party ID) so the
	// PSA shows it and TicketFinder can find it.
	CreateTicket(ctx context.Context, t NewTicket) (id string, err error)
	// AddNote appends an internal note to an open ticket.
	AddNote(ctx context.Context, ticketID string, n Note) error
	// TicketState reports whether a ticket is open, closed or missing.
	TicketState(ctx context.Context, ticketID string) (TicketState, error)
	// CloseTicket closes a ticket; n is the closing note or resolution
	// comment. When n.Text is empty the closing note is already on the
	// ticket (the engine found it with NoteFinder after an attempt whose
	// reply was lost): close without writing another.
	CloseTicket(ctx context.Context, ticketID string, n Note) error
}

// Directory looks PSA records up for routing. Each method returns an error
// matching ErrNotFound when there is no (single) match.
type Directory interface {
	// FindCustomer returns the PSA customer whose name equals name (the
	// sink decides case and space handling; exact, case-insensitive is the
	// norm). Used by auto-match.
	FindCustomer(ctx context.Context, name string) (Customer, error)
	// FindContact returns the customer's contact whose e-mail address is
	// email.
	FindContact(ctx context.Context, customerID, email string) (Contact, error)
	// FindAsset returns the customer's PSA asset that matches a source
	// device (by the source's device ID, else hostname).
	FindAsset(ctx context.Context, customerID, source string, d Device) (Asset, error)
}

// AssetLocator is an optional Sink extension: the first routing step. It
// finds the PSA asset a source device is linked to by the link an import
// (package reconcile) wrote on it, in any customer, so that an alert is
// routed to the asset's customer and site whatever its source site is
// called. Without it, routing starts at the site mappings.
//
// Implementations answer from a cache of the PSA's assets (one paged read,
// refreshed on a miss at most so often), never with a PSA request per
// alert.
type AssetLocator interface {
	// LocateAsset returns the asset linked to source device d.ID (of
	// source kind source and, when account is not empty, of that source
	// account: an asset whose link records another account is not a
	// match), with its Customer and Site set, or an error matching
	// ErrNotFound when no single asset carries the link. A device without
	// an ID is never located.
	LocateAsset(ctx context.Context, source, account string, d Device) (Asset, error)
}

// ContactDirectory is an optional Sink extension that lets the engine
// check a ticket user before using it, and use a site's own default user.
// Without it, configured contacts are used unchecked.
type ContactDirectory interface {
	// Contact returns the contact with ID id, with its Customer and Site
	// set, or an error matching ErrNotFound.
	Contact(ctx context.Context, id string) (Contact, error)
	// SiteContact returns the ID of a PSA site's default user (the user
	// the PSA itself puts on the site's new tickets), or an error matching
	// ErrNotFound when the site has none.
	SiteContact(ctx context.Context, siteID string) (string, error)
}

// ClosedTicketLister lists tickets closed in the PSA, for resolve sync.
type ClosedTicketLister interface {
	// ClosedTicketsSince yields the tickets closed at or after since, in
	// any order, stopping at the first error. It may include tickets the
	// engine did not create and tickets the engine closed itself; the
	// engine skips those.
	ClosedTicketsSince(ctx context.Context, since time.Time) iter.Seq2[ClosedTicket, error]
}

// Sink is everything the engine needs from a PSA. Vendor packages (halo,
// kaseyabms) implement it; alertingtest.Sink is an in-memory fake.
type Sink interface {
	TicketSink
	Directory
	ClosedTicketLister
}

// TicketFinder is an optional Sink extension. When the engine finds a ticket
// creation that was started but never recorded (the process died, or the
// create timed out), it asks FindOpenTicket for an open ticket carrying the
// group key before creating another. Without it, the engine creates the
// ticket again, which may duplicate it in that rare case.
type TicketFinder interface {
	// FindOpenTicket returns the ID of the customer's open ticket carrying
	// groupKey, or an error matching ErrNotFound.
	FindOpenTicket(ctx context.Context, customerID, groupKey string) (string, error)
}

// NoteFinder is an optional Sink extension that makes notes and closes
// happen once even when a reply is lost. Every note the engine writes
// (closing notes included) carries the key of the event it was written for:
// Note.Key, and the marker line NoteMarker(Note.Key) at the end of
// Note.Text. When an earlier attempt at an event may have written its note
// without the engine learning so (the reply failed, or the process died),
// the engine asks HasNote before writing it again, and before closing a
// ticket whose closing note may already be there. Without it, such a retry
// writes the note a second time.
type NoteFinder interface {
	// HasNote reports whether ticket ticketID holds a note written for key
	// (one whose text contains NoteMarker(key), or that the PSA keeps with
	// key in a reference field), closed tickets included.
	HasNote(ctx context.Context, ticketID, key string) (bool, error)
}

// TouchChecker is an optional Sink extension for the close policy
// CloseIfUntouched. Without it every ticket counts as untouched.
type TouchChecker interface {
	// Touched reports whether someone other than the engine worked on
	// ticket ticketID after since (the engine's last write to it): an
	// action or note by a technician, a time entry or a status change.
	// why says what was found, for the resolve note and the log. A missing
	// ticket is an error matching ErrNotFound.
	Touched(ctx context.Context, ticketID string, since time.Time) (touched bool, why string, err error)
}

// Reopener is an optional Sink extension for Config.ReopenWithin: it
// reopens a closed ticket. Without it a recurring alert opens a new
// ticket.
type Reopener interface {
	// ReopenTicket sets the ticket open again and adds note n to it (the
	// engine's reopen note, ending with NoteMarker(n.Key)). Reopening a
	// ticket that is already open only adds the note. A missing ticket is
	// an error matching ErrNotFound.
	ReopenTicket(ctx context.Context, ticketID string, n Note) error
}

// PriorityUse is one PSA priority the configuration can put on a ticket of
// a ticket type ("" is the sink's default type).
type PriorityUse struct {
	Key        string // the configuration key that sets it, e.g. "severity_priority.high"
	TicketType string
	Priority   string
}

// PriorityChecker is an optional Sink extension run by Engine.CheckPSA:
// it checks that each configured priority exists for its ticket type (Halo:
// in the SLA of the ticket type). Without it priorities are not checked
// before the first ticket.
type PriorityChecker interface {
	// CheckPriorities returns nil when every use is valid, or one
	// *ConfigError per bad use (Key set from the use), joined.
	CheckPriorities(ctx context.Context, uses []PriorityUse) error
}

// NoteMarker returns the line the engine ends each note written for event
// key with: "mspsync-ref: " and 16 hex digits of the key's SHA-256. It is
// short, plain ASCII (it survives a PSA's HTML conversion) and does not
// repeat the event ID. NoteFinder implementations look for it.
func NoteMarker(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "mspsync-ref: " + hex.EncodeToString(sum[:8])
}

// Customer is a PSA customer with the defaults its tickets use.
type Customer struct {
	ID       string
	Name     string
	Site     string // default site for its tickets, if the PSA needs one
	Contact  string // default contact
	Contract string // contract to attach, if any
}

// Contact is a PSA contact (Halo end-user, BMS contact).
type Contact struct {
	ID       string
	Customer string // the contact's customer, where the sink tells (ContactDirectory)
	Site     string // the contact's site/location, if the PSA has one
}

// Asset is a PSA asset (configuration item).
type Asset struct {
	ID       string
	Contact  string // the asset's user, if any
	Site     string
	Customer string // the asset's customer (AssetLocator sets it)
}

// ClosedTicket is a ticket closed in the PSA.
type ClosedTicket struct {
	ID       string
	ClosedAt time.Time
}

// NewTicket is what the engine asks a sink to create.
type NewTicket struct {
	// GroupKey is the alert group's stable key; write it onto the ticket.
	GroupKey string
	Customer string // PSA customer ID
	Site     string // PSA site ID, if known
	Contact  string // PSA contact ID, if known; else the sink's fallback (e.g. Halo's General User)
	Asset    string // PSA asset to link, if any
	Contract string // PSA contract to attach, if any
	Title    string
	Body     string // plain text: the alert body and its details
	Severity Severity
	Time     time.Time // when the alert was raised (BMS OpenDate)
	// Defaults are the resolved ticket settings (type, status, queue,
	// priority, issue types, extra fields).
	Defaults TicketDefaults
	// PreviousTicket is the group's previous (closed) ticket when the
	// reopen policy is ReopenNewLinkedTicket.
	PreviousTicket string
	// Alert is the alert that opened the ticket.
	Alert Alert
	// AttachContract asks the sink to attach the customer's active
	// contract when Contract is empty (Config.AttachContract). A sink that
	// finds no single active contract leaves the ticket without one.
	AttachContract bool
}

// NoteKind says why the engine writes a note.
type NoteKind string

// Note kinds.
const (
	NoteAlertRaised    NoteKind = "alert_raised"    // another alert joined the ticket's group
	NoteMemberResolved NoteKind = "member_resolved" // one alert resolved, others still open
	NoteAllResolved    NoteKind = "all_resolved"    // every alert resolved (close or note on resolve)
	NoteReopened       NoteKind = "reopened"        // a recurring alert reopened the ticket
)

// Note is a note the engine adds to a ticket, or the comment it closes one
// with.
type Note struct {
	Kind NoteKind
	Text string // plain text, ready to use; ends with NoteMarker(Key)
	// Key identifies the write: the event key of the event that caused it
	// (a suffix distinguishes a second write for one event). A sink may
	// keep it in a reference field; NoteFinder looks for it.
	Key   string
	Alert Alert // the alert event that caused it
	Time  time.Time
}

// AlertRef names one alert at its source, for a Resolver.
type AlertRef struct {
	Source   string
	Account  string // the source account (Alert.Account); "" for the only one
	AlertID  string
	TicketID string // the PSA ticket that was closed
	GroupKey string
}

// Resolver resolves alerts at their source (Datto RMM resolve, Level
// resolve, Vision One workbench status). ResolveAlert must be idempotent;
// an alert the source no longer knows may be reported with ErrNotFound,
// which the engine counts as done.
type Resolver interface {
	// ResolveAlert resolves the alert a refers to at its source.
	ResolveAlert(ctx context.Context, a AlertRef) error
}

// OpenAlertLister is an optional source extension: it lists the alerts
// open at the source (one account of it), so the reconciliation poll
// (WithOpenAlertLister, Engine.PollOpenAlerts) can ticket an alert whose
// raise never arrived and resolve the alerts whose resolve never arrived.
// A lister that also implements RaiseOnlyLister (returning true) only
// fills missed raises: nothing is resolved from its listing.
type OpenAlertLister interface {
	// OpenAlerts yields every alert open at the source, each once, as a
	// Raise with the same Source, Account, EventID and AlertID its pushed
	// raise has (so the two are one event), Time when it was raised, and
	// the fields a ticket needs. It walks the source's pages within the
	// lister's request budget and stops at the first error. A listing it
	// cannot complete (a page failed, the pages do not add up to the count
	// the source reported) must end with a non-nil error: the engine then
	// resolves nothing from it.
	OpenAlerts(ctx context.Context) iter.Seq2[Alert, error]
}

// RaiseOnlyLister is an optional OpenAlertLister extension for sources
// whose listing holds events rather than open alerts (a notification
// history that the source ages out or an operator deletes): an alert
// missing from such a listing says nothing about whether it was
// resolved. When RaiseOnly returns true, the reconciliation poll takes
// the listing's missed raises and resolves nothing from it: every ticket
// with an unresolved alert of that source account stays as it is.
type RaiseOnlyLister interface {
	OpenAlertLister
	// RaiseOnly reports whether the listing only fills missed raises.
	RaiseOnly() bool
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, a AlertRef) error

// ResolveAlert calls f.
func (f ResolverFunc) ResolveAlert(ctx context.Context, a AlertRef) error { return f(ctx, a) }
