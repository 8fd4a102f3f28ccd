package kaseyabms

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// UserInfo is UserInfoOutputDto: who the API user is.
type UserInfo struct {
	UserID            int    `json:"UserId"`
	FullName          string `json:"FullName"`
	EmailAddress      string `json:"EmailAddress"`
	TenantID          int    `json:"TenantId"`
	BusinessName      string `json:"BusinessName"`
	AccountID         int    `json:"AccountId"`
	TimeZoneName      string `json:"TimeZoneName"`
	CurrencyCode      string `json:"CurrencyCode"`
	CultureCode       string `json:"CultureCode"`
	ProductName       string `json:"ProductName"`
	IsUserSystemAdmin bool   `json:"IsUserSystemAdmin"`
}

// PingInfo is what the connection check learnt: where the client is
// connected and as whom.
type PingInfo struct {
	BaseURL  string // the API base URL
	Tenant   string // the configured tenant (company) name
	TenantID int    // BMS's id of the tenant
	Business string // the tenant's business name, as BMS shows it
	UserID   int
	User     string // the API employee's full name
	Email    string
	Admin    bool   // the user is a system administrator
	Product  string // "BMS", "Vorex", …
	TimeZone string
}

// String is a one-line summary:
// "kaseyabms https://api.bms.kaseya.com/: tenant "Acme MSP" (id 7), user API Bot <api@acme.example> (id 12)".
func (p PingInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: tenant %q", Vendor, p.BaseURL, p.Tenant)
	if p.TenantID != 0 {
		fmt.Fprintf(&b, " (id %d)", p.TenantID)
	}
	if p.Business != "" && !strings.EqualFold(p.Business, p.Tenant) {
		fmt.Fprintf(&b, " %q", p.Business)
	}
	user := strings.TrimSpace(p.User)
	if user == "" {
		user = "?"
	}
	fmt.Fprintf(&b, ", user %s", user)
	if p.Email != "" {
		fmt.Fprintf(&b, " <%s>", p.Email)
	}
	fmt.Fprintf(&b, " (id %d)", p.UserID)
	if p.Admin {
		b.WriteString(", system administrator")
	}
	if p.Product != "" {
		fmt.Fprintf(&b, ", %s", p.Product)
	}
	return b.String()
}

var epUserInfo = endpoint{http.MethodGet, "v2/security/userinfo"}

// UserInfo reads the API user's details (GET /v2/security/userinfo).
func (c *Client) UserInfo(ctx context.Context) (*UserInfo, error) {
	var out UserInfo
	if err := c.get(ctx, epUserInfo, epUserInfo.path(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ping checks the connection: it authenticates (if no token is held) and
// reads GET /v2/security/userinfo, "if the information entered is
// correct". Wrong credentials give an error matching ErrUnauthorized that
// says what to check.
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	u, err := c.UserInfo(ctx)
	if err != nil {
		return nil, err
	}
	return &PingInfo{BaseURL: c.BaseURL(), Tenant: c.cfg.tenant, TenantID: u.TenantID, Business: u.BusinessName,
		UserID: u.UserID, User: u.FullName, Email: u.EmailAddress, Admin: u.IsUserSystemAdmin, Product: u.ProductName,
		TimeZone: u.TimeZoneName}, nil
}
