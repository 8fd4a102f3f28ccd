package kaseyabms

import (
	"context"
	"errors"
	"iter"
	"net/http"

	"github.com/mspsync/mspsync/internal/httpx"
)

// WebhookInput is WebhookConfigurationInputDto. How BMS signs deliveries
// with Secret, and what it delivers, is not in the Kaseya BMS API
// documentation: mspsync reads ticket state by polling.
type WebhookInput struct {
	Name          string `json:"Name"`
	PayloadURL    string `json:"PayloadURL"`
	IsEnabled     bool   `json:"IsEnabled"`
	Secret        string `json:"Secret,omitempty"`
	ContentType   int    `json:"ContentType"`
	SendAllEvents bool   `json:"SendAllEvents"`
	Events        []int  `json:"Events,omitempty"`
}

// Webhook is WebhookConfigurationOutputDto (and, from All, the fields of
// WebhookConfigurationListOutputDto).
type Webhook struct {
	ID            int    `json:"Id"`
	Name          string `json:"Name"`
	PayloadURL    string `json:"PayloadUrl"`
	IsEnabled     bool   `json:"IsEnabled"`
	ContentType   int    `json:"ContentType"`
	SendAllEvents bool   `json:"SendAllEvents"`
	Events        []int  `json:"Events"`
	HasSecret     bool   `json:"HasSecret"`
	UseCount      int    `json:"UseCount"`
	CreatedOn     Time   `json:"CreatedOn"`
}

// WebhookEvent is an event a webhook can subscribe to.
type WebhookEvent struct {
	ID           int    `json:"Id"`
	Name         string `json:"Name"`
	CategoryID   int    `json:"CategoryId"`
	CategoryName string `json:"CategoryName"`
}

// WebhookListOptions filter the webhook list.
type WebhookListOptions struct {
	Name       string
	PayloadURL string
}

var (
	epWebhookCreate = endpoint{http.MethodPost, "v2/admin/webhooks"}
	epWebhookSearch = endpoint{http.MethodPost, "v2/admin/webhooks/search"}
	epWebhookEvents = endpoint{http.MethodGet, "v2/admin/webhooks/events/lookup"}
)

// WebhooksService manages BMS webhooks (an administrator's rights).
type WebhooksService service

// Create registers a webhook (POST /v2/admin/webhooks).
func (s *WebhooksService) Create(ctx context.Context, in WebhookInput) (*Webhook, error) {
	if in.PayloadURL == "" {
		return nil, errors.New("kaseyabms: webhook needs a payload URL")
	}
	var out Webhook
	if _, err := s.c.do(ctx, epWebhookCreate, epWebhookCreate.path(), nil, in, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *WebhooksService) list(opts *WebhookListOptions) list[Webhook] {
	var filter map[string]any
	if opts != nil {
		filter = map[string]any{}
		if opts.Name != "" {
			filter["Name"] = opts.Name
		}
		if opts.PayloadURL != "" {
			filter["PayloadUrl"] = opts.PayloadURL
		}
	}
	return list[Webhook]{c: s.c, ep: epWebhookSearch, path: epWebhookSearch.path(), body: func(size, number int) any {
		b := map[string]any{"PageSize": size, "PageNumber": number}
		if len(filter) > 0 {
			b["Filter"] = filter
		}
		return b
	}}
}

// All lists webhooks (POST /v2/admin/webhooks/search, a read).
func (s *WebhooksService) All(ctx context.Context, opts *WebhookListOptions) iter.Seq2[Webhook, error] {
	return s.list(opts).all(ctx)
}

// ListPage reads one page of webhooks.
func (s *WebhooksService) ListPage(ctx context.Context, opts *WebhookListOptions, cursor string) (*Page[Webhook], error) {
	return s.list(opts).page(ctx, cursor)
}

// Events lists the events a webhook can subscribe to.
func (s *WebhooksService) Events(ctx context.Context) ([]WebhookEvent, error) {
	var out []WebhookEvent
	err := s.c.get(ctx, epWebhookEvents, epWebhookEvents.path(), nil, &out)
	return out, err
}
