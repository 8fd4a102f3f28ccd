package visionone

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// AttackSurfaceService reads the attack-surface (ASRM, Cyber Risk
// Exposure Management) lists under /v3.0/asrm. They need the feature's
// licence: without it, or without the role permission, Vision One
// answers 403 (ErrForbidden).
type AttackSurfaceService service

// ListOptions filter a high-risk list.
type ListOptions struct {
	// OrderBy, e.g. "riskScore desc" (Vision One's default) or "userName".
	OrderBy string
	// Filter is the TMV1-Filter expression, e.g. "riskScore ge 70"; it is
	// sent on every page.
	Filter string
}

// AssetListOptions filter an attack-surface inventory list.
type AssetListOptions struct {
	// OrderBy, e.g. "latestRiskScore desc" or "deviceName".
	OrderBy string
	// Filter is the TMV1-Filter expression (for devices: deviceName, id,
	// ip, deviceType, latestRiskScore, criticality, osPlatform, lastUser,
	// installedAgents, discoveredBy, assetCustomTagIds).
	Filter string
	// FirstSeenStart and FirstSeenEnd bound firstSeenDateTime
	// (firstSeenStartDateTime / firstSeenEndDateTime).
	FirstSeenStart, FirstSeenEnd time.Time
	// LastDetectedStart and LastDetectedEnd bound lastDetectDateTime
	// (lastDetectedStartDateTime / lastDetectedEndDateTime).
	LastDetectedStart, LastDetectedEnd time.Time
}

func newASRMList[T any](c *Client, path, orderBy, filter string) list[T] {
	q := url.Values{}
	q.Set("top", itoa(c.cfg.pageSize))
	if orderBy != "" {
		q.Set("orderBy", orderBy)
	}
	return list[T]{c: c, path: "asrm/" + path, query: q, filter: filter}
}

func riskList[T any](c *Client, path string, o *ListOptions) list[T] {
	if o == nil {
		o = &ListOptions{}
	}
	return newASRMList[T](c, path, o.OrderBy, o.Filter)
}

func assetList[T any](c *Client, path string, o *AssetListOptions) list[T] {
	if o == nil {
		o = &AssetListOptions{}
	}
	l := newASRMList[T](c, path, o.OrderBy, o.Filter)
	for k, t := range map[string]time.Time{
		"firstSeenStartDateTime": o.FirstSeenStart, "firstSeenEndDateTime": o.FirstSeenEnd,
		"lastDetectedStartDateTime": o.LastDetectedStart, "lastDetectedEndDateTime": o.LastDetectedEnd,
	} {
		if !t.IsZero() {
			l.query.Set(k, FormatTime(t))
		}
	}
	return l
}

// HighRiskUsers iterates over the users Vision One rates high-risk.
func (s *AttackSurfaceService) HighRiskUsers(ctx context.Context, opts *ListOptions) iter.Seq2[HighRiskUser, error] {
	return riskList[HighRiskUser](s.c, "highRiskUsers", opts).all(ctx)
}

// HighRiskUsersPage reads one page of high-risk users (cursor "" first,
// then Page.Next).
func (s *AttackSurfaceService) HighRiskUsersPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[HighRiskUser], error) {
	return riskList[HighRiskUser](s.c, "highRiskUsers", opts).page(ctx, cursor)
}

// HighRiskDevices iterates over the devices Vision One rates high-risk.
func (s *AttackSurfaceService) HighRiskDevices(ctx context.Context, opts *ListOptions) iter.Seq2[HighRiskDevice, error] {
	return riskList[HighRiskDevice](s.c, "highRiskDevices", opts).all(ctx)
}

// HighRiskDevicesPage reads one page of high-risk devices.
func (s *AttackSurfaceService) HighRiskDevicesPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[HighRiskDevice], error) {
	return riskList[HighRiskDevice](s.c, "highRiskDevices", opts).page(ctx, cursor)
}

// Devices iterates over the attack-surface devices (discovered assets);
// AssetListOptions.FirstSeenStart selects the newly discovered ones.
func (s *AttackSurfaceService) Devices(ctx context.Context, opts *AssetListOptions) iter.Seq2[AttackSurfaceDevice, error] {
	return assetList[AttackSurfaceDevice](s.c, "attackSurfaceDevices", opts).all(ctx)
}

// DevicesPage reads one page of attack-surface devices.
func (s *AttackSurfaceService) DevicesPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[AttackSurfaceDevice], error) {
	return assetList[AttackSurfaceDevice](s.c, "attackSurfaceDevices", opts).page(ctx, cursor)
}

// DomainAccounts iterates over the attack-surface domain accounts.
func (s *AttackSurfaceService) DomainAccounts(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfaceDomainAccounts", opts).all(ctx)
}

// DomainAccountsPage reads one page of domain accounts.
func (s *AttackSurfaceService) DomainAccountsPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfaceDomainAccounts", opts).page(ctx, cursor)
}

// ServiceAccounts iterates over the attack-surface service accounts.
func (s *AttackSurfaceService) ServiceAccounts(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfaceServiceAccounts", opts).all(ctx)
}

// ServiceAccountsPage reads one page of service accounts.
func (s *AttackSurfaceService) ServiceAccountsPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfaceServiceAccounts", opts).page(ctx, cursor)
}

// GlobalFQDNs iterates over the internet-facing domain names.
func (s *AttackSurfaceService) GlobalFQDNs(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfaceGlobalFqdns", opts).all(ctx)
}

// GlobalFQDNsPage reads one page of internet-facing domain names.
func (s *AttackSurfaceService) GlobalFQDNsPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfaceGlobalFqdns", opts).page(ctx, cursor)
}

// PublicIPAddresses iterates over the public IP addresses.
func (s *AttackSurfaceService) PublicIPAddresses(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfacePublicIpAddresses", opts).all(ctx)
}

// PublicIPAddressesPage reads one page of public IP addresses.
func (s *AttackSurfaceService) PublicIPAddressesPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfacePublicIpAddresses", opts).page(ctx, cursor)
}

// CloudAssets iterates over the cloud assets.
func (s *AttackSurfaceService) CloudAssets(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfaceCloudAssets", opts).all(ctx)
}

// CloudAssetsPage reads one page of cloud assets.
func (s *AttackSurfaceService) CloudAssetsPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfaceCloudAssets", opts).page(ctx, cursor)
}

// LocalApps iterates over the local applications.
func (s *AttackSurfaceService) LocalApps(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	return assetList[Asset](s.c, "attackSurfaceLocalApps", opts).all(ctx)
}

// LocalAppsPage reads one page of local applications.
func (s *AttackSurfaceService) LocalAppsPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	return assetList[Asset](s.c, "attackSurfaceLocalApps", opts).page(ctx, cursor)
}

// CustomTags iterates over the asset custom tags (their IDs are what the
// devices filter field assetCustomTagIds holds).
func (s *AttackSurfaceService) CustomTags(ctx context.Context, opts *ListOptions) iter.Seq2[Asset, error] {
	return riskList[Asset](s.c, "attackSurfaceCustomTags", opts).all(ctx)
}

// CustomTagsPage reads one page of asset custom tags.
func (s *AttackSurfaceService) CustomTagsPage(ctx context.Context, opts *ListOptions, cursor string) (*Page[Asset], error) {
	return riskList[Asset](s.c, "attackSurfaceCustomTags", opts).page(ctx, cursor)
}
