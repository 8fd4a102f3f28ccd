package dattormm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/internal/httpxtest"
)

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	call := func(opts ...dattormm.Option) func(ctx context.Context, base string) error {
		return func(ctx context.Context, base string) error {
			c, err := dattormm.NewClient(base, append([]dattormm.Option{
				dattormm.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
				dattormm.WithRetryPolicy(dattormm.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
			}, opts...)...)
			if err != nil {
				return fmt.Errorf("NewClient: %w", err)
			}
			_, err = c.Account.Get(ctx)
			return err
		}
	}
	apiKey := call(dattormm.WithAPIKey("dk-SECRET", "ds-SECRET"))
	httpxtest.RunRedirects(t, httpxtest.RedirectVendor{
		TokenPath: "/auth/oauth/token",
		Token:     `{"access_token":"at-SECRET","token_type":"bearer","expires_in":359999}`,
		API:       `{"uid":"acct"}`,
		Want:      []error{dattormm.ErrRedirect, dattormm.ErrForeignHost},
	}, []httpxtest.RedirectCase{
		{Name: "password grant: token request", RedirectToken: true, Secrets: []string{"dk-SECRET", "ds-SECRET"}, Call: apiKey},
		{Name: "password grant: resource request", Secrets: []string{"dk-SECRET", "ds-SECRET", "at-SECRET"}, Call: apiKey},
		{Name: "static token: resource request", Secrets: []string{"st-SECRET"}, Call: call(dattormm.WithStaticToken("st-SECRET"))},
	})
}
