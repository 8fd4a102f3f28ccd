package halo

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a Halo object that this package does not
// model. They are written back on save, so a read-modify-write keeps them.
type Extra = map[string]json.RawMessage

// Ptr returns a pointer to v, for the optional fields of write structs.
func Ptr[T any](v T) *T { return &v }

// Time is a Halo date-time. Halo sends local-looking timestamps with or
// without a zone and with up to seven fractional digits; they are UTC. It
// marshals as "2006-01-02T15:04:05.9999999Z": UTC, with the fraction to
// Halo's precision of 100 ns and without trailing zeros. A time read as a
// field of a Halo object and left unchanged is written back exactly as Halo
// sent it, zone or not.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"}

// UnmarshalJSON accepts null, "" and the layouts Halo uses.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	var err error
	for _, l := range timeLayouts {
		var v time.Time
		if v, err = time.ParseInLocation(l, s, time.UTC); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return err
}

// MarshalJSON writes UTC "2006-01-02T15:04:05.9999999Z" (no fraction for
// whole seconds), or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(timeFormat))
}

// timeFormat keeps the fraction to the 100 ns ticks of Halo's .NET dates.
const timeFormat = "2006-01-02T15:04:05.9999999Z"

// IsSet reports whether t holds a real date (Halo uses 1900-01-01 for none).
func (t *Time) IsSet() bool { return t != nil && !t.IsZero() && t.Year() > 1900 }

// CustomField is a custom field value on a ticket, asset, client, ...
// (schema CustomField). Write it as {id, value}. An entry read from Halo
// keeps every key it came with (the unmodelled ones in Extra) and is
// written back with them.
type CustomField struct {
	ID      int             `json:"id"`
	Name    string          `json:"name,omitempty"`
	Label   string          `json:"label,omitempty"`
	Type    int             `json:"type,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
	Display string          `json:"display,omitempty"`
	Extra   Extra           `json:"-"`
	seen    wire.Seen
}

// FieldValue is an asset info field value (schema FieldHelper). Write it as
// {id, value}. An entry read from Halo keeps every key it came with (the
// unmodelled ones in Extra) and is written back with them.
type FieldValue struct {
	ID      int             `json:"id"`
	Name    string          `json:"name,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
	Display string          `json:"display,omitempty"`
	Extra   Extra           `json:"-"`
	seen    wire.Seen
}

// Text returns the value as text: a JSON string unquoted, anything else as
// its JSON text ("" for null).
func (f FieldValue) Text() string { return rawText(f.Value) }

// Text returns the value as text (see FieldValue.Text).
func (f CustomField) Text() string { return rawText(f.Value) }

func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if t := strings.TrimSpace(string(raw)); t != "null" {
		return t
	}
	return ""
}

// TextValue encodes a string as a field value.
func TextValue(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// Customer is a Halo client (schema Area, route /Client).
type Customer struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Inactive     *bool  `json:"inactive,omitempty"`
	TopLevelID   int    `json:"toplevel_id,omitempty"`
	TopLevelName string `json:"toplevel_name,omitempty"`
	MainSiteID   int    `json:"main_site_id,omitempty"`
	MainSiteName string `json:"main_site_name,omitempty"`
	// DattoID and DattoURL are the Datto RMM site a client stands for
	// (Halo's Datto integration keeps them); KaseyaID a Kaseya (VSA) one.
	DattoID      string        `json:"datto_id,omitempty"`
	DattoURL     string        `json:"datto_url,omitempty"`
	KaseyaID     string        `json:"kaseyaid,omitempty"`
	CustomFields []CustomField `json:"customfields,omitempty"`
	Warning      string        `json:"_warning,omitempty"`
	Extra        Extra         `json:"-"`
	seen         wire.Seen
}

// Site is a customer site (schema Site).
type Site struct {
	ID         int    `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	ClientID   int    `json:"client_id,omitempty"`
	ClientName string `json:"client_name,omitempty"`
	Inactive   *bool  `json:"inactive,omitempty"`
	Timezone   string `json:"timezone,omitempty"`
	Notes      string `json:"notes,omitempty"`
	// DattoID and DattoURL are the Datto RMM site this site stands for;
	// KaseyaID a Kaseya (VSA) one.
	DattoID  string `json:"datto_id,omitempty"`
	DattoURL string `json:"datto_url,omitempty"`
	KaseyaID string `json:"kaseyaid,omitempty"`
	Warning  string `json:"_warning,omitempty"`
	Extra    Extra  `json:"-"`
	seen     wire.Seen
}

// User is an end-user / contact (schema Users).
type User struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	FirstName    string `json:"firstname,omitempty"`
	Surname      string `json:"surname,omitempty"`
	EmailAddress string `json:"emailaddress,omitempty"`
	Login        string `json:"login,omitempty"`
	SiteID       int    `json:"site_id,omitempty"`
	SiteName     string `json:"site_name,omitempty"`
	ClientID     int    `json:"client_id,omitempty"`
	ClientName   string `json:"client_name,omitempty"`
	Inactive     *bool  `json:"inactive,omitempty"`
	AzureOID     string `json:"azureoid,omitempty"`
	Warning      string `json:"_warning,omitempty"`
	Extra        Extra  `json:"-"`
	seen         wire.Seen
}

// Asset is a Halo asset (schema Device, route /Asset). Info fields are
// written through Fields as {id, value}; see FieldsService.Resolve to find
// a field's id by name.
type Asset struct {
	ID                 int           `json:"id,omitempty"`
	InventoryNumber    string        `json:"inventory_number,omitempty"`
	KeyField           string        `json:"key_field,omitempty"`
	ClientID           int           `json:"client_id,omitempty"`
	ClientName         string        `json:"client_name,omitempty"`
	SiteID             int           `json:"site_id,omitempty"`
	SiteName           string        `json:"site_name,omitempty"`
	AssetTypeID        int           `json:"assettype_id,omitempty"`
	AssetTypeName      string        `json:"assettype_name,omitempty"`
	StatusID           int           `json:"status_id,omitempty"`
	Inactive           *bool         `json:"inactive,omitempty"`
	Notes              string        `json:"notes,omitempty"`
	Username           string        `json:"username,omitempty"`
	UserEmail          string        `json:"user_email,omitempty"`
	Fields             []FieldValue  `json:"fields,omitempty"`
	CustomFields       []CustomField `json:"customfields,omitempty"`
	DattoID            string        `json:"datto_id,omitempty"`
	DattoSiteUID       string        `json:"datto_site_uid,omitempty"`
	ThirdPartyID       int           `json:"third_party_id,omitempty"`
	ThirdPartyIDString string        `json:"third_party_id_string,omitempty"`
	NinjaRMMID         int           `json:"ninjarmm_id,omitempty"`
	KaseyaID           string        `json:"kaseya_id,omitempty"`
	DontAddNewFields   *bool         `json:"_dontaddnewfields,omitempty"`
	IsAssetDetails     *bool         `json:"isassetdetails,omitempty"`
	Warning            string        `json:"_warning,omitempty"`
	Extra              Extra         `json:"-"`
	seen               wire.Seen
}

// Field returns the info field with the given id.
func (a *Asset) Field(id int) (FieldValue, bool) {
	for _, f := range a.Fields {
		if f.ID == id {
			return f, true
		}
	}
	return FieldValue{}, false
}

// SetField sets an asset info field (Fields) or custom field
// (CustomFields), as ref says, replacing an existing value of that id.
func (a *Asset) SetField(ref FieldRef, value json.RawMessage) {
	if ref.Kind == CustomFieldKind {
		for i := range a.CustomFields {
			if a.CustomFields[i].ID == ref.ID {
				a.CustomFields[i] = CustomField{ID: ref.ID, Value: value}
				return
			}
		}
		a.CustomFields = append(a.CustomFields, CustomField{ID: ref.ID, Value: value})
		return
	}
	for i := range a.Fields {
		if a.Fields[i].ID == ref.ID {
			a.Fields[i] = FieldValue{ID: ref.ID, Value: value}
			return
		}
	}
	a.Fields = append(a.Fields, FieldValue{ID: ref.ID, Value: value})
}

// AssetType is an asset type (schema Xtype, which has no inactive flag).
type AssetType struct {
	ID             int    `json:"id,omitempty"`
	Name           string `json:"name,omitempty"`
	AssetGroupID   int    `json:"assetgroup_id,omitempty"`
	AssetGroupName string `json:"assetgroup_name,omitempty"`
	KeyFieldID     int    `json:"keyfield_id,omitempty"`
	Warning        string `json:"_warning,omitempty"`
	Extra          Extra  `json:"-"`
	seen           wire.Seen
}

// AssetGroup is an asset group (schema Generic, which has no inactive
// flag).
type AssetGroup struct {
	ID      int    `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Warning string `json:"_warning,omitempty"`
	Extra   Extra  `json:"-"`
	seen    wire.Seen
}

// AssetField is an asset info field definition (schema Field, route
// /Field).
type AssetField struct {
	ID      int    `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Warning string `json:"_warning,omitempty"`
	Extra   Extra  `json:"-"`
	seen    wire.Seen
}

// CustomFieldDef is a custom field definition (schema FieldInfo, route
// /FieldInfo).
type CustomFieldDef struct {
	ID        int    `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Label     string `json:"label,omitempty"`
	Type      int    `json:"type,omitempty"`
	Usage     int    `json:"usage,omitempty"`
	TableID   int    `json:"table_id,omitempty"`
	TableName string `json:"table_name,omitempty"`
	InputType int    `json:"inputtype,omitempty"`
	Warning   string `json:"_warning,omitempty"`
	Extra     Extra  `json:"-"`
	seen      wire.Seen
}

// AssetRef links an asset to a ticket (schema Device_List).
type AssetRef struct {
	ID int `json:"id"`
}

// Ticket is a Halo ticket (schema Faults, route /Tickets).
type Ticket struct {
	ID           int    `json:"id,omitempty"`
	Summary      string `json:"summary,omitempty"`
	Details      string `json:"details,omitempty"`
	DetailsHTML  string `json:"details_html,omitempty"`
	TicketTypeID int    `json:"tickettype_id,omitempty"`
	StatusID     int    `json:"status_id,omitempty"`
	PriorityID   int    `json:"priority_id,omitempty"`
	ClientID     int    `json:"client_id,omitempty"`
	ClientName   string `json:"client_name,omitempty"`
	SiteID       int    `json:"site_id,omitempty"`
	SiteName     string `json:"site_name,omitempty"`
	UserID       int    `json:"user_id,omitempty"`
	UserName     string `json:"user_name,omitempty"`
	AgentID      int    `json:"agent_id,omitempty"`
	// Team is the team (queue) by name: Faults has "team" (string) and no
	// team id.
	Team string `json:"team,omitempty"`
	// Source is the ticket source ("source", a Halo lookup id; the values
	// are tenant-configurable, so treat them as opaque).
	Source int `json:"source,omitempty"`
	// Category1 … Category4 are Halo's four category fields, as text. A
	// sub-category is written after its parent with ">" between them
	// ("Hardware>Printer"), as Halo shows them in ticket responses.
	Category1                  string        `json:"category_1,omitempty"`
	Category2                  string        `json:"category_2,omitempty"`
	Category3                  string        `json:"category_3,omitempty"`
	Category4                  string        `json:"category_4,omitempty"`
	ContractID                 int           `json:"contract_id,omitempty"` // the client contract (ContractHeader id)
	DateOccurred               *Time         `json:"dateoccurred,omitempty"`
	DateClosed                 *Time         `json:"dateclosed,omitempty"`
	HasBeenClosed              *bool         `json:"hasbeenclosed,omitempty"`
	LastUpdate                 *Time         `json:"last_update,omitempty"`
	LastActionDate             *Time         `json:"lastactiondate,omitempty"`
	Assets                     []AssetRef    `json:"assets,omitempty"`
	CustomFields               []CustomField `json:"customfields,omitempty"`
	ThirdPartyIDString         string        `json:"third_party_id_string,omitempty"`
	ParentID                   int           `json:"parent_id,omitempty"`
	CreatedFromID              int           `json:"createdfrom_id,omitempty"`
	UserType                   int           `json:"usertype,omitempty"`
	DoNotApplyTemplateInTheAPI *bool         `json:"donotapplytemplateintheapi,omitempty"`
	DontDoRules                *bool         `json:"dont_do_rules,omitempty"`
	ClosureNote                string        `json:"closure_note,omitempty"`
	ReportedBy                 string        `json:"reportedby,omitempty"`
	UserEmail                  string        `json:"user_email,omitempty"`
	Warning                    string        `json:"_warning,omitempty"`
	Extra                      Extra         `json:"-"`
	seen                       wire.Seen
}

// Action is a ticket action; mspsync uses them as notes (schema Actions).
// Halo rejects an action without an outcome.
type Action struct {
	ID             int     `json:"id,omitempty"`
	TicketID       int     `json:"ticket_id,omitempty"`
	Outcome        string  `json:"outcome,omitempty"`
	OutcomeID      int     `json:"outcome_id,omitempty"`
	Note           string  `json:"note,omitempty"`
	NoteHTML       string  `json:"note_html,omitempty"`
	PrivateNote    string  `json:"private_note,omitempty"`
	HiddenFromUser *bool   `json:"hiddenfromuser,omitempty"`
	Important      *bool   `json:"important,omitempty"`
	SendEmail      *bool   `json:"sendemail,omitempty"`
	TimeTaken      float64 `json:"timetaken,omitempty"`
	DateTime       *Time   `json:"datetime,omitempty"`
	NewStatus      int     `json:"new_status,omitempty"`
	OldStatus      int     `json:"old_status,omitempty"`
	WhoAgentID     int     `json:"who_agentid,omitempty"` // the agent who wrote it (the API application is an agent too)
	Warning        string  `json:"_warning,omitempty"`
	Extra          Extra   `json:"-"`
	seen           wire.Seen
}

// TicketType is a ticket type (schema RequestType, route /TicketType).
type TicketType struct {
	ID              int    `json:"id,omitempty"`
	Name            string `json:"name,omitempty"`
	GroupID         int    `json:"group_id,omitempty"`
	Sequence        int    `json:"sequence,omitempty"`
	Use             string `json:"use,omitempty"`
	CanCreate       *bool  `json:"cancreate,omitempty"`
	AgentsCanSelect *bool  `json:"agentscanselect,omitempty"`
	InitialStatus   int    `json:"initial_status,omitempty"`
	DefaultSLA      int    `json:"default_sla,omitempty"`    // the SLA whose priorities its tickets take
	ReopenedStatus  int    `json:"reopenedstatus,omitempty"` // the status a reopened ticket gets, if set
	Extra           Extra  `json:"-"`
	seen            wire.Seen
}

// Status is a ticket status (schema TStatus, route /Status).
type Status struct {
	ID        int    `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	ShortName string `json:"shortname,omitempty"`
	Type      int    `json:"type,omitempty"`
	Sequence  int    `json:"sequence,omitempty"`
	Colour    string `json:"colour,omitempty"`
	Extra     Extra  `json:"-"`
	seen      wire.Seen
}

func (v Customer) hasID() bool   { return v.ID != 0 }
func (v Site) hasID() bool       { return v.ID != 0 }
func (v User) hasID() bool       { return v.ID != 0 }
func (v Asset) hasID() bool      { return v.ID != 0 }
func (v AssetType) hasID() bool  { return v.ID != 0 }
func (v AssetGroup) hasID() bool { return v.ID != 0 }
func (v Ticket) hasID() bool     { return v.ID != 0 }
func (v Action) hasID() bool     { return v.ID != 0 }
func (v AssetField) hasID() bool { return v.ID != 0 }
func (v TicketType) hasID() bool { return v.ID != 0 }
func (v Status) hasID() bool     { return v.ID != 0 }
