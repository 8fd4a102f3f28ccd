package dattormm_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

func TestFromEnvNamesEveryMissingSetting(t *testing.T) {
	for _, k := range []string{dattormm.EnvAPIURL, dattormm.EnvAPIKey, dattormm.EnvAPISecret} {
		t.Setenv(k, "")
	}
	_, err := dattormm.FromEnv()
	var se *dattormm.SettingsError
	if !errors.As(err, &se) || !errors.Is(err, dattormm.ErrMissingSetting) || len(se.Missing) != 3 || !slices.Contains(se.Missing, dattormm.EnvAPISecret) {
		t.Fatalf("err = %v; want all three settings named", err)
	}
	srv := dattormmtest.NewServer(t)
	t.Setenv(dattormm.EnvAPIURL, srv.URL())
	t.Setenv(dattormm.EnvAPIKey, dattormmtest.DefaultAPIKey)
	t.Setenv(dattormm.EnvAPISecret, dattormmtest.DefaultAPISecret)
	c, err := dattormm.FromEnv(dattormm.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Account.Get(t.Context()); err != nil {
		t.Errorf("a request with the settings from the environment: %v", err)
	}
}
