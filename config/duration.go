package config

import (
	"fmt"
	"time"
)

// Duration is a time.Duration as configuration files write it: a Go
// duration string such as "15s", "2m30s" or "72h". It decodes from such a
// string only (a bare number is refused: it would have no unit) and
// encodes to one, so a printed configuration loads back unchanged. Inside
// a document decoded with Decode, a bad value is an *Error naming its key:
//
//	config receiver.read_timeout: want a duration such as "15s" or "1h30m", got "15"
type Duration time.Duration

// MarshalText writes d as time.Duration.String does ("1m30s").
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText reads a Go duration string (time.ParseDuration).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as \"15s\" or \"1h30m\", got %q", b)
	}
	*d = Duration(v)
	return nil
}

// String returns the duration as time.Duration.String does.
func (d Duration) String() string { return time.Duration(d).String() }
