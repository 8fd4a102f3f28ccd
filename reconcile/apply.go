package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// Concurrency bounds the asset batches in flight (default 4).
	Concurrency int
	// BatchSize is how many asset writes one SaveAssets call carries
	// (default 50); the Target may split further.
	BatchSize int
	// Progress, when set, is called after each step with the number of
	// write actions done and in all (one call at a time).
	Progress func(done, total int)
}

// ErrPartialListing is the result of a deactivation Apply refused because
// the plan's source listing was not complete.
var ErrPartialListing = errors.New("reconcile: source listing incomplete; nothing is deactivated for being absent")

// WriteCounts splits a changeset's writes by outcome.
type WriteCounts struct {
	Planned int `json:"planned"` // write actions in the plan
	Applied int `json:"applied"` // written (Result.OK)
	Failed  int `json:"failed"`  // tried, or refused before trying, and failed
	NotRun  int `json:"not_run"` // never started: Apply was stopped first
}

// String renders "N planned: N applied, N failed, N not applied".
func (c WriteCounts) String() string {
	return fmt.Sprintf("%d planned: %d applied, %d failed, %d not applied", c.Planned, c.Applied, c.Failed, c.NotRun)
}

// WriteCounts counts the plan's writes by their results (a plan not yet
// applied has only Planned).
func (cs *Changeset) WriteCounts() WriteCounts {
	var c WriteCounts
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if !a.IsWrite() {
			continue
		}
		c.Planned++
		switch r := a.Result; {
		case r == nil:
		case r.OK:
			c.Applied++
		case r.NotRun:
			c.NotRun++
		default:
			c.Failed++
		}
	}
	return c
}

// StoppedError is what Apply returns when its context ended before every
// write was started: how far it got, and the context's error (matched by
// errors.Is(err, context.Canceled) or context.DeadlineExceeded).
type StoppedError struct {
	Writes WriteCounts
	Err    error
}

// Error says how far Apply got.
func (e *StoppedError) Error() string {
	return fmt.Sprintf("reconcile: apply stopped (%v): %s", e.Err, e.Writes)
}

// Unwrap returns the context's error.
func (e *StoppedError) Unwrap() error { return e.Err }

// Apply carries out a plan's writes against t and records each action's
// Result: fields, customers, sites and asset types first (in order), then
// asset creates, updates and deactivations in batches, a bounded number at
// a time. An asset whose customer, site or type failed to be created fails
// too. When ctx ends, Apply stops starting work (writes in flight finish
// and are recorded), marks what did not run (Result.NotRun) and returns a
// *StoppedError saying how far it got, which matches ctx.Err(); otherwise
// it returns nil, and failures are in the results (Summary().Failed,
// WriteCounts()).
func Apply(ctx context.Context, cs *Changeset, t Target, opts ApplyOptions) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	ap := &applier{
		cs: cs, t: t, opts: opts,
		total:  cs.Writes(),
		ids:    map[string]int{},
		failed: map[string]string{},
	}
	// Fields, customers, sites and asset types, one at a time and in order.
	if err := ap.applyPrerequisites(ctx); err != nil {
		return markCancelled(cs, err)
	}
	ap.resolveMappings()
	// Asset writes, refs resolved, then saved in concurrent batches.
	pending, writes := ap.resolveAssetWrites()
	if err := ap.saveAssets(ctx, pending, writes); err != nil {
		return markCancelled(cs, err)
	}
	return nil
}

// applier is the state of one Apply call.
type applier struct {
	cs   *Changeset
	t    Target
	opts ApplyOptions

	mu          sync.Mutex // serialises step (and so calls to Progress)
	total, done int

	ids    map[string]int    // ref → created id
	failed map[string]string // ref → why
}

// step records n more write actions done and reports progress.
func (ap *applier) step(n int) {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	ap.done += n
	if ap.opts.Progress != nil {
		ap.opts.Progress(ap.done, ap.total)
	}
}

// fail records a's failure, and marks its refs failed for the actions that
// depend on them.
func (ap *applier) fail(a *Action, err error) {
	a.Result = &Result{Error: err.Error()}
	if a.Ref != "" {
		ap.failed[a.Ref] = err.Error()
	}
	if a.SiteRef != "" {
		ap.failed[a.SiteRef] = err.Error()
	}
}

// isAssetWrite reports whether k is one of the batched asset writes.
func isAssetWrite(k ActionKind) bool {
	return k == CreateAsset || k == UpdateAsset || k == DeactivateAsset
}

// applyPrerequisites runs every write that is not an asset write, in plan
// order; it returns ctx.Err() if ctx ends first.
func (ap *applier) applyPrerequisites(ctx context.Context) error {
	for i := range ap.cs.Actions {
		a := &ap.cs.Actions[i]
		if !a.IsWrite() || isAssetWrite(a.Kind) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ap.applyPrerequisite(ctx, a)
		ap.step(1)
	}
	return nil
}

// applyPrerequisite runs one field, customer, site or asset type creation
// and records its result (and the created id under its refs).
func (ap *applier) applyPrerequisite(ctx context.Context, a *Action) {
	switch a.Kind {
	case CreateField:
		if err := ap.t.CreateField(ctx, *a.Field); err != nil {
			ap.fail(a, err)
		} else {
			a.Result = &Result{OK: true}
		}
	case CreateCustomer:
		cid, sid, err := ap.t.CreateCustomer(ctx, *a.Customer)
		if err != nil {
			ap.fail(a, err)
		} else {
			ap.ids[a.Ref], ap.ids[a.SiteRef] = cid, sid
			a.Result = &Result{OK: true, ID: cid}
		}
	case CreateSite:
		s := *a.Site
		if s.CustomerRef != "" {
			if why, bad := ap.failed[s.CustomerRef]; bad {
				ap.fail(a, fmt.Errorf("customer %s was not created: %s", s.CustomerRef, why))
				return
			}
			s.CustomerID = ap.ids[s.CustomerRef]
		}
		id, err := ap.t.CreateSite(ctx, s)
		if err != nil {
			ap.fail(a, err)
		} else {
			ap.ids[a.Ref] = id
			a.Result = &Result{OK: true, ID: id}
		}
	case LinkSite:
		sl, ok := ap.t.(SiteLinker)
		if !ok {
			ap.fail(a, errors.New("the target keeps no site links (it is not a SiteLinker)"))
			return
		}
		if err := sl.LinkSite(ctx, a.LinkCustomerID, a.LinkSiteID, *a.SiteLink); err != nil {
			ap.fail(a, err)
		} else {
			a.Result = &Result{OK: true}
		}
	case CreateAssetType:
		id, err := ap.t.CreateAssetType(ctx, *a.AssetType)
		if err != nil {
			ap.fail(a, err)
		} else {
			ap.ids[a.Ref] = id
			a.Result = &Result{OK: true, ID: id}
		}
	}
}

// resolveMappings fills in the IDs of the customers and sites the plan's
// new mappings point at, now that they exist; a mapping to something that
// failed keeps its refs and no IDs.
func (ap *applier) resolveMappings() {
	for i := range ap.cs.NewMappings {
		m := &ap.cs.NewMappings[i]
		if m.CustomerRef != "" {
			if id, ok := ap.ids[m.CustomerRef]; ok {
				m.CustomerID, m.CustomerRef = id, ""
			}
		}
		if m.SiteRef != "" {
			if id, ok := ap.ids[m.SiteRef]; ok {
				m.SiteID, m.SiteRef = id, ""
			}
		}
	}
}

// resolveAssetWrites collects the asset writes to save, with their site
// and type refs replaced by created ids. A write that cannot be resolved,
// or a deactivation for absence from a partial listing, gets its failed
// result here and is left out.
func (ap *applier) resolveAssetWrites() (pending []*Action, writes []AssetWrite) {
	for i := range ap.cs.Actions {
		a := &ap.cs.Actions[i]
		if !isAssetWrite(a.Kind) {
			continue
		}
		if a.Kind == DeactivateAsset && a.Absent && !ap.cs.SourceComplete {
			a.Result = &Result{Error: ErrPartialListing.Error()}
			ap.step(1)
			continue
		}
		w := *a.Write
		if bad := ap.resolveRefs(&w); len(bad) > 0 {
			a.Result = &Result{Error: fmt.Sprint(bad)}
			ap.step(1)
			continue
		}
		pending = append(pending, a)
		writes = append(writes, w)
	}
	return pending, writes
}

// resolveRefs sets w's SiteID and TypeID from its SiteRef and TypeRef
// (clearing each ref it resolves) and returns why any ref cannot be.
func (ap *applier) resolveRefs(w *AssetWrite) (bad []string) {
	for _, ref := range []*string{&w.SiteRef, &w.TypeRef} {
		if *ref == "" {
			continue
		}
		if why, ok := ap.failed[*ref]; ok {
			bad = append(bad, fmt.Sprintf("%s was not created: %s", *ref, why))
			continue
		}
		id, ok := ap.ids[*ref]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s is not in the plan", *ref))
			continue
		}
		if ref == &w.SiteRef {
			w.SiteID = id
		} else {
			w.TypeID = id
		}
		*ref = ""
	}
	return bad
}

// assetBatch is the half-open range [from, to) of the writes one
// SaveAssets call carries.
type assetBatch struct{ from, to int }

// saveAssets saves writes in batches, opts.Concurrency at a time, and
// records each pending action's result; it returns ctx.Err() if ctx ended
// before every batch was started.
func (ap *applier) saveAssets(ctx context.Context, pending []*Action, writes []AssetWrite) error {
	batches := make(chan assetBatch)
	var wg sync.WaitGroup
	for range ap.opts.Concurrency {
		wg.Go(func() {
			for b := range batches {
				ap.saveBatch(ctx, b, pending, writes)
			}
		})
	}
	err := ap.feedBatches(ctx, batches, len(writes))
	close(batches)
	wg.Wait()
	return err
}

// feedBatches sends the batches covering n writes until done or ctx ends.
func (ap *applier) feedBatches(ctx context.Context, batches chan<- assetBatch, n int) error {
	for from := 0; from < n; from += ap.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case batches <- assetBatch{from, min(from+ap.opts.BatchSize, n)}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// saveBatch makes one SaveAssets call and records its per-write results.
func (ap *applier) saveBatch(ctx context.Context, b assetBatch, pending []*Action, writes []AssetWrite) {
	res := ap.t.SaveAssets(ctx, writes[b.from:b.to])
	for k := b.from; k < b.to; k++ {
		a := pending[k]
		switch r := k - b.from; {
		case r >= len(res):
			a.Result = &Result{Error: "the target returned no result for this write"}
		case res[r].Err != nil:
			a.Result = &Result{Error: res[r].Err.Error()}
		default:
			id := res[r].ID
			if id == 0 {
				id = a.AssetID
			}
			a.Result = &Result{OK: true, ID: id}
		}
	}
	ap.step(b.to - b.from)
}

// markCancelled marks every write not started as not run and returns
// the *StoppedError Apply reports.
func markCancelled(cs *Changeset, err error) error {
	for i := range cs.Actions {
		if a := &cs.Actions[i]; a.IsWrite() && a.Result == nil {
			a.Result = &Result{Error: "not run: " + err.Error(), NotRun: true}
		}
	}
	return &StoppedError{Writes: cs.WriteCounts(), Err: err}
}
