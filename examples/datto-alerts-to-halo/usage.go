package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `datto-alerts-to-halo is a webhook receiver that turns Datto RMM monitor
alerts into HaloPSA tickets and keeps resolution in step both ways: a
resolved alert closes (or notes) its ticket, a ticket closed in Halo
resolves its alerts in Datto, and a poll heals missed webhooks. It serves
POST /webhooks/datto, GET /healthz, /readyz, /metrics and /requests, and
keeps its state in -store. Settings come from HALO_URL, HALO_CLIENT_ID,
HALO_CLIENT_SECRET (HALO_AUTH_URL, HALO_TENANT optional), DATTO_API_URL,
DATTO_API_KEY, DATTO_API_SECRET and DATTO_WEBHOOK_SECRET (at least 32
random bytes); -demo needs none.

Usage: datto-alerts-to-halo [flags]

Examples:
  datto-alerts-to-halo -demo                                   # a scripted burst of alerts on in-process fakes
  datto-alerts-to-halo -listen :8080 -config alerts.json -store /var/lib/mspsync/alerts.db

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
