package vsax

import (
	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	EnvURL         = "VSAX_URL"          // the instance, e.g. https://acme.vsax.net
	EnvTokenID     = "VSAX_TOKEN_ID"     // the API token's ID
	EnvTokenSecret = "VSAX_TOKEN_SECRET" // and its secret
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from VSAX_URL, VSAX_TOKEN_ID and
// VSAX_TOKEN_SECRET, then applies opts. Every missing variable is named in
// one *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	u, id, secret := env.Require(EnvURL), env.Require(EnvTokenID), env.Require(EnvTokenSecret)
	if err := env.Err(); err != nil {
		return nil, err
	}
	return NewClient(u, append([]Option{WithTokenAuth(id, secret)}, opts...)...)
}
