package visionone

import (
	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	EnvAPIKey = "VISIONONE_API_KEY" // the API key (Administration > API Keys)
	EnvRegion = "VISIONONE_REGION"  // optional: us (default), eu, jp, sg, au, in, mea, uk, ca, za, usgov
	EnvURL    = "VISIONONE_URL"     // optional: another API host; wins over VISIONONE_REGION
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from VISIONONE_API_KEY and the optional
// VISIONONE_REGION or VISIONONE_URL, then applies opts. A missing key is
// named in a *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	key := env.Require(EnvAPIKey)
	if err := env.Err(); err != nil {
		return nil, err
	}
	base := []Option{WithAPIKey(key)}
	if u := env.Optional(EnvURL); u != "" {
		base = append(base, WithBaseURL(u))
	} else if r := env.Optional(EnvRegion); r != "" {
		base = append(base, WithRegion(Region(r)))
	}
	return NewClient(append(base, opts...)...)
}
