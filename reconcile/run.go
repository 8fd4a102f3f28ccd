package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RunOptions tunes Run.
type RunOptions struct {
	// DryRun plans without applying.
	DryRun bool
	ApplyOptions
	// Step, when set, is told what Run is doing ("loading the PSA", ...).
	Step func(msg string)
	// Mappings, when set, keeps what the import learns: the mappings of
	// earlier runs place their sites (after the config's own), and the
	// sites this run places by link, by name or on customers and sites it
	// creates are saved after Apply, with the IDs of what it created.
	Mappings MappingStore
	// Now stamps learned mappings (default time.Now).
	Now func() time.Time
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
	if en, ok := src.(Enricher); ok && !cfg.assetsLimited() {
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
	var learned []Mapping
	if opts.Mappings != nil {
		if learned, err = opts.Mappings.Mappings(ctx, ss.Source.Kind, ss.Source.Account); err != nil {
			return nil, fmt.Errorf("reconcile: reading learned mappings: %w", err)
		}
	}
	step("planning %d devices against %d assets", len(ss.Devices), len(ts.Assets))
	cs, err := Plan(ss, ts, cfg, WithLearnedMappings(learned))
	if err != nil {
		return nil, err
	}
	res.Changeset = cs
	if opts.DryRun {
		return res, nil
	}
	if cs.Writes() > 0 {
		step("applying %d writes", cs.Writes())
		err = Apply(ctx, cs, tgt, opts.ApplyOptions)
	}
	return res, errors.Join(err, saveLearned(ctx, opts, cs, learned))
}

// saveLearned keeps the mappings the run found or created that the store
// does not hold yet (or holds differently). It runs after a failed or
// cancelled Apply too: what was created must be found by the next run.
func saveLearned(ctx context.Context, opts RunOptions, cs *Changeset, learned []Mapping) error {
	if opts.Mappings == nil {
		return nil
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	known := map[string]Mapping{}
	for _, m := range learned {
		known[m.SourceSiteID] = m
	}
	var save []Mapping
	for _, m := range cs.Mappings(now()) {
		if k, ok := known[m.SourceSiteID]; ok && k.CustomerID == m.CustomerID && k.SiteID == m.SiteID {
			continue
		}
		save = append(save, m)
	}
	if err := opts.Mappings.SaveMappings(context.WithoutCancel(ctx), save); err != nil {
		return fmt.Errorf("reconcile: saving learned mappings: %w", err)
	}
	return nil
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
