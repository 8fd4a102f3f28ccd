package kaseyabms

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Status is StatusLookupOutputDto. TypeId is the status category; which
// category means completed is not documented by Kaseya.
type Status struct {
	ID             int    `json:"Id"`
	Name           string `json:"Name"`
	StatusOrder    int    `json:"StatusOrder"`
	TypeID         int    `json:"TypeId"`
	IsSystemStatus int    `json:"IsSystemStatus"`
	IsActive       bool   `json:"IsActive"`
}

// Priority is PriorityLookupOutputDto.
type Priority struct {
	ID        int    `json:"Id"`
	Name      string `json:"Name"`
	IsDefault bool   `json:"IsDefault"`
}

// LookupItem is an item of the queue, issue type, sub-issue type, account
// type and generic lookups ({Id, Name, IsActive, IsDefault}; each lookup
// sends the fields it has).
type LookupItem struct {
	ID        int    `json:"Id"`
	Name      string `json:"Name"`
	IsActive  bool   `json:"IsActive"`
	IsDefault bool   `json:"IsDefault"`
}

var (
	epStatuses      = endpoint{http.MethodGet, "v2/system/statuses/lookup"}
	epPriorities    = endpoint{http.MethodGet, "v2/system/priorities/lookup"}
	epQueues        = endpoint{http.MethodGet, "v2/system/queues/lookup"}
	epIssueTypes    = endpoint{http.MethodGet, "v2/system/issuetypes/lookup"}
	epSubIssueTypes = endpoint{http.MethodGet, "v2/system/issuetypes/{}/issuesubtypes/lookup"}
	epAccountTypes  = endpoint{http.MethodGet, "v2/system/accounttypes/lookup"}
	epGeneric       = endpoint{http.MethodGet, "v2/system/lookup/{}"}
)

// LookupsService reads the system lookups ticket defaults come from. Each
// call is one request to an endpoint with its own hourly budget: cache the
// answers for the life of a run.
type LookupsService service

// Statuses lists ticket statuses.
func (s *LookupsService) Statuses(ctx context.Context) ([]Status, error) {
	var out []Status
	err := s.c.get(ctx, epStatuses, epStatuses.path(), nil, &out)
	return out, err
}

// Priorities lists ticket priorities.
func (s *LookupsService) Priorities(ctx context.Context) ([]Priority, error) {
	var out []Priority
	err := s.c.get(ctx, epPriorities, epPriorities.path(), nil, &out)
	return out, err
}

// Queues lists ticket queues.
func (s *LookupsService) Queues(ctx context.Context) ([]LookupItem, error) {
	var out []LookupItem
	err := s.c.get(ctx, epQueues, epQueues.path(), nil, &out)
	return out, err
}

// IssueTypes lists issue types, those whose name matches name when it is
// not empty (Filter.Name).
func (s *LookupsService) IssueTypes(ctx context.Context, name string) ([]LookupItem, error) {
	var q map[string]string
	if name = strings.TrimSpace(name); name != "" {
		q = map[string]string{"Filter.Name": name}
	}
	var out []LookupItem
	err := s.c.get(ctx, epIssueTypes, epIssueTypes.path(), q, &out)
	return out, err
}

// SubIssueTypes lists the sub-issue types of an issue type.
func (s *LookupsService) SubIssueTypes(ctx context.Context, issueTypeID int) ([]LookupItem, error) {
	var out []LookupItem
	err := s.c.get(ctx, epSubIssueTypes, epSubIssueTypes.path(issueTypeID), nil, &out)
	return out, err
}

// AccountTypes lists account types (for AccountSummaryOptions.AccountTypeID).
func (s *LookupsService) AccountTypes(ctx context.Context) ([]LookupItem, error) {
	var out []LookupItem
	err := s.c.get(ctx, epAccountTypes, epAccountTypes.path(), nil, &out)
	return out, err
}

// Generic reads the generic lookup of a table (GET
// /v2/system/lookup/{tableName}). Ticket types and ticket sources have no
// lookup of their own in V2 and the table names for them are not
// documented in the Kaseya BMS API documentation: configure their ids, and use
// this to try a table name.
func (s *LookupsService) Generic(ctx context.Context, table string) ([]LookupItem, error) {
	if strings.TrimSpace(table) == "" {
		return nil, errors.New("kaseyabms: empty lookup table name")
	}
	var out []LookupItem
	err := s.c.get(ctx, epGeneric, epGeneric.path(table), nil, &out)
	return out, err
}
