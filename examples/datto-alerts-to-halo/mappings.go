package main

import (
	"context"
	"strconv"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/reconcile"
)

// learnedMappings adapts the site mappings an import learned (a
// reconcile.MappingStore: the datto-to-halo example's -mappings file) to
// alerting's routing, which does not depend on package reconcile.
func learnedMappings(store reconcile.MappingStore) alerting.SiteMappingsFunc {
	return func(ctx context.Context, source, account string) ([]alerting.SiteMapping, error) {
		ms, err := store.Mappings(ctx, source, account)
		if err != nil {
			return nil, err
		}
		out := make([]alerting.SiteMapping, 0, len(ms))
		for _, m := range ms {
			sm := alerting.SiteMapping{SourceSite: m.SourceSiteID, Customer: strconv.Itoa(m.CustomerID)}
			if m.SiteID != 0 {
				sm.Site = strconv.Itoa(m.SiteID)
			}
			out = append(out, sm)
		}
		return out, nil
	}
}
