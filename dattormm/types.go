package dattormm

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a Datto object that this package does not
// model. Site, Device and Alert keep them, and a decoded Site, Device or
// Alert encodes again exactly as Datto sent it (a time stays an ISO string
// or epoch milliseconds, a null stays null, UDFs keep their nulls), except
// for the fields the caller changed, which are sent even when set to their
// zero value.
type Extra = map[string]json.RawMessage

// Time is a Datto timestamp. The API documents ISO strings but sends epoch
// milliseconds for devices and alerts (and seconds elsewhere); Time accepts
// all of them, and null, "" and the DateTime.MinValue sentinel as the zero
// time. It marshals as epoch milliseconds.
type Time struct{ time.Time }

// UnmarshalJSON decodes a number (≥ 1e11: milliseconds, else seconds) or an
// ISO 8601 string.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	t.Time = time.Time{}
	if s == "null" || s == `""` {
		return nil
	}
	if s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		if n, err := strconv.ParseFloat(str, 64); err == nil {
			return t.fromNumber(n)
		}
		for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
			if v, err := time.ParseInLocation(l, str, time.UTC); err == nil {
				t.Time = v.UTC()
				return nil
			}
		}
		return &time.ParseError{Layout: time.RFC3339, Value: str, Message: ": not a Datto timestamp"}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	return t.fromNumber(n)
}

func (t *Time) fromNumber(n float64) error {
	if n <= -62135596800 { // DateTime.MinValue, in seconds or milliseconds: none
		return nil
	}
	if math.Abs(n) >= 1e11 {
		t.Time = time.UnixMilli(int64(n)).UTC()
	} else {
		sec, frac := math.Modf(n)
		t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	return nil
}

// MarshalJSON writes epoch milliseconds, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatInt(t.UnixMilli(), 10)), nil
}

// PageDetails is the paging block of every list response.
type PageDetails struct {
	Count       int     `json:"count"`
	TotalCount  *int64  `json:"totalCount"`
	PrevPageURL *string `json:"prevPageUrl"`
	NextPageURL *string `json:"nextPageUrl"`
}

// DevicesStatus counts a site's or account's devices.
type DevicesStatus struct {
	NumberOfDevices         int64 `json:"numberOfDevices"`
	NumberOfOnlineDevices   int64 `json:"numberOfOnlineDevices"`
	NumberOfOfflineDevices  int64 `json:"numberOfOfflineDevices"`
	NumberOfOnDemandDevices int64 `json:"numberOfOnDemandDevices,omitempty"`
	NumberOfManagedDevices  int64 `json:"numberOfManagedDevices,omitempty"`
}

// ProxySettings is a site's proxy.
type ProxySettings struct {
	Host     string `json:"host,omitempty"`
	Password string `json:"password,omitempty"`
	Port     int    `json:"port,omitempty"`
	Type     string `json:"type,omitempty"` // http, socks4, socks5
	Username string `json:"username,omitempty"`
}

// DeletedDevicesSite is the name of the site Datto keeps deleted devices
// in until they are purged; never map it to a customer.
const DeletedDevicesSite = "Deleted Devices"

// Site is a Datto RMM site.
type Site struct {
	ID                   int64          `json:"id"`
	UID                  string         `json:"uid"`
	AccountUID           string         `json:"accountUid"`
	Name                 string         `json:"name"`
	Description          string         `json:"description"`
	Notes                string         `json:"notes"`
	OnDemand             bool           `json:"onDemand"`
	SplashtopAutoInstall bool           `json:"splashtopAutoInstall"`
	ProxySettings        *ProxySettings `json:"proxySettings"`
	DevicesStatus        *DevicesStatus `json:"devicesStatus"`
	AutotaskCompanyName  string         `json:"autotaskCompanyName"`
	AutotaskCompanyID    string         `json:"autotaskCompanyId"`
	PortalURL            string         `json:"portalUrl"`
	Extra                Extra          `json:"-"`
	seen                 wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Site) UnmarshalJSON(b []byte) error {
	type plain Site
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Site) MarshalJSON() ([]byte, error) {
	type plain Site
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// DeviceType is a device's category and type (free text).
type DeviceType struct {
	Category string `json:"category"`
	Type     string `json:"type"`
}

// UDF holds a device's user-defined fields by key ("udf1" … "udf300");
// empty ones are absent.
type UDF map[string]string

// UnmarshalJSON drops null values.
func (u *UDF) UnmarshalJSON(b []byte) error {
	var m map[string]*string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*u = UDF{}
	for k, v := range m {
		if v != nil && *v != "" {
			(*u)[k] = *v
		}
	}
	return nil
}

// Get returns UDF n (1-based).
func (u UDF) Get(n int) string { return u["udf"+strconv.Itoa(n)] }

// Antivirus is a device's antivirus state.
type Antivirus struct {
	AntivirusProduct string `json:"antivirusProduct"`
	AntivirusStatus  string `json:"antivirusStatus"`
}

// PatchManagement is a device's patch state.
type PatchManagement struct {
	PatchStatus            string `json:"patchStatus"`
	PatchesApprovedPending int64  `json:"patchesApprovedPending"`
	PatchesNotApproved     int64  `json:"patchesNotApproved"`
	PatchesInstalled       int64  `json:"patchesInstalled"`
}

// Device is a Datto RMM device (v2). Serial number, manufacturer, model
// and MAC addresses are not on it: read them with Audit.Device.
type Device struct {
	ID               int64            `json:"id"`
	UID              string           `json:"uid"`
	SiteID           int64            `json:"siteId"`
	SiteUID          string           `json:"siteUid"`
	SiteName         string           `json:"siteName"`
	DeviceType       DeviceType       `json:"deviceType"`
	Hostname         string           `json:"hostname"`
	IntIPAddress     string           `json:"intIpAddress"`
	ExtIPAddress     string           `json:"extIpAddress"`
	OperatingSystem  string           `json:"operatingSystem"`
	LastLoggedInUser string           `json:"lastLoggedInUser"`
	Domain           string           `json:"domain"`
	CagVersion       string           `json:"cagVersion"`
	DisplayVersion   string           `json:"displayVersion"`
	Description      string           `json:"description"`
	A64Bit           bool             `json:"a64Bit"`
	RebootRequired   bool             `json:"rebootRequired"`
	Online           bool             `json:"online"`
	Suspended        bool             `json:"suspended"`
	Deleted          bool             `json:"deleted"`
	LastSeen         Time             `json:"lastSeen"`
	LastReboot       Time             `json:"lastReboot"`
	LastAuditDate    Time             `json:"lastAuditDate"`
	CreationDate     Time             `json:"creationDate"`
	UDF              UDF              `json:"udf"`
	SnmpEnabled      bool             `json:"snmpEnabled"`
	DeviceClass      string           `json:"deviceClass"` // device, printer, esxihost, rmmnetworkdevice, unknown
	PortalURL        string           `json:"portalUrl"`
	WarrantyDate     string           `json:"warrantyDate"`
	Antivirus        *Antivirus       `json:"antivirus"`
	PatchManagement  *PatchManagement `json:"patchManagement"`
	SoftwareStatus   string           `json:"softwareStatus"`
	WebRemoteURL     string           `json:"webRemoteUrl"`
	Extra            Extra            `json:"-"`
	seen             wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Device) UnmarshalJSON(b []byte) error {
	type plain Device
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read
// (UDF nulls and all).
func (v Device) MarshalJSON() ([]byte, error) {
	type plain Device
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// IsDeleted reports whether the device is deleted in Datto: flagged
// deleted, or sitting in the Deleted Devices site.
func (d *Device) IsDeleted() bool {
	return d.Deleted || strings.EqualFold(d.SiteName, DeletedDevicesSite)
}

// AlertSourceInfo is where an alert came from.
type AlertSourceInfo struct {
	DeviceUID  string `json:"deviceUid"`
	DeviceName string `json:"deviceName"`
	SiteUID    string `json:"siteUid"`
	SiteName   string `json:"siteName"`
}

// AlertMonitorInfo carries the monitor's two flags (not its type).
type AlertMonitorInfo struct {
	SendsEmails   bool `json:"sendsEmails"`
	CreatesTicket bool `json:"createsTicket"`
}

// ResponseAction is something Datto did about an alert (email, webhook,
// ticket).
type ResponseAction struct {
	ActionTime         Time   `json:"actionTime"`
	ActionType         string `json:"actionType"`
	Description        string `json:"description"`
	ActionReference    string `json:"actionReference"`
	ActionReferenceInt string `json:"actionReferenceInt"`
}

// Alert is a Datto RMM alert.
type Alert struct {
	AlertUID         string            `json:"alertUid"`
	Priority         string            `json:"priority"` // Critical, High, Moderate, Low, Information, Unknown
	Diagnostics      string            `json:"diagnostics"`
	Resolved         bool              `json:"resolved"`
	ResolvedBy       string            `json:"resolvedBy"`
	ResolvedOn       Time              `json:"resolvedOn"`
	Muted            bool              `json:"muted"`
	TicketNumber     string            `json:"ticketNumber"`
	Timestamp        Time              `json:"timestamp"`
	AlertMonitorInfo *AlertMonitorInfo `json:"alertMonitorInfo"`
	AlertContext     AlertContext      `json:"alertContext"`
	AlertSourceInfo  AlertSourceInfo   `json:"alertSourceInfo"`
	ResponseActions  []ResponseAction  `json:"responseActions"`
	AutoresolveMins  *int              `json:"autoresolveMins"`
	Extra            Extra             `json:"-"`
	seen             wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Alert) UnmarshalJSON(b []byte) error {
	type plain Alert
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Alert) MarshalJSON() ([]byte, error) {
	type plain Alert
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// AlertContext is an alert's polymorphic context: Class is its "@class"
// and Raw the whole object. Typed views of the common classes are offered
// by the accessors; every other class is normal and keeps Raw.
type AlertContext struct {
	Class string
	Raw   json.RawMessage
}

// UnmarshalJSON keeps the raw object and reads "@class".
func (c *AlertContext) UnmarshalJSON(b []byte) error {
	c.Raw = append(json.RawMessage(nil), b...)
	c.Class = ""
	if strings.TrimSpace(string(b)) == "null" {
		c.Raw = nil
		return nil
	}
	var head struct {
		Class string `json:"@class"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	c.Class = head.Class
	return nil
}

// MarshalJSON writes Raw back.
func (c AlertContext) MarshalJSON() ([]byte, error) {
	if len(c.Raw) == 0 {
		return []byte("null"), nil
	}
	return c.Raw, nil
}

// Fields decodes the context into a map of its properties.
func (c AlertContext) Fields() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(c.Raw, &m)
	return m
}

func (c AlertContext) str(key string) string {
	v, ok := c.Fields()[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// DiskUsage is the perf_disk_usage_ctx view.
type DiskUsage struct {
	DiskName            string  `json:"diskName"`
	TotalVolume         float64 `json:"totalVolume"`
	FreeSpace           float64 `json:"freeSpace"`
	UnitOfMeasure       string  `json:"unitOfMeasure"`
	DiskNameDesignation string  `json:"diskNameDesignation"`
}

// DiskUsage returns the disk-usage view when Class is perf_disk_usage_ctx.
func (c AlertContext) DiskUsage() (DiskUsage, bool) {
	var v DiskUsage
	return v, c.Class == "perf_disk_usage_ctx" && json.Unmarshal(c.Raw, &v) == nil
}

// EventLog is the eventlog_ctx view.
type EventLog struct {
	LogName     string `json:"logName"`
	Code        any    `json:"code"`
	Type        string `json:"type"`
	Source      string `json:"source"`
	Description string `json:"description"`
}

// EventLog returns the event-log view when Class is eventlog_ctx.
func (c AlertContext) EventLog() (EventLog, bool) {
	var v EventLog
	return v, c.Class == "eventlog_ctx" && json.Unmarshal(c.Raw, &v) == nil
}

// ServiceStatus is the srvc_status_ctx / process_status_ctx view.
type ServiceStatus struct {
	ServiceName string `json:"serviceName"`
	ProcessName string `json:"processName"`
	Status      string `json:"status"`
}

// ServiceStatus returns the view when Class is srvc_status_ctx or
// process_status_ctx.
func (c AlertContext) ServiceStatus() (ServiceStatus, bool) {
	var v ServiceStatus
	return v, (c.Class == "srvc_status_ctx" || c.Class == "process_status_ctx") && json.Unmarshal(c.Raw, &v) == nil
}

// OnlineStatus returns ONLINE or OFFLINE when Class is
// online_offline_status_ctx.
func (c AlertContext) OnlineStatus() (string, bool) {
	return c.str("status"), c.Class == "online_offline_status_ctx"
}

// ResourceUsage is the perf_resource_usage_ctx view (and the process and
// service variants, which carry sample instead of percentage).
type ResourceUsage struct {
	Type        string  `json:"type"`
	Percentage  float64 `json:"percentage"`
	Sample      float64 `json:"sample"`
	ProcessName string  `json:"processName"`
	ServiceName string  `json:"serviceName"`
}

// ResourceUsage returns the view for the resource-usage classes.
func (c AlertContext) ResourceUsage() (ResourceUsage, bool) {
	var v ResourceUsage
	switch c.Class {
	case "perf_resource_usage_ctx", "process_resource_usage_ctx", "srvc_resource_usage_ctx":
		return v, json.Unmarshal(c.Raw, &v) == nil
	}
	return v, false
}

// AlertType derives a stable alert type for grouping and overrides:
// "@class" plus the field that tells monitors of that class apart (disk,
// log and code, service, process, resource type). It is "" when Class is
// empty; callers then fall back to the webhook's alert_type.
func (c AlertContext) AlertType() string {
	if c.Class == "" {
		return ""
	}
	parts := []string{c.Class}
	switch c.Class {
	case "perf_disk_usage_ctx":
		parts = append(parts, c.str("diskName"))
	case "eventlog_ctx":
		parts = append(parts, c.str("logName"), c.str("code"))
	case "srvc_status_ctx", "srvc_resource_usage_ctx":
		parts = append(parts, c.str("serviceName"))
	case "process_status_ctx", "process_resource_usage_ctx":
		parts = append(parts, c.str("processName"))
	case "perf_resource_usage_ctx":
		parts = append(parts, c.str("type"))
	}
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ":")
}

// SystemInfo is the system block of a device audit.
type SystemInfo struct {
	Manufacturer        string `json:"manufacturer"`
	Model               string `json:"model"`
	TotalPhysicalMemory int64  `json:"totalPhysicalMemory"`
	Username            string `json:"username"`
	DotNetVersion       string `json:"dotNetVersion"`
	TotalCPUCores       int    `json:"totalCpuCores"`
}

// BIOS is the BIOS block of a device audit; SerialNumber is the device's
// serial.
type BIOS struct {
	Instance      string `json:"instance"`
	ReleaseDate   Time   `json:"releaseDate"`
	SerialNumber  string `json:"serialNumber"`
	SmBiosVersion string `json:"smBiosVersion"`
}

// NIC is a network interface of a device audit.
type NIC struct {
	Instance   string `json:"instance"`
	IPv4       string `json:"ipv4"`
	IPv6       string `json:"ipv6"`
	MACAddress string `json:"macAddress"`
	Type       string `json:"type"`
}

// DeviceAudit is the hardware audit of a device of class "device".
type DeviceAudit struct {
	PortalURL    string     `json:"portalUrl"`
	WebRemoteURL string     `json:"webRemoteUrl"`
	SystemInfo   SystemInfo `json:"systemInfo"`
	BIOS         BIOS       `json:"bios"`
	BaseBoard    struct {
		Manufacturer string `json:"manufacturer"`
		Product      string `json:"product"`
	} `json:"baseBoard"`
	NICs         []NIC `json:"nics"`
	LogicalDisks []struct {
		Description    string `json:"description"`
		DiskIdentifier string `json:"diskIdentifier"`
		Freespace      int64  `json:"freespace"`
		Size           int64  `json:"size"`
	} `json:"logicalDisks"`
}

// Software is one installed application.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// AuthUser is a Datto RMM operator account.
type AuthUser struct {
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	Username   string `json:"username"`
	Email      string `json:"email"`
	Telephone  string `json:"telephone"`
	Status     string `json:"status"`
	Created    Time   `json:"created"`
	LastAccess Time   `json:"lastAccess"`
	Disabled   bool   `json:"disabled"`
}

// Variable is an account or site variable. The value of a masked variable
// is not the real value.
type Variable struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Value  string `json:"value"`
	Masked bool   `json:"masked"`
}

// Account is the authenticated account. Note Datto's spelling
// "bilingEmail".
type Account struct {
	ID         int64  `json:"id"`
	UID        string `json:"uid"`
	Name       string `json:"name"`
	Currency   string `json:"currency"`
	Descriptor struct {
		BillingEmail string `json:"bilingEmail"`
		DeviceLimit  int64  `json:"deviceLimit"`
		TimeZone     string `json:"timeZone"`
	} `json:"descriptor"`
	DevicesStatus DevicesStatus `json:"devicesStatus"`
}

// SiteSettings are a site's settings.
type SiteSettings struct {
	GeneralSettings struct {
		Name        string `json:"name"`
		UID         string `json:"uid"`
		Description string `json:"description"`
		OnDemand    bool   `json:"onDemand"`
	} `json:"generalSettings"`
	ProxySettings  *ProxySettings `json:"proxySettings"`
	MailRecipients []struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Type  string `json:"type"`
	} `json:"mailRecipients"`
}

// RateStatus is what GET /v2/system/request_rate reports.
type RateStatus struct {
	SlidingTimeWindowSizeSeconds int64                     `json:"slidingTimeWindowSizeSeconds"`
	AccountUID                   string                    `json:"accountUid"`
	AccountCount                 int64                     `json:"accountCount"`
	AccountRateLimit             int64                     `json:"accountRateLimit"`
	AccountCutOffRatio           float64                   `json:"accountCutOffRatio"`
	AccountWriteRateLimit        int64                     `json:"accountWriteRateLimit"`
	AccountWriteCount            int64                     `json:"accountWriteCount"`
	OperationWriteStatus         map[string]OperationCount `json:"operationWriteStatus"`
}

// OperationCount is one operation's write budget and use.
type OperationCount struct {
	Limit int64 `json:"limit"`
	Count int64 `json:"count"`
}

// SystemStatus is what GET /v2/system/status reports.
type SystemStatus struct {
	Version string `json:"version"`
	Status  string `json:"status"`
	Started Time   `json:"started"`
}
