package alerting

import (
	"context"
	"fmt"
	"sync"
)

// dispatcher runs Run's claimed items: at most e.workers claimed and not
// finished at a time, the items of one alert one after the other.
type dispatcher struct {
	e     *Engine
	wg    sync.WaitGroup
	freed chan struct{} // an item finished: claim more

	mu     sync.Mutex
	held   int                      // claimed and not finished
	chains map[string][]PendingItem // alert key → items waiting behind the running one
}

// fill claims due items up to the free capacity and starts them.
func (d *dispatcher) fill(ctx context.Context) error {
	if !d.e.enter() {
		return ErrClosed
	}
	defer d.e.inflight.Done()
	for {
		d.mu.Lock()
		free := d.e.workers - d.held
		d.mu.Unlock()
		if free <= 0 {
			return nil
		}
		items, err := d.e.store.Claim(ctx, d.e.owner, d.e.now(), d.e.leaseTTL, free)
		if err != nil {
			return fmt.Errorf("alerting: claim pending: %w", err)
		}
		for _, it := range items {
			d.start(ctx, it)
		}
		if len(items) < free {
			return nil
		}
	}
}

// start runs it, or queues it behind the running item of its alert. The
// caller holds an inflight count (fill), so Close waits for the chain.
func (d *dispatcher) start(ctx context.Context, it PendingItem) {
	k := it.Alert.Key()
	d.mu.Lock()
	d.held++
	if q, running := d.chains[k]; running {
		d.chains[k] = append(q, it)
		d.mu.Unlock()
		return
	}
	d.chains[k] = nil
	d.mu.Unlock()
	d.e.inflight.Add(1)
	d.wg.Go(func() {
		defer d.e.inflight.Done()
		for {
			_, _ = d.e.process(ctx, it)
			d.mu.Lock()
			d.held--
			q := d.chains[k]
			if len(q) == 0 {
				delete(d.chains, k)
			} else {
				it, d.chains[k] = q[0], q[1:]
			}
			d.mu.Unlock()
			select {
			case d.freed <- struct{}{}:
			default:
			}
			if len(q) == 0 {
				return
			}
		}
	})
}
