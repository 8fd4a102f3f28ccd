package dattormm_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/internal/httpxtest"
)

// redirectingDatto serves a Datto whose token endpoint (redirectToken) or
// whose API answers status with a Location on sinkURL; the other one works.
func redirectingDatto(t *testing.T, status int, sinkURL string, redirectToken bool) string {
	t.Helper()
	mux := http.NewServeMux()
	token := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-SECRET","token_type":"bearer","expires_in":359999}`)
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"uid":"acct"}`) })
	if redirectToken {
		mux.Handle("/auth/oauth/token", httpxtest.RedirectTo(status, sinkURL))
		mux.Handle("/api/", api)
	} else {
		mux.Handle("/auth/oauth/token", token)
		mux.Handle("/api/", httpxtest.RedirectTo(status, sinkURL))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, tc := range []struct {
			name          string
			redirectToken bool
			opts          []dattormm.Option
			secrets       []string
		}{
			{"password grant: token request", true, []dattormm.Option{dattormm.WithAPIKey("dk-SECRET", "ds-SECRET")}, []string{"dk-SECRET", "ds-SECRET"}},
			{"password grant: resource request", false, []dattormm.Option{dattormm.WithAPIKey("dk-SECRET", "ds-SECRET")}, []string{"dk-SECRET", "ds-SECRET", "at-SECRET"}},
			{"static token: resource request", false, []dattormm.Option{dattormm.WithStaticToken("st-SECRET")}, []string{"st-SECRET"}},
		} {
			t.Run(fmt.Sprintf("%d/%s", status, tc.name), func(t *testing.T) {
				t.Parallel()
				sink := httpxtest.NewSink(t)
				base := redirectingDatto(t, status, sink.URL, tc.redirectToken)
				opts := append([]dattormm.Option{
					dattormm.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
					dattormm.WithRetryPolicy(dattormm.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
				}, tc.opts...)
				c, err := dattormm.NewClient(base, opts...)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Account.Get(t.Context())
				sink.AssertUntouched(t, tc.secrets...)
				if !errors.Is(err, dattormm.ErrRedirect) || !errors.Is(err, dattormm.ErrForeignHost) {
					t.Fatalf("err = %v, want ErrRedirect and ErrForeignHost", err)
				}
				var re *dattormm.RedirectError
				if !errors.As(err, &re) || !strings.HasPrefix(re.To, sink.URL) || re.Status != status {
					t.Errorf("redirect error = %+v", re)
				}
				if msg := err.Error(); !strings.Contains(msg, sink.URL) || strings.Contains(msg, "SECRET") {
					t.Errorf("err = %s: want the target named and no secret", msg)
				}
			})
		}
	}
}
