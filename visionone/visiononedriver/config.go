package visiononedriver

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/config"
	"github.com/mspsync/mspsync/visionone"
)

// Kind is the alert source name of Vision One alerts (alerting.Alert.Source).
const Kind = "visionone"

// AlertKind is one of the kinds of Vision One alert the integration turns
// into tickets; each can be switched off per customer.
type AlertKind string

// The alert kinds.
const (
	// KindWorkbench: workbench alerts (poller and notifications).
	KindWorkbench AlertKind = "workbench"
	// KindHighRiskUser and KindHighRiskDevice: users and devices newly
	// rated high-risk (poller).
	KindHighRiskUser   AlertKind = "high_risk_user"
	KindHighRiskDevice AlertKind = "high_risk_device"
	// KindNewAsset: newly discovered watchlisted assets (poller).
	KindNewAsset AlertKind = "new_asset"
	// KindRiskEvent: new risk events, High or Medium by default
	// (notifications only: the API has no tenant-wide list of them).
	KindRiskEvent AlertKind = "risk_event"
)

// Kinds lists every alert kind.
var Kinds = []AlertKind{KindWorkbench, KindHighRiskUser, KindHighRiskDevice, KindNewAsset, KindRiskEvent}

// The alert types (alerting.Alert.Type) of the kinds other than workbench
// alerts, whose type is the detection model. Configure per-type ticket
// settings (alerting.Config.AlertTypes) with them.
const (
	TypeHighRiskUser   = "High-risk user"
	TypeHighRiskDevice = "High-risk device"
	TypeNewAsset       = "Newly discovered asset"
	TypeRiskEvent      = "New risk event"
)

// Defaults of Config.
const (
	DefaultPollInterval   = 5 * time.Minute
	DefaultFirstRunWindow = 4 * time.Hour
	// DefaultWatchlistFilter selects the assets a new-asset alert is
	// raised for. Vision One's API has no watchlist field (attack-surface
	// devices filter on criticality, assetCustomTagIds and the like): set
	// Config.WatchlistFilter to the criterion that marks your watchlist,
	// e.g. contains(assetCustomTagIds,'<tag id>').
	DefaultWatchlistFilter = "criticality eq 'high'"
)

// DefaultRiskEventSeverities are the risk-event severities that become
// tickets, as the HaloPSA integration does.
var DefaultRiskEventSeverities = []string{"High", "Medium"}

// Config is the Vision One integration's configuration: plain JSON data
// (LoadConfig), turned into the engine's routing by EngineConfig.
type Config struct {
	// Customers are the Vision One customers, one API key (and region)
	// each.
	Customers []CustomerConfig `json:"customers"`
	// AutoMatch maps a customer without PSACustomer to the PSA customer of
	// exactly its name (case and runs of space aside). Default on.
	AutoMatch *bool `json:"auto_match,omitempty"`
	// DefaultCustomer is the PSA customer (ID) that gets the tickets of
	// customers neither mapped nor auto-matched. Required.
	DefaultCustomer string `json:"default_customer"`
	// DefaultContact is the PSA contact of those tickets, if any.
	DefaultContact string `json:"default_contact,omitempty"`
	// TicketType is the PSA ticket type (ID) of every ticket. Required.
	TicketType string `json:"ticket_type"`
	// PollInterval is how often the pollers run (Go duration; default 5m).
	PollInterval string `json:"poll_interval,omitempty"`
	// FirstRunWindow is how far back a poller looks on its first run
	// (default 4h).
	FirstRunWindow string `json:"first_run_window,omitempty"`
	// HighRiskMinScore, when above 0, lists high-risk users and devices
	// with TMV1-Filter "riskScore ge <n>".
	HighRiskMinScore int `json:"high_risk_min_score,omitempty"`
	// WatchlistFilter is the TMV1-Filter expression that selects the
	// watchlisted attack-surface devices (default DefaultWatchlistFilter).
	WatchlistFilter string `json:"watchlist_filter,omitempty"`
	// RiskEventSeverities are the risk-event severities that become
	// tickets (default High and Medium).
	RiskEventSeverities []string `json:"risk_event_severities,omitempty"`
	// ResolveSync writes Closed back to a workbench alert when its PSA
	// ticket is closed, with InvestigationResult (then required: no value
	// is right for every close).
	ResolveSync         bool   `json:"resolve_sync,omitempty"`
	InvestigationResult string `json:"investigation_result,omitempty"`
	// Notifications configures the notification intake.
	Notifications *NotificationConfig `json:"notifications,omitempty"`
}

// CustomerConfig is one Vision One customer: a connection (region or base
// URL, API key) and its mapping.
type CustomerConfig struct {
	// ID is the customer's stable reference in mspsync (Alert.Account and
	// Alert.Customer.ID); letters, digits, '.', '_' and '-'. Default: the
	// name in lower case with other characters as '-'.
	ID string `json:"id,omitempty"`
	// Name is the customer's name in Vision One; auto-match looks it up
	// in the PSA.
	Name string `json:"name"`
	// Region (us, eu, jp, ...) or BaseURL (another host) of its console.
	Region  string `json:"region,omitempty"`
	BaseURL string `json:"base_url,omitempty"`
	// APIKeyEnv names the environment variable holding its API key.
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// PSACustomer maps it to a PSA customer (ID) by hand; a manual mapping
	// wins over auto-match.
	PSACustomer string `json:"psa_customer,omitempty"`
	// CreateTickets is its "auto-create tickets" switch; unset means on.
	CreateTickets *bool `json:"create_tickets,omitempty"`
	// DisabledKinds switches alert kinds off for it: no tickets, and the
	// pollers do not ask for them.
	DisabledKinds []AlertKind `json:"disabled_kinds,omitempty"`
}

// Ref returns the customer's stable reference: ID, or one made from Name.
func (c CustomerConfig) Ref() string {
	if c.ID != "" {
		return c.ID
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(c.Name)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// Enabled reports whether kind is on for the customer.
func (c CustomerConfig) Enabled(kind AlertKind) bool { return !slices.Contains(c.DisabledKinds, kind) }

// TicketsOn reports the customer's "auto-create tickets" switch.
func (c CustomerConfig) TicketsOn() bool { return c.CreateTickets == nil || *c.CreateTickets }

// CustomerRef is the alerting customer reference of the customer.
func (c CustomerConfig) CustomerRef() alerting.CustomerRef {
	return alerting.CustomerRef{ID: c.Ref(), Name: c.Name}
}

// NewClient returns the customer's Vision One client: its region or base
// URL, and the API key from the variable APIKeyEnv names (looked up with
// getenv; nil means os.Getenv). opts come after those.
func (c CustomerConfig) NewClient(getenv func(string) string, opts ...visionone.Option) (*visionone.Client, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if c.APIKeyEnv == "" {
		return nil, fmt.Errorf("visiononedriver: customer %q: api_key_env is empty", c.Name)
	}
	key := strings.TrimSpace(getenv(c.APIKeyEnv))
	if key == "" {
		return nil, &visionone.SettingsError{Vendor: visionone.Vendor, Missing: []string{c.APIKeyEnv}}
	}
	base := []visionone.Option{visionone.WithAPIKey(key)}
	switch {
	case c.BaseURL != "":
		base = append(base, visionone.WithBaseURL(c.BaseURL))
	case c.Region != "":
		base = append(base, visionone.WithRegion(visionone.Region(c.Region)))
	}
	return visionone.NewClient(append(base, opts...)...)
}

// ErrInvalidConfig matches every configuration error of this package (and
// is alerting.ErrInvalidConfig); errors.As finds the *alerting.ConfigError
// of each problem.
var ErrInvalidConfig = alerting.ErrInvalidConfig

type invalidConfig struct{ err error }

func (e *invalidConfig) Error() string        { return "visiononedriver: " + e.err.Error() }
func (e *invalidConfig) Unwrap() error        { return e.err }
func (e *invalidConfig) Is(target error) bool { return target == ErrInvalidConfig }

// LoadConfig reads a JSON Config strictly (unknown keys are errors naming
// their path) and validates it.
func LoadConfig(r io.Reader) (*Config, error) {
	var c Config
	if err := config.Decode(r, &c); err != nil {
		if _, ok := errors.AsType[*alerting.ConfigError](err); ok {
			return nil, &invalidConfig{err}
		}
		return nil, fmt.Errorf("visiononedriver: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the configuration: a ticket type and a default customer
// are required, every customer has a name, a unique valid reference, at
// most one of region and base URL (a known region), known alert kinds,
// and resolve sync names a valid investigation result. The error joins one
// *alerting.ConfigError per problem and matches ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &alerting.ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.TicketType) == "" {
		bad("ticket_type", "is empty: every Vision One ticket needs a ticket type (the PSA's ticket type ID); without one no ticket could be created")
	}
	if strings.TrimSpace(c.DefaultCustomer) == "" {
		bad("default_customer", "is empty: tickets of Vision One customers that are neither mapped nor auto-matched go to the default PSA customer")
	}
	for _, d := range []struct{ key, v string }{{"poll_interval", c.PollInterval}, {"first_run_window", c.FirstRunWindow}} {
		if d.v != "" {
			if v, err := time.ParseDuration(d.v); err != nil || v <= 0 {
				bad(d.key, "%q is not a duration > 0 such as \"5m\"", d.v)
			}
		}
	}
	if c.HighRiskMinScore < 0 || c.HighRiskMinScore > 100 {
		bad("high_risk_min_score", "%d is not 0 to 100", c.HighRiskMinScore)
	}
	for i, s := range c.RiskEventSeverities {
		if alerting.ParseSeverity(s) == alerting.SeverityUnknown {
			bad("risk_event_severities["+strconv.Itoa(i)+"]", "%q is not a severity (Low, Medium, High, Critical)", s)
		}
	}
	if c.ResolveSync {
		switch {
		case c.InvestigationResult == "":
			bad("investigation_result", "is empty: resolve sync closes workbench alerts with it and no value is right for every close; one of %q", visionone.InvestigationResults)
		case !slices.Contains(visionone.InvestigationResults, c.InvestigationResult):
			bad("investigation_result", "%q is not one of %q", c.InvestigationResult, visionone.InvestigationResults)
		}
	}
	refs := map[string]int{}
	for i, cu := range c.Customers {
		key := "customers[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(cu.Name) == "" {
			bad(key+".name", "is empty")
		}
		ref := cu.Ref()
		switch {
		case ref == "":
			bad(key+".id", "is empty and the name gives none")
		case !validRef(ref):
			bad(key+".id", "%q: use letters, digits, '.', '_' or '-'", ref)
		}
		if j, dup := refs[strings.ToLower(ref)]; dup && ref != "" {
			bad(key+".id", "%q is already used by customers[%d]", ref, j)
		} else {
			refs[strings.ToLower(ref)] = i
		}
		if cu.Region != "" && cu.BaseURL != "" {
			bad(key+".base_url", "is set together with region: use one")
		}
		if cu.Region != "" {
			if _, ok := visionone.RegionHost(visionone.Region(cu.Region)); !ok {
				bad(key+".region", "%q is not one of %v (use base_url for another host)", cu.Region, visionone.Regions())
			}
		}
		for j, k := range cu.DisabledKinds {
			if !slices.Contains(Kinds, k) {
				bad(fmt.Sprintf("%s.disabled_kinds[%d]", key, j), "%q is not one of %q", k, Kinds)
			}
		}
	}
	if n := c.Notifications; n != nil {
		for k, v := range n.Types {
			if !slices.Contains(Kinds, v) {
				bad("notifications.types."+k, "%q is not one of %q", v, Kinds)
			}
		}
	}
	if len(errs) > 0 {
		return &invalidConfig{errors.Join(errs...)}
	}
	return nil
}

func validRef(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return s != ""
}

// autoMatch reports Config.AutoMatch (default on).
func (c Config) autoMatch() bool { return c.AutoMatch == nil || *c.AutoMatch }

// EngineConfig returns base with the integration's routing laid over it:
// the ticket type, auto-match, the default customer as catch-all, and one
// customer mapping per Vision One customer that is mapped by hand or has
// ticket creation off (Disabled). It validates c first.
func (c Config) EngineConfig(base alerting.Config) (alerting.Config, error) {
	if err := c.Validate(); err != nil {
		return base, err
	}
	out := base
	out.Ticket.Type = c.TicketType
	out.AutoMatch = c.autoMatch()
	out.CatchAll = &alerting.CatchAll{Customer: c.DefaultCustomer, Contact: c.DefaultContact}
	out.Customers = slices.Clone(base.Customers)
	for _, cu := range c.Customers {
		switch {
		case !cu.TicketsOn():
			out.Customers = append(out.Customers, alerting.CustomerMapping{Source: Kind, SourceCustomer: cu.Ref(), Name: cu.Name, Customer: cu.PSACustomer, Disabled: true})
		case cu.PSACustomer != "":
			out.Customers = append(out.Customers, alerting.CustomerMapping{Source: Kind, SourceCustomer: cu.Ref(), Name: cu.Name, Customer: cu.PSACustomer})
		}
	}
	if err := out.Validate(); err != nil {
		return base, err
	}
	return out, nil
}

// durations returns the poll interval and first-run window.
func (c Config) durations() (interval, window time.Duration) {
	interval, window = DefaultPollInterval, DefaultFirstRunWindow
	if d, err := time.ParseDuration(c.PollInterval); err == nil && d > 0 {
		interval = d
	}
	if d, err := time.ParseDuration(c.FirstRunWindow); err == nil && d > 0 {
		window = d
	}
	return interval, window
}

// PollerOptions returns the poller options the configuration sets.
func (c Config) PollerOptions() []PollerOption {
	interval, window := c.durations()
	opts := []PollerOption{WithInterval(interval), WithFirstRunWindow(window), WithHighRiskMinScore(c.HighRiskMinScore)}
	if c.WatchlistFilter != "" {
		opts = append(opts, WithWatchlistFilter(c.WatchlistFilter))
	}
	return opts
}
