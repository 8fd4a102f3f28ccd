package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mspsync/mspsync/config"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
)

// defaultConfig is this program's default visiononedriver.Config: the
// package's defaults written out (poll every 5 minutes, look back 4 hours
// on a first run, auto-match on, DefaultWatchlistFilter, risk events of
// DefaultRiskEventSeverities), no customer, and ticket_type and
// default_customer empty: they are Halo IDs of the tenant, with no
// default, and a run needs both.
func defaultConfig() visiononedriver.Config {
	return visiononedriver.Config{
		AutoMatch:           new(true),
		PollInterval:        visiononedriver.DefaultPollInterval.String(),
		FirstRunWindow:      visiononedriver.DefaultFirstRunWindow.String(),
		WatchlistFilter:     visiononedriver.DefaultWatchlistFilter,
		RiskEventSeverities: append([]string{}, visiononedriver.DefaultRiskEventSeverities...),
		Customers:           []visiononedriver.CustomerConfig{},
	}
}

// loadConfig reads the -config file over defaultConfig with config.LoadFile
// (strict: an unknown or repeated key, or a value of the wrong type, is
// an error naming its key path) and validates the result. The error
// names the file.
func loadConfig(path string) (*visiononedriver.Config, error) {
	cfg := defaultConfig()
	if err := config.LoadFile(path, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cfg, nil
}

// printConfig is -print-config outside -demo: the effective config, the
// -config file over the defaults or the defaults alone, as indented JSON.
// It needs no settings. The file is checked as a run checks it, except
// that ticket_type and default_customer may still be empty (the defaults
// leave them so): those are named on stderr as what a run still needs.
func printConfig(path string, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "visionone-to-halo: -print-config:", err)
		return code
	}
	cfg := defaultConfig()
	if path != "" {
		if err := config.LoadFile(path, &cfg); err != nil {
			return fail(2, err)
		}
	}
	check, unset := cfg, []string(nil)
	if strings.TrimSpace(check.TicketType) == "" {
		check.TicketType, unset = "unset", append(unset, "ticket_type (the Halo ticket type ID)")
	}
	if strings.TrimSpace(check.DefaultCustomer) == "" {
		check.DefaultCustomer, unset = "unset", append(unset, "default_customer (the Halo customer ID of unmatched customers)")
	}
	if err := check.Validate(); err != nil {
		if path != "" {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return fail(2, err)
	}
	if err := writeJSON(stdout, cfg); err != nil {
		return fail(1, err)
	}
	if len(unset) > 0 {
		fmt.Fprintln(stderr, "visionone-to-halo: a run also needs", strings.Join(unset, " and "))
	}
	return 0
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
