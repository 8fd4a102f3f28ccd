package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `visionone-to-halo turns Trend Vision One alerts of several managed
customers into HaloPSA tickets: workbench alerts, new high-risk users and
devices and newly discovered watchlisted assets are polled per customer
(each with its own region and API key), risk events arrive as notification
webhooks (-listen), each customer's tickets go to its mapped or
auto-matched Halo customer (else the default one), and closing a workbench
alert's ticket in Halo closes the alert in Vision One. Settings come from
HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET (HALO_AUTH_URL, HALO_TENANT
optional) and the API key variable each customer names in -config; -demo
and -print-config need none.

Usage: visionone-to-halo [flags]

Examples:
  visionone-to-halo -demo                          # three customers on in-process fakes, no credentials
  visionone-to-halo -config v1.json -mappings      # which Halo customer each Vision One customer's tickets go to

Flags:
`

// usage prints the description, two examples and the flags of fs (its
// Usage).
func usage(fs *flag.FlagSet) {
	fmt.Fprint(fs.Output(), usageText)
	fs.PrintDefaults()
}
