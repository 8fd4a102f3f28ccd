package alertingtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// Ticket is a ticket in the fake PSA: the request that created it, and what
// happened to it since.
type Ticket struct {
	ID string
	alerting.NewTicket
	State     alerting.TicketState
	Notes     []alerting.Note // notes added with AddNote, in order
	CreatedAt time.Time
	ClosedAt  time.Time
	// CloseNote is the note the engine closed the ticket with; nil when
	// the ticket is open or was closed with CloseInPSA.
	CloseNote *alerting.Note
	// Reopens counts ReopenTicket calls that reopened the ticket.
	Reopens int
	touches []touch
}

// touch is work by someone other than the engine (Sink.Touch).
type touch struct {
	at  time.Time
	why string
}

func (t Ticket) clone() Ticket {
	t.Notes = slices.Clone(t.Notes)
	t.touches = slices.Clone(t.touches)
	if t.CloseNote != nil {
		n := *t.CloseNote
		t.CloseNote = &n
	}
	return t
}

// Sink is an in-memory alerting.Sink (and alerting.TicketFinder,
// alerting.NoteFinder, alerting.AssetLocator, alerting.TouchChecker,
// alerting.Reopener and alerting.PriorityChecker; WithContactDirectory
// adds alerting.ContactDirectory). Ticket IDs are "1", "2", … in creation
// order. It is safe for concurrent use.
type Sink struct {
	f faults

	mu        sync.Mutex
	now       func() time.Time
	next      int
	tickets   map[string]*Ticket
	customers map[string][]alerting.Customer // normalised name → customers of that name
	contacts  map[[2]string]alerting.Contact
	assets    map[[3]string]alerting.Asset
	links     []link                      // assets linked to source devices, for LocateAsset
	users     map[string]alerting.Contact // contact ID → contact with its customer and site
	siteUsers map[string]string           // site ID → default user
	// priorities: ticket type → the priorities CheckPriorities accepts
	priorities map[string][]string
}

// link is an asset linked to a source device by an import.
type link struct {
	source, account, device string
	asset                   alerting.Asset
}

var (
	_ alerting.Sink             = (*Sink)(nil)
	_ alerting.TicketFinder     = (*Sink)(nil)
	_ alerting.NoteFinder       = (*Sink)(nil)
	_ alerting.AssetLocator     = (*Sink)(nil)
	_ alerting.ContactDirectory = DirectorySink{}
)

// DirectorySink is a Sink that also implements alerting.ContactDirectory,
// so an engine given it checks ticket users: it knows the contacts added
// with AddContact and AddUser, and the site users set with SetSiteContact;
// any other contact ID does not exist.
type DirectorySink struct{ *Sink }

// WithContactDirectory returns s as a DirectorySink.
func (s *Sink) WithContactDirectory() DirectorySink { return DirectorySink{s} }

// NewSink returns an empty fake PSA.
func NewSink() *Sink {
	return &Sink{
		now:       time.Now,
		tickets:   map[string]*Ticket{},
		customers: map[string][]alerting.Customer{},
		contacts:  map[[2]string]alerting.Contact{},
		assets:    map[[3]string]alerting.Asset{},
		users:     map[string]alerting.Contact{},
		siteUsers: map[string]string{},
	}
}

// SetClock replaces time.Now for creation and close times.
func (s *Sink) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// FailNext makes the next n calls of op (OpAny: of any method) fail with
// err (ErrInjected if nil) without doing anything. n < 0 fails every call
// until Heal. Rules are consulted in the order they were added.
func (s *Sink) FailNext(op Op, n int, err error) { s.f.add(op, n, err, false) }

// LoseNextResponse makes the next n calls of op take effect and then fail
// with err (ErrInjected if nil), like a request that timed out after the
// PSA processed it.
func (s *Sink) LoseNextResponse(op Op, n int, err error) { s.f.add(op, n, err, true) }

// Heal removes every injected fault.
func (s *Sink) Heal() { s.f.heal() }

// Calls returns how many times op was called (OpAny: all methods), failed
// calls included.
func (s *Sink) Calls(op Op) int { return s.f.count(op) }

// AddCustomer adds a customer that FindCustomer finds by name (exact,
// ignoring case and runs of white space). Two customers of one name are
// found by neither.
func (s *Sink) AddCustomer(c alerting.Customer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := normName(c.Name)
	s.customers[k] = append(s.customers[k], c)
}

// AddContact adds a customer's contact that FindContact finds by e-mail
// address (ignoring case), and Contact by its ID (with its Customer set
// to customerID).
func (s *Sink) AddContact(customerID, email string, c alerting.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Customer = customerID
	s.contacts[[2]string{customerID, normName(email)}] = c
	s.users[c.ID] = c
}

// AddUser adds a customer's contact that has no e-mail address: Contact
// finds it by its ID (with its Customer set to customerID).
func (s *Sink) AddUser(customerID string, c alerting.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Customer = customerID
	s.users[c.ID] = c
}

// SetSiteContact makes contactID the default user of a site
// (SiteContact).
func (s *Sink) SetSiteContact(siteID, contactID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.siteUsers[siteID] = contactID
}

// AddAsset adds a customer's asset that FindAsset finds by the source's
// device ID, or by hostname (ignoring case) when d has no ID. An asset
// added with a device ID is linked to it, as an import links assets:
// LocateAsset finds it in any customer (see AddAccountAsset).
func (s *Sink) AddAsset(customerID, source string, d alerting.Device, a alerting.Asset) {
	s.AddAccountAsset(customerID, source, "", d, a)
}

// AddAccountAsset is AddAsset for a device of one source account: the
// asset's link records the account, and LocateAsset does not find it for
// an alert of another account.
func (s *Sink) AddAccountAsset(customerID, source, account string, d alerting.Device, a alerting.Asset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assets[[3]string{customerID, source, deviceKey(d)}] = a
	if d.ID != "" {
		a.Customer = customerID
		s.links = append(s.links, link{source: source, account: account, device: d.ID, asset: a})
	}
}

// Tickets returns copies of all tickets in creation order.
func (s *Sink) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t.clone())
	}
	slices.SortFunc(out, func(a, b Ticket) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return cmp.Compare(x, y)
	})
	return out
}

// Ticket returns a copy of one ticket.
func (s *Sink) Ticket(id string) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return t.clone(), true
}

// CloseInPSA closes a ticket the way a technician would.
func (s *Sink) CloseInPSA(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok || t.State == alerting.TicketMissing {
		return fmt.Errorf("alertingtest: ticket %s: %w", id, alerting.ErrNotFound)
	}
	t.State, t.ClosedAt = alerting.TicketClosed, s.now()
	return nil
}

// Touch records work on a ticket by a technician (an action, a time entry,
// a status change), at the sink's clock: Touched reports it for any since
// before then. A ticket nobody touched is untouched.
func (s *Sink) Touch(id, why string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok || t.State == alerting.TicketMissing {
		return fmt.Errorf("alertingtest: ticket %s: %w", id, alerting.ErrNotFound)
	}
	t.touches = append(t.touches, touch{at: s.now(), why: why})
	return nil
}

// Touched implements alerting.TouchChecker: the first Touch after since.
func (s *Sink) Touched(ctx context.Context, ticketID string, since time.Time) (bool, string, error) {
	if _, err := s.call(ctx, OpTouched); err != nil {
		return false, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketID]
	if !ok || t.State == alerting.TicketMissing {
		return false, "", fmt.Errorf("alertingtest: ticket %s: %w", ticketID, alerting.ErrNotFound)
	}
	for _, tc := range t.touches {
		if tc.at.After(since) {
			return true, tc.why, nil
		}
	}
	return false, "", nil
}

// ReopenTicket implements alerting.Reopener: a closed ticket is open again
// (Reopens counts it) and n is added to its notes.
func (s *Sink) ReopenTicket(ctx context.Context, ticketID string, n alerting.Note) error {
	effect, err := s.call(ctx, OpReopenTicket)
	if err != nil && !effect {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketID]
	if !ok || t.State == alerting.TicketMissing {
		return fmt.Errorf("alertingtest: ticket %s: %w", ticketID, alerting.ErrNotFound)
	}
	if t.State == alerting.TicketClosed {
		t.State, t.ClosedAt, t.CloseNote = alerting.TicketOpen, time.Time{}, nil
		t.Reopens++
	}
	t.Notes = append(t.Notes, n)
	return err
}

// SetPriorities sets the priorities CheckPriorities accepts per ticket type
// ("" is the default type). A ticket type without an entry accepts every
// priority, so a sink without SetPriorities checks nothing.
func (s *Sink) SetPriorities(ticketType string, priorities ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.priorities == nil {
		s.priorities = map[string][]string{}
	}
	s.priorities[ticketType] = slices.Clone(priorities)
}

// CheckPriorities implements alerting.PriorityChecker against
// SetPriorities.
func (s *Sink) CheckPriorities(ctx context.Context, uses []alerting.PriorityUse) error {
	if _, err := s.call(ctx, OpCheckPriorities); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, u := range uses {
		ok, known := s.priorities[u.TicketType]
		if known && !slices.Contains(ok, u.Priority) {
			errs = append(errs, &alerting.ConfigError{Key: u.Key, Problem: fmt.Sprintf("priority %q is not a priority of ticket type %q", u.Priority, u.TicketType)})
		}
	}
	return errors.Join(errs...)
}

// DeleteTicket deletes a ticket in the PSA: it becomes TicketMissing.
func (s *Sink) DeleteTicket(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok {
		return fmt.Errorf("alertingtest: ticket %s: %w", id, alerting.ErrNotFound)
	}
	t.State = alerting.TicketMissing
	return nil
}

// call counts op, applies ctx, and returns an injected fault.
func (s *Sink) call(ctx context.Context, op Op) (effect bool, err error) {
	effect, err = s.f.call(op)
	if cerr := ctx.Err(); cerr != nil {
		return false, cerr
	}
	return effect, err
}

// CreateTicket implements alerting.TicketSink.
func (s *Sink) CreateTicket(ctx context.Context, nt alerting.NewTicket) (string, error) {
	effect, err := s.call(ctx, OpCreateTicket)
	if err != nil && !effect {
		return "", err
	}
	if nt.Customer == "" {
		return "", alerting.Permanent(fmt.Errorf("alertingtest: ticket without a customer"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := strconv.Itoa(s.next)
	nt.Alert.Raw = slices.Clone(nt.Alert.Raw)
	s.tickets[id] = &Ticket{ID: id, NewTicket: nt, State: alerting.TicketOpen, CreatedAt: s.now()}
	if err != nil {
		return "", err
	}
	return id, nil
}

func (s *Sink) open(id string) (*Ticket, error) {
	t, ok := s.tickets[id]
	switch {
	case !ok || t.State == alerting.TicketMissing:
		return nil, fmt.Errorf("alertingtest: ticket %s: %w", id, alerting.ErrNotFound)
	case t.State == alerting.TicketClosed:
		return nil, fmt.Errorf("alertingtest: ticket %s: %w", id, alerting.ErrTicketClosed)
	}
	return t, nil
}

// AddNote implements alerting.TicketSink. A closed ticket gives
// ErrTicketClosed, a missing one ErrNotFound.
func (s *Sink) AddNote(ctx context.Context, ticketID string, n alerting.Note) error {
	effect, err := s.call(ctx, OpAddNote)
	if err != nil && !effect {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, oerr := s.open(ticketID)
	if oerr != nil {
		return oerr
	}
	t.Notes = append(t.Notes, n)
	return err
}

// TicketState implements alerting.TicketSink.
func (s *Sink) TicketState(ctx context.Context, ticketID string) (alerting.TicketState, error) {
	if _, err := s.call(ctx, OpTicketState); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketID]
	if !ok {
		return alerting.TicketMissing, nil
	}
	return t.State, nil
}

// CloseTicket implements alerting.TicketSink.
func (s *Sink) CloseTicket(ctx context.Context, ticketID string, n alerting.Note) error {
	effect, err := s.call(ctx, OpCloseTicket)
	if err != nil && !effect {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, oerr := s.open(ticketID)
	if oerr != nil {
		return oerr
	}
	t.State, t.ClosedAt = alerting.TicketClosed, s.now()
	if n.Text != "" { // empty: the closing note is already on the ticket
		t.CloseNote = &n
	}
	return err
}

// FindCustomer implements alerting.Directory.
func (s *Sink) FindCustomer(ctx context.Context, name string) (alerting.Customer, error) {
	if _, err := s.call(ctx, OpFindCustomer); err != nil {
		return alerting.Customer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.customers[normName(name)]
	if len(cs) != 1 {
		return alerting.Customer{}, notFound{fmt.Sprintf("customer %s (%d of that name)", name, len(cs))}
	}
	return cs[0], nil
}

// FindContact implements alerting.Directory.
func (s *Sink) FindContact(ctx context.Context, customerID, email string) (alerting.Contact, error) {
	if _, err := s.call(ctx, OpFindContact); err != nil {
		return alerting.Contact{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[[2]string{customerID, normName(email)}]
	if !ok {
		return c, notFound{"contact " + email + " of customer " + customerID}
	}
	return c, nil
}

// FindAsset implements alerting.Directory.
func (s *Sink) FindAsset(ctx context.Context, customerID, source string, d alerting.Device) (alerting.Asset, error) {
	if _, err := s.call(ctx, OpFindAsset); err != nil {
		return alerting.Asset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.assets[[3]string{customerID, source, deviceKey(d)}]
	if !ok && d.ID != "" && d.Hostname != "" {
		a, ok = s.assets[[3]string{customerID, source, deviceKey(alerting.Device{Hostname: d.Hostname})}]
	}
	if !ok {
		return a, notFound{"asset " + deviceKey(d) + " of customer " + customerID}
	}
	return a, nil
}

// LocateAsset implements alerting.AssetLocator: the one asset linked to
// source device d.ID (AddAsset, AddAccountAsset) in any customer, leaving
// out assets whose link records an account other than account.
func (s *Sink) LocateAsset(ctx context.Context, source, account string, d alerting.Device) (alerting.Asset, error) {
	if _, err := s.call(ctx, OpLocateAsset); err != nil {
		return alerting.Asset{}, err
	}
	if d.ID == "" {
		return alerting.Asset{}, notFound{"linked asset of a device without an ID"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []alerting.Asset
	for _, l := range s.links {
		if l.source == source && l.device == d.ID && (account == "" || l.account == "" || l.account == account) {
			found = append(found, l.asset)
		}
	}
	if len(found) != 1 {
		return alerting.Asset{}, notFound{fmt.Sprintf("asset linked to %s device %s (%d found)", alerting.ScopedSource(source, account), d.ID, len(found))}
	}
	return found[0], nil
}

// Contact implements alerting.ContactDirectory: a contact added with
// AddContact or AddUser.
func (s DirectorySink) Contact(ctx context.Context, id string) (alerting.Contact, error) {
	if _, err := s.call(ctx, OpContact); err != nil {
		return alerting.Contact{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.users[id]
	if !ok {
		return c, notFound{"contact " + id}
	}
	return c, nil
}

// SiteContact implements alerting.ContactDirectory: the user set with
// SetSiteContact.
func (s DirectorySink) SiteContact(ctx context.Context, siteID string) (string, error) {
	if _, err := s.call(ctx, OpSiteContact); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.siteUsers[siteID]
	if !ok {
		return "", notFound{"default user of site " + siteID}
	}
	return id, nil
}

// ClosedTicketsSince implements alerting.ClosedTicketLister: every closed
// ticket (by the engine or in the PSA) with ClosedAt at or after since, in
// close order.
func (s *Sink) ClosedTicketsSince(ctx context.Context, since time.Time) iter.Seq2[alerting.ClosedTicket, error] {
	return func(yield func(alerting.ClosedTicket, error) bool) {
		if _, err := s.call(ctx, OpClosedTickets); err != nil {
			yield(alerting.ClosedTicket{}, err)
			return
		}
		s.mu.Lock()
		var out []alerting.ClosedTicket
		for _, t := range s.tickets {
			if t.State == alerting.TicketClosed && !t.ClosedAt.Before(since) {
				out = append(out, alerting.ClosedTicket{ID: t.ID, ClosedAt: t.ClosedAt})
			}
		}
		s.mu.Unlock()
		slices.SortFunc(out, func(a, b alerting.ClosedTicket) int {
			return cmp.Or(a.ClosedAt.Compare(b.ClosedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, ct := range out {
			if !yield(ct, nil) {
				return
			}
		}
	}
}

// FindOpenTicket implements alerting.TicketFinder.
func (s *Sink) FindOpenTicket(ctx context.Context, customerID, groupKey string) (string, error) {
	if _, err := s.call(ctx, OpFindOpenTicket); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tickets {
		if t.State == alerting.TicketOpen && t.Customer == customerID && t.GroupKey == groupKey {
			return t.ID, nil
		}
	}
	return "", fmt.Errorf("alertingtest: open ticket of group %s: %w", groupKey, alerting.ErrNotFound)
}

// HasNote implements alerting.NoteFinder: whether a note or the closing
// note of the ticket carries alerting.NoteMarker(key) in its text. A
// missing ticket is ErrNotFound.
func (s *Sink) HasNote(ctx context.Context, ticketID, key string) (bool, error) {
	if _, err := s.call(ctx, OpHasNote); err != nil {
		return false, err
	}
	marker := alerting.NoteMarker(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketID]
	if !ok || t.State == alerting.TicketMissing {
		return false, fmt.Errorf("alertingtest: ticket %s: %w", ticketID, alerting.ErrNotFound)
	}
	if t.CloseNote != nil && strings.Contains(t.CloseNote.Text, marker) {
		return true, nil
	}
	for _, n := range t.Notes {
		if strings.Contains(n.Text, marker) {
			return true, nil
		}
	}
	return false, nil
}

func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func deviceKey(d alerting.Device) string {
	if d.ID != "" {
		return "id:" + d.ID
	}
	return "host:" + normName(d.Hostname)
}

// notFound wraps alerting.ErrNotFound; lookups miss often, so it is cheap.
type notFound struct{ what string }

func (e notFound) Error() string {
	return "alertingtest: " + e.what + ": " + alerting.ErrNotFound.Error()
}

func (e notFound) Unwrap() error { return alerting.ErrNotFound }
