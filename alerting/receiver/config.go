package receiver

import (
	"errors"
	"time"

	"github.com/mspsync/mspsync/config"
)

// Config is Limits as a configuration file writes them: durations as Go
// duration strings, sizes in bytes. Lay a file over DefaultConfig with
// config.Decode or config.LoadFile (unknown keys and wrong types are
// errors naming their key), check it with Validate and pass Limits() to
// Serve. In JSON, with the defaults:
//
//	{"read_header_timeout": "5s", "read_timeout": "15s", "write_timeout": "30s",
//	 "idle_timeout": "1m0s", "shutdown_timeout": "5s", "max_header_bytes": 16384,
//	 "max_body_bytes": 262144, "max_in_flight": 64, "max_conns": 1024}
//
// Each key is the Limits field of the same name; 0 means its default.
type Config struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout config.Duration `json:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout config.Duration `json:"read_timeout"`
	// WriteTimeout bounds the time from the end of the headers to the
	// end of the answer.
	WriteTimeout config.Duration `json:"write_timeout"`
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout config.Duration `json:"idle_timeout"`
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout config.Duration `json:"shutdown_timeout"`
	// MaxHeaderBytes caps the request line and headers.
	MaxHeaderBytes int `json:"max_header_bytes"`
	// MaxBodyBytes caps a request body (413 beyond it).
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// MaxInFlight caps the requests handled at once (503 beyond it).
	MaxInFlight int `json:"max_in_flight"`
	// MaxConns caps open connections.
	MaxConns int `json:"max_conns"`
}

// DefaultConfig returns DefaultLimits as a Config.
func DefaultConfig() Config {
	l := DefaultLimits()
	return Config{
		ReadHeaderTimeout: config.Duration(l.ReadHeaderTimeout),
		ReadTimeout:       config.Duration(l.ReadTimeout),
		WriteTimeout:      config.Duration(l.WriteTimeout),
		IdleTimeout:       config.Duration(l.IdleTimeout),
		ShutdownTimeout:   config.Duration(l.ShutdownTimeout),
		MaxHeaderBytes:    l.MaxHeaderBytes,
		MaxBodyBytes:      l.MaxBodyBytes,
		MaxInFlight:       l.MaxInFlight,
		MaxConns:          l.MaxConns,
	}
}

// Validate refuses negative values, one *config.Error per key (joined).
// Keys are relative to the Config object; a program that nests it under
// a key of its own file prefixes them.
func (c Config) Validate() error {
	var errs []error
	neg := func(key string, bad bool) {
		if bad {
			errs = append(errs, &config.Error{Key: key, Problem: "must not be negative (0 means the default)"})
		}
	}
	neg("read_header_timeout", c.ReadHeaderTimeout < 0)
	neg("read_timeout", c.ReadTimeout < 0)
	neg("write_timeout", c.WriteTimeout < 0)
	neg("idle_timeout", c.IdleTimeout < 0)
	neg("shutdown_timeout", c.ShutdownTimeout < 0)
	neg("max_header_bytes", c.MaxHeaderBytes < 0)
	neg("max_body_bytes", c.MaxBodyBytes < 0)
	neg("max_in_flight", c.MaxInFlight < 0)
	neg("max_conns", c.MaxConns < 0)
	return errors.Join(errs...)
}

// Limits returns c as Limits, zero values taking DefaultLimits'.
func (c Config) Limits() Limits {
	return Limits{
		ReadHeaderTimeout: time.Duration(c.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(c.ReadTimeout),
		WriteTimeout:      time.Duration(c.WriteTimeout),
		IdleTimeout:       time.Duration(c.IdleTimeout),
		ShutdownTimeout:   time.Duration(c.ShutdownTimeout),
		MaxHeaderBytes:    c.MaxHeaderBytes,
		MaxBodyBytes:      c.MaxBodyBytes,
		MaxInFlight:       c.MaxInFlight,
		MaxConns:          c.MaxConns,
	}.withDefaults()
}
