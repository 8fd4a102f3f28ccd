package vsax

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a VSA X object its Go type does not model;
// they are kept as sent and written back (see the package doc).
type Extra = map[string]json.RawMessage

// FlexInt is an integer VSA X sends as a JSON number or as a string (the
// webhook's OrganizationId). Null and "" decode as 0. It encodes as a
// number.
type FlexInt int64

// UnmarshalJSON accepts 12, "12" and null.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*n = 0
			return nil
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("vsax: %q is not an integer", b)
		}
		v = int64(f)
	}
	*n = FlexInt(v)
	return nil
}

// Time is a timestamp VSA X sends as epoch seconds (a JSON number, or a
// string of digits) or as ISO-8601 text (with or without a zone; none
// means UTC). Null and "" give the zero Time. It encodes as RFC 3339, or
// null when zero.
type Time struct{ time.Time }

var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"}

// UnmarshalJSON decodes both encodings.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			t.Time = time.Time{}
			return nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		if sec > 1e11 { // milliseconds
			t.Time = time.UnixMilli(sec).UTC()
			return nil
		}
		t.Time = time.Unix(sec, 0).UTC()
		return nil
	}
	for _, l := range isoLayouts {
		if v, err := time.Parse(l, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("vsax: cannot read %q as a time", s)
}

// MarshalJSON writes RFC 3339, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// Priority is a notification priority. VSA X answers in lower case and
// takes requests and sends webhooks capitalised; decoding accepts any
// case, encoding writes the capitalised form.
type Priority string

// Priorities.
const (
	PriorityLow      Priority = "Low"
	PriorityNormal   Priority = "Normal"
	PriorityElevated Priority = "Elevated"
	PriorityCritical Priority = "Critical"
)

// ParsePriority returns the Priority named by s in any case, or false.
func ParsePriority(s string) (Priority, bool) {
	for _, p := range []Priority{PriorityLow, PriorityNormal, PriorityElevated, PriorityCritical} {
		if strings.EqualFold(strings.TrimSpace(s), string(p)) {
			return p, true
		}
	}
	return Priority(s), false
}

// UnmarshalJSON accepts any case; an unknown value is kept as sent.
func (p *Priority) UnmarshalJSON(b []byte) error {
	var s string
	if string(bytes.TrimSpace(b)) == "null" {
		*p = ""
		return nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p, _ = ParsePriority(s)
	return nil
}

// Environment is GET /environment: the instance's product version,
// customer and license. Fields it does not model are kept in Extra.
type Environment struct {
	ProductVersion string   `json:"ProductVersion,omitempty"` // with the server region: "1.1.0 build 123 release 1001, US"
	CustomerID     string   `json:"CustomerId,omitempty"`     // the instance: "acme.vsax.net"
	CustomerName   string   `json:"CustomerName,omitempty"`
	ServerType     string   `json:"ServerType,omitempty"` // "SaaS" or "On-Prem"
	Language       string   `json:"Language,omitempty"`
	License        *License `json:"License,omitempty"`
	Extra          Extra    `json:"-"`
	seen           wire.Seen
}

// License is the instance's license: expiry and allocations.
type License struct {
	ExpirationDate Time          `json:"ExpirationDate"`
	UserAccounts   *LicenseCount `json:"UserAccounts,omitempty"`
	Devices        *LicenseCount `json:"Devices,omitempty"`
	Extra          Extra         `json:"-"`
	seen           wire.Seen
}

// LicenseCount is an allocation: how many are in use of the limit.
type LicenseCount struct {
	TotalInUse int   `json:"TotalInUse"`
	Limit      int   `json:"Limit"`
	Extra      Extra `json:"-"`
	seen       wire.Seen
}

// ContactInformation is a site's contact block.
type ContactInformation struct {
	Phone       string `json:"Phone,omitempty"`
	Fax         string `json:"Fax,omitempty"`
	Email       string `json:"Email,omitempty"`
	ContactName string `json:"ContactName,omitempty"`
	CountryCode string `json:"CountryCode,omitempty"`
	City        string `json:"City,omitempty"`
	Address1    string `json:"Address1,omitempty"`
	Address2    string `json:"Address2,omitempty"`
	Zip         string `json:"Zip,omitempty"`
}

// Organization is the top of VSA X's hierarchy (→ PSA customer).
type Organization struct {
	ID              FlexInt  `json:"Id"`
	Name            string   `json:"Name"`
	HasCustomFields bool     `json:"HasCustomFields,omitempty"`
	PsaMappingID    *FlexInt `json:"PsaMappingId,omitempty"`
	PsaMappingType  *string  `json:"PsaMappingType,omitempty"`
	Extra           Extra    `json:"-"`
	seen            wire.Seen
}

// Site is a site of an organization (ParentID; → PSA site). Sites name
// their PSA integration PsaIntegrationType, not PsaMappingType.
type Site struct {
	ID                 FlexInt             `json:"Id"`
	Name               string              `json:"Name"`
	ParentID           FlexInt             `json:"ParentId"`
	ParentName         string              `json:"ParentName,omitempty"`
	HasCustomFields    bool                `json:"HasCustomFields,omitempty"`
	PsaMappingID       *FlexInt            `json:"PsaMappingId,omitempty"`
	PsaIntegrationType *string             `json:"PsaIntegrationType,omitempty"`
	ContactInformation *ContactInformation `json:"ContactInformation,omitempty"`
	Extra              Extra               `json:"-"`
	seen               wire.Seen
}

// Package is an agent installer of a group (detail view only).
type Package struct {
	Type string `json:"Type"`
	Name string `json:"Name"`
}

// Group is a group of devices under a site.
type Group struct {
	ID                     FlexInt   `json:"Id"`
	Name                   string    `json:"Name"`
	ParentSiteID           FlexInt   `json:"ParentSiteId"`
	ParentSiteName         string    `json:"ParentSiteName,omitempty"`
	ParentOrganizationID   FlexInt   `json:"ParentOrganizationId"`
	ParentOrganizationName string    `json:"ParentOrganizationName,omitempty"`
	Notes                  string    `json:"Notes,omitempty"`
	HasCustomFields        bool      `json:"HasCustomFields,omitempty"`
	PsaMappingID           *FlexInt  `json:"PsaMappingId,omitempty"`
	PsaMappingType         *string   `json:"PsaMappingType,omitempty"`
	Packages               []Package `json:"Packages,omitempty"`
	Extra                  Extra     `json:"-"`
	seen                   wire.Seen
}

// LocalIPAddress is a network adapter of a device or asset.
type LocalIPAddress struct {
	Name            string   `json:"Name,omitempty"`
	PhysicalAddress string   `json:"PhysicalAddress,omitempty"`
	DhcpEnabled     bool     `json:"DhcpEnabled,omitempty"`
	Gateways        []string `json:"Gateways,omitempty"`
	DNSServers      []string `json:"DnsServers,omitempty"`
	SubnetMask      string   `json:"SubnetMask,omitempty"`
	IPv4            string   `json:"IpV4,omitempty"`
	IPv6            string   `json:"IpV6,omitempty"`
}

// Device is a managed device. The list (GET /devices) carries the
// hierarchy only; the detail (GET /devices/{id}) adds OS (Description),
// online state and addresses.
type Device struct {
	Identifier       string  `json:"Identifier"`
	Name             string  `json:"Name"`
	GroupID          FlexInt `json:"GroupId"`
	GroupName        string  `json:"GroupName,omitempty"`
	IsAgentInstalled bool    `json:"IsAgentInstalled,omitempty"`
	IsMdmEnrolled    bool    `json:"IsMdmEnrolled,omitempty"`
	SiteID           FlexInt `json:"SiteId"`
	SiteName         string  `json:"SiteName,omitempty"`
	OrganizationID   FlexInt `json:"OrganizationId"`
	OrganizationName string  `json:"OrganizationName,omitempty"`
	HasCustomFields  bool    `json:"HasCustomFields,omitempty"`

	// Detail only.
	Description           string           `json:"Description,omitempty"`
	Uptime                json.RawMessage  `json:"Uptime,omitempty"`
	IsOnline              bool             `json:"IsOnline,omitempty"`
	ComputerType          string           `json:"ComputerType,omitempty"`
	InMaintenance         bool             `json:"InMaintenance,omitempty"`
	ExternalIPAddress     string           `json:"ExternalIpAddress,omitempty"`
	CriticalNotifications int              `json:"CriticalNotifications,omitempty"`
	ElevatedNotifications int              `json:"ElevatedNotifications,omitempty"`
	NormalNotifications   int              `json:"NormalNotifications,omitempty"`
	LowNotifications      int              `json:"LowNotifications,omitempty"`
	ClientVersion         string           `json:"ClientVersion,omitempty"`
	LocalIPAddresses      []LocalIPAddress `json:"LocalIpAddresses,omitempty"`
	Extra                 Extra            `json:"-"`
	seen                  wire.Seen
}

// AssetIP is one address of an asset's adapter.
type AssetIP struct {
	IP       string          `json:"IP"`
	V6       bool            `json:"V6,omitempty"`
	Download json.RawMessage `json:"Download,omitempty"`
	Upload   json.RawMessage `json:"Upload,omitempty"`
}

// AssetAdapter is a network adapter in an asset record.
type AssetAdapter struct {
	Name string    `json:"Name,omitempty"`
	MAC  string    `json:"MAC,omitempty"`
	IPs  []AssetIP `json:"IPs,omitempty"`
}

// Disk is a disk in an asset record.
type Disk struct {
	Name           string          `json:"Name,omitempty"`
	System         bool            `json:"System,omitempty"`
	FreePercentage json.RawMessage `json:"FreePercentage,omitempty"`
	TotalValue     json.RawMessage `json:"TotalValue,omitempty"`
}

// Software is an installed program.
type Software struct {
	Name      string `json:"Name,omitempty"`
	Publisher string `json:"Publisher,omitempty"`
	Version   string `json:"Version,omitempty"`
}

// AssetInfoCategory is one category of an asset's inventory ("BIOS",
// "Operating System"); its keys are display strings, looked up exactly.
type AssetInfoCategory struct {
	CategoryName string            `json:"CategoryName"`
	CategoryData map[string]string `json:"CategoryData"`
}

// UnmarshalJSON keeps values that are not strings as their JSON text.
func (c *AssetInfoCategory) UnmarshalJSON(b []byte) error {
	var raw struct {
		CategoryName string
		CategoryData map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.CategoryName = raw.CategoryName
	c.CategoryData = make(map[string]string, len(raw.CategoryData))
	for k, v := range raw.CategoryData {
		var s string
		if json.Unmarshal(v, &s) == nil {
			c.CategoryData[k] = s
		} else if string(v) != "null" {
			c.CategoryData[k] = string(v)
		}
	}
	return nil
}

// Asset is the rich inventory record of a device (GET /assets), joined
// with devices by Identifier. Numeric and status fields are decoded
// leniently (raw JSON) because the reference's examples vary.
type Asset struct {
	Identifier        string              `json:"Identifier"`
	Name              string              `json:"Name"`
	GroupName         string              `json:"GroupName,omitempty"`
	Description       string              `json:"Description,omitempty"`
	Tags              []string            `json:"Tags,omitempty"`
	Type              string              `json:"Type,omitempty"`
	ClientVersion     string              `json:"ClientVersion,omitempty"`
	LastUpdated       Time                `json:"LastUpdated"`
	LastSeenOnline    Time                `json:"LastSeenOnline"`
	LastReboot        Time                `json:"LastReboot"`
	ExternalURL       string              `json:"ExternalUrl,omitempty"`
	CPUUsage          json.RawMessage     `json:"CpuUsage,omitempty"`
	MemoryUsage       json.RawMessage     `json:"MemoryUsage,omitempty"`
	MemoryTotal       json.RawMessage     `json:"MemoryTotal,omitempty"`
	FirewallEnabled   json.RawMessage     `json:"FirewallEnabled,omitempty"`
	AntivirusEnabled  json.RawMessage     `json:"AntivirusEnabled,omitempty"`
	AntivirusUpToDate json.RawMessage     `json:"AntivirusUpToDate,omitempty"`
	UacEnabled        json.RawMessage     `json:"UacEnabled,omitempty"`
	EventLogs         json.RawMessage     `json:"EventLogs,omitempty"`
	Updates           json.RawMessage     `json:"Updates,omitempty"`
	PublicIPAddress   string              `json:"PublicIpAddress,omitempty"`
	IPAddresses       []AssetAdapter      `json:"IpAddresses,omitempty"`
	Disks             []Disk              `json:"Disks,omitempty"`
	InstalledSoftware []Software          `json:"InstalledSoftware,omitempty"`
	LocalIPAddresses  []LocalIPAddress    `json:"LocalIpAddresses,omitempty"`
	AssetInfo         []AssetInfoCategory `json:"AssetInfo,omitempty"`
	// SiteID is sent by VSA X only (not in the Pulseway reference); 0
	// when absent.
	SiteID FlexInt `json:"SiteId,omitempty"`
	Extra  Extra   `json:"-"`
	seen   wire.Seen
}

// Category returns the named AssetInfo category's data (nil when absent).
func (a *Asset) Category(name string) map[string]string {
	for _, c := range a.AssetInfo {
		if strings.EqualFold(c.CategoryName, name) {
			return c.CategoryData
		}
	}
	return nil
}

// SerialNumber is AssetInfo["BIOS"]["Serial Number"].
func (a *Asset) SerialNumber() string { return strings.TrimSpace(a.Category("BIOS")["Serial Number"]) }

// OperatingSystem is the "Operating System" category's "Name" (or
// "Caption"), falling back to Description.
func (a *Asset) OperatingSystem() string {
	os := a.Category("Operating System")
	for _, k := range []string{"Name", "Caption", "Operating System"} {
		if v := strings.TrimSpace(os[k]); v != "" {
			return v
		}
	}
	return a.Description
}

// LastUser is the last logged-in user where the inventory has one
// ("Computer System" → "User Name" / "Last Logged In User"), else "".
func (a *Asset) LastUser() string {
	for _, cat := range []string{"Computer System", "System", "Operating System"} {
		d := a.Category(cat)
		for _, k := range []string{"Last Logged In User", "User Name", "Logged In User", "Current User"} {
			if v := strings.TrimSpace(d[k]); v != "" {
				return v
			}
		}
	}
	return ""
}

// IPs lists the asset's addresses (IpAddresses, then LocalIpAddresses
// IPv4), without duplicates.
func (a *Asset) IPs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, ad := range a.IPAddresses {
		for _, ip := range ad.IPs {
			add(ip.IP)
		}
	}
	for _, l := range a.LocalIPAddresses {
		add(l.IPv4)
	}
	return out
}

// MACs lists the asset's adapter MAC addresses, without duplicates.
func (a *Asset) MACs() []string {
	var out []string
	seen := map[string]bool{}
	for _, ad := range a.IPAddresses {
		if m := strings.TrimSpace(ad.MAC); m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, l := range a.LocalIPAddresses {
		if m := strings.TrimSpace(l.PhysicalAddress); m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// CustomFieldValue is a custom field's value on an organization, site,
// group or device.
type CustomFieldValue struct {
	ID    FlexInt `json:"Id"`
	Name  string  `json:"Name"`
	Value *string `json:"Value"`
	Type  string  `json:"Type"` // Text, Number, Date, Boolean
	Extra Extra   `json:"-"`
	seen  wire.Seen
}

// CustomField is a custom field definition (GET /customFields); its other
// fields (usage, assignment) are kept in Extra as sent.
type CustomField struct {
	ID    FlexInt `json:"Id"`
	Name  string  `json:"Name"`
	Type  string  `json:"Type,omitempty"`
	Extra Extra   `json:"-"`
	seen  wire.Seen
}

// Notification is a VSA X alert. The list has no device; the detail adds
// ComputerIdentifier and Read.
type Notification struct {
	ID                 FlexInt  `json:"Id"`
	Message            string   `json:"Message"`
	DateTime           Time     `json:"DateTime"`
	Priority           Priority `json:"Priority"`
	ComputerIdentifier string   `json:"ComputerIdentifier,omitempty"`
	Read               bool     `json:"Read,omitempty"`
	Extra              Extra    `json:"-"`
	seen               wire.Seen
}

// Webhook is a notification webhook. SecretKey is set only in the
// answers of Create and RegenerateSecret: VSA X never shows it again.
type Webhook struct {
	ID              FlexInt           `json:"Id,omitempty"`
	Name            string            `json:"Name"`
	Description     string            `json:"Description,omitempty"`
	Priorities      []Priority        `json:"Priorities"`
	OrganizationIDs []FlexInt         `json:"OrganizationIds"`
	Headers         map[string]string `json:"Headers,omitempty"`
	URL             string            `json:"Url"`
	Language        string            `json:"Language,omitempty"`
	SecretKey       string            `json:"SecretKey,omitempty"`
	CreatedAt       Time              `json:"CreatedAt,omitzero"`
	UpdatedAt       Time              `json:"UpdatedAt,omitzero"`
	Extra           Extra             `json:"-"`
	seen            wire.Seen
}

// WebhookRequest is the body of a webhook create or update. A nil
// OrganizationIDs means every organization.
type WebhookRequest struct {
	Name            string            `json:"Name"`
	Description     string            `json:"Description,omitempty"`
	Priorities      []Priority        `json:"Priorities"`
	OrganizationIDs []int64           `json:"OrganizationIds"`
	Headers         map[string]string `json:"Headers,omitempty"`
	URL             string            `json:"Url"`
	Language        string            `json:"Language,omitempty"`
}

// UnmarshalJSON keeps the fields Environment does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Environment) UnmarshalJSON(b []byte) error {
	type plain Environment
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Environment) MarshalJSON() ([]byte, error) {
	type plain Environment
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields License does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *License) UnmarshalJSON(b []byte) error {
	type plain License
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v License) MarshalJSON() ([]byte, error) {
	type plain License
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields LicenseCount does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *LicenseCount) UnmarshalJSON(b []byte) error {
	type plain LicenseCount
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v LicenseCount) MarshalJSON() ([]byte, error) {
	type plain LicenseCount
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Organization does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Organization) UnmarshalJSON(b []byte) error {
	type plain Organization
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Organization) MarshalJSON() ([]byte, error) {
	type plain Organization
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Site does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Site) UnmarshalJSON(b []byte) error {
	type plain Site
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Site) MarshalJSON() ([]byte, error) {
	type plain Site
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Group does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Group) UnmarshalJSON(b []byte) error {
	type plain Group
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Group) MarshalJSON() ([]byte, error) {
	type plain Group
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Device does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Device) UnmarshalJSON(b []byte) error {
	type plain Device
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Device) MarshalJSON() ([]byte, error) {
	type plain Device
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Asset does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Asset) UnmarshalJSON(b []byte) error {
	type plain Asset
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Asset) MarshalJSON() ([]byte, error) {
	type plain Asset
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Notification does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Notification) UnmarshalJSON(b []byte) error {
	type plain Notification
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Notification) MarshalJSON() ([]byte, error) {
	type plain Notification
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields Webhook does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *Webhook) UnmarshalJSON(b []byte) error {
	type plain Webhook
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v Webhook) MarshalJSON() ([]byte, error) {
	type plain Webhook
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields CustomField does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *CustomField) UnmarshalJSON(b []byte) error {
	type plain CustomField
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v CustomField) MarshalJSON() ([]byte, error) {
	type plain CustomField
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps the fields CustomFieldValue does not model in Extra and
// remembers what it was sent, so an unchanged value encodes as received.
func (v *CustomFieldValue) UnmarshalJSON(b []byte) error {
	type plain CustomFieldValue
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the modelled fields and Extra.
func (v CustomFieldValue) MarshalJSON() ([]byte, error) {
	type plain CustomFieldValue
	return wire.Marshal(plain(v), v.Extra, v.seen)
}
