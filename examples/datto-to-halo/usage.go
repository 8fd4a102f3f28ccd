package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `datto-to-halo imports Datto RMM sites and devices into HaloPSA customers,
sites and assets. It plans first (a table of what it would create, update
or deactivate, with the reason for each), then applies the plan; a second
run on an unchanged estate changes nothing. Settings come from HALO_URL,
HALO_CLIENT_ID, HALO_CLIENT_SECRET (HALO_AUTH_URL, HALO_TENANT optional),
DATTO_API_URL, DATTO_API_KEY and DATTO_API_SECRET; -demo needs none.

Usage: datto-to-halo [flags]

Examples:
  datto-to-halo -demo                          # two runs on in-process fakes, no credentials
  datto-to-halo -dry-run -config sync.json     # plan with your config, write nothing

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
