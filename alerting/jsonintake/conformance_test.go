package jsonintake_test

import (
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/jsonintake"
)

const (
	secret = "7f3c1e9a5b2d4f608e1a3c5b7d9f2e4a"
	token  = "tok-0123456789abcdef0123456789ab"
)

var (
	raiseBody   = []byte(`{"source":"saasalerts","event_id":"evt-1","action":"raise","alert_id":"a-1","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","customer_ref":"org-42","customer_name":"Contoso","severity":"high"}`)
	resolveBody = []byte(`{"source":"saasalerts","event_id":"evt-2","action":"resolve","alert_id":"a-1"}`)
)

func signed(body []byte) alertingtest.Delivery {
	return alertingtest.Delivery{Body: body, Header: http.Header{jsonintake.SignatureHeader: {jsonintake.Sign(secret, body)}}}
}

func withToken(body []byte) alertingtest.Delivery {
	return alertingtest.Delivery{Body: body, Header: http.Header{jsonintake.TokenHeader: {token}}}
}

func TestHandlerConforms(t *testing.T) {
	t.Parallel()
	t.Run("Signed", func(t *testing.T) {
		alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
			h, err := jsonintake.NewHandler(rec, jsonintake.WithSources("saasalerts"), jsonintake.WithSigningSecrets(secret))
			if err != nil {
				t.Fatal(err)
			}
			forged := signed(raiseBody)
			forged.Header.Set(jsonintake.SignatureHeader, jsonintake.Sign("another-secret-of-32-characters!", raiseBody))
			return alertingtest.IntakeFixture{
				Handler: h, Source: "saasalerts",
				Raise: signed(raiseBody), Resolve: signed(resolveBody), Forged: forged,
				Malformed: signed([]byte(`{"source":"saasalerts","event_id":`)),
			}
		})
	})
	t.Run("HeaderToken", func(t *testing.T) {
		alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
			h, err := jsonintake.NewHandler(rec, jsonintake.WithSources("saasalerts"), jsonintake.WithHeaderToken(token))
			if err != nil {
				t.Fatal(err)
			}
			return alertingtest.IntakeFixture{
				Handler: h, Source: "saasalerts",
				Raise: withToken(raiseBody), Resolve: withToken(resolveBody),
				Forged:    alertingtest.Delivery{Body: raiseBody, Header: http.Header{jsonintake.TokenHeader: {token[:len(token)-1] + "x"}}},
				Malformed: withToken([]byte(`["not an object"]`)),
			}
		})
	})
}
