package pgstore_test

import (
	"context"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

func TestRequestLogContract(t *testing.T) {
	dsn(t)
	storetest.RunRequestLog(t, func(t *testing.T, size int) alerting.Store {
		s, err := pgstore.Open(context.Background(), dsn(t), pgstore.WithSchema(schema(t)), pgstore.WithRequestLogSize(size))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Replicas share one request log: what one adds, another completes and
// lists.
func TestRequestLogShared(t *testing.T) {
	name := schema(t)
	a, b := open(t, name), open(t, name)
	r, err := a.AddRequest(t.Context(), alerting.Request{Source: "datto", EventKey: "datto/raise/1", Status: alerting.RequestAccepted})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ApplyRequest(t.Context(), r.EventKey, alerting.Applied{Outcome: alerting.OutcomeCreated, TicketID: "9"}); err != nil {
		t.Fatalf("ApplyRequest on the other replica: %v", err)
	}
	got, err := a.Requests(t.Context(), alerting.RequestQuery{Source: "datto"})
	if err != nil || len(got) != 1 || got[0].Seq != r.Seq || got[0].Applied == nil || got[0].Applied.TicketID != "9" {
		t.Errorf("requests: %+v, %v", got, err)
	}
}
