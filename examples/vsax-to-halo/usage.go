package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `vsax-to-halo imports Kaseya VSA X organizations, sites and devices into
HaloPSA customers, sites and assets. It plans first (a table of what it
would create, update or deactivate, with the reason for each), then
applies the plan; a second run on an unchanged estate changes nothing.
Settings come from HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET
(HALO_AUTH_URL, HALO_TENANT optional), VSAX_URL, VSAX_TOKEN_ID and
VSAX_TOKEN_SECRET; -demo needs none.

Usage: vsax-to-halo [flags]

Examples:
  vsax-to-halo -demo                           # two imports and signed alerts on in-process fakes
  vsax-to-halo -dry-run -config sync.json      # plan with your config, write nothing

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
