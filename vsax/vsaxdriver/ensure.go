package vsaxdriver

import (
	"context"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/vsax"
)

// SecretStore keeps webhook secrets by webhook URL. VSA X shows a
// webhook's SecretKey only when it is created or regenerated, so it must
// be kept by the caller. (The alerting stores have no place for it yet;
// see the package's report.)
type SecretStore interface {
	// WebhookSecret returns the stored secret for url, "" when none.
	WebhookSecret(ctx context.Context, url string) (string, error)
	// SetWebhookSecret stores secret for url.
	SetWebhookSecret(ctx context.Context, url, secret string) error
}

// EnsureWebhook registers the notification webhook req in VSA X once and
// returns its secret: an existing webhook with the same URL is updated
// (never duplicated); its stored secret is reused, or regenerated when
// none is stored. A new webhook's secret is stored before it is returned.
func EnsureWebhook(ctx context.Context, c *vsax.Client, store SecretStore, req vsax.WebhookRequest) (vsax.Webhook, string, error) {
	var existing *vsax.Webhook
	for wh, err := range c.Webhooks.All(ctx, nil) {
		if err != nil {
			return vsax.Webhook{}, "", fmt.Errorf("vsax: listing webhooks: %w", err)
		}
		if strings.EqualFold(strings.TrimRight(wh.URL, "/"), strings.TrimRight(req.URL, "/")) {
			existing = &wh
			break
		}
	}
	if existing == nil {
		wh, err := c.Webhooks.Create(ctx, req)
		if err != nil {
			return wh, "", err
		}
		if err := store.SetWebhookSecret(ctx, req.URL, wh.SecretKey); err != nil {
			return wh, wh.SecretKey, fmt.Errorf("vsax: webhook %d created but its secret was not stored (regenerate it): %w", wh.ID, err)
		}
		return wh, wh.SecretKey, nil
	}
	wh, err := c.Webhooks.Update(ctx, int64(existing.ID), req)
	if err != nil {
		return wh, "", err
	}
	secret, err := store.WebhookSecret(ctx, req.URL)
	if err != nil {
		return wh, "", err
	}
	if secret == "" {
		if secret, err = c.Webhooks.RegenerateSecret(ctx, int64(existing.ID)); err != nil {
			return wh, "", err
		}
		if err := store.SetWebhookSecret(ctx, req.URL, secret); err != nil {
			return wh, secret, err
		}
	}
	return wh, secret, nil
}
