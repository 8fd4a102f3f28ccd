package halo_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

func TestFromEnvNamesEveryMissingSetting(t *testing.T) {
	for _, k := range []string{halo.EnvURL, halo.EnvClientID, halo.EnvClientSecret, halo.EnvTenant, halo.EnvAuthURL} {
		t.Setenv(k, "")
	}
	t.Setenv(halo.EnvClientID, "id-1")
	_, err := halo.FromEnv()
	var se *halo.SettingsError
	if !errors.As(err, &se) || !errors.Is(err, halo.ErrMissingSetting) || !slices.Equal(se.Missing, []string{halo.EnvURL, halo.EnvClientSecret}) {
		t.Fatalf("err = %v; want both missing settings named", err)
	}
	srv := halotest.NewServer(t)
	t.Setenv(halo.EnvURL, srv.URL())
	t.Setenv(halo.EnvClientID, srv.ClientID)
	t.Setenv(halo.EnvClientSecret, srv.ClientSecret)
	t.Setenv(halo.EnvTenant, srv.Tenant)
	c, err := halo.FromEnv(halo.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clients.Get(t.Context(), 1); !errors.Is(err, halo.ErrNotFound) {
		t.Errorf("a request with the settings from the environment: %v; want an authorised 404", err)
	}
}
