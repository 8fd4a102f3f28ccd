package vsaxdriver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/vsax"
)

// OpenAlertLister is the alerting.OpenAlertLister of one VSA X instance
// for the reconciliation poll: it reads GET /notifications page by page
// ($top 100, $skip, $count=true, $orderby=Id asc, so notifications raised
// during the walk land after it) and yields each notification as the raise
// its webhook would have been (AccountAlert: same Source, Account, EventID
// and AlertID), so a notification whose webhook never arrived is ticketed
// and one whose webhook did arrive is a duplicate. A pass costs
// ceil(notifications/100) requests (one more when the count is a multiple
// of 100 and VSA X sends no TotalCount).
//
// It is raise-only (alerting.RaiseOnlyLister): VSA X's notifications are
// events, not open alerts, and one missing from the list (deleted, aged
// out) was not resolved, so the engine resolves nothing from this listing.
//
// The list carries no device or organization: the alerts have Title and
// Body from the notification's Message, severity from its Priority and
// its raise time, and Enricher (register it for the same account) reads
// the device and its organization for the ones the engine tickets. A
// listing whose pages do not add up to TotalCount, or whose count changed
// while it was read, ends with an error wrapping vsax.ErrIncomplete.
type OpenAlertLister struct {
	Client *vsax.Client
	// Account is the instance's alert account ("" for a deployment with
	// one instance), as in WebhookHandler.Account.
	Account string
}

// NewOpenAlertLister returns the notification lister of the client's
// instance for a deployment with one instance (Alert.Account "").
func NewOpenAlertLister(c *vsax.Client) *OpenAlertLister { return NewAccountOpenAlertLister(c, "") }

// NewAccountOpenAlertLister returns the notification lister of one VSA X
// instance (Alert.Account account), read with that instance's client c.
func NewAccountOpenAlertLister(c *vsax.Client, account string) *OpenAlertLister {
	return &OpenAlertLister{Client: c, Account: account}
}

// RaiseOnly implements alerting.RaiseOnlyLister: always true.
func (*OpenAlertLister) RaiseOnly() bool { return true }

// OpenAlerts implements alerting.OpenAlertLister.
func (l *OpenAlertLister) OpenAlerts(ctx context.Context) iter.Seq2[alerting.Alert, error] {
	return func(yield func(alerting.Alert, error) bool) {
		seen := map[int64]bool{}
		for n, err := range l.Client.Notifications.All(ctx, &vsax.ListOptions{OrderBy: "Id asc"}) {
			if err != nil {
				yield(alerting.Alert{}, fmt.Errorf("vsax: notifications: %w", err))
				return
			}
			id := int64(n.ID)
			if id <= 0 || seen[id] {
				continue // a malformed item, or one the offsets shifted under the walk
			}
			seen[id] = true
			a := NotificationAlert(n, l.Account)
			a.FoundByPoll = true
			if !yield(a, nil) {
				return
			}
		}
	}
}

// NotificationAlert turns a notification read from the API into the
// alert its webhook delivery gives (AccountAlert over the payload fields
// the notification has: Id, Message, DateTime, Priority and, from the
// detail, ComputerIdentifier as the DeviceIdentifier).
func NotificationAlert(n vsax.Notification, account string) alerting.Alert {
	p := vsax.WebhookPayload{ID: n.ID, Message: n.Message, DateTime: n.DateTime, Priority: n.Priority}
	if vsax.IsIdentifier(n.ComputerIdentifier) {
		p.DeviceIdentifier = n.ComputerIdentifier
	}
	return AccountAlert(&p, account)
}

// Enricher is the alerting.Enricher of one VSA X instance: it completes
// an alert that has no device (a notification the poll found; the list
// has none) from GET /notifications/{Id} (ComputerIdentifier), and an
// alert with a device but no organization from GET /devices/{Identifier}
// (OrganizationId, the device and organization names). An alert from a
// webhook carries both and costs no request. Register it with
// alerting.WithAccountEnricher(Kind, account, …) next to the lister.
type Enricher struct {
	Client *vsax.Client
}

// NewEnricher returns the enricher that reads with c.
func NewEnricher(c *vsax.Client) *Enricher { return &Enricher{Client: c} }

// Enrich implements alerting.Enricher.
func (e *Enricher) Enrich(ctx context.Context, a *alerting.Alert) error {
	if a.Source != Kind || a.Kind != alerting.Raise {
		return nil
	}
	if a.Device.ID == "" {
		id, err := strconv.ParseInt(a.AlertID, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("vsax: enrich: alert ID %q is not a notification Id", a.AlertID)
		}
		n, err := e.Client.Notifications.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("vsax: enrich notification %d: %w", id, err)
		}
		if !vsax.IsIdentifier(n.ComputerIdentifier) {
			return errors.New("vsax: enrich: notification has no device identifier")
		}
		a.Device.ID = n.ComputerIdentifier
	}
	if a.Customer.ID != "" {
		return nil
	}
	d, err := e.Client.Devices.Get(ctx, a.Device.ID)
	if err != nil {
		return fmt.Errorf("vsax: enrich device: %w", err)
	}
	if a.Device.Hostname == "" {
		a.Device.Hostname = d.Name
	}
	if d.OrganizationID > 0 {
		a.Customer = alerting.CustomerRef{ID: AccountSiteID(a.Account, OrgSiteID(int64(d.OrganizationID))), Name: d.OrganizationName}
	}
	return nil
}
