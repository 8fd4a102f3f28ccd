package redact

import (
	"testing"
)

func TestSanitizeText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"form body", "grant_type=client_credentials&client_id=id&client_secret=cs1&scope=all",
			"grant_type=client_credentials&client_id=id&client_secret=REDACTED&scope=all"},
		{"password grant form", "grant_type=password&username=key&password=pw1", "grant_type=password&username=key&password=REDACTED"},
		{"json password", `{"password":"pw2","user":"ann"}`, `{"password":"REDACTED","user":"ann"}`},
		{"json tokens", `{"access_token": "at1", "refresh_token":"rt1", "token_type":"Bearer"}`,
			`{"access_token": "REDACTED", "refresh_token":"REDACTED", "token_type":"Bearer"}`},
		{"json api keys", `{"api_key":"k1","apikey":"k2","x-api-key":"k3","client_secret":"k4"}`,
			`{"api_key":"REDACTED","apikey":"REDACTED","x-api-key":"REDACTED","client_secret":"REDACTED"}`},
		{"json escaped quote", `{"password":"a\"b","n":1}`, `{"password":"REDACTED","n":1}`},
		{"json number secret", `{"secret": 12345}`, `{"secret": "REDACTED"}`},
		{"webhook body", `{"alert_uid":"6c5a1f3e-0000-4000-8000-000000000001","alert_resolved":false,"state":"whs-SECRET","alert_message":"Disk C: 95%"}`,
			`{"alert_uid":"6c5a1f3e-0000-4000-8000-000000000001","alert_resolved":false,"state":"REDACTED","alert_message":"Disk C: 95%"}`},
		{"webhook secret field", `{"secret":"whs2","site_name":"Contoso"}`, `{"secret":"REDACTED","site_name":"Contoso"}`},
		{"query pairs", "api_key=k5&apikey=k6&page=2&max=250", "api_key=REDACTED&apikey=REDACTED&page=2&max=250"},
		{"authorization header", "Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: REDACTED"},
		{"api key header", "X-Api-Key: k7\nAccept: application/json", "X-Api-Key: REDACTED\nAccept: application/json"},
		{"bearer in text", "sent Bearer abc123def to the server", "sent Bearer REDACTED to the server"},
		{"basic in text", "with Basic cHVibGljLWNsaWVudDpwdWJsaWM=", "with Basic REDACTED"},
		{"url userinfo", `Get "https://user:pw3@h.example/x": EOF`, `Get "https://user:REDACTED@h.example/x": EOF`},
		{"url token userinfo", `dial https://tok4@h.example/x`, `dial https://REDACTED@h.example/x`},
		{"url query", `Post "https://h.example/auth/token?tenant=acme&client_secret=cs5": EOF`,
			`Post "https://h.example/auth/token?client_secret=REDACTED&tenant=acme": EOF`},
		{"plain words kept", "Basic authentication failed; invalid token: expired", "Basic authentication failed; invalid token: expired"},
		{"rate limit text kept", "Rate Limit Reached - 300 Requests per rolling 5 minute window", "Rate Limit Reached - 300 Requests per rolling 5 minute window"},
		{"transport error kept", "dial tcp 127.0.0.1:9: connect: connection refused", "dial tcp 127.0.0.1:9: connect: connection refused"},
		{"empty value kept", `{"state":""}`, `{"state":""}`},
		{"empty", "", ""},
	} {
		if got := SanitizeText(tc.in); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if got := SanitizeText(tc.want); got != tc.want {
			t.Errorf("%s: not idempotent: %s", tc.name, got)
		}
	}
}

func TestIsSecretNameCoversCredentialFields(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"client_secret", "password", "refresh_token", "access_token", "api_key", "apikey", "x-api-key", "X-Api-Key", "Authorization", "state", "secret"} {
		if !IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = false", n)
		}
	}
	for _, n := range []string{"page", "max", "tenant", "client_id", "alert_uid", "grant_type"} {
		if IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = true", n)
		}
	}
}
