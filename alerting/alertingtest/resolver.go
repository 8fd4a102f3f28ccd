package alertingtest

import (
	"context"
	"slices"
	"sync"

	"github.com/mspsync/mspsync/alerting"
)

// Resolver is an in-memory alerting.Resolver: it records every alert it
// resolves. It is safe for concurrent use.
type Resolver struct {
	f        faults
	mu       sync.Mutex
	resolved []alerting.AlertRef
}

var _ alerting.Resolver = (*Resolver)(nil)

// NewResolver returns a resolver with nothing resolved.
func NewResolver() *Resolver { return &Resolver{} }

// ResolveAlert implements alerting.Resolver. Resolving an alert twice is
// harmless and recorded twice.
func (r *Resolver) ResolveAlert(ctx context.Context, a alerting.AlertRef) error {
	effect, err := r.f.call(OpResolveAlert)
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if err != nil && !effect {
		return err
	}
	r.mu.Lock()
	r.resolved = append(r.resolved, a)
	r.mu.Unlock()
	return err
}

// Resolved returns the alerts resolved so far, in order.
func (r *Resolver) Resolved() []alerting.AlertRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.resolved)
}

// FailNext makes the next n calls fail with err (ErrInjected if nil); n < 0
// fails every call until Heal.
func (r *Resolver) FailNext(n int, err error) { r.f.add(OpResolveAlert, n, err, false) }

// LoseNextResponse makes the next n calls resolve the alert and then fail.
func (r *Resolver) LoseNextResponse(n int, err error) { r.f.add(OpResolveAlert, n, err, true) }

// Heal removes every injected fault.
func (r *Resolver) Heal() { r.f.heal() }

// Calls returns how many times ResolveAlert was called, failed calls
// included.
func (r *Resolver) Calls() int { return r.f.count(OpResolveAlert) }
