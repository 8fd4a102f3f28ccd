package kaseyabms

import (
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	// EnvURL is the data center ("US", "EMEA", "APAC", "Vorex") or the
	// API base URL ("https://api.bmsemea.kaseya.com"); empty means US.
	EnvURL      = "BMS_URL"
	EnvTenant   = "BMS_TENANT"   // the company name, as BMS shows it
	EnvUsername = "BMS_USERNAME" // the API employee's user name
	EnvPassword = "BMS_PASSWORD" // and password
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from BMS_URL, BMS_TENANT, BMS_USERNAME and
// BMS_PASSWORD, then applies opts. Every missing variable is named in one
// *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	where := env.Optional(EnvURL)
	tenant, user, pass := env.Require(EnvTenant), env.Require(EnvUsername), env.Require(EnvPassword)
	if err := env.Err(); err != nil {
		return nil, err
	}
	first := []Option{WithCredentials(tenant, user, pass)}
	if where != "" {
		if _, err := RegionURL(Region(where)); err == nil {
			first = append(first, WithRegion(Region(where)))
		} else if strings.Contains(where, ".") {
			first = append(first, WithBaseURL(where))
		} else {
			first = append(first, WithRegion(Region(where))) // reports the unknown region
		}
	}
	return NewClient(append(first, opts...)...)
}
