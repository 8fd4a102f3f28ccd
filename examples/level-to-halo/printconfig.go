package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/reconcile"
)

// printConfig is -print-config outside -demo. It needs no credentials:
// with -config it prints that file merged over reconcile's defaults (and
// checked); without, it prints the default config, fitted to the Halo
// tenant (its first asset group, the asset fields it has) when the HALO_*
// settings are present, else as it stands before that fitting, which is
// said on stderr.
func printConfig(ctx context.Context, o options, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "level-to-halo: -print-config:", err)
		return code
	}
	var cfg *reconcile.Config
	var err error
	switch {
	case o.configPath != "":
		cfg, err = reconcile.LoadConfigFile(o.configPath)
	default:
		hc, herr := halo.FromEnv()
		if herr != nil {
			fmt.Fprintln(stderr, "level-to-halo: no HALO_* settings: the default config before it is fitted to a tenant "+
				"(asset_types.new_type_group_id and the optional field mappings follow the tenant's asset groups and fields)")
			cfg = DefaultConfig(0, func(string) bool { return true })
			break
		}
		cfg, err = loadDefaultConfig(ctx, hc)
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	if err := writeJSON(stdout, cfg); err != nil {
		return fail(exitFailed, err)
	}
	return exitOK
}
