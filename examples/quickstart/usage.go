package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `quickstart checks the connections to Datto RMM and HaloPSA and prints each
Datto site with its device count and each Halo customer with its asset
count: the first thing to run, to see that the credentials work and what
there is to match before an import. It only reads. Settings come from
HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET (HALO_AUTH_URL, HALO_TENANT
optional), DATTO_API_URL, DATTO_API_KEY and DATTO_API_SECRET; -demo needs
none.

Usage: quickstart [flags]

Examples:
  quickstart -demo                             # in-process fakes, no credentials
  quickstart -json                             # your tenants, as JSON

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
