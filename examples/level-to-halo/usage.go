package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `level-to-halo imports Level devices into HaloPSA assets, each on the
customer (and site) its nearest mapped ancestor group is mapped to in the
config's sites.mappings; devices under no mapped group are skipped. It
plans first (a table of what it would create, update or deactivate, with
the reason for each), then applies the plan; a second run changes nothing.
Settings come from HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET
(HALO_AUTH_URL, HALO_TENANT optional), LEVEL_API_KEY (LEVEL_API_URL
optional); -demo needs none.

Usage: level-to-halo [flags]

Examples:
  level-to-halo -demo                          # a nested group tree imported twice on in-process fakes
  level-to-halo -dry-run -config sync.json     # plan with your group mappings, write nothing

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
