package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/reconcile"
)

// Config is the program's configuration file (-config): the two staged
// switches, the import's reconcile config, the alerting config and the
// policy map.
//
//	{
//	  "send_devices": false,
//	  "send_alerts": false,
//	  "sync":   { reconcile.Config: group mappings, fields, matching },
//	  "alerts": { alerting.Config: customers, catch_all, ticket defaults },
//	  "policies": { "CPU usage": "31", "<template policy_id>": "32" }
//	}
//
// Both switches are off in a fresh config, as the integration stays
// disabled until the operator starts it: with send_devices off a run only
// plans (nothing is written to Halo); with send_alerts off no alert intake
// is served. "sync" left out is the built-in default for the tenant.
type Config struct {
	SendDevices bool                  `json:"send_devices"`
	SendAlerts  bool                  `json:"send_alerts"`
	Sync        *reconcile.Config     `json:"sync"`
	Alerts      alerting.Config       `json:"alerts"`
	Policies    leveldriver.PolicyMap `json:"policies,omitempty"`
}

// alertingConfig is the alerting config with the policy map applied (an
// unmapped policy opens no ticket once any policy is mapped).
func (c *Config) alertingConfig() alerting.Config {
	cfg := c.Alerts
	if len(c.Policies) > 0 {
		c.Policies.Apply(&cfg)
	}
	return cfg
}

// loadConfigFile reads a Config strictly: unknown keys are errors, and
// "sync" and "alerts" are checked by their packages (the key path of a bad
// value is in the error). defaultSync supplies "sync" when it is absent.
func loadConfigFile(path string, defaultSync func() (*reconcile.Config, error)) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return loadConfig(f, defaultSync)
}

func loadConfig(r io.Reader, defaultSync func() (*reconcile.Config, error)) (*Config, error) {
	var raw struct {
		SendDevices bool                  `json:"send_devices"`
		SendAlerts  bool                  `json:"send_alerts"`
		Sync        json.RawMessage       `json:"sync"`
		Alerts      json.RawMessage       `json:"alerts"`
		Policies    leveldriver.PolicyMap `json:"policies"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg := &Config{SendDevices: raw.SendDevices, SendAlerts: raw.SendAlerts, Policies: raw.Policies, Alerts: alerting.DefaultConfig()}
	var err error
	if len(raw.Sync) > 0 && string(raw.Sync) != "null" {
		if cfg.Sync, err = reconcile.LoadConfig(bytes.NewReader(raw.Sync)); err != nil {
			return nil, fmt.Errorf("config sync: %w", err)
		}
	} else if cfg.Sync, err = defaultSync(); err != nil {
		return nil, err
	}
	if len(raw.Alerts) > 0 && string(raw.Alerts) != "null" {
		a, err := alerting.LoadConfig(bytes.NewReader(raw.Alerts))
		if err != nil {
			return nil, fmt.Errorf("config alerts: %w", err)
		}
		cfg.Alerts = *a
	}
	if err := cfg.alertingConfig().Validate(); err != nil {
		return nil, fmt.Errorf("config alerts (with the policies): %w", err)
	}
	return cfg, nil
}
