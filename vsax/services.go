package vsax

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
)

// EnvironmentService reads the instance's environment.
type EnvironmentService service

// Get reads GET /environment: product version, customer and license. A
// 401 or 403 says what to fix in the token.
func (s *EnvironmentService) Get(ctx context.Context) (Environment, error) {
	var env Environment
	err := s.c.get(ctx, "environment", &env)
	return env, err
}

// OrganizationsService reads organizations.
type OrganizationsService service

// All lists organizations (GET /organizations).
func (s *OrganizationsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Organization, error] {
	return newList[Organization](s.c, "organizations", opts).all(ctx)
}

// ListPage reads one page of organizations.
func (s *OrganizationsService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Organization], error) {
	return newList[Organization](s.c, "organizations", opts).page(ctx, cursor)
}

// Get reads one organization.
func (s *OrganizationsService) Get(ctx context.Context, orgID int64) (Organization, error) {
	var o Organization
	err := s.c.get(ctx, "organizations/"+id(orgID), &o)
	return o, err
}

// CustomFields reads an organization's custom field values.
func (s *OrganizationsService) CustomFields(ctx context.Context, orgID int64) ([]CustomFieldValue, error) {
	var v []CustomFieldValue
	err := s.c.get(ctx, "organizations/"+id(orgID)+"/customfields", &v)
	return v, err
}

// SitesService reads sites.
type SitesService service

// All lists sites (GET /sites); ParentID is the organization.
func (s *SitesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Site, error] {
	return newList[Site](s.c, "sites", opts).all(ctx)
}

// ListPage reads one page of sites.
func (s *SitesService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Site], error) {
	return newList[Site](s.c, "sites", opts).page(ctx, cursor)
}

// Get reads one site.
func (s *SitesService) Get(ctx context.Context, siteID int64) (Site, error) {
	var v Site
	err := s.c.get(ctx, "sites/"+id(siteID), &v)
	return v, err
}

// CustomFields reads a site's custom field values.
func (s *SitesService) CustomFields(ctx context.Context, siteID int64) ([]CustomFieldValue, error) {
	var v []CustomFieldValue
	err := s.c.get(ctx, "sites/"+id(siteID)+"/customfields", &v)
	return v, err
}

// GroupsService reads groups.
type GroupsService service

// All lists groups (GET /groups).
func (s *GroupsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Group, error] {
	return newList[Group](s.c, "groups", opts).all(ctx)
}

// ListPage reads one page of groups.
func (s *GroupsService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Group], error) {
	return newList[Group](s.c, "groups", opts).page(ctx, cursor)
}

// Get reads one group (with its Packages).
func (s *GroupsService) Get(ctx context.Context, groupID int64) (Group, error) {
	var v Group
	err := s.c.get(ctx, "groups/"+id(groupID), &v)
	return v, err
}

// CustomFields reads a group's custom field values.
func (s *GroupsService) CustomFields(ctx context.Context, groupID int64) ([]CustomFieldValue, error) {
	var v []CustomFieldValue
	err := s.c.get(ctx, "groups/"+id(groupID)+"/customfields", &v)
	return v, err
}

// DevicesService reads devices.
type DevicesService service

// All lists devices (GET /devices): hierarchy only, no OS or addresses.
func (s *DevicesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Device, error] {
	return newList[Device](s.c, "devices", opts).all(ctx)
}

// ListPage reads one page of devices.
func (s *DevicesService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Device], error) {
	return newList[Device](s.c, "devices", opts).page(ctx, cursor)
}

// Get reads one device's detail by its Identifier.
func (s *DevicesService) Get(ctx context.Context, identifier string) (Device, error) {
	var v Device
	err := s.c.get(ctx, "devices/"+esc(identifier), &v)
	return v, err
}

// CustomFields reads a device's custom field values.
func (s *DevicesService) CustomFields(ctx context.Context, identifier string) ([]CustomFieldValue, error) {
	var v []CustomFieldValue
	err := s.c.get(ctx, "devices/"+esc(identifier)+"/customfields", &v)
	return v, err
}

// Notifications lists a device's notifications (GET
// /devices/{id}/notifications).
func (s *DevicesService) Notifications(ctx context.Context, identifier string, opts *ListOptions) iter.Seq2[Notification, error] {
	return newList[Notification](s.c, "devices/"+esc(identifier)+"/notifications", opts).all(ctx)
}

// NotificationsPage reads one page of a device's notifications.
func (s *DevicesService) NotificationsPage(ctx context.Context, identifier string, opts *ListOptions, cursor string) (*Page[Notification], error) {
	return newList[Notification](s.c, "devices/"+esc(identifier)+"/notifications", opts).page(ctx, cursor)
}

// AssetsService reads asset inventory.
type AssetsService service

// All lists assets (GET /assets): serial, OS, addresses, last seen.
func (s *AssetsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Asset, error] {
	return newList[Asset](s.c, "assets", opts).all(ctx)
}

// ListPage reads one page of assets.
func (s *AssetsService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Asset], error) {
	return newList[Asset](s.c, "assets", opts).page(ctx, cursor)
}

// Get reads one device's asset record by its Identifier.
func (s *AssetsService) Get(ctx context.Context, identifier string) (Asset, error) {
	var v Asset
	err := s.c.get(ctx, "assets/"+esc(identifier), &v)
	return v, err
}

// NotificationsService reads and deletes notifications.
type NotificationsService service

// All lists notifications (GET /notifications; no device in the list).
func (s *NotificationsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Notification, error] {
	return newList[Notification](s.c, "notifications", opts).all(ctx)
}

// ListPage reads one page of notifications.
func (s *NotificationsService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Notification], error) {
	return newList[Notification](s.c, "notifications", opts).page(ctx, cursor)
}

// Get reads one notification with its ComputerIdentifier.
func (s *NotificationsService) Get(ctx context.Context, notificationID int64) (Notification, error) {
	var v Notification
	err := s.c.get(ctx, "notifications/"+id(notificationID), &v)
	return v, err
}

// Delete deletes a notification (VSA X's only notification lifecycle
// action: there is no resolve).
func (s *NotificationsService) Delete(ctx context.Context, notificationID int64) error {
	return s.c.do(ctx, httpx.Request{Method: http.MethodDelete, Path: "notifications/" + id(notificationID)}, nil)
}

// WebhooksService manages notification webhooks.
type WebhooksService service

// All lists notification webhooks (GET /notifications/webhooks). Their
// SecretKey is never included.
func (s *WebhooksService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Webhook, error] {
	return newList[Webhook](s.c, "notifications/webhooks", opts).all(ctx)
}

// ListPage reads one page of notification webhooks.
func (s *WebhooksService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Webhook], error) {
	return newList[Webhook](s.c, "notifications/webhooks", opts).page(ctx, cursor)
}

// Get reads one webhook (without its SecretKey).
func (s *WebhooksService) Get(ctx context.Context, webhookID int64) (Webhook, error) {
	var v Webhook
	err := s.c.get(ctx, "notifications/webhooks/"+id(webhookID), &v)
	return v, err
}

// Create registers a webhook. The answer's SecretKey is shown this once
// and can never be read again: keep it (or call RegenerateSecret). A
// create is never replayed after it may have reached VSA X.
func (s *WebhooksService) Create(ctx context.Context, req WebhookRequest) (Webhook, error) {
	var v Webhook
	err := s.c.do(ctx, httpx.Request{Method: http.MethodPost, Path: "notifications/webhooks", Body: req, Replay: httpx.ReplayUnsafe}, &v)
	return v, err
}

// Update replaces a webhook's settings (PUT; the secret is kept).
func (s *WebhooksService) Update(ctx context.Context, webhookID int64, req WebhookRequest) (Webhook, error) {
	var v Webhook
	err := s.c.do(ctx, httpx.Request{Method: http.MethodPut, Path: "notifications/webhooks/" + id(webhookID), Body: req}, &v)
	return v, err
}

// Delete removes a webhook.
func (s *WebhooksService) Delete(ctx context.Context, webhookID int64) error {
	return s.c.do(ctx, httpx.Request{Method: http.MethodDelete, Path: "notifications/webhooks/" + id(webhookID)}, nil)
}

// RegenerateSecret issues a new secret for a webhook and returns it; the
// old one stops working. Like Create's, the secret is shown only here. A
// replay only issues another fresh secret, so it is replay-safe.
func (s *WebhooksService) RegenerateSecret(ctx context.Context, webhookID int64) (string, error) {
	var v struct {
		SecretKey string `json:"SecretKey"`
	}
	err := s.c.do(ctx, httpx.Request{Method: http.MethodPost, Path: "notifications/webhooks/" + id(webhookID) + "/regenerateSecretKey",
		Body: []byte{}, Replay: httpx.ReplaySafe}, &v)
	return v.SecretKey, err
}

// CustomFieldsService reads custom field definitions.
type CustomFieldsService service

// All lists custom field definitions (GET /customFields).
func (s *CustomFieldsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[CustomField, error] {
	return newList[CustomField](s.c, "customFields", opts).all(ctx)
}

// ListPage reads one page of custom field definitions.
func (s *CustomFieldsService) ListPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[CustomField], error) {
	return newList[CustomField](s.c, "customFields", opts).page(ctx, cursor)
}

// Get reads one custom field definition.
func (s *CustomFieldsService) Get(ctx context.Context, fieldID int64) (CustomField, error) {
	var v CustomField
	err := s.c.get(ctx, "customFields/"+id(fieldID), &v)
	return v, err
}

// PingInfo is what Ping learned about the instance.
type PingInfo struct {
	BaseURL        string        // the API base URL, ending in /api/v3/
	CustomerID     string        // the instance ("acme.vsax.net")
	CustomerName   string        // who it belongs to
	ProductVersion string        // with the server region
	ServerType     string        // "SaaS" or "On-Prem"
	LicenseExpires time.Time     // zero when VSA X did not say
	DevicesInUse   int           // licensed devices in use (-1: not said)
	DevicesLimit   int           // and the limit (-1: not said)
	Latency        time.Duration // how long GET /environment took
}

// String is a one-line summary: `VSA X https://acme.vsax.net/api/v3/ ok:
// "Acme" (acme.vsax.net), 10.4.1 build 123, SaaS, devices 1477/10000,
// license until 2027-12-01, 85ms`.
func (p *PingInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "VSA X %s ok", p.BaseURL)
	sep := ": "
	add := func(format string, args ...any) {
		b.WriteString(sep)
		fmt.Fprintf(&b, format, args...)
		sep = ", "
	}
	switch {
	case p.CustomerName != "" && p.CustomerID != "":
		add("%q (%s)", p.CustomerName, p.CustomerID)
	case p.CustomerName != "":
		add("%q", p.CustomerName)
	case p.CustomerID != "":
		add("%s", p.CustomerID)
	}
	if p.ProductVersion != "" {
		add("%s", p.ProductVersion)
	}
	if p.ServerType != "" {
		add("%s", p.ServerType)
	}
	if p.DevicesInUse >= 0 && p.DevicesLimit >= 0 {
		add("devices %d/%d", p.DevicesInUse, p.DevicesLimit)
	}
	if !p.LicenseExpires.IsZero() {
		add("license until %s", p.LicenseExpires.Format(time.DateOnly))
	}
	add("%s", p.Latency.Round(time.Millisecond))
	return b.String()
}

// Ping checks the instance URL and the token with one GET /environment
// and returns what it learned. A 401 or 403 is not retried and its error
// says what to fix in the token.
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	start := time.Now()
	env, err := c.Environment.Get(ctx)
	if err != nil {
		return nil, err
	}
	p := &PingInfo{BaseURL: c.BaseURL(), CustomerID: env.CustomerID, CustomerName: env.CustomerName,
		ProductVersion: env.ProductVersion, ServerType: env.ServerType, DevicesInUse: -1, DevicesLimit: -1, Latency: time.Since(start)}
	if l := env.License; l != nil {
		p.LicenseExpires = l.ExpirationDate.Time
		if l.Devices != nil {
			p.DevicesInUse, p.DevicesLimit = l.Devices.TotalInUse, l.Devices.Limit
		}
	}
	return p, nil
}
