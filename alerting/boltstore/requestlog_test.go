package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

func TestRequestLogContract(t *testing.T) {
	t.Parallel()
	storetest.RunRequestLog(t, func(t *testing.T, size int) alerting.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "alerts.db"), boltstore.WithRequestLogSize(size))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// The request log is in the file: it survives a restart, and numbering
// goes on where it stopped.
func TestRequestLogSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "alerts.db")
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.AddRequest(t.Context(), alerting.Request{Source: "datto", EventKey: "datto/raise/1", Status: alerting.RequestAccepted})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.ApplyRequest(t.Context(), "datto/raise/1", alerting.Applied{Outcome: alerting.OutcomeCreated, TicketID: "7"}); err != nil {
		t.Fatalf("ApplyRequest after reopen: %v", err)
	}
	second, err := s.AddRequest(t.Context(), alerting.Request{Source: "datto", Status: alerting.RequestRejected})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Requests(t.Context(), alerting.RequestQuery{})
	if err != nil || len(got) != 2 || second.Seq <= first.Seq || got[1].Applied == nil || got[1].Applied.TicketID != "7" {
		t.Errorf("after reopen: %+v, %v (seqs %d then %d)", got, err, first.Seq, second.Seq)
	}
}
