package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

// schedule runs once(n) now and then every o.every plus a random jitter
// (up to o.jitter; a tenth of o.every when o.jitter is negative), from the
// start of one run to the start of the next, until ctx ends. A run that
// fails or finds the lock held is logged by once and tried again at the
// next tick. It returns exitOK once stopped.
func schedule(ctx context.Context, o options, status *progress.Printer, once func(n int) int) int {
	jitter := o.jitter
	if jitter < 0 {
		jitter = o.every / 10
	}
	for n := 1; ; n++ {
		start := time.Now()
		once(n)
		if ctx.Err() != nil {
			break
		}
		wait := o.every
		if jitter > 0 {
			wait += rand.N(jitter)
		}
		next := start.Add(wait)
		status.Printf("next run at %s", next.Format(time.RFC3339))
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	status.Printf("stopped")
	return exitOK
}

// finishWrites is the Target reconcile.Run is given. Reads follow the
// run's context, so a stop signal abandons loading at once; every write
// gets a context the signal does not cancel, so a request in flight (a
// batch of up to 50 assets) completes and its result is recorded. Apply
// checks the run's context before each write and each batch: a stop takes
// effect between them, and the writes not started are marked not run.
type finishWrites struct{ reconcile.Target }

func (w finishWrites) CreateCustomer(ctx context.Context, c reconcile.NewCustomer) (int, int, error) {
	return w.Target.CreateCustomer(context.WithoutCancel(ctx), c)
}

func (w finishWrites) CreateSite(ctx context.Context, s reconcile.NewSite) (int, error) {
	return w.Target.CreateSite(context.WithoutCancel(ctx), s)
}

func (w finishWrites) CreateAssetType(ctx context.Context, t reconcile.NewAssetType) (int, error) {
	return w.Target.CreateAssetType(context.WithoutCancel(ctx), t)
}

func (w finishWrites) CreateField(ctx context.Context, f reconcile.NewField) error {
	return w.Target.CreateField(context.WithoutCancel(ctx), f)
}

func (w finishWrites) SaveAssets(ctx context.Context, ws []reconcile.AssetWrite) []reconcile.SaveResult {
	return w.Target.SaveAssets(context.WithoutCancel(ctx), ws)
}

// LinkSite passes site links on when the target writes them.
func (w finishWrites) LinkSite(ctx context.Context, customerID, siteID int, l reconcile.SiteLink) error {
	sl, ok := w.Target.(reconcile.SiteLinker)
	if !ok {
		return errors.New("the target keeps no site links")
	}
	return sl.LinkSite(context.WithoutCancel(ctx), customerID, siteID, l)
}

// runReport is what one run did, for stderr (and -json).
type runReport struct {
	Run      int                       `json:"run"`
	Started  time.Time                 `json:"started"`
	Took     string                    `json:"took"`
	Status   string                    `json:"status"` // ok, failed, cancelled, locked, conflict
	Error    string                    `json:"error,omitempty"`
	DryRun   bool                      `json:"dry_run,omitempty"`
	Summary  *reconcile.Summary        `json:"summary,omitempty"`
	Writes   reconcile.WriteCounts     `json:"writes"`
	Requests map[string]progress.Stats `json:"requests,omitempty"`
}

// String renders the report as one line.
func (r runReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %d %s", r.Run, r.Status)
	if r.Error != "" {
		fmt.Fprintf(&b, " (%s)", r.Error)
	}
	if r.Summary != nil {
		fmt.Fprintf(&b, ": %s", r.Summary)
		if r.DryRun {
			b.WriteString("; dry run, nothing written")
		} else {
			fmt.Fprintf(&b, "; writes: %s", r.Writes)
		}
	}
	for _, k := range []string{"halo", "datto"} {
		if s, ok := r.Requests[k]; ok {
			fmt.Fprintf(&b, "; %s %s", k, s)
		}
	}
	fmt.Fprintf(&b, "; took %s", r.Took)
	return b.String()
}
