package jsonintake_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/jsonintake"
)

// BenchmarkHandler measures one signed raise through the handler: read,
// HMAC check, first-occurrence decode, hand-over to an acceptor.
func BenchmarkHandler(b *testing.B) {
	rec := &alertingtest.Recorder{}
	h, err := jsonintake.NewHandler(rec, jsonintake.WithSources("saasalerts"), jsonintake.WithSigningSecrets(secret))
	if err != nil {
		b.Fatal(err)
	}
	sig := jsonintake.Sign(secret, raiseBody)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/alerts", bytes.NewReader(raiseBody))
		r.Header.Set(jsonintake.SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("answer %d %s", w.Code, w.Body)
		}
	}
}
