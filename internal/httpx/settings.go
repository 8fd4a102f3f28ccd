package httpx

import (
	"os"
	"strings"
)

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
