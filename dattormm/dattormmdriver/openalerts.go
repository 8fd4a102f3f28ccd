package dattormmdriver

import (
	"context"
	"fmt"
	"iter"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/dattormm"
)

// DefaultPollShare is the share of the account's read limit (600 requests
// per rolling minute, shared with the import and the enricher) that an
// OpenAlertLister made without a Budget may use.
const DefaultPollShare = 0.1

// PollBudget returns a limiter that allows share (0 < share <= 1) of
// Datto's account read limit (600 requests a minute), for
// OpenAlertLister.Budget. The import and the webhook enrichment use the
// rest.
func PollBudget(share float64) (*rate.Limiter, error) {
	if share <= 0 || share > 1 {
		return nil, fmt.Errorf("dattormm: poll budget share %v: want 0 < share <= 1", share)
	}
	perMin := share * dattormm.DefaultReadsPerMinute
	return rate.NewLimiter(rate.Limit(perMin/60), max(1, int(perMin/20))), nil
}

// OpenAlertLister is the alerting.OpenAlertLister of one Datto RMM
// account: GET /v2/account/alerts/open, page by page (Datto's page
// maximum), each page request waiting for Budget. Use it with
// alerting.WithOpenAlertLister(Kind, Account, …). The listing ends with an
// error wrapping dattormm.ErrIncomplete when its pages did not add up to
// the totalCount Datto reported, and with the request's error when a page
// failed, so the engine resolves nothing from it.
//
// Its alerts are built with ToAlert from the API's own record (device,
// site, priority, diagnostics, raise time) and carry the account; the
// enricher does not read them again.
type OpenAlertLister struct {
	Client  *dattormm.Client
	Account string
	// Budget paces the page requests; nil uses PollBudget(DefaultPollShare).
	Budget *rate.Limiter
}

// NewOpenAlertLister returns the lister of the client's account for a
// deployment with one account (Alert.Account "").
func NewOpenAlertLister(c *dattormm.Client) *OpenAlertLister { return NewAccountOpenAlertLister(c, "") }

// NewAccountOpenAlertLister returns the lister of one Datto account
// (Alert.Account account), read with that account's client c.
func NewAccountOpenAlertLister(c *dattormm.Client, account string) *OpenAlertLister {
	b, _ := PollBudget(DefaultPollShare)
	return &OpenAlertLister{Client: c, Account: account, Budget: b}
}

// OpenAlerts implements alerting.OpenAlertLister.
func (l *OpenAlertLister) OpenAlerts(ctx context.Context) iter.Seq2[alerting.Alert, error] {
	return func(yield func(alerting.Alert, error) bool) {
		budget := l.Budget
		if budget == nil {
			budget, _ = PollBudget(DefaultPollShare)
		}
		cursor, n, total := "", 0, -1
		seen := map[string]bool{}
		for {
			if err := budget.Wait(ctx); err != nil {
				yield(alerting.Alert{}, err)
				return
			}
			p, err := l.Client.Account.OpenAlertsPage(ctx, nil, cursor)
			if err != nil {
				yield(alerting.Alert{}, err)
				return
			}
			if p.Total >= 0 {
				total = p.Total
			}
			for _, al := range p.Items {
				n++
				if seen[al.AlertUID] || !dattormm.IsAlertUID(al.AlertUID) {
					continue // a listing that shifted under the walk, or a malformed UID
				}
				seen[al.AlertUID] = true
				if !yield(l.alert(al), nil) {
					return
				}
			}
			if p.Next == "" {
				break
			}
			if p.Next == cursor {
				yield(alerting.Alert{}, fmt.Errorf("%w: open alerts: next page link repeats", dattormm.ErrIncomplete))
				return
			}
			cursor = p.Next
		}
		if total >= 0 && n != total {
			yield(alerting.Alert{}, fmt.Errorf("%w: open alerts: pages held %d of %d alerts", dattormm.ErrIncomplete, n, total))
		}
	}
}

// alert turns one open alert of the listing into a raise.
func (l *OpenAlertLister) alert(al dattormm.Alert) alerting.Alert {
	src := al.AlertSourceInfo
	wa := &dattormm.WebhookAlert{AlertUID: al.AlertUID, AlertPriority: al.Priority, DeviceUID: src.DeviceUID,
		SiteUID: src.SiteUID, DeviceHostname: src.DeviceName, SiteName: src.SiteName, AlertType: al.AlertContext.AlertType()}
	a := ToAlert(wa, &al)
	a.Account = l.Account
	a.FoundByPoll = true
	return a
}
