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

// Apply carries out a plan's writes against t and records each action's
// Result: fields, customers, sites and asset types first (in order), then
// asset creates, updates and deactivations in batches, a bounded number at
// a time. An asset whose customer, site or type failed to be created fails
// too. When ctx ends, Apply stops starting work, marks what did not run and
// returns ctx.Err(); otherwise it returns nil, and failures are in the
// results (Summary().Failed).
func Apply(ctx context.Context, cs *Changeset, t Target, opts ApplyOptions) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	total, done := cs.Writes(), 0
	var mu sync.Mutex
	step := func(n int) { // calls to Progress are serialised
		mu.Lock()
		defer mu.Unlock()
		done += n
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	}
	ids := map[string]int{}       // ref → created id
	failed := map[string]string{} // ref → why
	fail := func(a *Action, err error) {
		a.Result = &Result{Error: err.Error()}
		if a.Ref != "" {
			failed[a.Ref] = err.Error()
		}
		if a.SiteRef != "" {
			failed[a.SiteRef] = err.Error()
		}
	}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if !a.IsWrite() || a.Kind == CreateAsset || a.Kind == UpdateAsset || a.Kind == DeactivateAsset {
			continue
		}
		if err := ctx.Err(); err != nil {
			markCancelled(cs, err)
			return err
		}
		switch a.Kind {
		case CreateField:
			if err := t.CreateField(ctx, *a.Field); err != nil {
				fail(a, err)
			} else {
				a.Result = &Result{OK: true}
			}
		case CreateCustomer:
			cid, sid, err := t.CreateCustomer(ctx, *a.Customer)
			if err != nil {
				fail(a, err)
			} else {
				ids[a.Ref], ids[a.SiteRef] = cid, sid
				a.Result = &Result{OK: true, ID: cid}
			}
		case CreateSite:
			s := *a.Site
			if s.CustomerRef != "" {
				if why, bad := failed[s.CustomerRef]; bad {
					fail(a, fmt.Errorf("customer %s was not created: %s", s.CustomerRef, why))
					break
				}
				s.CustomerID = ids[s.CustomerRef]
			}
			id, err := t.CreateSite(ctx, s)
			if err != nil {
				fail(a, err)
			} else {
				ids[a.Ref] = id
				a.Result = &Result{OK: true, ID: id}
			}
		case CreateAssetType:
			id, err := t.CreateAssetType(ctx, *a.AssetType)
			if err != nil {
				fail(a, err)
			} else {
				ids[a.Ref] = id
				a.Result = &Result{OK: true, ID: id}
			}
		}
		step(1)
	}

	// Asset writes, refs resolved.
	var pending []*Action
	var writes []AssetWrite
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.Kind != CreateAsset && a.Kind != UpdateAsset && a.Kind != DeactivateAsset {
			continue
		}
		if a.Kind == DeactivateAsset && a.Absent && !cs.SourceComplete {
			a.Result = &Result{Error: ErrPartialListing.Error()}
			step(1)
			continue
		}
		w := *a.Write
		var bad []string
		for _, ref := range []*string{&w.SiteRef, &w.TypeRef} {
			if *ref == "" {
				continue
			}
			if why, ok := failed[*ref]; ok {
				bad = append(bad, fmt.Sprintf("%s was not created: %s", *ref, why))
				continue
			}
			id, ok := ids[*ref]
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
		if len(bad) > 0 {
			a.Result = &Result{Error: fmt.Sprint(bad)}
			step(1)
			continue
		}
		pending = append(pending, a)
		writes = append(writes, w)
	}
	type batch struct{ from, to int }
	batches := make(chan batch)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Go(func() {
			for b := range batches {
				res := t.SaveAssets(ctx, writes[b.from:b.to])
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
				step(b.to - b.from)
			}
		})
	}
	var err error
	for from := 0; from < len(writes); from += opts.BatchSize {
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case batches <- batch{from, min(from+opts.BatchSize, len(writes))}:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	close(batches)
	wg.Wait()
	if err != nil {
		markCancelled(cs, err)
	}
	return err
}

func markCancelled(cs *Changeset, err error) {
	for i := range cs.Actions {
		if a := &cs.Actions[i]; a.IsWrite() && a.Result == nil {
			a.Result = &Result{Error: "not run: " + err.Error()}
		}
	}
}
