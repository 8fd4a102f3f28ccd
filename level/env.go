package level

import (
	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// The environment variables FromEnv reads.
const (
	EnvAPIKey = "LEVEL_API_KEY" // the API key (Settings → API)
	EnvURL    = "LEVEL_URL"     // optional: another API root than DefaultBaseURL
	EnvAPIURL = "LEVEL_API_URL" // optional: the same, under the name the examples use; LEVEL_URL wins
)

// SettingsError names the settings FromEnv found missing; it matches
// ErrMissingSetting.
type SettingsError = mspsync.SettingsError

// ErrMissingSetting matches the error of FromEnv when settings are
// missing.
var ErrMissingSetting = mspsync.ErrMissingSetting

// FromEnv builds a client from LEVEL_API_KEY and the optional LEVEL_URL
// (or LEVEL_API_URL), then applies opts. A missing key is named in a
// *SettingsError.
func FromEnv(opts ...Option) (*Client, error) {
	env := httpx.NewEnv(Vendor)
	key := env.Require(EnvAPIKey)
	if err := env.Err(); err != nil {
		return nil, err
	}
	base := []Option{WithAPIKey(key)}
	u := env.Optional(EnvURL)
	if u == "" {
		u = env.Optional(EnvAPIURL)
	}
	if u != "" {
		base = append(base, WithBaseURL(u))
	}
	return NewClient(append(base, opts...)...)
}
