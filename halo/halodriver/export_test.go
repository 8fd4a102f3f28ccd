package halodriver

import "time"

// WithClock replaces time.Now in the alert sink's asset cache (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }
