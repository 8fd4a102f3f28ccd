package halo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"
)

// TicketsService reads and writes tickets (/Tickets).
type TicketsService service

// TicketListOptions filters GET /Tickets. Dates are sent as UTC
// "2006-01-02T15:04:05Z".
type TicketListOptions struct {
	ClientID      int    `url:"client_id,omitempty"`
	SiteID        int    `url:"site_id,omitempty"`
	UserID        int    `url:"user_id,omitempty"`
	AgentID       int    `url:"agent_id,omitempty"`
	StatusID      int    `url:"status_id,omitempty"`
	AssetID       int    `url:"asset_id,omitempty"`
	RequestTypeID int    `url:"requesttype_id,omitempty"` // the ticket-type filter
	OpenOnly      bool   `url:"open_only,omitempty"`
	ClosedOnly    bool   `url:"closed_only,omitempty"`
	TicketIDs     string `url:"ticketids,omitempty"` // comma-separated ids
	Search        string `url:"search,omitempty"`
	SearchSummary string `url:"search_summary,omitempty"`
	// DateSearch is "dateoccured" (opened; Halo's spelling) or
	// "datecleared" (closed), bounded by StartDate and EndDate.
	DateSearch string `url:"datesearch,omitempty"`
	StartDate  string `url:"startdate,omitempty"`
	EndDate    string `url:"enddate,omitempty"`
	Order      string `url:"order,omitempty"`
	OrderDesc  bool   `url:"orderdesc,omitempty"`
	// PageSize is the page length, at most and by default MaxPageSize.
	PageSize int `url:"-"`
}

func (o *TicketListOptions) pageSize() int { return o.PageSize }

// FormatTime formats t the way Halo's date filters take it.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Get returns one ticket. A deleted ticket is an error matching ErrNotFound.
func (s *TicketsService) Get(ctx context.Context, id int) (*Ticket, error) {
	return get[Ticket](ctx, s.c, "Tickets", id, nil)
}

// ListPage returns one page of tickets: cursor "" is the first page, then
// each Page.Next; Next is "" on the last page.
func (s *TicketsService) ListPage(ctx context.Context, opts *TicketListOptions, cursor string) (*Page[Ticket], error) {
	f, size := filters(opts)
	return listPage[Ticket](ctx, s.c, "Tickets", "tickets", f, size, cursor)
}

// All iterates over every ticket matching opts.
func (s *TicketsService) All(ctx context.Context, opts *TicketListOptions) iter.Seq2[Ticket, error] {
	f, size := filters(opts)
	return listAll[Ticket](ctx, s.c, "Tickets", "tickets", f, size)
}

// ClosedSince iterates over tickets closed at or after since (Halo's
// closed_only + datesearch=datecleared), for syncing closes back to the
// alert source.
func (s *TicketsService) ClosedSince(ctx context.Context, since time.Time) iter.Seq2[Ticket, error] {
	return s.All(ctx, &TicketListOptions{ClosedOnly: true, DateSearch: "datecleared", StartDate: FormatTime(since)})
}

// Save creates (no ID) or updates (ID set) a ticket. Set only the fields
// to change on an update.
func (s *TicketsService) Save(ctx context.Context, t Ticket) (*Ticket, error) {
	return saveOne(ctx, s.c, "Tickets", t)
}

// Delete deletes a ticket, giving Halo the reason.
func (s *TicketsService) Delete(ctx context.Context, id int, reason string) error {
	var q any
	if reason != "" {
		q = map[string]string{"reason": reason}
	}
	return del(ctx, s.c, "Tickets", id, q)
}

// NewTicket describes a ticket to create.
type NewTicket struct {
	TicketTypeID int
	ClientID     int
	SiteID       int // required by Halo when UserID is set
	UserID       int // 0 with UseGeneralUser binds the customer's General User
	Summary      string
	Details      string // plain text
	DetailsHTML  string
	PriorityID   int // priority_id
	StatusID     int // status_id
	// SourceID is the ticket source (source, a tenant-specific lookup id).
	SourceID int
	// Team is the team (queue) by name (team; Halo's ticket has no team
	// id field).
	Team string
	// Category1 … Category4 fill Halo's four category fields (text; a
	// sub-category as "Parent>Child").
	Category1 string
	Category2 string
	Category3 string
	Category4 string
	// ContractID attaches a client contract (contract_id).
	ContractID   int
	AssetIDs     []int
	CustomFields []CustomField
	// UseGeneralUser binds the customer's General User when UserID is 0
	// (usertype 1, userlookup id -1).
	UseGeneralUser bool
	// ApplyTemplate lets Halo apply the ticket type's template, which can
	// overwrite values sent here (off by default:
	// donotapplytemplateintheapi=true).
	ApplyTemplate bool
	// ThirdPartyID is written to third_party_id_string (mspsync puts an
	// alert group key there).
	ThirdPartyID string
	// CreatedFromID links the ticket to an earlier one ("created from").
	CreatedFromID int
}

// Errors of Create that are found before anything is sent.
var (
	// ErrSiteRequired: Halo requires site_id whenever user_id is set.
	ErrSiteRequired = errors.New("halo: a ticket with a user needs a site")
	// ErrSummaryRequired: a ticket needs a summary.
	ErrSummaryRequired = errors.New("halo: a ticket needs a summary")
)

// Create creates a ticket and returns it as Halo saved it.
func (s *TicketsService) Create(ctx context.Context, n NewTicket) (*Ticket, error) {
	if n.UserID != 0 && n.SiteID == 0 {
		return nil, ErrSiteRequired
	}
	if n.Summary == "" {
		return nil, ErrSummaryRequired
	}
	t := Ticket{
		Summary:      n.Summary,
		Details:      n.Details,
		DetailsHTML:  n.DetailsHTML,
		TicketTypeID: n.TicketTypeID,
		ClientID:     n.ClientID,
		SiteID:       n.SiteID,
		UserID:       n.UserID,
		PriorityID:   n.PriorityID,
		StatusID:     n.StatusID,
		Source:       n.SourceID,
		Team:         n.Team,
		Category1:    n.Category1,
		Category2:    n.Category2,
		Category3:    n.Category3,
		Category4:    n.Category4,
		ContractID:   n.ContractID,
		CustomFields: n.CustomFields,

		ThirdPartyIDString: n.ThirdPartyID,
		CreatedFromID:      n.CreatedFromID,
	}
	for _, id := range n.AssetIDs {
		t.Assets = append(t.Assets, AssetRef{ID: id})
	}
	if !n.ApplyTemplate {
		t.DoNotApplyTemplateInTheAPI = Ptr(true)
	}
	if n.UserID == 0 && n.UseGeneralUser {
		t.UserType = 1
		t.Extra = Extra{"userlookup": json.RawMessage(`{"id":-1,"lookupdisplay":"Enter Details Manually"}`)}
	}
	return s.Save(ctx, t)
}

// NoteOptions adjusts AddNote.
type NoteOptions struct {
	OutcomeID int  // default: the client's note outcome (WithNoteOutcomeID)
	HTML      bool // the note is HTML (note_html) rather than text
	Visible   bool // show the note to the end-user (default hidden)
	SendEmail bool // email the end-user (default not)
}

// AddNote adds a note (an Action with an outcome) to a ticket.
func (s *TicketsService) AddNote(ctx context.Context, ticketID int, note string, opts *NoteOptions) (*Action, error) {
	var o NoteOptions
	if opts != nil {
		o = *opts
	}
	a := Action{TicketID: ticketID, OutcomeID: o.OutcomeID, HiddenFromUser: Ptr(!o.Visible), SendEmail: Ptr(o.SendEmail)}
	if a.OutcomeID == 0 {
		a.OutcomeID = s.c.cfg.noteOutcomeID
	}
	if o.HTML {
		a.NoteHTML = note
	} else {
		a.Note = note
	}
	return s.c.Actions.Save(ctx, a)
}

// CloseOptions adjusts Close.
type CloseOptions struct {
	StatusID int    // default: the client's first closed status (9)
	Note     string // added as a note before closing, when set
	AgentID  int    // agent recorded on the close, when set
}

// Close closes a ticket by setting a closed status (POST with the id, safe
// to retry), adding a closing note first when asked.
func (s *TicketsService) Close(ctx context.Context, id int, opts *CloseOptions) (*Ticket, error) {
	var o CloseOptions
	if opts != nil {
		o = *opts
	}
	if o.StatusID == 0 {
		o.StatusID = s.c.cfg.closedStatusIDs[0]
	}
	if o.Note != "" {
		if _, err := s.AddNote(ctx, id, o.Note, nil); err != nil {
			return nil, fmt.Errorf("halo: closing note on ticket %d: %w", id, err)
		}
	}
	return s.Save(ctx, Ticket{ID: id, StatusID: o.StatusID, AgentID: o.AgentID})
}

// TicketState is whether a ticket can still take notes.
type TicketState int

// Ticket states.
const (
	TicketOpen    TicketState = iota + 1
	TicketClosed              // closed status, hasbeenclosed or a close date
	TicketMissing             // deleted or never existed (404)
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
	return "unknown(" + strconv.Itoa(int(s)) + ")"
}

// IsClosed reports whether t is closed: hasbeenclosed, a close date, or a
// status the client treats as closed.
func (c *Client) IsClosed(t *Ticket) bool {
	return (t.HasBeenClosed != nil && *t.HasBeenClosed) || t.DateClosed.IsSet() || c.isClosedStatus(t.StatusID)
}

// State reads a ticket and reports whether it is open, closed or missing.
func (s *TicketsService) State(ctx context.Context, id int) (TicketState, *Ticket, error) {
	t, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return TicketMissing, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if s.c.IsClosed(t) {
		return TicketClosed, t, nil
	}
	return TicketOpen, t, nil
}

// ActionsService reads and writes ticket actions (/Actions).
type ActionsService service

// List returns the actions of a ticket.
func (s *ActionsService) List(ctx context.Context, ticketID int) ([]Action, error) {
	return getList[Action](ctx, s.c, "Actions", "actions", map[string]string{"ticket_id": strconv.Itoa(ticketID)})
}

// Get returns one action of a ticket.
func (s *ActionsService) Get(ctx context.Context, ticketID, id int) (*Action, error) {
	return get[Action](ctx, s.c, "Actions", id, map[string]string{"ticket_id": strconv.Itoa(ticketID)})
}

// Save creates or updates an action. An action needs an outcome (OutcomeID
// or Outcome); without one nothing is sent and the error matches
// ErrOutcomeRequired.
func (s *ActionsService) Save(ctx context.Context, a Action) (*Action, error) {
	if a.OutcomeID == 0 && a.Outcome == "" && a.ID == 0 {
		return nil, fmt.Errorf("%w (set OutcomeID, e.g. %d for Internal Note)", ErrOutcomeRequired, DefaultNoteOutcomeID)
	}
	if a.TicketID == 0 && a.ID == 0 {
		return nil, errors.New("halo: an action needs a ticket id")
	}
	return saveOne(ctx, s.c, "Actions", a)
}

// Delete deletes an action.
func (s *ActionsService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Actions", id, nil)
}

// TicketTypesService reads ticket types (/TicketType).
type TicketTypesService service

// TicketTypeListOptions filters GET /TicketType.
type TicketTypeListOptions struct {
	ShowAll      bool `url:"showall,omitempty"`
	ShowInactive bool `url:"showinactive,omitempty"`
	ClientID     int  `url:"client_id,omitempty"`
}

// List returns the ticket types (bare array or wrapped; both decode).
func (s *TicketTypesService) List(ctx context.Context, opts *TicketTypeListOptions) ([]TicketType, error) {
	return getList[TicketType](ctx, s.c, "TicketType", "tickettypes", copyOpts(opts))
}

// Get returns one ticket type.
func (s *TicketTypesService) Get(ctx context.Context, id int) (*TicketType, error) {
	return get[TicketType](ctx, s.c, "TicketType", id, nil)
}

// Save creates or updates a ticket type.
func (s *TicketTypesService) Save(ctx context.Context, v TicketType) (*TicketType, error) {
	return saveOne(ctx, s.c, "TicketType", v)
}

// Delete deletes a ticket type.
func (s *TicketTypesService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "TicketType", id, nil)
}

// StatusesService reads ticket statuses (/Status).
type StatusesService service

// StatusListOptions filters GET /Status.
type StatusListOptions struct {
	ExcludeClosed bool `url:"excludeclosed,omitempty"`
	TicketTypeID  int  `url:"tickettype_id,omitempty"`
	ShowAll       bool `url:"showall,omitempty"`
}

// List returns the statuses (wrapped or bare; both decode).
func (s *StatusesService) List(ctx context.Context, opts *StatusListOptions) ([]Status, error) {
	return getList[Status](ctx, s.c, "Status", "statuses", copyOpts(opts))
}

// Get returns one status.
func (s *StatusesService) Get(ctx context.Context, id int) (*Status, error) {
	return get[Status](ctx, s.c, "Status", id, nil)
}

// Save creates or updates a status.
func (s *StatusesService) Save(ctx context.Context, v Status) (*Status, error) {
	return saveOne(ctx, s.c, "Status", v)
}

// Delete deletes a status.
func (s *StatusesService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Status", id, nil)
}
