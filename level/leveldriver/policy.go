package leveldriver

import (
	"sort"
	"strings"

	"github.com/mspsync/mspsync/alerting"
)

// PolicyMap maps a Level policy to the PSA ticket type (the PSA's ID, as
// alerting.TicketDefaults.Type) its alerts open.
//
// Level's native webhooks carry no policy ID and its API has no policy
// endpoints, so a key is normally the alert's name, which is the name of
// the monitor that raised it ("CPU usage"), compared ignoring case. Alerts
// received through the automation-template form (TemplateHandler) that
// carry a policy_id are keyed by that policy_id instead.
//
// An alert whose key is not in the map opens no ticket: it is accepted
// and recorded, then ignored with reason alert_type_not_mapped, which the
// engine counts (Stats.Ignored) and logs.
type PolicyMap map[string]string

// Apply adds the map to cfg: an alert-type rule of source "level" per
// key, setting the ticket type, and only_mapped_alert_types, so that an
// unmapped policy opens no ticket. A key cfg already has a Level rule for
// is left to that rule.
func (m PolicyMap) Apply(cfg *alerting.Config) {
	have := map[string]bool{}
	for _, r := range cfg.AlertTypes {
		if r.Source == Kind {
			have[strings.ToLower(strings.TrimSpace(r.Type))] = true
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if !have[strings.ToLower(strings.TrimSpace(k))] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		cfg.AlertTypes = append(cfg.AlertTypes, alerting.AlertTypeRule{Source: Kind, Type: k, Ticket: alerting.TicketDefaults{Type: m[k]}})
	}
	cfg.OnlyMappedAlertTypes = true
}
