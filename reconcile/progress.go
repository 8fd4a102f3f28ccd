package reconcile

import (
	"context"
	"sync"
)

// Phase is a stage of Run.
type Phase string

// Run's phases, in order. PhaseEnrich is left out when the source needs
// no expensive reads, PhaseApply on a dry run or a plan without writes.
const (
	PhaseLoadTarget Phase = "load_target" // reading the PSA
	PhaseLoadSource Phase = "load_source" // reading the RMM
	PhaseEnrich     Phase = "enrich"      // expensive per-device reads (Datto's audits)
	PhasePlan       Phase = "plan"        // planning (pure, no requests)
	PhaseApply      Phase = "apply"       // writing to the PSA
)

// ProgressKind says what a ProgressEvent reports.
type ProgressKind string

// Progress event kinds.
const (
	// PhaseStarted: Run entered Phase; Total is the number of items the
	// phase works through when it is known (devices to enrich, writes to
	// apply), else 0.
	PhaseStarted ProgressKind = "phase_started"
	// PhaseProgress: Done of Total items of Phase are finished (a device
	// read, a write applied).
	PhaseProgress ProgressKind = "progress"
	// PhaseDone: Phase ended; Done and Total as far as it got, Err its
	// error (nil when it completed).
	PhaseDone ProgressKind = "phase_done"
)

// ProgressEvent is one typed progress report of Run (see
// RunOptions.OnProgress). Programs render it; nothing in it is a log
// line to be parsed.
type ProgressEvent struct {
	Kind  ProgressKind
	Phase Phase
	// Done and Total count the phase's items: devices for PhaseEnrich
	// (those the source reads, 312 of 400), writes for PhaseApply.
	Done, Total int
	// Err is the error that ended the phase (PhaseDone only).
	Err error
}

// progressFunc reports done of total items of the current phase.
type progressFunc func(done, total int)

type progressKey struct{}

// withProgress makes EnrichEach, run under ctx, report its devices to f.
func withProgress(ctx context.Context, f progressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// progressOf returns the reporter Run put into ctx, or nil.
func progressOf(ctx context.Context) progressFunc {
	f, _ := ctx.Value(progressKey{}).(progressFunc)
	return f
}

// reporter serialises a Run's progress events.
type reporter struct {
	mu sync.Mutex
	fn func(ProgressEvent)
}

func (r *reporter) emit(e ProgressEvent) {
	if r == nil || r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fn(e)
}

func (r *reporter) started(p Phase, total int) {
	r.emit(ProgressEvent{Kind: PhaseStarted, Phase: p, Total: total})
}

func (r *reporter) progress(p Phase, done, total int) {
	r.emit(ProgressEvent{Kind: PhaseProgress, Phase: p, Done: done, Total: total})
}

func (r *reporter) done(p Phase, done, total int, err error) {
	r.emit(ProgressEvent{Kind: PhaseDone, Phase: p, Done: done, Total: total, Err: err})
}
