package reconcile

import (
	"context"
	"fmt"
	"slices"
)

// RunOptions tunes Run.
type RunOptions struct {
	// DryRun plans without applying.
	DryRun bool
	ApplyOptions
	// Step, when set, is told what Run is doing ("loading the PSA", ...).
	Step func(msg string)
}

// RunResult is what Run did.
type RunResult struct {
	Changeset *Changeset
	// Enriched is how many devices the Enricher was asked to complete
	// (Datto audit reads, one request each).
	Enriched int
}

// Run loads both sides, completes expensive source fields only for the
// devices that need them, plans, and applies unless opts.DryRun. A
// Source that is also an Enricher is asked for its expensive fields only
// for devices that are not already linked by vendor ID and whose matching
// field or (for a device that would be created) mapped fields need them.
func Run(ctx context.Context, src Source, tgt Target, cfg *Config, opts RunOptions) (*RunResult, error) {
	step := func(format string, args ...any) {
		if opts.Step != nil {
			opts.Step(fmt.Sprintf(format, args...))
		}
	}
	step("loading the PSA")
	ts, err := tgt.LoadTarget(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconcile: loading the target: %w", err)
	}
	step("loading the RMM")
	ss, err := src.LoadSource(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconcile: loading the source: %w", err)
	}
	res := &RunResult{}
	if en, ok := src.(Enricher); ok {
		need, err := devicesNeedingEnrichment(ss, ts, cfg, en.ExpensiveFields())
		if err != nil {
			return nil, err
		}
		if len(need) > 0 {
			step("reading expensive fields of %d devices", len(need))
			if err := en.Enrich(ctx, need); err != nil {
				return nil, fmt.Errorf("reconcile: enriching devices: %w", err)
			}
		}
		res.Enriched = len(need)
	}
	step("planning %d devices against %d assets", len(ss.Devices), len(ts.Assets))
	cs, err := Plan(ss, ts, cfg)
	if err != nil {
		return nil, err
	}
	res.Changeset = cs
	if opts.DryRun || cs.Writes() == 0 {
		return res, nil
	}
	step("applying %d writes", cs.Writes())
	return res, Apply(ctx, cs, tgt, opts.ApplyOptions)
}

// devicesNeedingEnrichment picks the devices whose expensive fields matter:
// not linked by vendor ID yet, and either matched on an expensive field or
// mapping one (a device that may be created).
func devicesNeedingEnrichment(ss *SourceSnapshot, ts *TargetSnapshot, cfg *Config, expensive []string) ([]*Device, error) {
	cc, err := cfg.compile(ss.Source)
	if err != nil {
		return nil, err
	}
	costly := func(src string) bool { return slices.Contains(expensive, src) }
	matchCostly, mapCostly := false, false
	for _, fm := range cc.FieldMappings {
		if !costly(fm.Source) {
			continue
		}
		mapCostly = true
		if lower(fm.Target) == lower(cc.Matching.Field) {
			matchCostly = true
		}
	}
	if !mapCostly {
		return nil, nil
	}
	linked := map[string]bool{}
	if !cc.Matching.NoVendorID {
		for _, a := range ts.Assets {
			if v := a.Links[ss.Source.Kind]; v != "" {
				linked[v] = true
			}
		}
	}
	var out []*Device
	for i := range ss.Devices {
		d := &ss.Devices[i]
		if d.Deleted || linked[d.ID] {
			continue
		}
		if matchCostly || !cc.Lifecycle.DontCreate {
			out = append(out, d)
		}
	}
	return out, nil
}
