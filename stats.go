package mspsync

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Counters count what an engine did. One Counters may be shared by several
// engines (Config.Counters) to report them together. Safe for concurrent
// use.
type Counters struct {
	requests, reads, writes, retries, waits, refreshes, failures atomic.Int64
	waitNanos, retryNanos                                        atomic.Int64
	observer                                                     atomic.Pointer[func(Activity)]
}

// AddRequest counts one attempt sent; write says whether its method writes
// (anything but GET, HEAD and OPTIONS). The HTTP engine calls AddRequest,
// AddFailure and Record; a program that makes its own calls may count them
// here too.
func (c *Counters) AddRequest(write bool) {
	c.requests.Add(1)
	if write {
		c.writes.Add(1)
	} else {
		c.reads.Add(1)
	}
}

// AddFailure counts one call that returned an error.
func (c *Counters) AddFailure() { c.failures.Add(1) }

// Stats is a snapshot of Counters.
type Stats struct {
	Requests  int64         // attempts sent, retries included
	Reads     int64         // GET/HEAD/OPTIONS attempts
	Writes    int64         // other attempts
	Retries   int64         // retries scheduled (backoff or Retry-After)
	RetryWait time.Duration // total time slept before retries
	Waits     int64         // times the client-side rate limiter made a request wait
	WaitTime  time.Duration // total time waited on rate limiters
	Refreshes int64         // credential refreshes after a 401
	Failures  int64         // calls that returned an error
}

// Snapshot returns the current counts.
func (c *Counters) Snapshot() Stats {
	return Stats{
		Requests:  c.requests.Load(),
		Reads:     c.reads.Load(),
		Writes:    c.writes.Load(),
		Retries:   c.retries.Load(),
		RetryWait: time.Duration(c.retryNanos.Load()),
		Waits:     c.waits.Load(),
		WaitTime:  time.Duration(c.waitNanos.Load()),
		Refreshes: c.refreshes.Load(),
		Failures:  c.failures.Load(),
	}
}

// Sub returns the counts accumulated since an earlier snapshot.
func (s Stats) Sub(before Stats) Stats {
	return Stats{
		Requests:  s.Requests - before.Requests,
		Reads:     s.Reads - before.Reads,
		Writes:    s.Writes - before.Writes,
		Retries:   s.Retries - before.Retries,
		RetryWait: s.RetryWait - before.RetryWait,
		Waits:     s.Waits - before.Waits,
		WaitTime:  s.WaitTime - before.WaitTime,
		Refreshes: s.Refreshes - before.Refreshes,
		Failures:  s.Failures - before.Failures,
	}
}

// String renders "N requests (R reads, W writes), M retries, K rate-limit waits (D)".
func (s Stats) String() string {
	return fmt.Sprintf("%d requests (%d reads, %d writes), %d retries, %d rate-limit waits (%s)",
		s.Requests, s.Reads, s.Writes, s.Retries, s.Waits, s.WaitTime.Round(time.Millisecond))
}
