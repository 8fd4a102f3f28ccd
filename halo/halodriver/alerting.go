package halodriver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/halo"
)

// AlertSink is the alerting.Sink of a Halo instance: tickets, notes
// (actions with the client's note outcome), closes (the client's closed
// status), and the look-ups routing needs: assets by the links an import
// wrote (alerting.AssetLocator, from a cache), users and sites' main
// contacts (alerting.ContactDirectory).
type AlertSink struct {
	c      *halo.Client
	opts   *options
	assets *assetCache

	teamsMu sync.Mutex
	teams   map[int]string // team id → name (Queue given as an id)

	agentMu    sync.Mutex
	agentKnown bool
	agentID    int // the API application's agent (GET /Agent/me); 0: unknown
}

var (
	_ alerting.Sink             = (*AlertSink)(nil)
	_ alerting.TicketFinder     = (*AlertSink)(nil)
	_ alerting.NoteFinder       = (*AlertSink)(nil)
	_ alerting.AssetLocator     = (*AlertSink)(nil)
	_ alerting.ContactDirectory = (*AlertSink)(nil)
	_ alerting.TouchChecker     = (*AlertSink)(nil)
	_ alerting.Reopener         = (*AlertSink)(nil)
	_ alerting.PriorityChecker  = (*AlertSink)(nil)
)

// NewAlertSink returns the alerting driver of a Halo client.
func NewAlertSink(c *halo.Client, opts ...Option) *AlertSink {
	o := newOptions(opts)
	return &AlertSink{c: c, opts: o, assets: newAssetCache(c, o), teams: map[int]string{}}
}

// longestWord is the longest word of s.
func longestWord(s string) string {
	w := ""
	for _, f := range strings.Fields(s) {
		if len(f) > len(w) {
			w = f
		}
	}
	return w
}

// normName folds a name for comparison: case and runs of white space do
// not count.
func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

// classify maps Halo errors onto the engine's: 404 → ErrNotFound, other
// 4xx (validation, rights) → permanent, the rest (5xx, 429, transport)
// stays retryable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, halo.ErrNotFound) {
		return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	var he *halo.Error
	if errors.As(err, &he) && he.StatusCode >= 400 && he.StatusCode < 500 && he.StatusCode != http.StatusTooManyRequests && he.StatusCode != http.StatusUnauthorized {
		return alerting.Permanent(err)
	}
	if errors.Is(err, halo.ErrSiteRequired) || errors.Is(err, halo.ErrSummaryRequired) || errors.Is(err, halo.ErrOutcomeRequired) {
		return alerting.Permanent(err)
	}
	return err
}

// CreateTicket creates the ticket: customer, site, user (else the
// customer's General User), linked asset, every ticket default, the
// contract, custom fields from the defaults (by id or name), and the group
// key in third_party_id_string.
//
// The defaults map onto Halo's Faults fields (checked against
// halo-openapi.json):
//
//	Type         → tickettype_id (else WithTicketType)
//	Source       → source (a tenant-specific lookup id)
//	Status       → status_id
//	Queue        → team, by name (Faults has no team id field); a
//	               Queue that is an integer is a team id, whose name is
//	               read once (GET /Team/{id}) and kept
//	Priority     → priority_id
//	IssueType    → the issue-type category field (WithIssueTypeCategory,
//	SubIssueType   default category_1) as "Issue>Sub", or "Issue" alone;
//	               (WithCategory's text fills category_1 unless the
//	               issue type is written there)
//	Contract     → contract_id: t.Contract, else with t.AttachContract
//	               the customer's one active contract (ClientContract)
//
// Type, Source, Status, Priority and Contract are Halo ids: a value that is
// not an integer is a permanent error naming it, never dropped silently.
// uncertain: Halo's documentation does not cover categories; Halo's ticket
// responses show a sub-category as "Parent>Child" in one category field
// ("Hardware>Printer"), so that is what is written.
func (s *AlertSink) CreateTicket(ctx context.Context, t alerting.NewTicket) (string, error) {
	d := t.Defaults
	n := halo.NewTicket{
		ClientID:      atoi(t.Customer),
		SiteID:        atoi(t.Site),
		UserID:        atoi(t.Contact),
		Summary:       t.Title,
		Details:       t.Body,
		Team:          strings.TrimSpace(d.Queue),
		ThirdPartyID:  t.GroupKey,
		CreatedFromID: atoi(t.PreviousTicket),
	}
	var bad []error
	haloID := func(key, v string) int {
		id, err := idOf(key, v)
		if err != nil {
			bad = append(bad, err)
		}
		return id
	}
	n.TicketTypeID = haloID("type", d.Type)
	n.SourceID = haloID("source", d.Source)
	n.StatusID = haloID("status", d.Status)
	n.PriorityID = haloID("priority", d.Priority)
	n.ContractID = haloID("contract", t.Contract)
	cat, err := issueCategory(d.IssueType, d.SubIssueType)
	if err != nil {
		bad = append(bad, err)
	}
	if len(bad) > 0 {
		return "", alerting.Permanent(errors.Join(bad...))
	}
	if n.TicketTypeID == 0 {
		n.TicketTypeID = s.opts.ticketTypeID
	}
	n.Category1 = s.opts.category1
	if cat != "" {
		*categoryField(&n, s.opts.issueCategory) = cat
	}
	if id, err := strconv.Atoi(n.Team); err == nil {
		if n.Team, err = s.teamName(ctx, id); err != nil {
			return "", err
		}
	}
	if n.ContractID == 0 && t.AttachContract && n.ClientID != 0 {
		id, err := s.activeContract(ctx, n.ClientID, n.SiteID)
		if err != nil {
			return "", classify(err)
		}
		n.ContractID = id
	}
	if n.UserID != 0 && n.SiteID == 0 {
		n.UserID = 0 // Halo needs a site with a user; fall back to the General User
	}
	n.UseGeneralUser = n.UserID == 0
	if id := atoi(t.Asset); id != 0 {
		n.AssetIDs = []int{id}
	}
	fields := map[string]string{}
	for k, v := range d.Fields {
		fields[k] = v
	}
	if s.opts.groupKeyField != "" {
		fields[s.opts.groupKeyField] = t.GroupKey
	}
	for name, v := range fields {
		id, err := s.customFieldID(ctx, name)
		if err != nil {
			return "", classify(err)
		}
		n.CustomFields = append(n.CustomFields, halo.CustomField{ID: id, Value: halo.TextValue(v)})
	}
	tk, err := s.c.Tickets.Create(ctx, n)
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(tk.ID), nil
}

// idOf reads a ticket default that Halo takes as an integer id; "" is 0
// (not set).
func idOf(key, v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.Atoi(v)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("halodriver: ticket %s %q is not a Halo id (an integer)", key, v)
	}
	return id, nil
}

// issueCategory is the category text for an issue type and its sub-issue
// type: "Issue>Sub", "Issue", or "" for neither. A sub-issue type without
// an issue type is an error.
func issueCategory(issue, sub string) (string, error) {
	issue, sub = strings.TrimSpace(issue), strings.TrimSpace(sub)
	switch {
	case issue == "" && sub == "":
		return "", nil
	case issue == "":
		return "", fmt.Errorf("halodriver: ticket sub-issue type %q has no issue type", sub)
	case sub == "":
		return issue, nil
	}
	return issue + ">" + sub, nil
}

// categoryField returns the NewTicket field of Halo category n (1 to 4).
func categoryField(t *halo.NewTicket, n int) *string {
	switch n {
	case 2:
		return &t.Category2
	case 3:
		return &t.Category3
	case 4:
		return &t.Category4
	}
	return &t.Category1
}

// teamName returns the name of team id, read once per sink. A team Halo
// does not know is a permanent error.
func (s *AlertSink) teamName(ctx context.Context, id int) (string, error) {
	s.teamsMu.Lock()
	name, ok := s.teams[id]
	s.teamsMu.Unlock()
	if ok {
		return name, nil
	}
	tm, err := s.c.Teams.Get(ctx, id)
	if errors.Is(err, halo.ErrNotFound) {
		return "", alerting.Permanent(fmt.Errorf("halodriver: ticket queue %d: no Halo team with that id: %w", id, err))
	}
	if err != nil {
		return "", classify(err)
	}
	if tm.Name == "" {
		return "", alerting.Permanent(fmt.Errorf("halodriver: ticket queue %d: the Halo team has no name", id))
	}
	s.teamsMu.Lock()
	s.teams[id] = tm.Name
	s.teamsMu.Unlock()
	return tm.Name, nil
}

// activeContract finds the client's one contract in force now
// (GET /ClientContract?client_id=…, Contract.ActiveAt): a contract for the
// ticket's site wins over client-wide ones. None, or several at the same
// level, is 0: the ticket gets no contract_id and Halo applies its own
// contract rules.
func (s *AlertSink) activeContract(ctx context.Context, clientID, siteID int) (int, error) {
	now := time.Now()
	var forSite, forClient []int
	for ct, err := range s.c.Contracts.All(ctx, &halo.ContractListOptions{ClientID: clientID}) {
		if err != nil {
			return 0, fmt.Errorf("halodriver: attach contract: list client %d contracts: %w", clientID, err)
		}
		if (ct.ClientID != 0 && ct.ClientID != clientID) || !ct.ActiveAt(now) {
			continue
		}
		switch {
		case ct.SiteID == 0:
			forClient = append(forClient, ct.ID)
		case ct.SiteID == siteID:
			forSite = append(forSite, ct.ID)
		}
	}
	for _, ids := range [][]int{forSite, forClient} {
		switch len(ids) {
		case 0:
			continue
		case 1:
			return ids[0], nil
		}
		return 0, nil
	}
	return 0, nil
}

// customFieldID takes a numeric id as it is, or finds a custom field by
// name or label.
func (s *AlertSink) customFieldID(ctx context.Context, name string) (int, error) {
	if id := atoi(name); id != 0 {
		return id, nil
	}
	defs, err := s.c.Fields.CustomFields(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range defs {
		if strings.EqualFold(d.Name, name) || strings.EqualFold(d.Label, name) {
			return d.ID, nil
		}
	}
	return 0, &halo.UnknownFieldError{Name: name}
}

// AddNote adds an internal note, after checking that the ticket is still
// open: a closed ticket is never appended to (ErrTicketClosed).
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
	_, err = s.c.Tickets.AddNote(ctx, atoi(ticketID), n.Text, nil)
	return classify(err)
}

// TicketState reads the ticket: open, closed (hasbeenclosed, a close date
// or a closed status) or missing (404).
func (s *AlertSink) TicketState(ctx context.Context, ticketID string) (alerting.TicketState, error) {
	st, _, err := s.c.Tickets.State(ctx, atoi(ticketID))
	if err != nil {
		return 0, classify(err)
	}
	switch st {
	case halo.TicketOpen:
		return alerting.TicketOpen, nil
	case halo.TicketClosed:
		return alerting.TicketClosed, nil
	}
	return alerting.TicketMissing, nil
}

// CloseTicket adds the closing note (none when n.Text is empty) and sets
// the client's closed status.
func (s *AlertSink) CloseTicket(ctx context.Context, ticketID string, n alerting.Note) error {
	_, err := s.c.Tickets.Close(ctx, atoi(ticketID), &halo.CloseOptions{Note: n.Text})
	return classify(err)
}

// FindCustomer finds the one client named name (case and runs of white
// space do not count), with its main site as the ticket site. Two clients
// of that name are no match.
func (s *AlertSink) FindCustomer(ctx context.Context, name string) (alerting.Customer, error) {
	want := normName(name)
	var found []halo.Customer
	// Halo searches names by substring: search by the name's longest word,
	// which every client of that name contains however its spaces run, and
	// compare the folded names here.
	for c, err := range s.c.Clients.All(ctx, &halo.ClientListOptions{Search: longestWord(name)}) {
		if err != nil {
			return alerting.Customer{}, classify(err)
		}
		if normName(c.Name) == want {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return alerting.Customer{}, fmt.Errorf("%w: %d Halo clients named %q", alerting.ErrNotFound, len(found), name)
	}
	c := found[0]
	site := c.MainSiteID
	if site == 0 {
		p, err := s.c.Sites.ListPage(ctx, &halo.SiteListOptions{ClientID: c.ID, PageSize: 1}, "")
		if err == nil && len(p.Items) > 0 {
			site = p.Items[0].ID
		}
	}
	out := alerting.Customer{ID: strconv.Itoa(c.ID), Name: c.Name}
	if site != 0 {
		out.Site = strconv.Itoa(site)
	}
	return out, nil
}

// FindContact finds the customer's one user with that e-mail address.
func (s *AlertSink) FindContact(ctx context.Context, customerID, email string) (alerting.Contact, error) {
	us, err := s.c.Users.FindByEmail(ctx, atoi(customerID), email)
	if err != nil {
		return alerting.Contact{}, classify(err)
	}
	if len(us) != 1 {
		return alerting.Contact{}, fmt.Errorf("%w: %d Halo users with e-mail %q", alerting.ErrNotFound, len(us), email)
	}
	c := alerting.Contact{ID: strconv.Itoa(us[0].ID)}
	if us[0].SiteID != 0 {
		c.Site = strconv.Itoa(us[0].SiteID)
	}
	return c, nil
}

// FindAsset finds the customer's asset of a source device: by its link
// (where the driver keeps links of that source kind), else by the one
// active asset whose tag equals the hostname, with the asset's user. It
// answers from the asset cache LocateAsset uses.
func (s *AlertSink) FindAsset(ctx context.Context, customerID, source string, d alerting.Device) (alerting.Asset, error) {
	idx, err := s.assets.index(ctx)
	if err != nil {
		return alerting.Asset{}, classify(err)
	}
	a, ok := idx.ofCustomer(atoi(customerID), source, d)
	if !ok {
		if idx, err = s.assets.missed(ctx, idx); err != nil {
			return alerting.Asset{}, classify(err)
		}
		a, ok = idx.ofCustomer(atoi(customerID), source, d)
	}
	if !ok {
		return alerting.Asset{}, fmt.Errorf("%w: no single Halo asset for %s device %q", alerting.ErrNotFound, source, d.ID)
	}
	return a.toAlerting(), nil
}

// ClosedTicketsSince yields the tickets closed at or after since.
func (s *AlertSink) ClosedTicketsSince(ctx context.Context, since time.Time) iter.Seq2[alerting.ClosedTicket, error] {
	return func(yield func(alerting.ClosedTicket, error) bool) {
		for t, err := range s.c.Tickets.ClosedSince(ctx, since) {
			if err != nil {
				yield(alerting.ClosedTicket{}, classify(err))
				return
			}
			ct := alerting.ClosedTicket{ID: strconv.Itoa(t.ID)}
			if t.DateClosed.IsSet() {
				ct.ClosedAt = t.DateClosed.Time
			}
			if !yield(ct, nil) {
				return
			}
		}
	}
}

// FindOpenTicket finds the customer's open ticket carrying the group key
// in third_party_id_string.
func (s *AlertSink) FindOpenTicket(ctx context.Context, customerID, groupKey string) (string, error) {
	for t, err := range s.c.Tickets.All(ctx, &halo.TicketListOptions{ClientID: atoi(customerID), OpenOnly: true}) {
		if err != nil {
			return "", classify(err)
		}
		if t.ThirdPartyIDString == groupKey {
			return strconv.Itoa(t.ID), nil
		}
	}
	return "", fmt.Errorf("%w: no open Halo ticket with group key %s", alerting.ErrNotFound, groupKey)
}

// HasNote reads the ticket's actions (one request) and reports whether one
// of them carries alerting.NoteMarker(key) in its note.
func (s *AlertSink) HasNote(ctx context.Context, ticketID, key string) (bool, error) {
	acts, err := s.c.Actions.List(ctx, atoi(ticketID))
	if err != nil {
		return false, classify(err)
	}
	marker := alerting.NoteMarker(key)
	for _, a := range acts {
		if strings.Contains(a.Note, marker) || strings.Contains(a.NoteHTML, marker) {
			return true, nil
		}
	}
	return false, nil
}
