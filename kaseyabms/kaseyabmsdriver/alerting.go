package kaseyabmsdriver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/kaseyabms"
)

// AlertSink is the alerting.Sink of a Kaseya BMS tenant: it routes each
// alert to an account (customer) and contact, creates tickets with the
// configured defaults, adds internal notes, resolves tickets, and answers
// the look-ups routing needs. It is safe for concurrent use.
//
// The ticket defaults of alerting.Config map onto TicketInputDto:
//
//	Type         → TypeId (an id; required: BMS has no ticket type lookup)
//	Source       → SourceId (an id; required; V1 used 5 for Monitoring System)
//	Status       → StatusId (id or name; default the status named "New")
//	Priority     → PriorityId (id or name; default BMS's default priority)
//	Queue        → QueueId (id or name)
//	IssueType    → IssueTypeId (id or name)
//	SubIssueType → SubIssueTypeId (id, or name within the issue type)
//
// A ticket is closed when its CompletedDate is set or its status is one
// of the closed statuses (WithClosedStatuses).
type AlertSink struct {
	c *kaseyabms.Client
	o *options

	mu        sync.Mutex
	statuses  []kaseyabms.Status
	prios     []kaseyabms.Priority
	queues    []kaseyabms.LookupItem
	issues    []kaseyabms.LookupItem
	subIssues map[int][]kaseyabms.LookupItem
	mains     map[int]int // account → main location
}

var (
	_ alerting.Sink             = (*AlertSink)(nil)
	_ alerting.TicketFinder     = (*AlertSink)(nil)
	_ alerting.NoteFinder       = (*AlertSink)(nil)
	_ alerting.ContactDirectory = (*AlertSink)(nil)
	_ alerting.PriorityChecker  = (*AlertSink)(nil)
)

// NewAlertSink returns the alerting driver of a BMS client.
func NewAlertSink(c *kaseyabms.Client, opts ...Option) *AlertSink {
	return &AlertSink{c: c, o: newOptions(opts), subIssues: map[int][]kaseyabms.LookupItem{}, mains: map[int]int{}}
}

// classify maps BMS errors onto the engine's: not found → ErrNotFound;
// a request BMS refused (Success:false, other 4xx) → permanent; the rest
// (5xx, 429, 401, transport) stays retryable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, kaseyabms.ErrNotFound) {
		return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	var he *kaseyabms.Error
	if errors.As(err, &he) {
		switch {
		case errors.Is(err, kaseyabms.ErrUnauthorized), errors.Is(err, kaseyabms.ErrRateLimited):
			return err
		case he.StatusCode == http.StatusOK || (he.StatusCode >= 400 && he.StatusCode < 500):
			return alerting.Permanent(err)
		}
	}
	return err
}

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// --- cached lookups ---

func (s *AlertSink) statusList(ctx context.Context) ([]kaseyabms.Status, error) {
	s.mu.Lock()
	st := s.statuses
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := s.c.Lookups.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.statuses = st
	s.mu.Unlock()
	return st, nil
}

// closedStatuses returns the closed status ids: configured, else the
// statuses named Completed or Closed.
func (s *AlertSink) closedStatuses(ctx context.Context) ([]int, error) {
	if s.o.closedStatuses != nil {
		return s.o.closedStatuses, nil
	}
	st, err := s.statusList(ctx)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, x := range st {
		if n := normName(x.Name); n == "completed" || n == "closed" {
			out = append(out, x.ID)
		}
	}
	return out, nil
}

func (s *AlertSink) priorityList(ctx context.Context) ([]kaseyabms.Priority, error) {
	s.mu.Lock()
	p := s.prios
	s.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := s.c.Lookups.Priorities(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.prios = p
	s.mu.Unlock()
	return p, nil
}

func (s *AlertSink) queueList(ctx context.Context) ([]kaseyabms.LookupItem, error) {
	s.mu.Lock()
	q := s.queues
	s.mu.Unlock()
	if q != nil {
		return q, nil
	}
	q, err := s.c.Lookups.Queues(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.queues = q
	s.mu.Unlock()
	return q, nil
}

func (s *AlertSink) issueList(ctx context.Context) ([]kaseyabms.LookupItem, error) {
	s.mu.Lock()
	q := s.issues
	s.mu.Unlock()
	if q != nil {
		return q, nil
	}
	q, err := s.c.Lookups.IssueTypes(ctx, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.issues = q
	s.mu.Unlock()
	return q, nil
}

func (s *AlertSink) subIssueList(ctx context.Context, issue int) ([]kaseyabms.LookupItem, error) {
	s.mu.Lock()
	q, ok := s.subIssues[issue]
	s.mu.Unlock()
	if ok {
		return q, nil
	}
	q, err := s.c.Lookups.SubIssueTypes(ctx, issue)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.subIssues[issue] = q
	s.mu.Unlock()
	return q, nil
}

// mainLocation returns an account's main location, read once per account.
func (s *AlertSink) mainLocation(ctx context.Context, account int) (int, error) {
	s.mu.Lock()
	id, ok := s.mains[account]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	l, err := s.c.Locations.Main(ctx, account)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.mains[account] = l.ID
	s.mu.Unlock()
	return l.ID, nil
}

// configError is a ticket default the tenant does not have.
type configError struct{ key, problem string }

func (e *configError) Error() string { return "kaseyabmsdriver: ticket " + e.key + " " + e.problem }

// pick resolves a configured value (an id or a name) among named items.
func pick[T any](key, v string, items []T, id func(T) int, name func(T) string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		for _, it := range items {
			if id(it) == n {
				return n, nil
			}
		}
		return 0, &configError{key, fmt.Sprintf("%d: BMS has no such id", n)}
	}
	var found []int
	for _, it := range items {
		if normName(name(it)) == normName(v) {
			found = append(found, id(it))
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return 0, &configError{key, fmt.Sprintf("%q: BMS has none of that name", v)}
	}
	return 0, &configError{key, fmt.Sprintf("%q: BMS has %d of that name; use the id", v, len(found))}
}

// defaults are TicketDefaults as BMS ids.
type defaults struct {
	typ, source, status, priority, queue, issue, sub int
}

// resolveDefaults turns TicketDefaults into ids, looking names up in the
// cached lookups; a value the tenant does not have is a *configError.
func (s *AlertSink) resolveDefaults(ctx context.Context, d alerting.TicketDefaults) (defaults, error) {
	var out defaults
	var errs []error
	idOnly := func(key, v string) int {
		v = strings.TrimSpace(v)
		if v == "" {
			errs = append(errs, &configError{key, "is required: BMS needs it on every ticket and has no lookup to find it by name"})
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, &configError{key, fmt.Sprintf("%q is not a BMS id (an integer)", v)})
		}
		return n
	}
	out.typ, out.source = idOnly("type", d.Type), idOnly("source", d.Source)
	st, err := s.statusList(ctx)
	if err != nil {
		return out, err
	}
	if out.status, err = pick("status", d.Status, st, func(x kaseyabms.Status) int { return x.ID }, func(x kaseyabms.Status) string { return x.Name }); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(d.Status) == "" {
		out.status, _ = pick("status", "New", st, func(x kaseyabms.Status) int { return x.ID }, func(x kaseyabms.Status) string { return x.Name })
		if out.status == 0 {
			errs = append(errs, &configError{"status", "is not set and BMS has no status named New"})
		}
	}
	pr, err := s.priorityList(ctx)
	if err != nil {
		return out, err
	}
	if out.priority, err = pick("priority", d.Priority, pr, func(x kaseyabms.Priority) int { return x.ID }, func(x kaseyabms.Priority) string { return x.Name }); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(d.Priority) == "" {
		for _, p := range pr {
			if p.IsDefault {
				out.priority = p.ID
			}
		}
		if out.priority == 0 {
			errs = append(errs, &configError{"priority", "is not set and BMS has no default priority"})
		}
	}
	if strings.TrimSpace(d.Queue) != "" {
		q, err := s.queueList(ctx)
		if err != nil {
			return out, err
		}
		if out.queue, err = pick("queue", d.Queue, q, lookupID, lookupName); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.TrimSpace(d.IssueType) != "" {
		is, err := s.issueList(ctx)
		if err != nil {
			return out, err
		}
		if out.issue, err = pick("issue_type", d.IssueType, is, lookupID, lookupName); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.TrimSpace(d.SubIssueType) != "" {
		if out.issue == 0 {
			if strings.TrimSpace(d.IssueType) == "" {
				errs = append(errs, &configError{"sub_issue_type", "is set without an issue type"})
			}
		} else {
			subs, err := s.subIssueList(ctx, out.issue)
			if err != nil {
				return out, err
			}
			if out.sub, err = pick("sub_issue_type", d.SubIssueType, subs, lookupID, lookupName); err != nil {
				errs = append(errs, fmt.Errorf("%w (of issue type %d)", err, out.issue))
			}
		}
	}
	return out, errors.Join(errs...)
}

func lookupID(x kaseyabms.LookupItem) int      { return x.ID }
func lookupName(x kaseyabms.LookupItem) string { return x.Name }

// CreateTicket creates the ticket (POST /v2/servicedesk/tickets): account
// t.Customer, location t.Site (else the account's main location), contact
// t.Contact, the defaults as ids (see AlertSink), OpenDate the alert's
// time, the hardware asset t.Asset, the contract t.Contract (else, with
// t.AttachContract, the account's default contract) and, with
// WithGroupKeyField, the group key in CustomFieldsData. A default the
// tenant does not have, or a request BMS refuses, is a permanent error.
func (s *AlertSink) CreateTicket(ctx context.Context, t alerting.NewTicket) (string, error) {
	acct := atoi(t.Customer)
	if acct == 0 {
		return "", alerting.Permanent(fmt.Errorf("kaseyabmsdriver: customer %q is not a BMS account id", t.Customer))
	}
	d, err := s.resolveDefaults(ctx, mergeDefaults(s.o.defaults, t.Defaults))
	if err != nil {
		if ce := (*configError)(nil); errors.As(err, &ce) {
			return "", alerting.Permanent(err)
		}
		return "", classify(err)
	}
	in := kaseyabms.TicketInput{
		Title: t.Title, Details: t.Body, AccountID: acct, LocationID: atoi(t.Site), ContactID: atoi(t.Contact),
		HardwareAssetID: atoi(t.Asset), StatusID: d.status, PriorityID: d.priority, TypeID: d.typ, SourceID: d.source,
		QueueID: d.queue, IssueTypeID: d.issue, SubIssueTypeID: d.sub, ContractID: atoi(t.Contract), OpenDate: kaseyabms.At(t.Time),
	}
	if strings.TrimSpace(in.Title) == "" {
		in.Title = "Alert"
	}
	if strings.TrimSpace(in.Details) == "" {
		in.Details = in.Title
	}
	if in.OpenDate.IsZero() {
		in.OpenDate = kaseyabms.At(time.Now())
	}
	if in.LocationID == 0 {
		if in.LocationID, err = s.mainLocation(ctx, acct); err != nil {
			return "", classify(fmt.Errorf("kaseyabmsdriver: location of account %d: %w", acct, err))
		}
	}
	if in.ContractID == 0 && t.AttachContract {
		if in.ContractID, err = s.accountContract(ctx, acct); err != nil {
			return "", classify(err)
		}
	}
	if s.o.groupKeyField != 0 && t.GroupKey != "" {
		in.CustomFieldsData = []kaseyabms.CustomFieldData{{CustomFieldID: s.o.groupKeyField, Data: t.GroupKey}}
	}
	tk, err := s.c.Tickets.Create(ctx, in)
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(tk.ID), nil
}

// accountContract returns the contract a ticket of the account gets: the
// account's default unexpired contract, else its only one; 0 when there is
// none or no single one.
func (s *AlertSink) accountContract(ctx context.Context, acct int) (int, error) {
	cs, err := s.c.Contracts.Lookup(ctx, &kaseyabms.ContractLookupOptions{AccountID: acct, ExcludeExpiredContracts: true})
	if err != nil {
		return 0, fmt.Errorf("kaseyabmsdriver: contracts of account %d: %w", acct, err)
	}
	var active, def []int
	for _, c := range cs {
		if !c.IsActive {
			continue
		}
		active = append(active, c.ID)
		if c.IsDefault {
			def = append(def, c.ID)
		}
	}
	switch {
	case len(def) == 1:
		return def[0], nil
	case len(def) == 0 && len(active) == 1:
		return active[0], nil
	}
	return 0, nil
}

// state reads a ticket's state.
func (s *AlertSink) state(ctx context.Context, id int) (alerting.TicketState, *kaseyabms.Ticket, error) {
	tk, err := s.c.Tickets.Get(ctx, id)
	if errors.Is(err, kaseyabms.ErrNotFound) {
		return alerting.TicketMissing, nil, nil
	}
	if err != nil {
		return 0, nil, classify(err)
	}
	closed, err := s.IsClosed(ctx, tk.CompletedDate.Time, tk.StatusID)
	if err != nil {
		return 0, nil, classify(err)
	}
	if closed {
		return alerting.TicketClosed, tk, nil
	}
	return alerting.TicketOpen, tk, nil
}

// IsClosed reports whether a ticket with that CompletedDate and status is
// closed: completed, or in a closed status.
func (s *AlertSink) IsClosed(ctx context.Context, completed time.Time, statusID int) (bool, error) {
	if !completed.IsZero() {
		return true, nil
	}
	closed, err := s.closedStatuses(ctx)
	if err != nil {
		return false, err
	}
	return slices.Contains(closed, statusID), nil
}

// TicketState reads the ticket: open, closed (CompletedDate or a closed
// status) or missing (not found).
func (s *AlertSink) TicketState(ctx context.Context, ticketID string) (alerting.TicketState, error) {
	id := atoi(ticketID)
	if id == 0 {
		return alerting.TicketMissing, nil
	}
	st, _, err := s.state(ctx, id)
	return st, err
}

// AddNote adds an internal note (the configured note type, NoteDate the
// note's time) after checking that the ticket is still open: a closed
// ticket is never appended to (ErrTicketClosed).
func (s *AlertSink) AddNote(ctx context.Context, ticketID string, n alerting.Note) error {
	st, err := s.TicketState(ctx, ticketID)
	if err != nil {
		return err
	}
	switch st {
	case alerting.TicketClosed:
		return fmt.Errorf("%w: ticket %s", alerting.ErrTicketClosed, ticketID)
	case alerting.TicketMissing:
		return fmt.Errorf("%w: ticket %s", alerting.ErrNotFound, ticketID)
	}
	_, err = s.c.Tickets.AddNote(ctx, atoi(ticketID), s.note(n, 0))
	return classify(err)
}

func (s *AlertSink) note(n alerting.Note, status int) kaseyabms.NoteInput {
	at := n.Time
	if at.IsZero() {
		at = time.Now()
	}
	return kaseyabms.NoteInput{Details: n.Text, IsInternal: true, TypeID: s.o.noteType, StatusID: status, NoteDate: kaseyabms.At(at)}
}

// CloseTicket writes the closing note (none when n.Text is empty) and
// resolves the ticket (POST …/resolve; the comment says mspsync closed
// it). With WithCloseByNote one note carrying a closed status does both
// (without a note, a partial update sets the status).
// A ticket already closed is left as it is.
func (s *AlertSink) CloseTicket(ctx context.Context, ticketID string, n alerting.Note) error {
	id := atoi(ticketID)
	st, _, err := s.state(ctx, id)
	if err != nil {
		return err
	}
	switch st {
	case alerting.TicketMissing:
		return fmt.Errorf("%w: ticket %s", alerting.ErrNotFound, ticketID)
	case alerting.TicketClosed:
		return nil
	}
	if s.o.closeByNote {
		status := s.o.resolveStatus
		if status == 0 {
			closed, err := s.closedStatuses(ctx)
			if err != nil || len(closed) == 0 {
				return alerting.Permanent(fmt.Errorf("kaseyabmsdriver: no closed status to close ticket %d with by note (WithClosedStatuses): %v", id, err))
			}
			status = closed[0]
		}
		if strings.TrimSpace(n.Text) == "" { // the note is there already: set the status alone
			_, err := s.c.Tickets.Update(ctx, id, kaseyabms.Replace("StatusId", status))
			return classify(err)
		}
		_, err := s.c.Tickets.AddNote(ctx, id, s.note(n, status))
		return classify(err)
	}
	if strings.TrimSpace(n.Text) != "" {
		if _, err := s.c.Tickets.AddNote(ctx, id, s.note(n, 0)); err != nil {
			return classify(err)
		}
	}
	_, err = s.c.Tickets.Resolve(ctx, id, kaseyabms.ResolveInput{Comment: "Resolved by mspsync: every alert of the ticket resolved.",
		StatusID: s.o.resolveStatus, IsInternal: true})
	return classify(err)
}

// FindCustomer finds the one active account named name (case and runs of
// white space do not count), with its main location as the ticket site.
func (s *AlertSink) FindCustomer(ctx context.Context, name string) (alerting.Customer, error) {
	want := normName(name)
	var found []kaseyabms.AccountLookup
	for a, err := range s.c.Accounts.Lookup(ctx, &kaseyabms.AccountLookupOptions{Name: strings.Join(strings.Fields(name), " ")}) {
		if err != nil {
			return alerting.Customer{}, classify(err)
		}
		if a.IsActive && normName(a.Name) == want {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		return alerting.Customer{}, fmt.Errorf("%w: %d active BMS accounts named %q", alerting.ErrNotFound, len(found), name)
	}
	out := alerting.Customer{ID: strconv.Itoa(found[0].ID), Name: found[0].Name}
	if loc, err := s.mainLocation(ctx, found[0].ID); err == nil {
		out.Site = strconv.Itoa(loc)
	}
	return out, nil
}

// FindContact finds the contact of an e-mail address the way SaaS Alerts'
// BMS integration does: only when exactly one active contact of the
// account has that address (GET /v2/crm/contacts/search with
// Filter.EmailAddress, Filter.AccountIds and Filter.IsActive); none or
// several is ErrNotFound, and the engine falls back to the customer's
// default contact. The contact's location becomes the ticket's.
func (s *AlertSink) FindContact(ctx context.Context, customerID, email string) (alerting.Contact, error) {
	acct := atoi(customerID)
	if acct == 0 || strings.TrimSpace(email) == "" {
		return alerting.Contact{}, fmt.Errorf("%w: no account or e-mail address", alerting.ErrNotFound)
	}
	cs, err := s.c.Contacts.ByEmail(ctx, email, acct, true)
	if err != nil {
		return alerting.Contact{}, classify(err)
	}
	if len(cs) != 1 {
		return alerting.Contact{}, fmt.Errorf("%w: %d active contacts of account %d with e-mail %q", alerting.ErrNotFound, len(cs), acct, email)
	}
	return alerting.Contact{ID: strconv.Itoa(cs[0].ID), Customer: strconv.Itoa(cs[0].AccountID), Site: itoa(cs[0].LocationID)}, nil
}

// FindAsset finds the account's one active hardware asset named like the
// device's hostname, else its ID (BMS assets carry no source link).
func (s *AlertSink) FindAsset(ctx context.Context, customerID, source string, d alerting.Device) (alerting.Asset, error) {
	acct := atoi(customerID)
	for _, name := range []string{d.Hostname, d.ID} {
		if name = strings.TrimSpace(name); name == "" || acct == 0 {
			continue
		}
		var found []kaseyabms.HardwareAsset
		for a, err := range s.c.HardwareAssets.Search(ctx, &kaseyabms.HardwareAssetOptions{AccountID: acct, AssetName: name}) {
			if err != nil {
				return alerting.Asset{}, classify(err)
			}
			if a.IsActive && a.AccountID == acct && strings.EqualFold(strings.TrimSpace(a.AssetName), name) {
				found = append(found, a)
			}
		}
		if len(found) == 1 {
			return alerting.Asset{ID: strconv.Itoa(found[0].ID), Contact: itoa(found[0].ContactID), Customer: strconv.Itoa(acct)}, nil
		}
	}
	return alerting.Asset{}, fmt.Errorf("%w: no single BMS hardware asset of account %s for %s device %q", alerting.ErrNotFound, customerID, source, d.ID)
}

// ClosedTicketsSince yields the tickets completed at or after since
// (Filter.CompletedDateFrom). A ticket set to a closed status without a
// CompletedDate is not found this way.
func (s *AlertSink) ClosedTicketsSince(ctx context.Context, since time.Time) iter.Seq2[alerting.ClosedTicket, error] {
	return func(yield func(alerting.ClosedTicket, error) bool) {
		for t, err := range s.c.Tickets.All(ctx, &kaseyabms.TicketListOptions{CompletedDateFrom: since}) {
			if err != nil {
				yield(alerting.ClosedTicket{}, classify(err))
				return
			}
			if t.CompletedDate.IsZero() || t.CompletedDate.Before(since) {
				continue
			}
			if !yield(alerting.ClosedTicket{ID: strconv.Itoa(t.ID), ClosedAt: t.CompletedDate.Time}, nil) {
				return
			}
		}
	}
}

// groupLine is the line the engine ends ticket details with.
const groupLine = "\nAlert group: "

// FindOpenTicket finds the account's open ticket of a group: with
// WithGroupKeyField, by the group key in the ticket's custom fields; else
// by the last "Alert group:" line of its details, which the engine writes
// after the alert's own text (so alert text cannot name another group).
func (s *AlertSink) FindOpenTicket(ctx context.Context, customerID, groupKey string) (string, error) {
	acct := atoi(customerID)
	if acct == 0 || groupKey == "" {
		return "", fmt.Errorf("%w: no account or group key", alerting.ErrNotFound)
	}
	for t, err := range s.c.Tickets.All(ctx, &kaseyabms.TicketListOptions{AccountIDs: strconv.Itoa(acct), ExcludeCompleted: true}) {
		if err != nil {
			return "", classify(err)
		}
		if t.AccountID != acct || !t.CompletedDate.IsZero() {
			continue
		}
		if !s.carries(t, groupKey) {
			continue
		}
		closed, err := s.IsClosed(ctx, t.CompletedDate.Time, t.StatusID)
		if err != nil {
			return "", classify(err)
		}
		if !closed {
			return strconv.Itoa(t.ID), nil
		}
	}
	return "", fmt.Errorf("%w: no open BMS ticket of account %d with group key %s", alerting.ErrNotFound, acct, groupKey)
}

func (s *AlertSink) carries(t kaseyabms.TicketListItem, groupKey string) bool {
	if s.o.groupKeyField != 0 {
		return strings.Contains(t.CustomFields, groupKey)
	}
	i := strings.LastIndex(t.Details, groupLine)
	if i < 0 {
		return false
	}
	rest := t.Details[i+len(groupLine):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return strings.TrimSpace(rest) == groupKey
}

// HasNote reads the ticket's notes and reports whether one carries
// alerting.NoteMarker(key).
func (s *AlertSink) HasNote(ctx context.Context, ticketID, key string) (bool, error) {
	marker := alerting.NoteMarker(key)
	for n, err := range s.c.Tickets.Notes(ctx, atoi(ticketID)) {
		if err != nil {
			return false, classify(err)
		}
		if strings.Contains(n.Details, marker) {
			return true, nil
		}
	}
	return false, nil
}

// Contact returns a contact with its account and location. An inactive
// contact counts as missing (ErrNotFound): tickets are not put on it.
func (s *AlertSink) Contact(ctx context.Context, id string) (alerting.Contact, error) {
	n := atoi(id)
	if n == 0 {
		return alerting.Contact{}, fmt.Errorf("%w: contact %q is not a BMS id", alerting.ErrNotFound, id)
	}
	c, err := s.c.Contacts.Get(ctx, n)
	if err != nil {
		return alerting.Contact{}, classify(err)
	}
	if !c.IsActive {
		return alerting.Contact{}, fmt.Errorf("%w: BMS contact %d is inactive", alerting.ErrNotFound, n)
	}
	return alerting.Contact{ID: strconv.Itoa(c.ID), Customer: strconv.Itoa(c.AccountID), Site: itoa(c.LocationID)}, nil
}

// SiteContact reports ErrNotFound: BMS locations have no default contact.
func (s *AlertSink) SiteContact(context.Context, string) (string, error) {
	return "", fmt.Errorf("%w: BMS locations have no default contact", alerting.ErrNotFound)
}

// CheckPriorities checks that each configured priority (an id or a name)
// exists in BMS.
func (s *AlertSink) CheckPriorities(ctx context.Context, uses []alerting.PriorityUse) error {
	pr, err := s.priorityList(ctx)
	if err != nil {
		return classify(err)
	}
	var errs []error
	for _, u := range uses {
		if _, err := pick(u.Key, u.Priority, pr, func(x kaseyabms.Priority) int { return x.ID }, func(x kaseyabms.Priority) string { return x.Name }); err != nil {
			var ce *configError
			errors.As(err, &ce)
			errs = append(errs, &alerting.ConfigError{Key: u.Key, Problem: ce.problem})
		}
	}
	return errors.Join(errs...)
}
