package visionone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Access is whether an API key may use a feature.
type Access string

// Feature access states of PingInfo.
const (
	AccessOK Access = "ok"
	// AccessForbidden: 403 — the key's role lacks the permission or the
	// feature is not licensed (ASRM needs Cyber Risk Exposure Management).
	AccessForbidden Access = "forbidden"
)

// PingInfo is what Ping learnt about a key on its host.
type PingInfo struct {
	BaseURL string
	Region  Region // "" when WithBaseURL chose the host
	// Workbench is the access to workbench alerts, AttackSurface to the
	// ASRM lists (high-risk users and devices, discovered assets).
	Workbench, AttackSurface Access
	// WorkbenchMessage and AttackSurfaceMessage hold Vision One's message
	// for a forbidden feature.
	WorkbenchMessage, AttackSurfaceMessage string
}

// String is a one-line summary: "https://api.eu.xdr.trendmicro.com/v3.0 (eu): key valid; workbench ok; attack surface forbidden (not licensed or role lacks access)".
func (p PingInfo) String() string {
	var b strings.Builder
	b.WriteString(p.BaseURL)
	if p.Region != "" {
		fmt.Fprintf(&b, " (%s)", p.Region)
	}
	b.WriteString(": key valid; workbench ")
	b.WriteString(describe(p.Workbench))
	b.WriteString("; attack surface ")
	b.WriteString(describe(p.AttackSurface))
	return b.String()
}

func describe(a Access) string {
	if a == AccessForbidden {
		return "forbidden (not licensed or the key's role lacks access)"
	}
	return string(a)
}

// ErrWrongRegion matches Ping's error for a key the host refuses (401): a
// key works only in its own region, so a key that is right but used
// against another region's host looks exactly like this. It also matches
// ErrUnauthorized.
var ErrWrongRegion error = wrongRegion{}

type wrongRegion struct{}

func (wrongRegion) Error() string {
	return "API key refused: wrong region, or the key is wrong, expired or revoked"
}
func (wrongRegion) Is(target error) bool { return target == ErrUnauthorized }

// Ping checks the key on its host with two small reads: the workbench
// alerts of the last minute and one page of high-risk users (top 10). A
// 401 fails it with an error matching ErrWrongRegion (and
// ErrUnauthorized); a 403 on either read is reported in PingInfo as
// AccessForbidden, telling an unlicensed feature from a wrong region.
// Any other failure is returned.
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	info := &PingInfo{BaseURL: c.cfg.baseURL, Region: c.cfg.region}
	now := time.Now()
	_, err := c.Workbench.AlertsPage(ctx, &AlertListOptions{Start: now.Add(-time.Minute), End: now}, "")
	if info.Workbench, info.WorkbenchMessage, err = access(err); err != nil {
		return info, c.pingError(err)
	}
	l := newASRMList[HighRiskUser](c, "highRiskUsers", "", "")
	l.query.Set("top", "10")
	_, err = l.page(ctx, "")
	if info.AttackSurface, info.AttackSurfaceMessage, err = access(err); err != nil {
		return info, c.pingError(err)
	}
	return info, nil
}

func access(err error) (Access, string, error) {
	switch {
	case err == nil:
		return AccessOK, "", nil
	case errors.Is(err, ErrForbidden):
		var e *Error
		msg := ""
		if errors.As(err, &e) {
			msg = e.Message
		}
		return AccessForbidden, msg, nil
	}
	return "", "", err
}

func (c *Client) pingError(err error) error {
	if errors.Is(err, ErrUnauthorized) {
		where := c.cfg.baseURL
		if c.cfg.region != "" {
			where += " (region " + string(c.cfg.region) + ")"
		}
		return fmt.Errorf("visionone: %s: %w: %w", where, ErrWrongRegion, err)
	}
	return err
}
