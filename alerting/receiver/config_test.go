package receiver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/config"
)

func TestConfigMergesOverDefaults(t *testing.T) {
	c := receiver.DefaultConfig()
	if c.Limits() != receiver.DefaultLimits() {
		t.Fatalf("DefaultConfig().Limits() = %+v, want %+v", c.Limits(), receiver.DefaultLimits())
	}
	if err := config.Decode(strings.NewReader(`{"read_timeout":"45s","max_body_bytes":1048576}`), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := receiver.DefaultLimits()
	want.ReadTimeout, want.MaxBodyBytes = 45*time.Second, 1<<20
	if got := c.Limits(); got != want {
		t.Errorf("limits = %+v\nwant     %+v", got, want)
	}
	// 0 takes the default.
	c = receiver.Config{}
	if c.Limits() != receiver.DefaultLimits() {
		t.Errorf("zero Config gives %+v", c.Limits())
	}
}

func TestConfigRefusesUnknownKeysAndNegatives(t *testing.T) {
	c := receiver.DefaultConfig()
	err := config.Decode(strings.NewReader(`{"read_timout":"45s"}`), &c)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "read_timout" || !strings.Contains(ce.Problem, `did you mean "read_timeout"`) {
		t.Errorf("unknown key: %v", err)
	}
	if c != receiver.DefaultConfig() {
		t.Errorf("a refused document changed the config: %+v", c)
	}
	if err := config.Decode(strings.NewReader(`{"max_in_flight":-1,"idle_timeout":"-1s"}`), &c); err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "config idle_timeout: must not be negative") ||
		!strings.Contains(err.Error(), "config max_in_flight: must not be negative") {
		t.Errorf("Validate = %v", err)
	}
}
