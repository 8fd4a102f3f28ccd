package dattormm

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// PingInfo is what Ping learned about the account.
type PingInfo struct {
	// URL is the API root the client talks to.
	URL string `json:"url"`
	// Platform is the platform of the API host ("merlot"), "" for another
	// host (a proxy, a fake).
	Platform string `json:"platform,omitempty"`
	// AccountUID, AccountName and Devices describe the account the API key
	// belongs to.
	AccountUID  string `json:"account_uid"`
	AccountName string `json:"account_name"`
	Devices     int64  `json:"devices"`
	// APIVersion is the version GET /v2/system/status reports, "" when
	// that read failed (it is informative only).
	APIVersion string `json:"api_version,omitempty"`
}

// String renders the one-line summary a connection check prints:
// `account "Acme MSP" (uid a1b2), 412 devices, platform merlot, API 10.4.2`.
func (p *PingInfo) String() string {
	s := fmt.Sprintf("account %q (uid %s), %d devices", p.AccountName, p.AccountUID, p.Devices)
	if p.Platform != "" {
		s += ", platform " + p.Platform
	} else {
		s += ", " + p.URL
	}
	if p.APIVersion != "" {
		s += ", API " + p.APIVersion
	}
	return s
}

// Ping checks the connection: it obtains a token (the API key and secret
// are right, the platform is the account's) and reads the account (one
// request), then asks the API's status for its version (one anonymous
// request, whose failure is not an error). It returns what it learned, or
// the first error, an *Error naming the request, the host and the cause
// (ErrUnauthorized for a wrong key or platform).
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	acct, err := c.Account.Get(ctx)
	if err != nil {
		return nil, err
	}
	info := &PingInfo{URL: c.cfg.apiURL, AccountUID: acct.UID, AccountName: acct.Name, Devices: acct.DevicesStatus.NumberOfDevices}
	if u, err := url.Parse(c.cfg.apiURL); err == nil {
		if p, ok := strings.CutSuffix(strings.ToLower(u.Hostname()), "-api.centrastage.net"); ok {
			info.Platform = p
		}
	}
	if st, err := c.System.Status(ctx); err == nil {
		info.APIVersion = st.Version
	}
	return info, nil
}
