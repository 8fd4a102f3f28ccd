package httpx

import (
	"errors"
	"os"
	"strings"
)

// ErrMissingSetting matches a SettingsError: a client could not be built
// because settings were missing.
var ErrMissingSetting = errors.New("missing settings")

// SettingsError names every setting a client needs and did not get, so a
// user fixes them all at once. Each vendor package re-exports it.
type SettingsError struct {
	Vendor  string
	Missing []string
}

// Error names the vendor and the missing settings.
func (e *SettingsError) Error() string {
	return e.Vendor + ": missing settings: " + strings.Join(e.Missing, ", ") + " (set them in the environment)"
}

// Is matches ErrMissingSetting.
func (e *SettingsError) Is(target error) bool { return target == ErrMissingSetting }

// Env reads a vendor's settings from the environment, trimming values and
// remembering the required ones that are empty.
type Env struct {
	vendor  string
	lookup  func(string) (string, bool)
	missing []string
}

// NewEnv reads the process environment for vendor.
func NewEnv(vendor string) *Env { return &Env{vendor: vendor, lookup: os.LookupEnv} }

// Require returns a variable's value and records it as missing when empty.
func (e *Env) Require(name string) string {
	v := e.Optional(name)
	if v == "" {
		e.missing = append(e.missing, name)
	}
	return v
}

// Optional returns a variable's value, "" when unset.
func (e *Env) Optional(name string) string {
	v, _ := e.lookup(name)
	return strings.TrimSpace(v)
}

// Err is a *SettingsError naming every missing variable, or nil.
func (e *Env) Err() error {
	if len(e.missing) == 0 {
		return nil
	}
	return &SettingsError{Vendor: e.vendor, Missing: append([]string(nil), e.missing...)}
}
