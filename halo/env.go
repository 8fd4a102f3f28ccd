package halo

import (
	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	EnvURL          = "HALO_URL"           // the instance, e.g. https://acme.halopsa.com
	EnvAuthURL      = "HALO_AUTH_URL"      // optional: the auth server, when not <HALO_URL>/auth
	EnvTenant       = "HALO_TENANT"        // optional: the hosted tenant name
	EnvClientID     = "HALO_CLIENT_ID"     // the API application's client ID
	EnvClientSecret = "HALO_CLIENT_SECRET" // and its secret
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from HALO_URL, HALO_CLIENT_ID,
// HALO_CLIENT_SECRET and the optional HALO_TENANT and HALO_AUTH_URL, then
// applies opts. Every missing variable is named in one *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	url, id, secret := env.Require(EnvURL), env.Require(EnvClientID), env.Require(EnvClientSecret)
	if err := env.Err(); err != nil {
		return nil, err
	}
	base := []Option{WithClientCredentials(id, secret), WithTenant(env.Optional(EnvTenant))}
	if u := env.Optional(EnvAuthURL); u != "" {
		base = append(base, WithAuthURL(u))
	}
	return NewClient(url, append(base, opts...)...)
}
