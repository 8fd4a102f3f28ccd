package vsaxdriver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/vsax"
)

// WebhookSecretName is the name under which EnsureWebhook keeps the
// secret of the webhook for url of a VSA X instance (account, "" for a
// deployment with one) in an alerting.Secrets store.
func WebhookSecretName(account, url string) string {
	return "vsax/webhook/" + account + "/" + normURL(url)
}

func normURL(u string) string { return strings.TrimRight(strings.TrimSpace(u), "/") }

// EnsureWebhook registers the notification webhook req in VSA X and
// returns it with its secret, which it keeps in secrets (the alert
// store's database: memstore, boltstore and pgstore are all
// alerting.Secrets) under WebhookSecretName(account, req.URL). VSA X shows
// a webhook's SecretKey only when it is created or regenerated, so:
//
//   - no webhook with req.URL: it is created and its secret stored;
//   - one exists: it is updated with req (never duplicated); the stored
//     secret is returned, or, when none is stored (another database, a
//     lost create reply), the secret is regenerated and stored.
//
// A create whose reply was lost (a 5xx or a broken connection) is not
// sent again: the webhooks are listed first, and one that did get created
// is taken over as above. Run it at start-up, before the receiver answers.
func EnsureWebhook(ctx context.Context, c *vsax.Client, secrets alerting.Secrets, account string, req vsax.WebhookRequest) (vsax.Webhook, string, error) {
	if secrets == nil {
		return vsax.Webhook{}, "", errors.New("vsax: EnsureWebhook needs a secrets store")
	}
	name := WebhookSecretName(account, req.URL)
	existing, err := findWebhook(ctx, c, req.URL)
	if err != nil {
		return vsax.Webhook{}, "", err
	}
	if existing == nil {
		wh, cerr := c.Webhooks.Create(ctx, req)
		if cerr == nil {
			if err := secrets.SetSecret(ctx, name, wh.SecretKey); err != nil {
				return wh, wh.SecretKey, fmt.Errorf("vsax: webhook %d created but its secret was not stored (run again to regenerate it): %w", wh.ID, err)
			}
			return wh, wh.SecretKey, nil
		}
		var ve *vsax.Error
		if errors.As(cerr, &ve) && ve.StatusCode >= 400 && ve.StatusCode < 500 {
			return vsax.Webhook{}, "", cerr // refused: nothing was created
		}
		// The reply was lost: look before anything is sent again.
		if existing, err = findWebhook(ctx, c, req.URL); err != nil || existing == nil {
			return vsax.Webhook{}, "", errors.Join(cerr, err)
		}
	}
	wh, err := c.Webhooks.Update(ctx, int64(existing.ID), req)
	if err != nil {
		return wh, "", err
	}
	secret, err := secrets.Secret(ctx, name)
	if err != nil {
		return wh, "", err
	}
	if secret == "" {
		if secret, err = c.Webhooks.RegenerateSecret(ctx, int64(existing.ID)); err != nil {
			return wh, "", err
		}
		if err := secrets.SetSecret(ctx, name, secret); err != nil {
			return wh, secret, fmt.Errorf("vsax: webhook %d secret regenerated but not stored (run again to regenerate it): %w", wh.ID, err)
		}
	}
	return wh, secret, nil
}

// findWebhook returns the webhook whose URL is url (ignoring case and a
// trailing slash), or nil.
func findWebhook(ctx context.Context, c *vsax.Client, url string) (*vsax.Webhook, error) {
	for wh, err := range c.Webhooks.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("vsax: listing webhooks: %w", err)
		}
		if strings.EqualFold(normURL(wh.URL), normURL(url)) {
			return &wh, nil
		}
	}
	return nil, nil
}
