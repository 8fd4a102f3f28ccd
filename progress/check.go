package progress

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Check is one connection check of a program's -check: a name ("halo")
// and a call that connects and says what it found (a client's Ping).
type Check struct {
	Name string
	Ping func(ctx context.Context) (fmt.Stringer, error)
}

// PingCheck adapts a client's Ping method (halo.Client.Ping,
// dattormm.Client.Ping, ...) to a Check.
func PingCheck[T fmt.Stringer](name string, ping func(context.Context) (T, error)) Check {
	return Check{Name: name, Ping: func(ctx context.Context) (fmt.Stringer, error) {
		v, err := ping(ctx)
		if err != nil {
			return nil, err
		}
		return v, nil
	}}
}

// RunChecks runs each check in turn and writes one line each to w:
// "halo: ok: <what it learned>" or "halo: FAILED: <error>". It returns the
// failures joined (nil when every check passed).
func RunChecks(ctx context.Context, w io.Writer, checks ...Check) error {
	var errs []error
	for _, c := range checks {
		info, err := c.Ping(ctx)
		if err != nil {
			fmt.Fprintf(w, "%s: FAILED: %v\n", c.Name, err)
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		fmt.Fprintf(w, "%s: ok: %s\n", c.Name, info)
	}
	return errors.Join(errs...)
}
