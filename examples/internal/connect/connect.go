// Package connect builds the HaloPSA and Datto RMM clients of the example
// programs from the environment, naming every missing setting at once.
package connect

import (
	"log/slog"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/internal/cli"
)

// SettingsError is a missing or invalid setting; the examples exit 2 on it.
type SettingsError struct{ Err error }

// Error returns the cause's text.
func (e *SettingsError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *SettingsError) Unwrap() error { return e.Err }

// Clients reads HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, DATTO_API_URL, DATTO_API_KEY and
// DATTO_API_SECRET, and the extra required variables, whose values it
// returns by name.
func Clients(logger *slog.Logger, extra ...string) (*halo.Client, *dattormm.Client, map[string]string, error) {
	env := cli.NewSettings()
	vals := map[string]string{}
	for _, k := range extra {
		vals[k] = env.Require(k)
	}
	haloURL, haloID, haloSecret := env.Require("HALO_URL"), env.Require("HALO_CLIENT_ID"), env.Require("HALO_CLIENT_SECRET")
	dattoURL, dattoKey, dattoSecret := env.Require("DATTO_API_URL"), env.Require("DATTO_API_KEY"), env.Require("DATTO_API_SECRET")
	if err := env.Err(); err != nil {
		return nil, nil, nil, &SettingsError{err}
	}
	hopts := []halo.Option{halo.WithClientCredentials(haloID, haloSecret), halo.WithTenant(env.Optional("HALO_TENANT", "")), halo.WithLogger(logger)}
	if u := env.Optional("HALO_AUTH_URL", ""); u != "" {
		hopts = append(hopts, halo.WithAuthURL(u))
	}
	hc, err := halo.NewClient(haloURL, hopts...)
	if err != nil {
		return nil, nil, nil, &SettingsError{err}
	}
	dc, err := dattormm.NewClient(dattoURL, dattormm.WithAPIKey(dattoKey, dattoSecret), dattormm.WithLogger(logger))
	if err != nil {
		return nil, nil, nil, &SettingsError{err}
	}
	return hc, dc, vals, nil
}
