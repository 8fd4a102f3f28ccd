package main

import (
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/halo"
)

// readyChecks are the receiver's readiness checks beyond the store's: one
// cheap authenticated read of each vendor (Halo's ticket statuses, Datto's
// account).
func readyChecks(hc *halo.Client, dc *dattormm.Client) []receiver.Check {
	return []receiver.Check{
		{Name: "halo", Run: func(ctx context.Context) error {
			_, err := hc.Statuses.List(ctx, nil)
			return err
		}},
		{Name: "datto", Run: func(ctx context.Context) error {
			_, err := dc.Account.Get(ctx)
			return err
		}},
	}
}

// dryRouteStore is the -dry-route value that replays the request log of
// -store instead of a file.
const dryRouteStore = "@store"

// replayAlerts reads the alerts of a -dry-route file: a JSON array of
// alerting.Alert, or what GET /requests answers ({"requests": […]}, newest
// first), whose recorded alerts are replayed oldest first, redeliveries
// left out.
func replayAlerts(path string) ([]alerting.Alert, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var as []alerting.Alert
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&as); err != nil {
			return nil, fmt.Errorf("%s: a JSON array of alerts: %w", path, err)
		}
		return as, nil
	}
	var log struct {
		Requests *[]alerting.Request `json:"requests"`
	}
	if err := json.Unmarshal(b, &log); err != nil || log.Requests == nil {
		return nil, fmt.Errorf("%s: want a JSON array of alerts or the JSON of GET /requests (%v)", path, err)
	}
	return requestAlerts(*log.Requests), nil
}

// requestAlerts returns the alerts of request log entries (newest first),
// oldest first, without duplicates and payloads that never became alerts.
func requestAlerts(rs []alerting.Request) []alerting.Alert {
	var out []alerting.Alert
	for _, r := range slices.Backward(rs) {
		if r.Status == alerting.RequestDuplicate {
			continue
		}
		if a, ok := r.AsAlert(); ok {
			out = append(out, a)
		}
	}
	return out
}

// dryRoute replays alerts through the engine eng (the candidate -config on
// the real sink; its store's open tickets count when it has any) and
// prints where each would go, as a table or (-json) JSON. Nothing is
// written to Halo or the store.
func dryRoute(ctx context.Context, eng *alerting.Engine, alerts []alerting.Alert, asJSON bool, stdout io.Writer) error {
	xs, err := eng.Explain(ctx, alerts)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(xs)
	}
	fmt.Fprintf(stdout, "Routing dry run: %d alerts, grouping %q; nothing was written\n", len(xs), eng.Config().Grouping)
	var rows [][]string
	for _, x := range xs {
		r := x.Routing
		user := r.Contact
		if r.ContactBy != "" {
			user = strings.TrimSpace(user + " (" + string(r.ContactBy) + ")")
		}
		action := string(x.Action)
		if x.Ticket != "" {
			action += " on " + x.Ticket
		}
		if x.Reason != "" {
			action += ": " + string(x.Reason)
		}
		why := r.Reason
		if x.Detail != "" {
			why = strings.TrimPrefix(why+"; "+x.Detail, "; ")
		}
		rows = append(rows, []string{x.AlertID, dash(x.Device), dash(x.SiteName), action, dash(r.Customer), dash(r.Site), dash(r.Asset),
			dash(user), dash(x.Defaults.Type), dash(x.Defaults.Queue), dash(shortKey(x.GroupKey)), why})
	}
	writeTable(stdout, []string{"ALERT", "DEVICE", "SOURCE SITE", "ACTION", "CUSTOMER", "SITE", "ASSET", "USER", "TYPE", "TEAM", "GROUP", "WHY"}, rows)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortKey shortens a group key for a table.
func shortKey(k string) string {
	if len(k) > 16 {
		return k[:16] + "…"
	}
	return k
}
