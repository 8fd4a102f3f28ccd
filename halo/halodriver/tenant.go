package halodriver

import (
	"context"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/halo"
)

// Tenant is what a default reconcile configuration needs to know about a
// Halo tenant before it maps fields: the asset group new asset types go
// into, and which asset fields exist (a mapping to a field the tenant does
// not have would fail every write).
type Tenant struct {
	// AssetGroupID is the tenant's first asset group, 0 when it has none.
	AssetGroupID int
	fields       map[string]bool // lower-cased asset field names
}

// HasAssetField reports whether the tenant has an asset field of that name
// (case-insensitive).
func (t Tenant) HasAssetField(name string) bool { return t.fields[strings.ToLower(name)] }

// ReadTenant reads the tenant's asset groups and asset fields: two
// requests.
func ReadTenant(ctx context.Context, c *halo.Client) (Tenant, error) {
	groups, err := c.AssetGroups.List(ctx)
	if err != nil {
		return Tenant{}, fmt.Errorf("reading Halo asset groups: %w", err)
	}
	t := Tenant{fields: map[string]bool{}}
	if len(groups) > 0 {
		t.AssetGroupID = groups[0].ID
	}
	defs, err := c.Fields.AssetFields(ctx)
	if err != nil {
		return Tenant{}, fmt.Errorf("reading Halo asset fields: %w", err)
	}
	for _, f := range defs {
		t.fields[strings.ToLower(f.Name)] = true
	}
	return t, nil
}
