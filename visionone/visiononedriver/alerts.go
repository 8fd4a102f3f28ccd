package visiononedriver

import (
	"fmt"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/visionone"
)

// Event ID prefixes of the alerts that are not workbench alerts. A
// workbench alert's event and alert ID is its own ID ("WB-…"), so that
// the poller, the notification intake and the reconciliation poll name it
// alike; only those are written back by the resolver.
const (
	prefixHighRiskUser   = "high-risk-user:"
	prefixHighRiskDevice = "high-risk-device:"
	prefixNewAsset       = "new-asset:"
	prefixRiskEvent      = "risk-event:"
)

// IsWorkbenchAlertID reports whether an alert ID of this driver names a
// workbench alert (the only kind with a status to write back).
func IsWorkbenchAlertID(id string) bool {
	for _, p := range []string{prefixHighRiskUser, prefixHighRiskDevice, prefixNewAsset, prefixRiskEvent} {
		if strings.HasPrefix(id, p) {
			return false
		}
	}
	return id != ""
}

// base returns an alert of the customer.
func base(cust CustomerConfig, id string) alerting.Alert {
	return alerting.Alert{Source: Kind, Account: cust.Ref(), EventID: id, AlertID: id, Kind: alerting.Raise, Customer: cust.CustomerRef()}
}

// WorkbenchAlert turns a workbench alert of the customer into the engine's
// raise: the model is the type, the first host entity the device, the
// first account or e-mail entity the user, and the body lists the
// details and the workbench link.
func WorkbenchAlert(cust CustomerConfig, w *visionone.WorkbenchAlert) alerting.Alert {
	a := base(cust, w.ID)
	a.Type = w.Model
	if a.Type == "" {
		a.Type = "Workbench alert"
	}
	a.Severity = alerting.ParseSeverity(w.Severity)
	a.Title = "Vision One: " + a.Type
	if w.CreatedDateTime != nil {
		a.Time = *w.CreatedDateTime
	}
	if h := w.Entities(visionone.EntityHost); len(h) > 0 {
		v := h[0].EntityValue
		a.Device = alerting.Device{ID: firstNonEmpty(v.GUID, h[0].EntityID), Hostname: v.String()}
	}
	for _, typ := range []string{visionone.EntityEmailAddress, visionone.EntityAccount} {
		if es := w.Entities(typ); len(es) > 0 && a.User == "" {
			a.User = es[0].EntityValue.String()
		}
	}
	var b []string
	if w.Description != "" {
		b = append(b, w.Description)
	}
	b = append(b, fmt.Sprintf("Severity: %s (score %d)", w.Severity, w.Score))
	if w.ImpactScope != nil {
		for _, e := range w.ImpactScope.Entities {
			b = append(b, fmt.Sprintf("Impact: %s %s", e.EntityType, e.EntityValue.String()))
		}
	}
	b = append(b, "Customer: "+cust.Name, "Workbench alert: "+w.ID)
	if w.WorkbenchLink != "" {
		b = append(b, "Link: "+w.WorkbenchLink)
	}
	a.Body = strings.Join(b, "\n")
	return a
}

// scoreSeverity maps a 0–100 risk score onto the neutral scale.
func scoreSeverity(s int) alerting.Severity {
	switch {
	case s >= 90:
		return alerting.SeverityCritical
	case s >= 70:
		return alerting.SeverityHigh
	case s >= 40:
		return alerting.SeverityMedium
	case s > 0:
		return alerting.SeverityLow
	}
	return alerting.SeverityUnknown
}

// HighRiskUserAlert is the raise for user u entering the high-risk list
// of the customer for the n-th time (n makes each entry its own event).
func HighRiskUserAlert(cust CustomerConfig, u *visionone.HighRiskUser, n int, at time.Time) alerting.Alert {
	a := base(cust, fmt.Sprintf("%s%s:%d", prefixHighRiskUser, u.ID, n))
	a.Type, a.Time = TypeHighRiskUser, at
	a.User = firstNonEmpty(u.UserPrincipalName, u.UserName)
	a.Severity = scoreSeverity(u.Score())
	a.Title = fmt.Sprintf("Vision One: high-risk user %s (risk score %d)", firstNonEmpty(a.User, u.ID), u.Score())
	a.Body = strings.Join([]string{"Newly classified high-risk user.", "User: " + firstNonEmpty(u.UserName, a.User),
		"UPN: " + u.UserPrincipalName, fmt.Sprintf("Risk score: %d", u.Score()), "Customer: " + cust.Name, "Vision One ID: " + u.ID}, "\n")
	return a
}

// HighRiskDeviceAlert is the raise for device d entering the high-risk
// list for the n-th time.
func HighRiskDeviceAlert(cust CustomerConfig, d *visionone.HighRiskDevice, n int, at time.Time) alerting.Alert {
	a := base(cust, fmt.Sprintf("%s%s:%d", prefixHighRiskDevice, d.ID, n))
	a.Type, a.Time = TypeHighRiskDevice, at
	a.Device = alerting.Device{ID: d.ID, Hostname: d.DeviceName}
	a.User = d.LastLogonUser
	a.Severity = scoreSeverity(d.Score())
	a.Title = fmt.Sprintf("Vision One: high-risk device %s (risk score %d)", firstNonEmpty(d.DeviceName, d.ID), d.Score())
	a.Body = strings.Join([]string{"Newly classified high-risk device.", "Device: " + d.DeviceName, "OS: " + d.OS,
		"IP: " + strings.Join(d.IP, ", "), "Last logon user: " + d.LastLogonUser, fmt.Sprintf("Risk score: %d", d.Score()),
		"Customer: " + cust.Name, "Vision One ID: " + d.ID}, "\n")
	return a
}

// NewAssetAlert is the raise for a newly discovered attack-surface device.
func NewAssetAlert(cust CustomerConfig, d *visionone.AttackSurfaceDevice) alerting.Alert {
	a := base(cust, prefixNewAsset+d.ID)
	a.Type = TypeNewAsset
	if d.FirstSeenDateTime != nil {
		a.Time = *d.FirstSeenDateTime
	}
	a.Device = alerting.Device{ID: d.ID, Hostname: d.DeviceName}
	a.User = d.LastUser
	a.Severity = alerting.ParseSeverity(d.Criticality)
	if a.Severity == alerting.SeverityUnknown && d.LatestRiskScore != nil {
		a.Severity = scoreSeverity(*d.LatestRiskScore)
	}
	a.Title = "Vision One: newly discovered asset " + firstNonEmpty(d.DeviceName, d.ID)
	a.Body = strings.Join([]string{"Newly discovered watchlisted asset.", "Device: " + d.DeviceName, "IP: " + strings.Join(d.IP, ", "),
		"OS: " + d.OSPlatform, "Criticality: " + d.Criticality, "Last user: " + d.LastUser, "Customer: " + cust.Name, "Vision One ID: " + d.ID}, "\n")
	return a
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
