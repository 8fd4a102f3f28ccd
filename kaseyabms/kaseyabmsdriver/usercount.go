package kaseyabmsdriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/jsonintake"
	"github.com/mspsync/mspsync/kaseyabms"
)

// ServiceSpec names a catalogue service for a per-user contract line: by
// ID, or by Name (found in the catalogue, and created there with
// UnitCost and UnitPrice when PerUserBilling.CreateMissingService says so).
// UnitCost and UnitPrice are the line's.
type ServiceSpec struct {
	// ID is the catalogue service's ID; 0 to find it by Name.
	ID int `json:"id,omitempty"`
	// Name is the catalogue service's name, looked up (and created when
	// allowed) when ID is 0.
	Name string `json:"name,omitempty"`
	// UnitCost is the line's cost per user.
	UnitCost float64 `json:"unit_cost"`
	// UnitPrice is the line's price per user.
	UnitPrice float64 `json:"unit_price"`
}

// PerUserBilling is the opt-in per-user contract line of SaaS Alerts' BMS
// integration: for each listed customer, a service line whose unit count
// is the number of users the source reports for that customer is put on
// the customer's mapped contract.
type PerUserBilling struct {
	// DefaultService is the service of every listed customer without its
	// own.
	DefaultService ServiceSpec `json:"default_service"`
	// CreateMissingService creates a service named in the configuration
	// in the BMS catalogue when it is not there (POST
	// /v2/admin/finance/services/services).
	CreateMissingService bool `json:"create_missing_service,omitempty"`
	// Customers opts customers in.
	Customers []PerUserCustomer `json:"customers,omitempty"`
}

// PerUserCustomer opts one BMS account in to per-user billing.
type PerUserCustomer struct {
	// Customer is the BMS account id, as in the alerting customer
	// mappings that send its source customers to it.
	Customer string `json:"customer"`
	// Contract is the recurring-services contract the line goes on
	// (default: the contract of the account's customer mapping).
	Contract string `json:"contract,omitempty"`
	// Service overrides DefaultService for this customer.
	Service *ServiceSpec `json:"service,omitempty"`
}

// LineState is what the sink knows of a per-user line it added: BMS V2
// cannot read contract service lines back, so this record is the only
// memory of them.
type LineState struct {
	Account    int       `json:"account"`
	ContractID int       `json:"contract_id"`
	ServiceID  int       `json:"service_id"`
	LineID     int       `json:"line_id,omitempty"`
	Units      int       `json:"units"`               // the units the line was added with
	Reported   int       `json:"reported"`            // the last count the source reported
	Uncertain  bool      `json:"uncertain,omitempty"` // an add whose answer was lost: it may be on the contract
	Updated    time.Time `json:"updated"`
}

// Stale reports whether the source's count differs from the line's
// units: the line needs a change V2 cannot make (see UserCountSink).
func (l LineState) Stale() bool { return l.LineID != 0 && l.Reported != l.Units }

// LineStore keeps LineStates by contract and service. MemoryLines and
// FileLines are the two provided; a store must be safe for concurrent
// use.
type LineStore interface {
	// Line returns the state of the line for a contract and catalogue
	// service. A line the store does not hold is (LineState{}, false,
	// nil), not an error; an error means the store could not be read,
	// and the sink then adds nothing (the intake answers 503 so the
	// sender retries).
	Line(ctx context.Context, contractID, serviceID int) (LineState, bool, error)
	// SaveLine records l under l.ContractID and l.ServiceID, replacing
	// what was there. It is called before a line is added to BMS (with
	// Uncertain set) and again once BMS answered. A persistent store
	// returns nil only once l is stored (FileLines: the file is
	// replaced), since a lost record makes the sink add the line a
	// second time; an error stops the add and is returned to the
	// intake.
	SaveLine(ctx context.Context, l LineState) error
	// DeleteLine forgets the line of a contract and service (the sink
	// calls it when BMS refused an add, so the next count tries again).
	// Deleting a line the store does not hold is not an error; an error
	// means the record may still be there.
	DeleteLine(ctx context.Context, contractID, serviceID int) error
	// Lines returns every line the store holds, stale and uncertain
	// ones included, in a stable order. An error means the store could
	// not be read.
	Lines(ctx context.Context) ([]LineState, error)
}

// MemoryLines returns a LineStore in memory: a restarted program forgets
// the lines it added and would add them again. Use FileLines in
// production.
func MemoryLines() LineStore { return &fileLines{lines: map[string]LineState{}} }

// FileLines returns a LineStore kept in a JSON file (created on the first
// save; written whole, through a temporary file and a rename).
func FileLines(path string) (LineStore, error) {
	s := &fileLines{path: path, lines: map[string]LineState{}}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("kaseyabmsdriver: line store: %w", err)
	}
	if err := json.Unmarshal(raw, &s.lines); err != nil {
		return nil, fmt.Errorf("kaseyabmsdriver: line store %s: %w", path, err)
	}
	return s, nil
}

type fileLines struct {
	path  string // "": memory only
	mu    sync.Mutex
	lines map[string]LineState
}

func lineKey(contractID, serviceID int) string {
	return strconv.Itoa(contractID) + "/" + strconv.Itoa(serviceID)
}

func (f *fileLines) Line(_ context.Context, contractID, serviceID int) (LineState, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.lines[lineKey(contractID, serviceID)]
	return l, ok, nil
}

func (f *fileLines) SaveLine(_ context.Context, l LineState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines[lineKey(l.ContractID, l.ServiceID)] = l
	return f.write()
}

func (f *fileLines) DeleteLine(_ context.Context, contractID, serviceID int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.lines, lineKey(contractID, serviceID))
	return f.write()
}

// write saves the file; f.mu is held.
func (f *fileLines) write() error {
	if f.path == "" {
		return nil
	}
	raw, err := json.MarshalIndent(f.lines, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".lines-*")
	if err != nil {
		return fmt.Errorf("kaseyabmsdriver: line store: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("kaseyabmsdriver: line store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

func (f *fileLines) Lines(context.Context) ([]LineState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []LineState
	for _, k := range slices.Sorted(maps.Keys(f.lines)) {
		out = append(out, f.lines[k])
	}
	return out, nil
}

// UserCountSink takes the user counts a source reports for its customers
// (the generic JSON intake's user count deliveries: it is a
// jsonintake.UserCounter) and keeps a per-user service line on each
// opted-in customer's contract.
//
// The source customer is placed on its BMS account by the alerting
// configuration's customer mappings. The first count for a contract and
// service adds a line with that many units (POST
// …/recurringservices/{contractId}/services). BMS V2 has no endpoint to
// read or change a contract service line, so a later, different count
// cannot be applied: the sink records it (LineState.Reported; Stale is
// then true), logs a warning naming the contract, service and both
// numbers, and calls the WithOnStale function, for someone to change the
// units in BMS. A count for an unmapped or not opted-in customer is
// refused for good (the intake answers 422).
type UserCountSink struct {
	c       *kaseyabms.Client
	billing PerUserBilling
	routes  map[[3]string]int // {source, account, source customer} → account
	cust    map[int]PerUserCustomer
	store   LineStore
	log     *slog.Logger
	onStale func(LineState)

	mu       sync.Mutex // one count at a time: adds are never raced
	services map[string]int
}

var _ jsonintake.UserCounter = (*UserCountSink)(nil)

// UserCountOption configures a UserCountSink.
type UserCountOption func(*UserCountSink)

// WithLineStore sets where added lines are remembered (default
// MemoryLines).
func WithLineStore(s LineStore) UserCountOption { return func(u *UserCountSink) { u.store = s } }

// WithUserCountLogger sets the logger (default: none).
func WithUserCountLogger(l *slog.Logger) UserCountOption { return func(u *UserCountSink) { u.log = l } }

// WithOnStale is called with a line whose reported count no longer
// matches its units.
func WithOnStale(f func(LineState)) UserCountOption { return func(u *UserCountSink) { u.onStale = f } }

// NewUserCountSink checks billing against the alerting configuration (every
// opted-in customer has a contract, its own or its mapping's, and a
// service) and returns the sink.
func NewUserCountSink(c *kaseyabms.Client, cfg alerting.Config, billing PerUserBilling, opts ...UserCountOption) (*UserCountSink, error) {
	u := &UserCountSink{c: c, billing: billing, routes: map[[3]string]int{}, cust: map[int]PerUserCustomer{},
		store: MemoryLines(), log: slog.New(slog.DiscardHandler), services: map[string]int{}}
	for _, o := range opts {
		o(u)
	}
	contracts := map[int]string{}
	for _, m := range cfg.Customers {
		if m.Disabled {
			continue
		}
		acct := atoi(m.Customer)
		u.routes[[3]string{m.Source, m.Account, m.SourceCustomer}] = acct
		if m.Contract != "" && contracts[acct] == "" {
			contracts[acct] = m.Contract
		}
	}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &alerting.ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	for i, pc := range billing.Customers {
		key := "customers[" + strconv.Itoa(i) + "]"
		acct := atoi(pc.Customer)
		if acct == 0 {
			bad(key+".customer", "%q is not a BMS account id", pc.Customer)
			continue
		}
		if pc.Contract == "" {
			pc.Contract = contracts[acct]
		}
		if atoi(pc.Contract) == 0 {
			bad(key+".contract", "is empty and no customer mapping of account %d names a contract", acct)
		}
		spec := billing.DefaultService
		if pc.Service != nil {
			spec = *pc.Service
		}
		if spec.ID == 0 && strings.TrimSpace(spec.Name) == "" {
			bad(key+".service", "no service: set default_service or this customer's service (id or name)")
		}
		if _, dup := u.cust[acct]; dup {
			bad(key+".customer", "account %d is listed twice", acct)
		}
		u.cust[acct] = pc
	}
	if len(errs) > 0 {
		return nil, &invalid{errors.Join(errs...)}
	}
	return u, nil
}

// SetUserCount applies a reported user count (see UserCountSink).
func (u *UserCountSink) SetUserCount(ctx context.Context, uc jsonintake.UserCount) error {
	_, err := u.Apply(ctx, uc.Source, uc.Account, uc.CustomerRef, uc.Users)
	return err
}

// Apply places a source customer's user count and keeps its line: the
// LineState after the count.
func (u *UserCountSink) Apply(ctx context.Context, source, account, sourceCustomer string, users int) (LineState, error) {
	acct, ok := u.routes[[3]string{source, account, sourceCustomer}]
	if !ok && account != "" {
		acct, ok = u.routes[[3]string{source, "", sourceCustomer}]
	}
	if !ok {
		return LineState{}, fmt.Errorf("%w: %s customer %q is not mapped to a BMS account", alerting.ErrNotFound, alerting.ScopedSource(source, account), sourceCustomer)
	}
	pc, ok := u.cust[acct]
	if !ok {
		return LineState{}, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: per-user billing is off for BMS account %d (%s customer %q)", acct, source, sourceCustomer))
	}
	if users < 0 {
		return LineState{}, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: user count %d is negative", users))
	}
	spec := u.billing.DefaultService
	if pc.Service != nil {
		spec = *pc.Service
	}
	contract := atoi(pc.Contract)
	u.mu.Lock()
	defer u.mu.Unlock()
	svc, err := u.service(ctx, spec)
	if err != nil {
		return LineState{}, err
	}
	if contract == 0 {
		return LineState{}, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: no contract for BMS account %d", acct))
	}
	st, known, err := u.store.Line(ctx, contract, svc)
	if err != nil {
		return LineState{}, err
	}
	now := time.Now()
	switch {
	case known && st.Uncertain:
		st.Reported, st.Updated = users, now
		_ = u.store.SaveLine(ctx, st)
		return st, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: an earlier add of service %d to contract %d lost its answer and may be on the contract: check it in BMS and fix the line store", svc, contract))
	case known:
		st.Reported, st.Updated = users, now
		if err := u.store.SaveLine(ctx, st); err != nil {
			return st, err
		}
		if st.Stale() {
			u.log.Warn("kaseyabmsdriver: BMS V2 cannot change a contract service line: change its units by hand",
				"account", acct, "contract", contract, "service", svc, "line", st.LineID, "units", st.Units, "users", users)
			if u.onStale != nil {
				u.onStale(st)
			}
		}
		return st, nil
	}
	st = LineState{Account: acct, ContractID: contract, ServiceID: svc, Units: users, Reported: users, Uncertain: true, Updated: now}
	if err := u.store.SaveLine(ctx, st); err != nil {
		return st, err
	}
	lines, err := u.c.Contracts.AddServices(ctx, contract, []kaseyabms.RecurringServiceInput{{ServiceID: svc, ServiceName: spec.Name,
		Units: users, UnitCost: spec.UnitCost, UnitPrice: spec.UnitPrice, EffectiveDate: kaseyabms.At(now)}})
	if err != nil {
		var he *kaseyabms.Error
		if errors.As(err, &he) && (he.StatusCode == http.StatusOK || (he.StatusCode >= 400 && he.StatusCode < 500 && he.StatusCode != http.StatusTooManyRequests)) ||
			errors.Is(err, kaseyabms.ErrRateLimited) {
			// Refused: nothing was added.
			if ferr := u.forget(ctx, st); ferr != nil {
				return st, ferr
			}
		}
		return st, classify(err)
	}
	st.Uncertain = false
	if len(lines) > 0 {
		st.LineID = lines[0].ID
	}
	if st.LineID == 0 {
		st.LineID = -1 // added; BMS did not say which line
	}
	u.log.Info("kaseyabmsdriver: per-user line added", "account", acct, "contract", contract, "service", svc, "units", users)
	return st, u.store.SaveLine(ctx, st)
}

// forget drops the marker of an add BMS refused, so the next count
// tries again.
func (u *UserCountSink) forget(ctx context.Context, st LineState) error {
	return u.store.DeleteLine(ctx, st.ContractID, st.ServiceID)
}

// service returns the catalogue id of spec: its ID, else the one service
// named so, created when missing and allowed.
func (u *UserCountSink) service(ctx context.Context, spec ServiceSpec) (int, error) {
	if spec.ID != 0 {
		return spec.ID, nil
	}
	name := strings.TrimSpace(spec.Name)
	if id, ok := u.services[normName(name)]; ok {
		return id, nil
	}
	var found []int
	for s, err := range u.c.Services.Lookup(ctx, &kaseyabms.ServiceLookupOptions{Name: name}) {
		if err != nil {
			return 0, classify(err)
		}
		if normName(s.Name) == normName(name) {
			found = append(found, s.ID)
		}
	}
	switch {
	case len(found) == 1:
		u.services[normName(name)] = found[0]
		return found[0], nil
	case len(found) > 1:
		return 0, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: %d catalogue services are named %q; configure the service id", len(found), name))
	case !u.billing.CreateMissingService:
		return 0, alerting.Permanent(fmt.Errorf("kaseyabmsdriver: no catalogue service is named %q (create it, or set create_missing_service)", name))
	}
	s, err := u.c.Services.Create(ctx, kaseyabms.ServiceInput{Name: name, Description: "Per-user service, created by mspsync",
		UnitCost: spec.UnitCost, UnitPrice: spec.UnitPrice, IsActive: true})
	if err != nil {
		return 0, classify(err)
	}
	u.log.Info("kaseyabmsdriver: catalogue service created", "service", s.ID, "name", name)
	u.services[normName(name)] = s.ID
	return s.ID, nil
}

// Lines returns the lines the sink knows, stale ones included.
func (u *UserCountSink) Lines(ctx context.Context) ([]LineState, error) { return u.store.Lines(ctx) }
