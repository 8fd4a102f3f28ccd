package level

import (
	"encoding/json"
	"time"

	"github.com/mspsync/mspsync/internal/wire"
)

// Extra holds the fields of a Level object this package does not model;
// they survive a decode and encode unchanged.
type Extra = map[string]json.RawMessage

// Group is a Level group. Groups nest to any depth and are Level's
// customers: there are no organizations or sites.
type Group struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	ParentID string   `json:"parent_id,omitempty"` // "" (null on the wire) for a root group
	ChildIDs []string `json:"child_ids,omitempty"`
	// DeviceCount counts the devices directly in the group;
	// DescendentDeviceCount (Level's spelling) those of the whole subtree.
	DeviceCount           int `json:"device_count,omitempty"`
	DescendentDeviceCount int `json:"descendent_device_count,omitempty"`
	// CustomFields is present only on Groups.Get.
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	Extra        Extra          `json:"-"`
	seen         wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Group) UnmarshalJSON(b []byte) error {
	type plain Group
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Group) MarshalJSON() ([]byte, error) {
	type plain Group
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// Device is a Level device. Its name field is hostname; the nested objects
// come only with the matching include_* flag (DeviceIncludes).
type Device struct {
	ID                 string          `json:"id"`
	Hostname           string          `json:"hostname"`
	Nickname           string          `json:"nickname,omitempty"`
	Role               string          `json:"role,omitempty"`     // workstation, server, domain_controller
	GroupID            string          `json:"group_id,omitempty"` // "" (null) = ungrouped
	Tags               []string        `json:"tags,omitempty"`
	Flag               json.RawMessage `json:"flag,omitempty"`
	MaintenanceMode    bool            `json:"maintenance_mode,omitempty"`
	Online             bool            `json:"online,omitempty"`
	Manufacturer       string          `json:"manufacturer,omitempty"`
	Model              string          `json:"model,omitempty"`
	Architecture       string          `json:"architecture,omitempty"`
	SerialNumber       string          `json:"serial_number,omitempty"`
	TotalMemory        int64           `json:"total_memory,omitempty"` // bytes
	MemorySlots        int             `json:"memory_slots,omitempty"`
	CPUCores           int             `json:"cpu_cores,omitempty"`
	LastLoggedInUser   string          `json:"last_logged_in_user,omitempty"`
	LastRebootTime     *time.Time      `json:"last_reboot_time,omitempty"`
	LastSeenAt         *time.Time      `json:"last_seen_at,omitempty"`
	City               string          `json:"city,omitempty"`
	Country            string          `json:"country,omitempty"`
	SecurityScore      int             `json:"security_score,omitempty"`
	Platform           string          `json:"platform,omitempty"` // Windows, Mac, Linux
	PublicIPAddress    string          `json:"public_ip_address,omitempty"`
	PrivateIPAddresses []string        `json:"private_ip_addresses,omitempty"`

	OperatingSystem   *OperatingSystem   `json:"operating_system,omitempty"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces,omitempty"`
	Security          *Security          `json:"security,omitempty"`
	CPUs              []CPU              `json:"cpus,omitempty"`
	DiskPartitions    []DiskPartition    `json:"disk_partitions,omitempty"`

	Extra Extra `json:"-"`
	seen  wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Device) UnmarshalJSON(b []byte) error {
	type plain Device
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Device) MarshalJSON() ([]byte, error) {
	type plain Device
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// DisplayName is the nickname when there is one, else the hostname.
func (v *Device) DisplayName() string {
	if v.Nickname != "" {
		return v.Nickname
	}
	return v.Hostname
}

// OperatingSystem is a device's operating_system (include_operating_system).
type OperatingSystem struct {
	FullOperatingSystem string          `json:"full_operating_system,omitempty"`
	MajorVersion        string          `json:"major_version,omitempty"`
	MinorVersion        string          `json:"minor_version,omitempty"`
	Architecture        string          `json:"architecture,omitempty"`
	InstallDate         json.RawMessage `json:"install_date,omitempty"`
	EndOfLife           bool            `json:"end_of_life,omitempty"`
}

// NetworkInterface is one of a device's network_interfaces
// (include_network_interfaces).
type NetworkInterface struct {
	Description string          `json:"description,omitempty"`
	Interface   string          `json:"interface,omitempty"`
	MACAddress  string          `json:"mac_address,omitempty"`
	IPAddresses []string        `json:"ip_addresses,omitempty"`
	Gateway     json.RawMessage `json:"gateway,omitempty"`
	Domain      json.RawMessage `json:"domain,omitempty"`
	DHCPServer  json.RawMessage `json:"dhcp_server,omitempty"`
	DNSServers  json.RawMessage `json:"dns_servers,omitempty"`
	Label       string          `json:"label,omitempty"`
}

// Security is a device's security summary (include_security).
type Security struct {
	Score                     int    `json:"score,omitempty"`
	Risk                      string `json:"risk,omitempty"`
	PatchCompliance           bool   `json:"patch_compliance,omitempty"`
	PatchSecurityRisk         string `json:"patch_security_risk,omitempty"`
	OSEndOfLife               bool   `json:"os_end_of_life,omitempty"`
	PrimaryPartitionEncrypted bool   `json:"primary_partition_encrypted,omitempty"`
	FirewallProvider          string `json:"firewall_provider,omitempty"`
	FirewallEnabled           bool   `json:"firewall_enabled,omitempty"`
	AntivirusProvider         string `json:"antivirus_provider,omitempty"`
	AntivirusStatus           string `json:"antivirus_status,omitempty"`
}

// CPU is one of a device's cpus (include_cpus).
type CPU struct {
	Model      string  `json:"model,omitempty"`
	ClockSpeed float64 `json:"clock_speed,omitempty"`
	Cores      int     `json:"cores,omitempty"`
}

// DiskPartition is one of a device's disk_partitions (include_disks);
// sizes in bytes.
type DiskPartition struct {
	Label      string `json:"label,omitempty"`
	MountPoint string `json:"mount_point,omitempty"`
	Encrypted  bool   `json:"encrypted,omitempty"`
	Primary    bool   `json:"primary,omitempty"`
	Size       int64  `json:"size,omitempty"`
	FreeSpace  int64  `json:"free_space,omitempty"`
	FileSystem string `json:"file_system,omitempty"`
}

// Alert severities.
const (
	SeverityInformation = "information"
	SeverityWarning     = "warning"
	SeverityCritical    = "critical"
	SeverityEmergency   = "emergency"
)

// Alert is a Level alert, raised by a monitor of a policy. It has no group
// and no policy ID: its customer is found through the device, and Name
// (the monitor) is its type.
type Alert struct {
	ID             string          `json:"id"`
	DeviceID       string          `json:"device_id"`
	DeviceHostname string          `json:"device_hostname,omitempty"`
	Name           string          `json:"name"`
	Description    string          `json:"description,omitempty"`
	Payload        json.RawMessage `json:"payload,omitempty"`
	Severity       string          `json:"severity,omitempty"`
	IsResolved     bool            `json:"is_resolved"`
	StartedAt      *time.Time      `json:"started_at,omitempty"`
	ResolvedAt     *time.Time      `json:"resolved_at,omitempty"`
	Extra          Extra           `json:"-"`
	seen           wire.Seen
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

// CustomField is a custom field definition; Reference is "cf_" + name.
type CustomField struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Reference string `json:"reference,omitempty"`
	AdminOnly bool   `json:"admin_only,omitempty"`
}

// CustomFieldValue is the value of a custom field on a device, a group or
// (AssignedToID "") the account.
type CustomFieldValue struct {
	CustomFieldID   string `json:"custom_field_id"`
	CustomFieldName string `json:"custom_field_name,omitempty"`
	AssignedToID    string `json:"assigned_to_id,omitempty"`
	Value           any    `json:"value"`
}

// Tag is a Level tag.
type Tag struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
