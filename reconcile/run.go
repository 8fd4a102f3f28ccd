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
	// OnProgress, when set, receives typed progress events: each phase
	// starting and ending, the devices an Enricher has read (through
	// EnrichEach: 312 of 400) and the writes applied. Calls are made one
	// at a time, from Run's goroutines; keep them quick. ApplyOptions'
	// Progress, when also set, is still called.
	OnProgress func(ProgressEvent)
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
	// Target is the PSA snapshot the plan was made against (for
	// WriteReport's names).
	Target *TargetSnapshot
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
	rep := &reporter{fn: opts.OnProgress}
	step("loading the PSA")
	rep.started(PhaseLoadTarget, 0)
	ts, err := tgt.LoadTarget(ctx)
	rep.done(PhaseLoadTarget, 0, 0, err)
	if err != nil {
		return nil, fmt.Errorf("reconcile: loading the target: %w", err)
	}
	step("loading the RMM")
	rep.started(PhaseLoadSource, 0)
	ss, err := src.LoadSource(ctx)
	if err != nil {
		rep.done(PhaseLoadSource, 0, 0, err)
		return nil, fmt.Errorf("reconcile: loading the source: %w", err)
	}
	rep.done(PhaseLoadSource, len(ss.Devices), len(ss.Devices), nil)
	res := &RunResult{}
	if en, ok := src.(Enricher); ok && !cfg.assetsLimited() {
		need, err := devicesNeedingEnrichment(ss, ts, cfg, en.ExpensiveFields())
		if err != nil {
			return nil, err
		}
		if len(need) > 0 {
			step("reading expensive fields of %d devices", len(need))
			rep.started(PhaseEnrich, len(need))
			var done, total int
			ectx := withProgress(ctx, func(d, t int) {
				done, total = d, t
				rep.progress(PhaseEnrich, d, t)
			})
			err := en.Enrich(ectx, need)
			rep.done(PhaseEnrich, done, total, err)
			if err != nil {
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
	rep.started(PhasePlan, len(ss.Devices))
	cs, err := Plan(ss, ts, cfg, WithLearnedMappings(learned))
	rep.done(PhasePlan, len(ss.Devices), len(ss.Devices), err)
	if err != nil {
		return nil, err
	}
	res.Changeset = cs
	res.Target = ts
	if opts.DryRun {
		return res, nil
	}
	if cs.Writes() > 0 {
		step("applying %d writes", cs.Writes())
		err = applyReported(ctx, cs, tgt, opts.ApplyOptions, rep)
	}
	return res, errors.Join(err, saveLearned(ctx, opts, cs, learned))
}

// applyReported runs Apply, reporting PhaseApply to rep besides opts'
// own Progress.
func applyReported(ctx context.Context, cs *Changeset, tgt Target, opts ApplyOptions, rep *reporter) error {
	total := cs.Writes()
	done := 0
	rep.started(PhaseApply, total)
	inner := opts.Progress
	opts.Progress = func(d, t int) {
		done = d
		rep.progress(PhaseApply, d, t)
		if inner != nil {
			inner(d, t)
		}
	}
	err := Apply(ctx, cs, tgt, opts)
	rep.done(PhaseApply, done, total, err)
	return err
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
