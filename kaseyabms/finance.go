package kaseyabms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"

	"github.com/mspsync/mspsync/internal/httpx"
)

// ContractLookup is an item of the contract lookup
// (ContractLookupOutputDto).
type ContractLookup struct {
	ID        int    `json:"Id"`
	Name      string `json:"Name"`
	IsDefault bool   `json:"IsDefault"`
	SLAID     int    `json:"SLAId"`
	SLAName   string `json:"SLAName"`
	IsActive  bool   `json:"IsActive"`
	EndDate   Time   `json:"EndDate"`
}

// ContractLookupOptions filter GET /v2/finance/contracts/lookup. Unlike
// most lists its parameters have no "Filter." prefix.
type ContractLookupOptions struct {
	IDs                     []int  `url:"Ids,omitempty"`
	AccountID               int    `url:"AccountId,omitempty"`
	Name                    string `url:"Name,omitempty"`
	ExcludeExpiredContracts bool   `url:"ExcludeExpiredContracts,omitempty"`
}

// ContractSummary is ClientContractSummaryOutputDto.
type ContractSummary struct {
	ID                   int     `json:"Id"`
	ContractName         string  `json:"ContractName"`
	AccountName          string  `json:"AccountName"`
	ContractType         string  `json:"ContractType"`
	ContractNumber       string  `json:"ContractNumber"`
	Status               string  `json:"Status"`
	BillingCycle         string  `json:"BillingCycle"`
	ContractBillingPrice float64 `json:"ContractBillingPrice"`
	StartDate            Time    `json:"StartDate"`
	EndDate              Time    `json:"EndDate"`
}

// ContractSummaryOptions filter GET /v2/finance/contracts/summary.
type ContractSummaryOptions struct {
	ContractName string `url:"Filter.ContractName,omitempty"`
	AccountName  string `url:"Filter.AccountName,omitempty"`
	ContractType string `url:"Filter.ContractType,omitempty"`
	Status       string `url:"Filter.Status,omitempty"`
	Sort         string `url:"Sort,omitempty"`
}

// RecurringServiceInput is RecurringServicePostInputDto, one service line
// added to a recurring-services contract. Units is an integer count.
type RecurringServiceInput struct {
	ServiceID          int     `json:"ServiceId"`
	ServiceName        string  `json:"ServiceName,omitempty"`
	ServiceDescription string  `json:"ServiceDescription,omitempty"`
	Units              int     `json:"Units"`
	UnitCost           float64 `json:"UnitCost"`
	UnitPrice          float64 `json:"UnitPrice"`
	EffectiveDate      Time    `json:"EffectiveDate"`
	SortOrder          int     `json:"SortOrder,omitempty"`
}

// RecurringService is RecurringServicePostOutputDto, a service line of a
// contract as BMS stored it.
type RecurringService struct {
	ID            int     `json:"Id"`
	ServiceID     int     `json:"ServiceId"`
	ServiceName   string  `json:"ServiceName"`
	ContractID    int     `json:"ContractId"`
	ContractName  string  `json:"ContractName"`
	Units         float64 `json:"Units"`
	UnitCost      float64 `json:"UnitCost"`
	UnitPrice     float64 `json:"UnitPrice"`
	TotalPrice    float64 `json:"TotalPrice"`
	EffectiveDate Time    `json:"EffectiveDate"`
}

var (
	epContractLookup   = endpoint{http.MethodGet, "v2/finance/contracts/lookup"}
	epContractSummary  = endpoint{http.MethodGet, "v2/finance/contracts/summary"}
	epContractServices = endpoint{http.MethodPost, "v2/finance/contracts/recurringservices/{}/services"}
	epServiceLookup    = endpoint{http.MethodGet, "v2/admin/finance/services/lookup"}
	epServiceCreate    = endpoint{http.MethodPost, "v2/admin/finance/services/services"}
	epServiceGet       = endpoint{http.MethodGet, "v2/admin/finance/services/{}"}
)

// ContractsService reads contracts and adds service lines to them.
//
// V2 has no endpoint to read or change the service lines of an existing
// contract (POST …/recurringservices/{contractId}/services is the only
// service-line endpoint): AddServices adds lines, and
// nothing in V2 changes the units of a line once added.
type ContractsService service

// Lookup lists contracts (GET /v2/finance/contracts/lookup): of one
// account, by name or ids, without expired ones.
func (s *ContractsService) Lookup(ctx context.Context, opts *ContractLookupOptions) ([]ContractLookup, error) {
	var out []ContractLookup
	err := s.c.get(ctx, epContractLookup, epContractLookup.path(), copyOpts(opts), &out)
	return out, err
}

// Summaries lists contract summaries (GET /v2/finance/contracts/summary).
func (s *ContractsService) Summaries(ctx context.Context, opts *ContractSummaryOptions) iter.Seq2[ContractSummary, error] {
	return list[ContractSummary]{c: s.c, ep: epContractSummary, path: epContractSummary.path(), query: copyOpts(opts)}.all(ctx)
}

// SummariesPage reads one page of contract summaries.
func (s *ContractsService) SummariesPage(ctx context.Context, opts *ContractSummaryOptions, cursor string) (*Page[ContractSummary], error) {
	return list[ContractSummary]{c: s.c, ep: epContractSummary, path: epContractSummary.path(), query: copyOpts(opts)}.page(ctx, cursor)
}

// AddServices adds service lines to a recurring-services contract (POST
// /v2/finance/contracts/recurringservices/{contractId}/services). The spec
// declares one line in the answer; one or several are read.
func (s *ContractsService) AddServices(ctx context.Context, contractID int, lines []RecurringServiceInput) ([]RecurringService, error) {
	if len(lines) == 0 {
		return nil, errors.New("kaseyabms: no service lines to add")
	}
	var raw json.RawMessage
	if _, err := s.c.do(ctx, epContractServices, epContractServices.path(contractID), nil, lines, httpx.ReplayUnsafe, &raw); err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '[' {
		var out []RecurringService
		err := json.Unmarshal(raw, &out)
		return out, err
	}
	var one RecurringService
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []RecurringService{one}, nil
}

// ServiceLookup is an item of the service catalogue lookup.
type ServiceLookup struct {
	ID          int    `json:"Id"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
}

// ServiceLookupOptions filter GET /v2/admin/finance/services/lookup.
type ServiceLookupOptions struct {
	ID   int    `url:"Filter.Id,omitempty"`
	Name string `url:"Filter.Name,omitempty"`
}

// ServiceInput is ServiceInputDto, a catalogue service to create.
type ServiceInput struct {
	Name        string  `json:"Name"`
	Description string  `json:"Description,omitempty"`
	UnitCost    float64 `json:"UnitCost"`
	UnitPrice   float64 `json:"UnitPrice"`
	CategoryID  int     `json:"CategoryId,omitempty"`
	IsActive    bool    `json:"IsActive"`
	IsTaxable   bool    `json:"IsTaxable"`
}

// Service is ServiceOutputDto, a catalogue service.
type Service struct {
	ID          int     `json:"Id"`
	Name        string  `json:"Name"`
	Description string  `json:"Description"`
	UnitCost    float64 `json:"UnitCost"`
	UnitPrice   float64 `json:"UnitPrice"`
	CategoryID  int     `json:"CategoryId"`
	IsActive    bool    `json:"IsActive"`
	IsTaxable   bool    `json:"IsTaxable"`
}

// ServicesService reads and extends the service catalogue.
type ServicesService service

// Lookup lists catalogue services (by name or id).
func (s *ServicesService) Lookup(ctx context.Context, opts *ServiceLookupOptions) iter.Seq2[ServiceLookup, error] {
	return list[ServiceLookup]{c: s.c, ep: epServiceLookup, path: epServiceLookup.path(), query: copyOpts(opts)}.all(ctx)
}

// LookupPage reads one page of the catalogue lookup.
func (s *ServicesService) LookupPage(ctx context.Context, opts *ServiceLookupOptions, cursor string) (*Page[ServiceLookup], error) {
	return list[ServiceLookup]{c: s.c, ep: epServiceLookup, path: epServiceLookup.path(), query: copyOpts(opts)}.page(ctx, cursor)
}

// Get reads one catalogue service.
func (s *ServicesService) Get(ctx context.Context, id int) (*Service, error) {
	var out Service
	if err := s.c.get(ctx, epServiceGet, epServiceGet.path(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create adds a service to the catalogue (POST
// /v2/admin/finance/services/services).
func (s *ServicesService) Create(ctx context.Context, in ServiceInput) (*Service, error) {
	if in.Name == "" {
		return nil, errors.New("kaseyabms: service needs a name")
	}
	var out Service
	if _, err := s.c.do(ctx, epServiceCreate, epServiceCreate.path(), nil, in, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
