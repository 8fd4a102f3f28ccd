package visionone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a Vision One object this package does not
// model; they are kept when the object is encoded again.
type Extra = map[string]json.RawMessage

// Workbench alert statuses (WorkbenchAlert.Status, AlertUpdate.Status).
const (
	StatusOpen       = "Open"
	StatusInProgress = "In Progress"
	StatusClosed     = "Closed"
)

// Investigation results (AlertUpdate.InvestigationResult).
const (
	ResultNoFindings         = "No Findings"
	ResultNoteworthy         = "Noteworthy"
	ResultTruePositive       = "True Positive"
	ResultFalsePositive      = "False Positive"
	ResultBenignTruePositive = "Benign True Positive"
	ResultOtherFindings      = "Other Findings"
)

// InvestigationResults lists the values Vision One accepts for
// investigationResult.
var InvestigationResults = []string{ResultNoFindings, ResultNoteworthy, ResultTruePositive, ResultFalsePositive, ResultBenignTruePositive, ResultOtherFindings}

// Entity types of WorkbenchAlert.ImpactScope.Entities.
const (
	EntityHost          = "host"
	EntityAccount       = "account"
	EntityEmailAddress  = "emailAddress"
	EntityContainer     = "container"
	EntityCloudIdentity = "cloudIdentity"
)

// WorkbenchAlert is a workbench alert (GET /v3.0/workbench/alerts[/{id}]).
type WorkbenchAlert struct {
	SchemaVersion       string        `json:"schemaVersion,omitempty"`
	ID                  string        `json:"id"`
	InvestigationStatus string        `json:"investigationStatus,omitempty"` // deprecated by Vision One
	Status              string        `json:"status,omitempty"`
	InvestigationResult string        `json:"investigationResult,omitempty"`
	WorkbenchLink       string        `json:"workbenchLink,omitempty"`
	AlertProvider       string        `json:"alertProvider,omitempty"` // SAE | TI
	ModelID             string        `json:"modelId,omitempty"`
	Model               string        `json:"model,omitempty"`
	ModelType           string        `json:"modelType,omitempty"` // preset | custom
	Score               int           `json:"score,omitempty"`
	Severity            string        `json:"severity,omitempty"` // critical | high | medium | low
	Description         string        `json:"description,omitempty"`
	CreatedDateTime     *time.Time    `json:"createdDateTime,omitempty"`
	UpdatedDateTime     *time.Time    `json:"updatedDateTime,omitempty"`
	FirstInvestigated   *time.Time    `json:"firstInvestigatedDateTime,omitempty"`
	IncidentID          string        `json:"incidentId,omitempty"`
	CaseID              string        `json:"caseId,omitempty"`
	OwnerIDs            []string      `json:"ownerIds,omitempty"`
	ImpactScope         *ImpactScope  `json:"impactScope,omitempty"`
	MatchedRules        []MatchedRule `json:"matchedRules,omitempty"`
	Indicators          []Indicator   `json:"indicators,omitempty"`
	Extra               Extra         `json:"-"`
	// ETag is the alert's ETag response header (Workbench.Get only); an
	// update sends it back in If-Match.
	ETag string `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *WorkbenchAlert) UnmarshalJSON(b []byte) error {
	type plain WorkbenchAlert
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v WorkbenchAlert) MarshalJSON() ([]byte, error) {
	type plain WorkbenchAlert
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// Entities returns the impact scope's entities of type typ.
func (v *WorkbenchAlert) Entities(typ string) []Entity {
	if v.ImpactScope == nil {
		return nil
	}
	var out []Entity
	for _, e := range v.ImpactScope.Entities {
		if e.EntityType == typ {
			out = append(out, e)
		}
	}
	return out
}

// ImpactScope is what a workbench alert affects.
type ImpactScope struct {
	DesktopCount       int      `json:"desktopCount,omitempty"`
	ServerCount        int      `json:"serverCount,omitempty"`
	AccountCount       int      `json:"accountCount,omitempty"`
	EmailAddressCount  int      `json:"emailAddressCount,omitempty"`
	ContainerCount     int      `json:"containerCount,omitempty"`
	CloudIdentityCount int      `json:"cloudIdentityCount,omitempty"`
	Entities           []Entity `json:"entities,omitempty"`
	Extra              Extra    `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *ImpactScope) UnmarshalJSON(b []byte) error {
	type plain ImpactScope
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v ImpactScope) MarshalJSON() ([]byte, error) {
	type plain ImpactScope
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// Entity is one entity of an impact scope.
type Entity struct {
	EntityType          string      `json:"entityType"`
	EntityValue         EntityValue `json:"entityValue"`
	EntityID            string      `json:"entityId,omitempty"`
	RelatedEntities     []string    `json:"relatedEntities,omitempty"`
	RelatedIndicatorIDs []int       `json:"relatedIndicatorIds,omitempty"`
	Provenance          []string    `json:"provenance,omitempty"`
	Extra               Extra       `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Entity) UnmarshalJSON(b []byte) error {
	type plain Entity
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Entity) MarshalJSON() ([]byte, error) {
	type plain Entity
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// EntityValue is an entity's value, which Vision One sends either as a
// string (an account, an e-mail address) or as an object {guid, name,
// ips} (a host). Text holds the string form; GUID, Name and IPs the
// object form. It encodes back to the form it was decoded from.
type EntityValue struct {
	Text string
	GUID string
	Name string
	IPs  []string
	// IsObject reports the object form.
	IsObject bool
}

// String returns the value's text: Text, or Name (else GUID) of an object.
func (v EntityValue) String() string {
	if !v.IsObject {
		return v.Text
	}
	if v.Name != "" {
		return v.Name
	}
	return v.GUID
}

type entityObject struct {
	GUID string   `json:"guid,omitempty"`
	Name string   `json:"name,omitempty"`
	IPs  []string `json:"ips,omitempty"`
}

// UnmarshalJSON accepts a string, an object or null.
func (v *EntityValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*v = EntityValue{}
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, &v.Text)
	case b[0] == '{':
		var o entityObject
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*v = EntityValue{GUID: o.GUID, Name: o.Name, IPs: o.IPs, IsObject: true}
		return nil
	}
	return fmt.Errorf("visionone: entityValue %s is neither a string nor an object", b)
}

// MarshalJSON writes the form the value has.
func (v EntityValue) MarshalJSON() ([]byte, error) {
	if v.IsObject {
		return json.Marshal(entityObject{GUID: v.GUID, Name: v.Name, IPs: v.IPs})
	}
	return json.Marshal(v.Text)
}

// MatchedRule is a detection rule that matched.
type MatchedRule struct {
	ID             string          `json:"id,omitempty"`
	Name           string          `json:"name,omitempty"`
	MatchedFilters json.RawMessage `json:"matchedFilters,omitempty"`
}

// Indicator is an indicator of a workbench alert.
type Indicator struct {
	ID              int      `json:"id"`
	Type            string   `json:"type,omitempty"`
	Field           string   `json:"field,omitempty"`
	Value           any      `json:"value,omitempty"`
	RelatedEntities []string `json:"relatedEntities,omitempty"`
	FilterIDs       []string `json:"filterIds,omitempty"`
	Provenance      []string `json:"provenance,omitempty"`
}

// Note is a workbench alert note.
type Note struct {
	ID                  FlexString `json:"id"`
	Content             string     `json:"content,omitempty"`
	CreatorMailAddress  string     `json:"creatorMailAddress,omitempty"`
	CreatorName         string     `json:"creatorName,omitempty"`
	CreatedDateTime     *time.Time `json:"createdDateTime,omitempty"`
	LastUpdatedBy       string     `json:"lastUpdatedBy,omitempty"`
	LastUpdatedDateTime *time.Time `json:"lastUpdatedDateTime,omitempty"`
	Extra               Extra      `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Note) UnmarshalJSON(b []byte) error {
	type plain Note
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Note) MarshalJSON() ([]byte, error) {
	type plain Note
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// HighRiskUser is an item of GET /v3.0/asrm/highRiskUsers. Some clients
// read latestRiskScore instead of riskScore; both are decoded and Score
// prefers riskScore.
type HighRiskUser struct {
	ID                string `json:"id"`
	UserName          string `json:"userName,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	RiskScore         *int   `json:"riskScore,omitempty"`
	LatestRiskScore   *int   `json:"latestRiskScore,omitempty"`
	Extra             Extra  `json:"-"`

	seen wire.Seen
}

// Score returns riskScore, else latestRiskScore, else 0.
func (v *HighRiskUser) Score() int { return score(v.RiskScore, v.LatestRiskScore) }

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *HighRiskUser) UnmarshalJSON(b []byte) error {
	type plain HighRiskUser
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v HighRiskUser) MarshalJSON() ([]byte, error) {
	type plain HighRiskUser
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// HighRiskDevice is an item of GET /v3.0/asrm/highRiskDevices.
type HighRiskDevice struct {
	ID              string   `json:"id"`
	DeviceName      string   `json:"deviceName,omitempty"`
	OS              string   `json:"os,omitempty"`
	RiskScore       *int     `json:"riskScore,omitempty"`
	LatestRiskScore *int     `json:"latestRiskScore,omitempty"`
	LastLogonUser   string   `json:"lastLogonUser,omitempty"`
	IP              []string `json:"ip,omitempty"`
	Extra           Extra    `json:"-"`

	seen wire.Seen
}

// Score returns riskScore, else latestRiskScore, else 0.
func (v *HighRiskDevice) Score() int { return score(v.RiskScore, v.LatestRiskScore) }

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *HighRiskDevice) UnmarshalJSON(b []byte) error {
	type plain HighRiskDevice
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v HighRiskDevice) MarshalJSON() ([]byte, error) {
	type plain HighRiskDevice
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// AttackSurfaceDevice is an item of GET /v3.0/asrm/attackSurfaceDevices.
// Its exact JSON is not confirmed: fields are decoded leniently (ip as a
// string or a list) and everything else is kept in Extra.
type AttackSurfaceDevice struct {
	ID                 string          `json:"id"`
	DeviceName         string          `json:"deviceName,omitempty"`
	IP                 StringList      `json:"ip,omitempty"`
	LatestRiskScore    *int            `json:"latestRiskScore,omitempty"`
	Criticality        string          `json:"criticality,omitempty"`
	OSPlatform         string          `json:"osPlatform,omitempty"`
	LastUser           string          `json:"lastUser,omitempty"`
	InstalledAgents    []string        `json:"installedAgents,omitempty"`
	DiscoveredBy       []string        `json:"discoveredBy,omitempty"`
	AssetCustomTags    json.RawMessage `json:"assetCustomTags,omitempty"`
	FirstSeenDateTime  *time.Time      `json:"firstSeenDateTime,omitempty"`
	LastDetectDateTime *time.Time      `json:"lastDetectDateTime,omitempty"`
	Extra              Extra           `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *AttackSurfaceDevice) UnmarshalJSON(b []byte) error {
	type plain AttackSurfaceDevice
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v AttackSurfaceDevice) MarshalJSON() ([]byte, error) {
	type plain AttackSurfaceDevice
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// Asset is an item of the other attack-surface lists (domain and service
// accounts, global FQDNs, public IP addresses, cloud assets, local apps,
// custom tags), whose schemas are not confirmed: the common fields are
// modelled and everything else is kept in Extra.
type Asset struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name,omitempty"`
	LatestRiskScore    *int       `json:"latestRiskScore,omitempty"`
	Criticality        string     `json:"criticality,omitempty"`
	FirstSeenDateTime  *time.Time `json:"firstSeenDateTime,omitempty"`
	LastDetectDateTime *time.Time `json:"lastDetectDateTime,omitempty"`
	Extra              Extra      `json:"-"`

	seen wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Asset) UnmarshalJSON(b []byte) error {
	type plain Asset
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Asset) MarshalJSON() ([]byte, error) {
	type plain Asset
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// StringList is a JSON value sent as one string or a list of strings.
type StringList []string

// UnmarshalJSON accepts a string, a list of strings or null.
func (s *StringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = nil
		return nil
	case b[0] == '"':
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func score(a, b *int) int {
	if a != nil {
		return *a
	}
	if b != nil {
		return *b
	}
	return 0
}
