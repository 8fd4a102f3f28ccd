package kaseyabmsdriver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/kaseyabms"
)

// Validate checks an alerting configuration against the BMS tenant before
// the first alert, the way SaaS Alerts' integration checks its settings:
//
//   - every enabled customer mapping names a BMS account that exists and a
//     default contact ("contact"), which exists, is active and belongs to
//     that account;
//   - the catch-all names an account and a contact that pass the same
//     checks;
//   - the default contact, if any, exists and is active;
//   - the ticket defaults resolve: type and source are ids, status,
//     priority, queue and issue type exist (id or name), the sub-issue type
//     belongs to its issue type — for the defaults and for each alert-type
//     override merged over them.
//
// It returns nil, or every problem as an *alerting.ConfigError (keyed like
// the configuration file: "customers[0].contact") joined, matching
// alerting.ErrInvalidConfig; other errors are BMS failures.
func (s *AlertSink) Validate(ctx context.Context, cfg alerting.Config) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &alerting.ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	accounts := map[int]error{}
	account := func(key, v string) (int, bool, error) {
		id := atoi(v)
		if id == 0 {
			bad(key, "%q is not a BMS account id", v)
			return 0, false, nil
		}
		if err, seen := accounts[id]; seen {
			return id, err == nil, nil
		}
		a, err := s.c.Accounts.Summary(ctx, id)
		switch {
		case errors.Is(err, kaseyabms.ErrNotFound):
			accounts[id] = err
			bad(key, "BMS has no account %d", id)
			return id, false, nil
		case err != nil:
			return 0, false, err
		case !a.IsActive:
			accounts[id] = errors.New("inactive")
			bad(key, "BMS account %d (%s) is inactive", id, a.AccountName)
			return id, false, nil
		}
		accounts[id] = nil
		return id, true, nil
	}
	contact := func(key, v string, acct int) error {
		if strings.TrimSpace(v) == "" {
			bad(key, "is empty: every BMS customer needs a default contact for alerts whose user has no single active contact")
			return nil
		}
		id := atoi(v)
		if id == 0 {
			bad(key, "%q is not a BMS contact id", v)
			return nil
		}
		c, err := s.c.Contacts.Get(ctx, id)
		switch {
		case errors.Is(err, kaseyabms.ErrNotFound):
			bad(key, "BMS has no contact %d", id)
		case err != nil:
			return err
		case !c.IsActive:
			bad(key, "BMS contact %d (%s) is inactive", id, c.Name())
		case acct != 0 && c.AccountID != acct:
			bad(key, "BMS contact %d (%s) belongs to account %d (%s), not %d", id, c.Name(), c.AccountID, c.AccountName, acct)
		}
		return nil
	}
	for i, m := range cfg.Customers {
		if m.Disabled {
			continue
		}
		key := "customers[" + strconv.Itoa(i) + "]"
		acct, ok, err := account(key+".customer", m.Customer)
		if err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
		if !ok {
			acct = 0
		}
		if err := contact(key+".contact", m.Contact, acct); err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
	}
	if ca := cfg.CatchAll; ca != nil {
		acct, ok, err := account("catch_all.customer", ca.Customer)
		if err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
		if !ok {
			acct = 0
		}
		if err := contact("catch_all.contact", ca.Contact, acct); err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
	}
	if cfg.DefaultContact != "" {
		if err := contact("default_contact", cfg.DefaultContact, 0); err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
	}
	check := func(prefix string, d alerting.TicketDefaults) error {
		_, err := s.resolveDefaults(ctx, d)
		for _, e := range flatten(err) {
			var ce *configError
			if !errors.As(e, &ce) {
				return e
			}
			bad(prefix+ce.key, "%s", strings.TrimPrefix(e.Error(), "kaseyabmsdriver: ticket "+ce.key+" "))
		}
		return nil
	}
	cfg.Ticket = mergeDefaults(s.o.defaults, cfg.Ticket)
	if err := check("ticket.", cfg.Ticket); err != nil {
		return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
	}
	for i, r := range cfg.AlertTypes {
		if r.Disabled {
			continue
		}
		merged := mergeDefaults(cfg.Ticket, r.Ticket)
		before := len(errs)
		if err := check("alert_types["+strconv.Itoa(i)+"].ticket.", merged); err != nil {
			return fmt.Errorf("kaseyabmsdriver: validate: %w", err)
		}
		errs = dropRepeats(errs, before)
	}
	if len(errs) == 0 {
		return nil
	}
	return &invalid{errors.Join(errs...)}
}

// invalid wraps configuration problems so they match ErrInvalidConfig.
type invalid struct{ err error }

func (e *invalid) Error() string        { return "kaseyabmsdriver: " + e.err.Error() }
func (e *invalid) Unwrap() error        { return e.err }
func (e *invalid) Is(target error) bool { return target == alerting.ErrInvalidConfig }

func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// dropRepeats drops, from errs[from:], the problems an override inherits
// unchanged from the defaults (reported once, under ticket.).
func dropRepeats(errs []error, from int) []error {
	seen := map[string]bool{}
	for _, e := range errs[:from] {
		if ce, ok := e.(*alerting.ConfigError); ok && strings.HasPrefix(ce.Key, "ticket.") {
			seen[strings.TrimPrefix(ce.Key, "ticket.")+"\x00"+ce.Problem] = true
		}
	}
	out := errs[:from]
	for _, e := range errs[from:] {
		ce, ok := e.(*alerting.ConfigError)
		if ok {
			field := ce.Key[strings.LastIndex(ce.Key, ".")+1:]
			if seen[field+"\x00"+ce.Problem] {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// mergeDefaults lays an alert-type override over the defaults the way the
// engine does: an override's issue type brings its own sub-issue type.
func mergeDefaults(d, o alerting.TicketDefaults) alerting.TicketDefaults {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&d.Type, o.Type)
	set(&d.Source, o.Source)
	set(&d.Status, o.Status)
	set(&d.Queue, o.Queue)
	set(&d.Priority, o.Priority)
	if o.IssueType != "" {
		d.IssueType, d.SubIssueType = o.IssueType, o.SubIssueType
	}
	set(&d.SubIssueType, o.SubIssueType)
	return d
}
