package dattormm

import (
	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	EnvAPIURL    = "DATTO_API_URL"    // the account's API URL, e.g. https://merlot-api.centrastage.net
	EnvAPIKey    = "DATTO_API_KEY"    // the API user's key
	EnvAPISecret = "DATTO_API_SECRET" // and its secret
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from DATTO_API_URL, DATTO_API_KEY and
// DATTO_API_SECRET, then applies opts. Every missing variable is named in
// one *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	url, key, secret := env.Require(EnvAPIURL), env.Require(EnvAPIKey), env.Require(EnvAPISecret)
	if err := env.Err(); err != nil {
		return nil, err
	}
	return NewClient(url, append([]Option{WithAPIKey(key, secret)}, opts...)...)
}
