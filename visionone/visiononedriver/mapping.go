package visiononedriver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync/alerting"
)

// MappingStatus is how a Vision One customer reaches a PSA customer.
type MappingStatus string

// Mapping statuses, as the HaloPSA integration's "Mapping status" filter.
const (
	MappingManual      MappingStatus = "manual"
	MappingAutoMatched MappingStatus = "auto-matched"
	MappingUnmatched   MappingStatus = "unmatched"
)

// MappingRow is one Vision One customer in the mapping report.
type MappingRow struct {
	Customer CustomerConfig
	Status   MappingStatus
	// PSACustomer is where its tickets go: the manual mapping, the
	// auto-matched customer, or the default customer when unmatched.
	PSACustomer     string
	PSACustomerName string
	// TicketsOn is its "auto-create tickets" switch; Kinds the alert
	// kinds switched on.
	TicketsOn bool
	Kinds     []AlertKind
}

// MappingReport lists every configured Vision One customer as manually
// mapped (PSACustomer set: it wins), auto-matched (auto-match on and the
// PSA has exactly one customer of its name — dir.FindCustomer, the same
// look-up the engine makes) or unmatched (its tickets go to the default
// customer). dir is the PSA sink (halodriver.NewAlertSink).
func MappingReport(ctx context.Context, cfg Config, dir alerting.Directory) ([]MappingRow, error) {
	var out []MappingRow
	for _, c := range cfg.Customers {
		row := MappingRow{Customer: c, TicketsOn: c.TicketsOn()}
		for _, k := range Kinds {
			if c.Enabled(k) {
				row.Kinds = append(row.Kinds, k)
			}
		}
		switch {
		case c.PSACustomer != "":
			row.Status, row.PSACustomer = MappingManual, c.PSACustomer
		case cfg.autoMatch():
			pc, err := dir.FindCustomer(ctx, strings.Join(strings.Fields(c.Name), " "))
			switch {
			case err == nil:
				row.Status, row.PSACustomer, row.PSACustomerName = MappingAutoMatched, pc.ID, pc.Name
			case errors.Is(err, alerting.ErrNotFound):
				row.Status, row.PSACustomer = MappingUnmatched, cfg.DefaultCustomer
			default:
				return out, fmt.Errorf("visiononedriver: look up %q in the PSA: %w", c.Name, err)
			}
		default:
			row.Status, row.PSACustomer = MappingUnmatched, cfg.DefaultCustomer
		}
		out = append(out, row)
	}
	return out, nil
}

// PSARecord is a PSA record's ID and name.
type PSARecord struct{ ID, Name string }

// PSACatalog is what the start-up check reads from the PSA. A program
// adapts its PSA client to it (for Halo: TicketTypes.List and
// Clients.Get), so this package does not depend on one PSA.
type PSACatalog interface {
	// TicketTypes lists the PSA's ticket types.
	TicketTypes(ctx context.Context) ([]PSARecord, error)
	// Customer returns the customer with ID id, or an error matching
	// alerting.ErrNotFound.
	Customer(ctx context.Context, id string) (PSARecord, error)
}

// CheckPSA checks the configuration against the PSA at start-up: the
// ticket type is one of the PSA's, and the default customer and every
// manually mapped customer exist. Problems are *alerting.ConfigError
// (ticket_type, default_customer, customers[i].psa_customer), joined,
// matching ErrInvalidConfig; a failed look-up is returned as it is.
func CheckPSA(ctx context.Context, cfg Config, cat PSACatalog) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &alerting.ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	types, err := cat.TicketTypes(ctx)
	if err != nil {
		return fmt.Errorf("visiononedriver: list the PSA's ticket types: %w", err)
	}
	found := false
	var names []string
	for _, t := range types {
		names = append(names, t.ID+" "+t.Name)
		if t.ID == strings.TrimSpace(cfg.TicketType) {
			found = true
		}
	}
	if !found {
		bad("ticket_type", "%q is not a ticket type of the PSA (it has: %s)", cfg.TicketType, strings.Join(names, ", "))
	}
	check := func(key, id string) error {
		if strings.TrimSpace(id) == "" {
			return nil
		}
		_, err := cat.Customer(ctx, id)
		switch {
		case errors.Is(err, alerting.ErrNotFound):
			bad(key, "PSA customer %q does not exist", id)
		case err != nil:
			return fmt.Errorf("visiononedriver: look up PSA customer %s: %w", id, err)
		}
		return nil
	}
	if strings.TrimSpace(cfg.DefaultCustomer) == "" {
		bad("default_customer", "is empty")
	} else if err := check("default_customer", cfg.DefaultCustomer); err != nil {
		return err
	}
	for i, c := range cfg.Customers {
		if err := check("customers["+strconv.Itoa(i)+"].psa_customer", c.PSACustomer); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return &invalidConfig{errors.Join(errs...)}
	}
	return nil
}
