package alerting_test

import (
	"context"
	"iter"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// BenchmarkEngine measures Submit throughput (alerts/s) on the in-memory
// store with an in-process sink, for each grouping mode: 1,000 users, 10
// alert types, every alert a new event, submitted from GOMAXPROCS
// goroutines.
//
// The first three use a lean in-process PSA that keeps ticket states and
// closes a ticket after 25 notes, as technicians would: a steady state in
// which user tickets do not grow without bound. The "fake/..." runs use
// alertingtest.Sink, which keeps every ticket and note in memory and never
// closes tickets: there a user's ticket collects b.N/1000 alerts, and the
// cost per alert grows with that number.
func BenchmarkEngine(b *testing.B) {
	for _, mode := range []alerting.Grouping{alerting.GroupPerAlert, alerting.GroupUser, alerting.GroupUserAlert} {
		b.Run(string(mode), func(b *testing.B) { benchEngine(b, mode, newLeanSink(25)) })
	}
	for _, mode := range []alerting.Grouping{alerting.GroupPerAlert, alerting.GroupUser} {
		b.Run("fake/"+string(mode), func(b *testing.B) { benchEngine(b, mode, alertingtest.NewSink()) })
	}
}

func benchEngine(b *testing.B, mode alerting.Grouping, sink alerting.Sink) {
	users := make([]string, 1000)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i) + "@example.com"
	}
	types := []string{"Login", "Download", "Share", "Travel", "MFA", "Delete", "Forward", "Admin", "Policy", "Device"}
	cfg := baseConfig()
	cfg.Grouping = mode
	eng, err := alerting.New(cfg, memstore.New(), sink)
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	runtime.GC() // do not charge this run with the garbage of the previous one
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			a := alerting.Alert{
				Source: "datto", EventID: strconv.FormatInt(i, 10), Kind: alerting.Raise,
				Type: types[i%int64(len(types))], User: users[i%int64(len(users))],
				Customer: alerting.CustomerRef{ID: "site-1"}, Severity: alerting.SeverityHigh,
				Title: "Alert", Body: "Something happened",
			}
			res, err := eng.Submit(b.Context(), a)
			if err != nil || (res.Outcome != alerting.OutcomeCreated && res.Outcome != alerting.OutcomeNoted) {
				b.Fatalf("Submit = %+v, %v", res, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// leanSink is a minimal in-process PSA: ticket states and note counts. A
// ticket is closed (as by a technician) once it has closeAfter notes.
type leanSink struct {
	closeAfter int
	mu         sync.Mutex
	next       int
	tickets    map[string]*leanTicket
}

type leanTicket struct {
	state alerting.TicketState
	notes int
}

func newLeanSink(closeAfter int) *leanSink {
	return &leanSink{closeAfter: closeAfter, tickets: map[string]*leanTicket{}}
}

func (s *leanSink) CreateTicket(ctx context.Context, t alerting.NewTicket) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := strconv.Itoa(s.next)
	s.tickets[id] = &leanTicket{state: alerting.TicketOpen}
	return id, nil
}

func (s *leanSink) AddNote(ctx context.Context, id string, n alerting.Note) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tickets[id]
	if t == nil || t.state != alerting.TicketOpen {
		return alerting.ErrTicketClosed
	}
	if t.notes++; t.notes >= s.closeAfter {
		t.state = alerting.TicketClosed
	}
	return nil
}

func (s *leanSink) TicketState(ctx context.Context, id string) (alerting.TicketState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tickets[id]; t != nil {
		return t.state, nil
	}
	return alerting.TicketMissing, nil
}

func (s *leanSink) CloseTicket(ctx context.Context, id string, n alerting.Note) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tickets[id]; t != nil {
		t.state = alerting.TicketClosed
	}
	return nil
}

func (s *leanSink) FindCustomer(context.Context, string) (alerting.Customer, error) {
	return alerting.Customer{}, alerting.ErrNotFound
}

func (s *leanSink) FindContact(context.Context, string, string) (alerting.Contact, error) {
	return alerting.Contact{}, alerting.ErrNotFound
}

func (s *leanSink) FindAsset(context.Context, string, string, alerting.Device) (alerting.Asset, error) {
	return alerting.Asset{}, alerting.ErrNotFound
}

func (s *leanSink) ClosedTicketsSince(context.Context, time.Time) iter.Seq2[alerting.ClosedTicket, error] {
	return func(func(alerting.ClosedTicket, error) bool) {}
}
