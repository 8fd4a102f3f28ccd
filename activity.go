package mspsync

import (
	"fmt"
	"time"
)

// ActivityKind says what an Activity reports.
type ActivityKind string

// Activity kinds.
const (
	// ActivityRetry: a request failed and is sent again after Wait.
	ActivityRetry ActivityKind = "retry"
	// ActivityWait: a request waits Wait for a client-side rate limiter,
	// or for the pause after a 429 that holds every request of a client.
	ActivityWait ActivityKind = "wait"
	// ActivityRefresh: a 401 dropped the credentials; the request is
	// replayed once with fresh ones.
	ActivityRefresh ActivityKind = "refresh"
)

// Activity is one retry, wait or credential refresh of an engine, reported
// as it happens to the observer of its Counters (see Counters.Observe).
// It never carries a secret: Path has no query, Reason is sanitised.
type Activity struct {
	Kind    ActivityKind
	Vendor  string
	Method  string
	Path    string        // the request path, without its query
	Attempt int           // the attempt that failed (ActivityRetry)
	Status  int           // its HTTP status, 0 for a transport failure
	Reason  string        // why ("status", "transport error: …", "rate limit", …)
	Wait    time.Duration // how long the request waits before going on
}

// String renders "halo: retrying GET Asset (attempt 2, status 503) in 1.2s"
// and the like.
func (a Activity) String() string {
	switch a.Kind {
	case ActivityRetry:
		s := fmt.Sprintf("%s: retrying %s %s (attempt %d", a.Vendor, a.Method, a.Path, a.Attempt)
		if a.Status != 0 {
			s += fmt.Sprintf(", status %d", a.Status)
		} else if a.Reason != "" {
			s += ", " + a.Reason
		}
		return s + fmt.Sprintf(") in %s", a.Wait.Round(time.Millisecond))
	case ActivityWait:
		return fmt.Sprintf("%s: waiting %s (%s)", a.Vendor, a.Wait.Round(time.Millisecond), a.Reason)
	case ActivityRefresh:
		return fmt.Sprintf("%s: %s %s answered 401; refreshing credentials and replaying once", a.Vendor, a.Method, a.Path)
	}
	return fmt.Sprintf("%s: %s", a.Vendor, a.Kind)
}

// Observe makes the engines counting into c call fn with each retry, wait
// and credential refresh as it happens, on the request's goroutine (keep
// fn quick; it may be called concurrently). nil stops the reports. It
// replaces an earlier observer.
func (c *Counters) Observe(fn func(Activity)) {
	if fn == nil {
		c.observer.Store(nil)
		return
	}
	c.observer.Store(&fn)
}

// Record counts a retry, wait or refresh and reports it to the observer,
// if any. The HTTP engine calls it; a program that retries or waits on its
// own may record that here too.
func (c *Counters) Record(a Activity) {
	switch a.Kind {
	case ActivityRetry:
		c.retries.Add(1)
		c.retryNanos.Add(int64(a.Wait))
	case ActivityWait:
		c.waits.Add(1)
		c.waitNanos.Add(int64(a.Wait))
	case ActivityRefresh:
		c.refreshes.Add(1)
	}
	if fn := c.observer.Load(); fn != nil {
		(*fn)(a)
	}
}
