package dattormm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/httpx"
)

// AccountService reads the account and its account-wide lists.
type AccountService service

// Get returns the account.
func (s *AccountService) Get(ctx context.Context) (*Account, error) {
	var a Account
	return &a, s.c.get(ctx, "v2/account", &a)
}

// SiteListOptions filters the account's sites.
type SiteListOptions struct {
	SiteName string `url:"siteName,omitempty"` // partial match
}

// Sites iterates over the account's sites.
func (s *AccountService) Sites(ctx context.Context, opts *SiteListOptions) iter.Seq2[Site, error] {
	return newList[Site](s.c, "v2/account/sites", "sites", opts).all(ctx)
}

// SitesPage returns one page of Sites: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) SitesPage(ctx context.Context, opts *SiteListOptions, cursor string) (*Page[Site], error) {
	return newList[Site](s.c, "v2/account/sites", "sites", opts).page(ctx, cursor)
}

// DeviceListOptions filters device lists. A FilterID alone decides the
// result; the other filters are partial matches.
type DeviceListOptions struct {
	FilterID        int64  `url:"filterId,omitempty"`
	Hostname        string `url:"hostname,omitempty"`
	DeviceType      string `url:"deviceType,omitempty"`
	OperatingSystem string `url:"operatingSystem,omitempty"`
	SiteName        string `url:"siteName,omitempty"`
}

// Devices iterates over the account's devices.
func (s *AccountService) Devices(ctx context.Context, opts *DeviceListOptions) iter.Seq2[Device, error] {
	return newList[Device](s.c, "v2/account/devices", "devices", opts).all(ctx)
}

// DevicesPage returns one page of Devices: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) DevicesPage(ctx context.Context, opts *DeviceListOptions, cursor string) (*Page[Device], error) {
	return newList[Device](s.c, "v2/account/devices", "devices", opts).page(ctx, cursor)
}

// AlertListOptions filters alert lists.
type AlertListOptions struct {
	Muted *bool `url:"muted,omitempty"` // nil: both
}

// OpenAlerts iterates over the account's open alerts.
func (s *AccountService) OpenAlerts(ctx context.Context, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/account/alerts/open", "alerts", opts).all(ctx)
}

// OpenAlertsPage returns one page of OpenAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) OpenAlertsPage(ctx context.Context, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/account/alerts/open", "alerts", opts).page(ctx, cursor)
}

// ResolvedAlerts iterates over the account's resolved alerts (there can be
// thousands; stop early).
func (s *AccountService) ResolvedAlerts(ctx context.Context, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/account/alerts/resolved", "alerts", opts).all(ctx)
}

// ResolvedAlertsPage returns one page of ResolvedAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) ResolvedAlertsPage(ctx context.Context, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/account/alerts/resolved", "alerts", opts).page(ctx, cursor)
}

// Users iterates over the account's operator accounts.
func (s *AccountService) Users(ctx context.Context) iter.Seq2[AuthUser, error] {
	return newList[AuthUser](s.c, "v2/account/users", "users", nil).all(ctx)
}

// UsersPage returns one page of Users: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) UsersPage(ctx context.Context, cursor string) (*Page[AuthUser], error) {
	return newList[AuthUser](s.c, "v2/account/users", "users", nil).page(ctx, cursor)
}

// Variables iterates over the account variables.
func (s *AccountService) Variables(ctx context.Context) iter.Seq2[Variable, error] {
	return newList[Variable](s.c, "v2/account/variables", "variables", nil).all(ctx)
}

// VariablesPage returns one page of Variables: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AccountService) VariablesPage(ctx context.Context, cursor string) (*Page[Variable], error) {
	return newList[Variable](s.c, "v2/account/variables", "variables", nil).page(ctx, cursor)
}

// SitesService reads and writes sites.
type SitesService service

// Get returns one site.
func (s *SitesService) Get(ctx context.Context, siteUID string) (*Site, error) {
	var v Site
	return &v, s.c.get(ctx, "v2/site/"+esc(siteUID), &v)
}

// SiteRequest is the body of a site create (CreateSiteRequest); Name is
// required.
type SiteRequest struct {
	Name                 string `json:"name"`
	Description          string `json:"description,omitempty"`
	Notes                string `json:"notes,omitempty"`
	OnDemand             bool   `json:"onDemand"`
	SplashtopAutoInstall bool   `json:"splashtopAutoInstall"`
	// ProxySettings is taken by Create only: Datto's update body has no
	// proxy; SiteUpdate has none.
	ProxySettings *ProxySettings `json:"proxySettings,omitempty"`
}

// SiteUpdate is a change to a site: only the fields set (non-nil) change.
// The proxy is not part of a site update (Datto's SiteRequest has no
// proxySettings).
type SiteUpdate struct {
	Name                 *string
	Description          *string
	Notes                *string
	OnDemand             *bool
	SplashtopAutoInstall *bool
}

// Ptr returns a pointer to v, for the optional fields of SiteUpdate.
func Ptr[T any](v T) *T { return &v }

// siteRequest is the body of POST /v2/site/{uid} (SiteRequest), sent whole.
type siteRequest struct {
	Name                 string `json:"name"`
	Description          string `json:"description"`
	Notes                string `json:"notes"`
	OnDemand             bool   `json:"onDemand"`
	SplashtopAutoInstall bool   `json:"splashtopAutoInstall"`
}

// ErrSiteExists is returned by Create when a site of that exact name
// already exists; Datto allows duplicates, mspsync does not make them.
var ErrSiteExists = errors.New("dattormm: a site with that name exists")

// FindByName returns the site named exactly name, or ErrNotFound.
func (s *SitesService) FindByName(ctx context.Context, name string) (*Site, error) {
	for site, err := range s.c.Account.Sites(ctx, &SiteListOptions{SiteName: name}) {
		if err != nil {
			return nil, err
		}
		if site.Name == name {
			return &site, nil
		}
	}
	return nil, fmt.Errorf("dattormm: site %q: %w", name, ErrNotFound)
}

// Create creates a site (PUT /v2/site). It first looks for a site of the
// same name and returns ErrSiteExists with it instead of a duplicate. A
// create that fails with a 5xx or a broken connection is not replayed.
func (s *SitesService) Create(ctx context.Context, req SiteRequest) (*Site, error) {
	if strings.TrimSpace(req.Name) == "" {
		return nil, errors.New("dattormm: a site needs a name")
	}
	if existing, err := s.FindByName(ctx, req.Name); err == nil {
		return existing, fmt.Errorf("%w: %q (%s)", ErrSiteExists, req.Name, existing.UID)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var v Site
	return &v, s.c.write(ctx, http.MethodPut, "v2/site", "site-create", req, httpx.ReplayUnsafe, &v)
}

// Update changes the fields of a site that u sets (POST
// /v2/site/{uid}). Whether Datto clears the fields a body omits is not
// documented, so the site is read first and every field of Datto's
// SiteRequest is sent: the current value where u leaves it nil. A site
// update does not touch the proxy.
func (s *SitesService) Update(ctx context.Context, siteUID string, u SiteUpdate) (*Site, error) {
	cur, err := s.Get(ctx, siteUID)
	if err != nil {
		return nil, err
	}
	req := siteRequest{Name: cur.Name, Description: cur.Description, Notes: cur.Notes,
		OnDemand: cur.OnDemand, SplashtopAutoInstall: cur.SplashtopAutoInstall}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&req.Name, u.Name)
	set(&req.Description, u.Description)
	set(&req.Notes, u.Notes)
	if u.OnDemand != nil {
		req.OnDemand = *u.OnDemand
	}
	if u.SplashtopAutoInstall != nil {
		req.SplashtopAutoInstall = *u.SplashtopAutoInstall
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, errors.New("dattormm: a site needs a name")
	}
	var v Site
	return &v, s.c.write(ctx, http.MethodPost, "v2/site/"+esc(siteUID), "site-update", req, httpx.ReplaySafe, &v)
}

// Devices iterates over a site's devices. Of opts only FilterID applies
// (the site route takes no other filter).
func (s *SitesService) Devices(ctx context.Context, siteUID string, opts *DeviceListOptions) iter.Seq2[Device, error] {
	return s.devices(siteUID, opts).all(ctx)
}

// DevicesPage returns one page of Devices: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *SitesService) DevicesPage(ctx context.Context, siteUID string, opts *DeviceListOptions, cursor string) (*Page[Device], error) {
	return s.devices(siteUID, opts).page(ctx, cursor)
}

func (s *SitesService) devices(siteUID string, opts *DeviceListOptions) list[Device] {
	var f any
	if opts != nil && opts.FilterID != 0 {
		f = map[string]string{"filterId": strconv.FormatInt(opts.FilterID, 10)}
	}
	return newList[Device](s.c, "v2/site/"+esc(siteUID)+"/devices", "devices", f)
}

// NetworkDevice is a device with its network interfaces, from a site's
// network-interface list.
type NetworkDevice struct {
	ID           int64      `json:"id"`
	UID          string     `json:"uid"`
	SiteID       int64      `json:"siteId"`
	SiteUID      string     `json:"siteUid"`
	SiteName     string     `json:"siteName"`
	DeviceType   DeviceType `json:"deviceType"`
	Hostname     string     `json:"hostname"`
	IntIPAddress string     `json:"intIpAddress"`
	ExtIPAddress string     `json:"extIpAddress"`
	NICs         []NIC      `json:"nics"`
}

// NetworkInterfaces iterates over a site's devices with their MAC addresses,
// far cheaper than one audit per device.
func (s *SitesService) NetworkInterfaces(ctx context.Context, siteUID string) iter.Seq2[NetworkDevice, error] {
	return newList[NetworkDevice](s.c, "v2/site/"+esc(siteUID)+"/devices/network-interface", "devices", nil).all(ctx)
}

// NetworkInterfacesPage returns one page of NetworkInterfaces: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *SitesService) NetworkInterfacesPage(ctx context.Context, siteUID string, cursor string) (*Page[NetworkDevice], error) {
	return newList[NetworkDevice](s.c, "v2/site/"+esc(siteUID)+"/devices/network-interface", "devices", nil).page(ctx, cursor)
}

// OpenAlerts iterates over a site's open alerts.
func (s *SitesService) OpenAlerts(ctx context.Context, siteUID string, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/site/"+esc(siteUID)+"/alerts/open", "alerts", opts).all(ctx)
}

// OpenAlertsPage returns one page of OpenAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *SitesService) OpenAlertsPage(ctx context.Context, siteUID string, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/site/"+esc(siteUID)+"/alerts/open", "alerts", opts).page(ctx, cursor)
}

// ResolvedAlerts iterates over a site's resolved alerts.
func (s *SitesService) ResolvedAlerts(ctx context.Context, siteUID string, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/site/"+esc(siteUID)+"/alerts/resolved", "alerts", opts).all(ctx)
}

// ResolvedAlertsPage returns one page of ResolvedAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *SitesService) ResolvedAlertsPage(ctx context.Context, siteUID string, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/site/"+esc(siteUID)+"/alerts/resolved", "alerts", opts).page(ctx, cursor)
}

// Variables iterates over a site's variables.
func (s *SitesService) Variables(ctx context.Context, siteUID string) iter.Seq2[Variable, error] {
	return newList[Variable](s.c, "v2/site/"+esc(siteUID)+"/variables", "variables", nil).all(ctx)
}

// VariablesPage returns one page of Variables: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *SitesService) VariablesPage(ctx context.Context, siteUID string, cursor string) (*Page[Variable], error) {
	return newList[Variable](s.c, "v2/site/"+esc(siteUID)+"/variables", "variables", nil).page(ctx, cursor)
}

// Settings returns a site's settings.
func (s *SitesService) Settings(ctx context.Context, siteUID string) (*SiteSettings, error) {
	var v SiteSettings
	return &v, s.c.get(ctx, "v2/site/"+esc(siteUID)+"/settings", &v)
}

// DevicesService reads devices and writes their UDFs and site.
type DevicesService service

// Get returns a device by UID.
func (s *DevicesService) Get(ctx context.Context, deviceUID string) (*Device, error) {
	var v Device
	return &v, s.c.get(ctx, "v2/device/"+esc(deviceUID), &v)
}

// GetByID returns a device by its numeric id.
func (s *DevicesService) GetByID(ctx context.Context, id int64) (*Device, error) {
	var v Device
	return &v, s.c.get(ctx, "v2/device/id/"+strconv.FormatInt(id, 10), &v)
}

var macJunk = regexp.MustCompile(`[^0-9A-Fa-f]`)

// NormalizeMAC returns a MAC address as 12 upper-case hex digits, the form
// Datto's lookups take, or "" when it is not one.
func NormalizeMAC(mac string) string {
	m := strings.ToUpper(macJunk.ReplaceAllString(mac, ""))
	if len(m) != 12 {
		return ""
	}
	return m
}

// ByMAC returns the devices with a MAC address (any common notation).
func (s *DevicesService) ByMAC(ctx context.Context, mac string) ([]Device, error) {
	m := NormalizeMAC(mac)
	if m == "" {
		return nil, fmt.Errorf("dattormm: %q is not a MAC address", mac)
	}
	var v []Device
	return v, s.c.get(ctx, "v2/device/macAddress/"+m, &v)
}

// MaxUDF is the highest UDF number (Datto RMM 14.9.0 and later).
const MaxUDF = 300

// MaxUDFLength is the longest UDF value accepted.
const MaxUDFLength = 255

// SetUDFs sets some of a device's UDFs (1-based number → value); the others
// keep their values. An empty value deletes the UDF. Safe to retry.
func (s *DevicesService) SetUDFs(ctx context.Context, deviceUID string, udfs map[int]string) error {
	body := map[string]string{}
	for n, v := range udfs {
		if n < 1 || n > MaxUDF {
			return fmt.Errorf("dattormm: UDF number %d out of range 1..%d", n, MaxUDF)
		}
		if len(v) > MaxUDFLength {
			return fmt.Errorf("dattormm: UDF %d value is %d characters; the limit is %d", n, len(v), MaxUDFLength)
		}
		body["udf"+strconv.Itoa(n)] = v
	}
	if len(body) == 0 {
		return nil
	}
	return s.c.write(ctx, http.MethodPost, "v2/device/"+esc(deviceUID)+"/udf", "device-udf-set", body, httpx.ReplaySafe, nil)
}

// Move moves a device to another site. Safe to retry.
func (s *DevicesService) Move(ctx context.Context, deviceUID, siteUID string) error {
	return s.c.write(ctx, http.MethodPut, "v2/device/"+esc(deviceUID)+"/site/"+esc(siteUID), "device-move", nil, httpx.ReplaySafe, nil)
}

// OpenAlerts iterates over a device's open alerts.
func (s *DevicesService) OpenAlerts(ctx context.Context, deviceUID string, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/device/"+esc(deviceUID)+"/alerts/open", "alerts", opts).all(ctx)
}

// OpenAlertsPage returns one page of OpenAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *DevicesService) OpenAlertsPage(ctx context.Context, deviceUID string, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/device/"+esc(deviceUID)+"/alerts/open", "alerts", opts).page(ctx, cursor)
}

// ResolvedAlerts iterates over a device's resolved alerts.
func (s *DevicesService) ResolvedAlerts(ctx context.Context, deviceUID string, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return newList[Alert](s.c, "v2/device/"+esc(deviceUID)+"/alerts/resolved", "alerts", opts).all(ctx)
}

// ResolvedAlertsPage returns one page of ResolvedAlerts: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *DevicesService) ResolvedAlertsPage(ctx context.Context, deviceUID string, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return newList[Alert](s.c, "v2/device/"+esc(deviceUID)+"/alerts/resolved", "alerts", opts).page(ctx, cursor)
}

// AlertsService reads and resolves alerts.
type AlertsService service

// ErrMutingRemoved is returned by Mute and Unmute: Datto RMM 8.9.0 removed
// muting; the routes remain but do nothing useful, so nothing is sent.
var ErrMutingRemoved = errors.New("dattormm: alerts can no longer be muted (removed in Datto RMM 8.9.0)")

// Get returns an alert. An unknown or purged UID (a 404, or a success with
// no alertUid) is an error matching ErrNotFound.
func (s *AlertsService) Get(ctx context.Context, alertUID string) (*Alert, error) {
	var v Alert
	path := "v2/alert/" + esc(alertUID)
	if err := s.c.get(ctx, path, &v); err != nil {
		return nil, err
	}
	if v.AlertUID == "" {
		return nil, &Error{Vendor: Vendor, Method: http.MethodGet, URL: s.c.eng.BaseURL().String() + path, StatusCode: http.StatusOK,
			Message: "alert not found (empty response)", Kind: ErrNotFound}
	}
	return &v, nil
}

// Resolve resolves an alert. Resolving is idempotent in intent: when Datto
// answers anything but success, 401 or 429, the alert is read back and an
// alert already resolved counts as success.
func (s *AlertsService) Resolve(ctx context.Context, alertUID string) error {
	err := s.c.write(ctx, http.MethodPost, "v2/alert/"+esc(alertUID)+"/resolve", "alert-resolve", nil, httpx.ReplaySafe, nil)
	if err == nil || errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrRateLimited) || ctx.Err() != nil {
		return err
	}
	if a, gerr := s.Get(ctx, alertUID); gerr == nil && a.Resolved {
		return nil
	}
	return err
}

// Mute does nothing and returns ErrMutingRemoved.
func (s *AlertsService) Mute(context.Context, string) error { return ErrMutingRemoved }

// Unmute does nothing and returns ErrMutingRemoved.
func (s *AlertsService) Unmute(context.Context, string) error { return ErrMutingRemoved }

// AuditService reads device audits.
type AuditService service

// Device returns the hardware audit of a device of class "device" (its
// serial number, manufacturer, model and NICs).
func (s *AuditService) Device(ctx context.Context, deviceUID string) (*DeviceAudit, error) {
	var v DeviceAudit
	return &v, s.c.get(ctx, "v2/audit/device/"+esc(deviceUID), &v)
}

// Software iterates over a device's installed software.
func (s *AuditService) Software(ctx context.Context, deviceUID string) iter.Seq2[Software, error] {
	return newList[Software](s.c, "v2/audit/device/"+esc(deviceUID)+"/software", "software", nil).all(ctx)
}

// SoftwarePage returns one page of Software: cursor "" is the first page,
// then each Page.Next; Next is "" on the last page.
func (s *AuditService) SoftwarePage(ctx context.Context, deviceUID string, cursor string) (*Page[Software], error) {
	return newList[Software](s.c, "v2/audit/device/"+esc(deviceUID)+"/software", "software", nil).page(ctx, cursor)
}

// SystemService reads the API's own status and limits.
type SystemService service

// Status returns the API status (no token needed).
func (s *SystemService) Status(ctx context.Context) (*SystemStatus, error) {
	var v SystemStatus
	_, err := s.c.eng.Do(ctx, httpx.Request{Path: "v2/system/status", NoAuth: true, Limiters: s.c.readLimits()}, &v)
	return &v, err
}

// RequestRate returns the account's rate budgets and their use.
func (s *SystemService) RequestRate(ctx context.Context) (*RateStatus, error) {
	var v RateStatus
	return &v, s.c.get(ctx, "v2/system/request_rate", &v)
}

// PaginationInfo is the account's page maximum.
type PaginationInfo struct {
	Max int `json:"max"`
}

// Pagination returns the account's page maximum.
func (s *SystemService) Pagination(ctx context.Context) (*PaginationInfo, error) {
	var v PaginationInfo
	return &v, s.c.get(ctx, "v2/system/pagination", &v)
}

// SyncRateLimit reads the account's real budgets (request_rate) and makes
// the client's limiters follow them: reads and writes at 80% of the
// reported limits over the reported window, each operation at 80% of its
// own. It returns what Datto reported. Limiters switched off with
// WithRateLimit(rate.Inf) stay off.
func (c *Client) SyncRateLimit(ctx context.Context) (*RateStatus, error) {
	st, err := c.System.RequestRate(ctx)
	if err != nil {
		return nil, err
	}
	if c.reads.Limit() == rate.Inf {
		return st, nil
	}
	window := float64(st.SlidingTimeWindowSizeSeconds)
	if window <= 0 {
		window = 60
	}
	per := func(n int64) rate.Limit { return rate.Limit(float64(n) * budgetShare / window) }
	if st.AccountRateLimit > 0 {
		c.reads.SetLimit(per(st.AccountRateLimit))
	}
	if st.AccountWriteRateLimit > 0 {
		c.writes.SetLimit(per(st.AccountWriteRateLimit))
	}
	ops := make([]string, 0, len(st.OperationWriteStatus))
	for op := range st.OperationWriteStatus {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		if lim := st.OperationWriteStatus[op].Limit; lim > 0 {
			c.opLimiter(op).SetLimit(per(lim))
		}
	}
	c.eng.Logger().Debug("dattormm: rate limits synced", "reads", st.AccountRateLimit, "writes", st.AccountWriteRateLimit, "window_s", window, "operations", len(ops))
	return st, nil
}
