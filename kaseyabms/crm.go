package kaseyabms

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// AccountLookup is an item of the account lookup
// (AccountLookupOutputDto).
type AccountLookup struct {
	ID         int    `json:"Id"`
	Name       string `json:"Name"`
	TenantName string `json:"TenantName"`
	IsActive   bool   `json:"IsActive"`
}

// AccountLookupOptions filter GET /v2/crm/accounts/lookup.
type AccountLookupOptions struct {
	Name              string `url:"Filter.Name,omitempty"`
	IDs               []int  `url:"Filter.Ids,omitempty"`
	WithInactive      bool   `url:"Filter.WithInactiveAccounts,omitempty"`
	WithSecurityScope bool   `url:"Filter.WithSecurityScope,omitempty"`
	Sort              string `url:"Sort,omitempty"`
}

// AccountSummary is AccountSummaryOutputDto: an account with its type
// and parent.
type AccountSummary struct {
	ID            int    `json:"Id"`
	ParentID      int    `json:"ParentId"` // 0: a top-level account
	AccountCode   string `json:"AccountCode"`
	AccountName   string `json:"AccountName"`
	AccountTypeID int    `json:"AccountTypeId"`
	AccountType   string `json:"AccountType"`
	IsActive      bool   `json:"IsActive"`
	IsBilling     bool   `json:"IsBilling"`
	Website       string `json:"Website"`
	Description   string `json:"Description"`
	TenantName    string `json:"TenantName"`
}

// AccountSummaryOptions filter GET /v2/crm/accounts/summary, the way
// SaaS Alerts' customer mapping screen filters accounts: by type, and by
// parent or child. The parent filters are applied by the client (the API
// has no parameter for them); the others are sent.
type AccountSummaryOptions struct {
	AccountName     string `url:"Filter.AccountName,omitempty"`
	AccountCode     string `url:"Filter.AccountCode,omitempty"`
	AccountTypeID   int    `url:"Filter.AccountTypeId,omitempty"`
	AccountTypeName string `url:"Filter.AccountTypeName,omitempty"`
	IsActive        *bool  `url:"Filter.IsActive,omitempty"`
	Sort            string `url:"Sort,omitempty"`
	// ParentID keeps the child accounts of one parent (client side).
	ParentID int `url:"-"`
	// TopLevel keeps the accounts without a parent; ChildrenOnly those
	// with one (client side).
	TopLevel     bool `url:"-"`
	ChildrenOnly bool `url:"-"`
}

func (o *AccountSummaryOptions) keep(a AccountSummary) bool {
	switch {
	case o == nil:
		return true
	case o.ParentID != 0 && a.ParentID != o.ParentID:
		return false
	case o.TopLevel && a.ParentID != 0:
		return false
	case o.ChildrenOnly && a.ParentID == 0:
		return false
	}
	return true
}

var (
	epAccountLookup   = endpoint{http.MethodGet, "v2/crm/accounts/lookup"}
	epAccountSummary  = endpoint{http.MethodGet, "v2/crm/accounts/summary"}
	epAccountOne      = endpoint{http.MethodGet, "v2/crm/accounts/summary/{}"}
	epLocationsLookup = endpoint{http.MethodGet, "v2/crm/accounts/{}/locations/lookup"}
	epContactsSearch  = endpoint{http.MethodGet, "v2/crm/contacts/search"}
	epAccountContacts = endpoint{http.MethodGet, "v2/crm/accounts/{}/contacts/lookup"}
	epHardwareSearch  = endpoint{http.MethodGet, "v2/servicedesk/hardwareasset/searchselect"}
)

// AccountsService reads CRM accounts (customers).
type AccountsService service

// Lookup lists accounts by name or ids (GET /v2/crm/accounts/lookup).
func (s *AccountsService) Lookup(ctx context.Context, opts *AccountLookupOptions) iter.Seq2[AccountLookup, error] {
	return list[AccountLookup]{c: s.c, ep: epAccountLookup, path: epAccountLookup.path(), query: copyOpts(opts)}.all(ctx)
}

// LookupPage reads one page of the account lookup.
func (s *AccountsService) LookupPage(ctx context.Context, opts *AccountLookupOptions, cursor string) (*Page[AccountLookup], error) {
	return list[AccountLookup]{c: s.c, ep: epAccountLookup, path: epAccountLookup.path(), query: copyOpts(opts)}.page(ctx, cursor)
}

// Summaries lists account summaries (GET /v2/crm/accounts/summary),
// filtered by opts.
func (s *AccountsService) Summaries(ctx context.Context, opts *AccountSummaryOptions) iter.Seq2[AccountSummary, error] {
	o := copyOpts(opts)
	return func(yield func(AccountSummary, error) bool) {
		for a, err := range (list[AccountSummary]{c: s.c, ep: epAccountSummary, path: epAccountSummary.path(), query: o}).all(ctx) {
			if err != nil {
				yield(AccountSummary{}, err)
				return
			}
			if o.keep(a) && !yield(a, nil) {
				return
			}
		}
	}
}

// SummariesPage reads one page of account summaries; the client-side
// parent filters apply to its items (Total stays BMS's count before them).
func (s *AccountsService) SummariesPage(ctx context.Context, opts *AccountSummaryOptions, cursor string) (*Page[AccountSummary], error) {
	o := copyOpts(opts)
	p, err := list[AccountSummary]{c: s.c, ep: epAccountSummary, path: epAccountSummary.path(), query: o}.page(ctx, cursor)
	if err != nil {
		return nil, err
	}
	kept := p.Items[:0]
	for _, a := range p.Items {
		if o.keep(a) {
			kept = append(kept, a)
		}
	}
	p.Items = kept
	return p, nil
}

// Summary reads one account (GET /v2/crm/accounts/summary/{id}, which the
// spec declares without the envelope; both forms are read).
func (s *AccountsService) Summary(ctx context.Context, id int) (*AccountSummary, error) {
	var out AccountSummary
	if err := s.c.get(ctx, epAccountOne, epAccountOne.path(id), nil, &out); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		return nil, &Error{Vendor: Vendor, Method: http.MethodGet, URL: s.c.BaseURL() + epAccountOne.path(id), StatusCode: http.StatusOK,
			Message: "no account in the answer", Kind: errors.Join(ErrUnsuccessful, ErrNotFound)}
	}
	return &out, nil
}

// Location is an item of an account's location lookup
// (AccountLocationLookupOutputDto).
type Location struct {
	ID        int    `json:"Id"`
	Name      string `json:"Name"`
	AccountID int    `json:"AccountId"`
	IsMain    bool   `json:"IsMain"`
}

// LocationsService reads the locations (sites) of accounts.
type LocationsService service

// Lookup lists an account's locations (GET
// /v2/crm/accounts/{accountId}/locations/lookup).
func (s *LocationsService) Lookup(ctx context.Context, accountID int) ([]Location, error) {
	var out []Location
	err := s.c.get(ctx, epLocationsLookup, epLocationsLookup.path(accountID), nil, &out)
	return out, err
}

// Main returns an account's main location (IsMain), the location a
// ticket gets when its contact has none. An account with no location
// matches ErrNotFound; one without a main location gives its only
// location, and several none of which is main ErrNotFound too.
func (s *LocationsService) Main(ctx context.Context, accountID int) (Location, error) {
	ls, err := s.Lookup(ctx, accountID)
	if err != nil {
		return Location{}, err
	}
	for _, l := range ls {
		if l.IsMain {
			return l, nil
		}
	}
	if len(ls) == 1 {
		return ls[0], nil
	}
	return Location{}, fmt.Errorf("kaseyabms: account %d: %w: no main location among %d", accountID, ErrNotFound, len(ls))
}

// Contact is ContactsSearchSelectOutputDto, an item of the contact
// search: the contact with its account and location.
type Contact struct {
	ID                    int    `json:"Id"`
	AccountID             int    `json:"AccountId"`
	AccountName           string `json:"AccountName"`
	LocationID            int    `json:"LocationId"`
	LocationName          string `json:"LocationName"`
	FirstName             string `json:"FirstName"`
	LastName              string `json:"LastName"`
	JobTitle              string `json:"JobTitle"`
	EmailAddress          string `json:"EmailAddress"`
	IsPoc                 bool   `json:"IsPoc"`
	IsActive              bool   `json:"IsActive"`
	HasClientPortalAccess bool   `json:"HasClientPortalAccess"`
}

// Name is the contact's first and last name.
func (c Contact) Name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// ContactSearchOptions filter GET /v2/crm/contacts/search.
type ContactSearchOptions struct {
	IDs          []int  `url:"Filter.Ids,omitempty"`
	AccountIDs   []int  `url:"Filter.AccountIds,omitempty"`
	AccountName  string `url:"Filter.AccountName,omitempty"`
	LocationID   int    `url:"Filter.LocationId,omitempty"`
	FirstName    string `url:"Filter.FirstName,omitempty"`
	LastName     string `url:"Filter.LastName,omitempty"`
	EmailAddress string `url:"Filter.EmailAddress,omitempty"`
	IsActive     *bool  `url:"Filter.IsActive,omitempty"`
	Sort         string `url:"Sort,omitempty"`
}

// AccountContact is an item of an account's contact lookup
// (ContactLookupOutputDto).
type AccountContact struct {
	ID           int    `json:"Id"`
	Name         string `json:"Name"`
	LocationID   int    `json:"LocationId"`
	LocationName string `json:"LocationName"`
	EmailAddress string `json:"EmailAddress"`
	Phone        string `json:"Phone"`
}

// AccountContactOptions filter an account's contact lookup.
type AccountContactOptions struct {
	Name       string `url:"Filter.Name,omitempty"`
	LocationID int    `url:"Filter.LocationId,omitempty"`
}

// ContactsService reads CRM contacts.
type ContactsService service

// Search lists contacts matching opts (GET /v2/crm/contacts/search).
func (s *ContactsService) Search(ctx context.Context, opts *ContactSearchOptions) iter.Seq2[Contact, error] {
	return list[Contact]{c: s.c, ep: epContactsSearch, path: epContactsSearch.path(), query: copyOpts(opts)}.all(ctx)
}

// SearchPage reads one page of a contact search.
func (s *ContactsService) SearchPage(ctx context.Context, opts *ContactSearchOptions, cursor string) (*Page[Contact], error) {
	return list[Contact]{c: s.c, ep: epContactsSearch, path: epContactsSearch.path(), query: copyOpts(opts)}.page(ctx, cursor)
}

// ByEmail returns the contacts with e-mail address email
// (Filter.EmailAddress), of account accountID when it is not zero, active
// ones only when activeOnly. BMS's filter may match more loosely than
// equality; only contacts whose address equals email (case aside) are
// returned.
func (s *ContactsService) ByEmail(ctx context.Context, email string, accountID int, activeOnly bool) ([]Contact, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, errors.New("kaseyabms: empty e-mail address")
	}
	o := &ContactSearchOptions{EmailAddress: email}
	if accountID != 0 {
		o.AccountIDs = []int{accountID}
	}
	if activeOnly {
		t := true
		o.IsActive = &t
	}
	var out []Contact
	for c, err := range s.Search(ctx, o) {
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(strings.TrimSpace(c.EmailAddress), email) || (accountID != 0 && c.AccountID != accountID) || (activeOnly && !c.IsActive) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Get returns the contact with id (Filter.Ids), active or not; one BMS
// does not have matches ErrNotFound.
func (s *ContactsService) Get(ctx context.Context, id int) (Contact, error) {
	for c, err := range s.Search(ctx, &ContactSearchOptions{IDs: []int{id}}) {
		if err != nil {
			return Contact{}, err
		}
		if c.ID == id {
			return c, nil
		}
	}
	return Contact{}, fmt.Errorf("kaseyabms: contact %d: %w", id, ErrNotFound)
}

// OfAccount lists an account's contacts (GET
// /v2/crm/accounts/{accountId}/contacts/lookup).
func (s *ContactsService) OfAccount(ctx context.Context, accountID int, opts *AccountContactOptions) iter.Seq2[AccountContact, error] {
	return list[AccountContact]{c: s.c, ep: epAccountContacts, path: epAccountContacts.path(accountID), query: copyOpts(opts)}.all(ctx)
}

// OfAccountPage reads one page of an account's contacts.
func (s *ContactsService) OfAccountPage(ctx context.Context, accountID int, opts *AccountContactOptions, cursor string) (*Page[AccountContact], error) {
	return list[AccountContact]{c: s.c, ep: epAccountContacts, path: epAccountContacts.path(accountID), query: copyOpts(opts)}.page(ctx, cursor)
}

// HardwareAsset is an item of the hardware asset search
// (HardwareAssetsListSearchSelectOutputDto).
type HardwareAsset struct {
	ID           int    `json:"Id"`
	AssetName    string `json:"AssetName"`
	SerialNumber string `json:"SerialNumber"`
	CategoryID   int    `json:"CategoryId"`
	CategoryName string `json:"CategoryName"`
	AccountID    int    `json:"AccountId"`
	AccountName  string `json:"AccountName"`
	ContactID    int    `json:"ContactId"`
	ContactName  string `json:"ContactName"`
	LocationName string `json:"LocationName"`
	IPAddress    string `json:"IPAddress"`
	IsActive     bool   `json:"IsActive"`
}

// HardwareAssetOptions filter GET /v2/servicedesk/hardwareasset/searchselect.
type HardwareAssetOptions struct {
	AssetName    string `url:"Filter.AssetName,omitempty"`
	SerialNumber string `url:"Filter.SerialNumber,omitempty"`
	AccountID    int    `url:"Filter.AccountId,omitempty"`
	ContactID    int    `url:"Filter.ContactId,omitempty"`
	IsActive     *bool  `url:"Filter.IsActive,omitempty"`
}

// HardwareAssetsService reads hardware assets (configuration items).
type HardwareAssetsService service

// Search lists hardware assets matching opts.
func (s *HardwareAssetsService) Search(ctx context.Context, opts *HardwareAssetOptions) iter.Seq2[HardwareAsset, error] {
	return list[HardwareAsset]{c: s.c, ep: epHardwareSearch, path: epHardwareSearch.path(), query: copyOpts(opts)}.all(ctx)
}

// SearchPage reads one page of a hardware asset search.
func (s *HardwareAssetsService) SearchPage(ctx context.Context, opts *HardwareAssetOptions, cursor string) (*Page[HardwareAsset], error) {
	return list[HardwareAsset]{c: s.c, ep: epHardwareSearch, path: epHardwareSearch.path(), query: copyOpts(opts)}.page(ctx, cursor)
}

// copyOpts returns a copy of *o (nil stays nil), so a list never shares
// the caller's options.
func copyOpts[T any](o *T) *T {
	if o == nil {
		return nil
	}
	cp := *o
	return &cp
}
