package kaseyabms

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a BMS object this package does not model.
type Extra = map[string]json.RawMessage

// TicketInput is TicketInputDto, the body of a ticket create and of a
// full update (Kaseya BMS API documentation). Title, Details, AccountID, LocationID,
// StatusID, PriorityID, TypeID, SourceID and OpenDate are required by BMS
// and always sent; the other ids are sent when not zero.
type TicketInput struct {
	Title              string            `json:"Title"`
	Details            string            `json:"Details"`
	AccountID          int               `json:"AccountId"`
	LocationID         int               `json:"LocationId"`
	ContactID          int               `json:"ContactId,omitempty"`
	HardwareAssetID    int               `json:"HardwareAssetId,omitempty"`
	QueueID            int               `json:"QueueId,omitempty"`
	StatusID           int               `json:"StatusId"`
	PriorityID         int               `json:"PriorityId"`
	TypeID             int               `json:"TypeId"`
	IssueTypeID        int               `json:"IssueTypeId,omitempty"`
	SubIssueTypeID     int               `json:"SubIssueTypeId,omitempty"`
	ContractID         int               `json:"ContractId,omitempty"`
	AssigneeID         int               `json:"AssigneeId,omitempty"`
	WorkTypeID         int               `json:"WorkTypeId,omitempty"`
	SourceID           int               `json:"SourceId"`
	SLAID              int               `json:"SLAId,omitempty"`
	OpenDate           Time              `json:"OpenDate"`
	DueDate            *Time             `json:"DueDate,omitempty"`
	CustomFieldsData   []CustomFieldData `json:"CustomFieldsData,omitempty"`
	UseDefaultContract bool              `json:"UseDefaultContract,omitempty"`
}

// CustomFieldData is one custom field value of a ticket
// (CustomFieldDataInputDto).
type CustomFieldData struct {
	ID            int    `json:"Id,omitempty"`
	CustomFieldID int    `json:"CustomFieldId"`
	Data          string `json:"Data"`
	SettingsID    int    `json:"SettingsId,omitempty"`
}

// Ticket is TicketOutputDto: what get, create, update and resolve return.
// A ticket has no closed flag in BMS: CompletedDate is set once it is
// completed (Filter.ExcludeCompleted and Filter.CompletedDateFrom/To key
// on it).
type Ticket struct {
	ID                 int    `json:"Id"`
	TicketNumber       string `json:"TicketNumber"`
	Title              string `json:"Title"`
	Details            string `json:"Details"`
	AccountID          int    `json:"AccountId"`
	AccountName        string `json:"AccountName"`
	AccountCode        string `json:"AccountCode"`
	LocationID         int    `json:"LocationId"`
	LocationName       string `json:"LocationName"`
	ContactID          int    `json:"ContactId"`
	ContactName        string `json:"ContactName"`
	ContactEmail       string `json:"ContactEmail"`
	StatusID           int    `json:"StatusId"`
	StatusName         string `json:"StatusName"`
	PriorityID         int    `json:"PriorityId"`
	PriorityName       string `json:"PriorityName"`
	TypeID             int    `json:"TypeId"`
	TypeName           string `json:"TypeName"`
	SourceID           int    `json:"SourceId"`
	SourceName         string `json:"SourceName"`
	QueueID            int    `json:"QueueId"`
	QueueName          string `json:"QueueName"`
	IssueTypeID        int    `json:"IssueTypeId"`
	IssueTypeName      string `json:"IssueTypeName"`
	SubIssueTypeID     int    `json:"SubIssueTypeId"`
	SubIssueTypeName   string `json:"SubIssueTypeName"`
	ContractID         int    `json:"ContractId"`
	ContractName       string `json:"ContractName"`
	ContractNumber     string `json:"ContractNumber"`
	AssigneeID         int    `json:"AssigneeId"`
	AssigneeName       string `json:"AssigneeName"`
	HardwareAssetID    int    `json:"HardwareAssetId"`
	HardwareAssetName  string `json:"HardwareAssetName"`
	OpenDate           Time   `json:"OpenDate"`
	DueDate            Time   `json:"DueDate"`
	CompletedDate      Time   `json:"CompletedDate"`
	ReOpenedDate       Time   `json:"ReOpenedDate"`
	LastActivityUpdate Time   `json:"LastActivityUpdate"`
	LastStatusUpdate   Time   `json:"LastStatusUpdate"`
	CreatedOn          Time   `json:"CreatedOn"`
	ModifiedOn         Time   `json:"ModifiedOn"`
	TenantID           int    `json:"TenantId"`
	IsReadOnly         bool   `json:"IsReadOnly"`
	RmmTicketReference string `json:"RmmTicketReference"`
	// Extra holds the ticket's other fields as sent.
	Extra Extra `json:"-"`
	seen  wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra and reads ids leniently.
func (t *Ticket) UnmarshalJSON(b []byte) error {
	type plain Ticket
	return wire.Unmarshal(b, (*plain)(t), &t.Extra, &t.seen)
}

// TicketListItem is TicketListDto, an item of the ticket list. CustomFields
// is the ticket's custom field values as one string, in a format the
// Kaseya BMS API documentation does not describe.
type TicketListItem struct {
	ID               int    `json:"Id"`
	TicketNumber     string `json:"TicketNumber"`
	Title            string `json:"Title"`
	Details          string `json:"Details"`
	AccountID        int    `json:"AccountId"`
	AccountName      string `json:"AccountName"`
	LocationID       int    `json:"LocationId"`
	ContactID        int    `json:"ContactId"`
	ContactName      string `json:"ContactName"`
	StatusID         int    `json:"StatusId"`
	StatusName       string `json:"StatusName"`
	PriorityID       int    `json:"PriorityId"`
	TypeID           int    `json:"TypeId"`
	QueueID          int    `json:"QueueId"`
	IssueTypeID      int    `json:"IssueTypeId"`
	SubIssueTypeID   int    `json:"SubIssueTypeId"`
	ContractID       int    `json:"ContractId"`
	SourceID         int    `json:"SourceId"`
	OpenDate         Time   `json:"OpenDate"`
	CompletedDate    Time   `json:"CompletedDate"`
	LastStatusUpdate Time   `json:"LastStatusUpdate"`
	CreatedOn        Time   `json:"CreatedOn"`
	ModifiedOn       Time   `json:"ModifiedOn"`
	CustomFields     string `json:"CustomFields"`
	// Extra holds the item's other fields as sent.
	Extra Extra `json:"-"`
	seen  wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra and reads ids leniently.
func (t *TicketListItem) UnmarshalJSON(b []byte) error {
	type plain TicketListItem
	return wire.Unmarshal(b, (*plain)(t), &t.Extra, &t.seen)
}

// TicketListOptions are the Filter.* query parameters of GET
// /v2/servicedesk/tickets the client offers (the spec has more). Name
// lists (StatusNames, …) are passed through as given; their list syntax
// is not documented.
type TicketListOptions struct {
	Title             string `url:"Filter.Title,omitempty"`
	Account           string `url:"Filter.Account,omitempty"`
	AccountIDs        string `url:"Filter.AccountIds,omitempty"` // comma-separated ids
	TicketNumber      string `url:"Filter.TicketNumber,omitempty"`
	Details           string `url:"Filter.Details,omitempty"`
	ContactID         int    `url:"Filter.ContactId,omitempty"`
	StatusNames       string `url:"Filter.StatusNames,omitempty"`
	QueueNames        string `url:"Filter.QueueNames,omitempty"`
	PriorityNames     string `url:"Filter.PriorityNames,omitempty"`
	IssueTypeNames    string `url:"Filter.IssueTypeNames,omitempty"`
	SourceIDs         string `url:"Filter.SourceIds,omitempty"`
	HardwareAssetID   int    `url:"Filter.HardwareAssetId,omitempty"`
	AccountLocationID int    `url:"Filter.AccountLocationId,omitempty"`
	// ExcludeCompleted leaves completed tickets out (Filter.ExcludeCompleted=1).
	ExcludeCompleted bool      `url:"-"`
	OpenDateFrom     time.Time `url:"-"`
	OpenDateTo       time.Time `url:"-"`
	// CompletedDateFrom and To find tickets completed in a window.
	CompletedDateFrom time.Time `url:"-"`
	CompletedDateTo   time.Time `url:"-"`
	Sort              string    `url:"Sort,omitempty"`
}

// query renders the options with the flags and times BMS expects.
func (o *TicketListOptions) query() map[string]string {
	q := map[string]string{}
	if o == nil {
		return q
	}
	vs, _ := httpx.EncodeQuery(o)
	for k := range vs {
		q[k] = vs.Get(k)
	}
	if o.ExcludeCompleted {
		q["Filter.ExcludeCompleted"] = "1"
	}
	for k, t := range map[string]time.Time{"Filter.OpenDateFrom": o.OpenDateFrom, "Filter.OpenDateTo": o.OpenDateTo,
		"Filter.CompletedDateFrom": o.CompletedDateFrom, "Filter.CompletedDateTo": o.CompletedDateTo} {
		if s := formatQueryTime(t); s != "" {
			q[k] = s
		}
	}
	return q
}

// Note is TicketNoteOutputDto.
type Note struct {
	ID             int    `json:"Id"`
	Details        string `json:"Details"`
	IsInternal     bool   `json:"IsInternal"`
	TypeID         int    `json:"TypeId"`
	TypeName       string `json:"TypeName"`
	CreatedBy      int    `json:"CreatedBy"`
	CreatedByName  string `json:"CreatedByName"`
	CreatedByEmail string `json:"CreatedByEmail"`
	CreatedOn      Time   `json:"CreatedOn"`
	ModifiedOn     Time   `json:"ModifiedOn"`
}

// NoteInput is TicketNotePostInputDto. Details, IsInternal, NoteDate and
// TypeID are required (and always sent); StatusID, when set, changes the
// ticket's status with the note.
type NoteInput struct {
	Details    string `json:"Details"`
	IsInternal bool   `json:"IsInternal"`
	TypeID     int    `json:"TypeId"`
	StatusID   int    `json:"StatusId,omitempty"`
	NoteDate   Time   `json:"NoteDate"`
}

// ResolveInput is ResolveTicketDto: Comment (required) becomes the
// resolution; StatusID is the completed status to set.
type ResolveInput struct {
	Comment                  string `json:"Comment"`
	StatusID                 int    `json:"StatusId,omitempty"`
	IsInternal               bool   `json:"IsInternal"`
	IsPublishToKnowledgeBase bool   `json:"IsPublishToKnowledgeBase"`
}

// PatchOp is one JSON Patch operation of a partial update
// ({"op": "replace", "path": "/StatusId", "value": 5}).
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
	From  string `json:"from,omitempty"`
}

// Replace returns the patch operation that sets one field
// ("StatusId" or "/StatusId").
func Replace(field string, value any) PatchOp {
	if len(field) > 0 && field[0] != '/' {
		field = "/" + field
	}
	return PatchOp{Op: "replace", Path: field, Value: value}
}

var (
	epTickets      = endpoint{http.MethodGet, "v2/servicedesk/tickets"}
	epTicketCreate = endpoint{http.MethodPost, "v2/servicedesk/tickets"}
	epTicket       = endpoint{http.MethodGet, "v2/servicedesk/tickets/{}"}
	epTicketPatch  = endpoint{http.MethodPatch, "v2/servicedesk/tickets/{}"}
	epResolve      = endpoint{http.MethodPost, "v2/servicedesk/tickets/{}/resolve"}
	epNotes        = endpoint{http.MethodGet, "v2/servicedesk/tickets/{}/notes"}
	epNoteAdd      = endpoint{http.MethodPost, "v2/servicedesk/tickets/{}/notes"}
)

// TicketsService manages service desk tickets and their notes.
type TicketsService service

// Create creates a ticket (POST /v2/servicedesk/tickets). BMS has no
// idempotency key: a create whose answer was lost is not sent again (look
// for the ticket first, e.g. with All and a Title or Details filter).
func (s *TicketsService) Create(ctx context.Context, t TicketInput) (*Ticket, error) {
	if t.OpenDate.IsZero() {
		t.OpenDate = At(time.Now())
	}
	var out Ticket
	if _, err := s.c.do(ctx, epTicketCreate, epTicketCreate.path(), nil, t, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		return nil, &Error{Vendor: Vendor, Method: http.MethodPost, URL: s.c.BaseURL() + epTicketCreate.tmpl, StatusCode: http.StatusOK,
			Message: "create answered without a ticket id", Kind: ErrMalformed}
	}
	return &out, nil
}

// Get reads one ticket. A ticket BMS does not have matches ErrNotFound.
func (s *TicketsService) Get(ctx context.Context, id int) (*Ticket, error) {
	var out Ticket
	if err := s.c.get(ctx, epTicket, epTicket.path(id), nil, &out); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		return nil, &Error{Vendor: Vendor, Method: http.MethodGet, URL: s.c.BaseURL() + epTicket.path(id), StatusCode: http.StatusOK,
			Message: "no ticket in the answer", Kind: errors.Join(ErrUnsuccessful, ErrNotFound)}
	}
	return &out, nil
}

// All lists tickets matching opts (GET /v2/servicedesk/tickets with
// Filter.* parameters), page by page.
func (s *TicketsService) All(ctx context.Context, opts *TicketListOptions) iter.Seq2[TicketListItem, error] {
	return list[TicketListItem]{c: s.c, ep: epTickets, path: epTickets.path(), query: opts.query()}.all(ctx)
}

// ListPage reads one page of tickets.
func (s *TicketsService) ListPage(ctx context.Context, opts *TicketListOptions, cursor string) (*Page[TicketListItem], error) {
	return list[TicketListItem]{c: s.c, ep: epTickets, path: epTickets.path(), query: opts.query()}.page(ctx, cursor)
}

// Update changes fields of a ticket with JSON Patch operations (PATCH
// /v2/servicedesk/tickets/{id}); see Replace. Only "replace" operations
// are replayed after a lost answer.
func (s *TicketsService) Update(ctx context.Context, id int, ops ...PatchOp) (*Ticket, error) {
	if len(ops) == 0 {
		return nil, errors.New("kaseyabms: ticket update without operations")
	}
	replay := httpx.ReplaySafe
	for _, o := range ops {
		if o.Op != "replace" {
			replay = httpx.ReplayUnsafe
		}
	}
	var out Ticket
	if _, err := s.c.do(ctx, epTicketPatch, epTicketPatch.path(id), nil, ops, replay, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Resolve completes a ticket with a resolution comment (POST
// /v2/servicedesk/tickets/{id}/resolve).
func (s *TicketsService) Resolve(ctx context.Context, id int, r ResolveInput) (*Ticket, error) {
	if r.Comment == "" {
		return nil, errors.New("kaseyabms: resolve needs a comment")
	}
	var out Ticket
	if _, err := s.c.do(ctx, epResolve, epResolve.path(id), nil, r, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddNote adds a note to a ticket (POST /v2/servicedesk/tickets/{id}/notes).
// NoteDate defaults to now.
func (s *TicketsService) AddNote(ctx context.Context, id int, n NoteInput) (*Note, error) {
	if n.NoteDate.IsZero() {
		n.NoteDate = At(time.Now())
	}
	var out Note
	if _, err := s.c.do(ctx, epNoteAdd, epNoteAdd.path(id), nil, n, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Notes lists a ticket's notes.
func (s *TicketsService) Notes(ctx context.Context, id int) iter.Seq2[Note, error] {
	return list[Note]{c: s.c, ep: epNotes, path: epNotes.path(id)}.all(ctx)
}

// NotesPage reads one page of a ticket's notes.
func (s *TicketsService) NotesPage(ctx context.Context, id int, cursor string) (*Page[Note], error) {
	return list[Note]{c: s.c, ep: epNotes, path: epNotes.path(id)}.page(ctx, cursor)
}
