package reconcile

import (
	"context"
	"sync"
)

// EnrichEach calls fn on each device with at most concurrency calls in
// flight (4 when concurrency <= 0): the worker pool an Enricher needs to
// read one expensive record per device. fn runs on several goroutines at
// once, each call with its own device, and may fill that device's Fields.
//
// The first error fn returns stops the feeding of further devices (calls
// in flight finish) and is returned. Otherwise, when ctx is done, no
// further device is handed out and ctx.Err() is returned.
//
// Under Run, each finished call is reported as PhaseEnrich progress
// (done of len(devices)) to RunOptions.OnProgress.
func EnrichEach(ctx context.Context, devices []*Device, concurrency int, fn func(ctx context.Context, d *Device) error) error {
	n := concurrency
	if n <= 0 {
		n = 4
	}
	report := progressOf(ctx)
	work := make(chan *Device)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	done := 0
	for range n {
		wg.Go(func() {
			for d := range work {
				err := fn(ctx, d)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				done++
				if report != nil {
					report(done, len(devices))
				}
				mu.Unlock()
			}
		})
	}
	for _, d := range devices {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- d
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
