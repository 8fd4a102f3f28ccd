package main

import (
	"flag"
	"fmt"
)

// usageText is what -h prints before the flags.
const usageText = `alerts-to-bms turns alerts of sources without a package of their own
(SaaS-security tools such as SaaS Alerts, scripts) into Kaseya BMS tickets:
alerts arrive signed at POST /alerts/json in the generic JSON intake's
schema, each ticket goes to its customer's BMS account and contact (a
catch-all for unmapped organisations) with the configured ticket type,
source, status, queue, priority and issue types, later alerts of a group
become notes on the open ticket, and user counts keep a per-user contract
line. Settings come from BMS_URL (US, EMEA, APAC, Vorex or a base URL),
BMS_TENANT, BMS_USERNAME, BMS_PASSWORD and ALERTS_SECRET; -demo and
-print-config need none.

Usage: alerts-to-bms [flags]

Examples:
  alerts-to-bms -demo                          # the seed scenario on an in-process BMS, no credentials
  alerts-to-bms -config alerts-to-bms.json     # serve the intake with your account mappings

Flags:
`

// usage is flag.Usage: the description, two examples and the flags.
func usage() {
	fmt.Fprint(flag.CommandLine.Output(), usageText)
	flag.PrintDefaults()
}
