package kaseyabmsdriver_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
)

// BenchmarkTicketSink measures the sink through the fake over HTTP: a
// ticket create (lookups cached after the first) and a note on it (a state
// read and the note), the two writes of a user group. It reports the
// requests per ticket.
func BenchmarkTicketSink(b *testing.B) {
	w := newWorld(b)
	sink := kaseyabmsdriver.NewAlertSink(w.c, sinkDefaults, kaseyabmsdriver.WithGroupKeyField(9))
	ctx := b.Context()
	nt := alerting.NewTicket{Customer: id(w.contoso.ID), Contact: id(w.ann.ID), Site: id(w.ann.LocationID), Title: "Too Many Downloads",
		Body: "ann@contoso.example triggered Too Many Downloads", Time: time.Now(),
		Defaults: alerting.TicketDefaults{Status: "New", Queue: "Security", Priority: "High", IssueType: "Security", SubIssueType: "Account compromise"}}
	if _, err := sink.CreateTicket(ctx, nt); err != nil { // warm the lookups
		b.Fatal(err)
	}
	before := w.c.Stats().Requests
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		nt.GroupKey = "ag1-bench-" + strconv.Itoa(i)
		id, err := sink.CreateTicket(ctx, nt)
		if err != nil {
			b.Fatal(err)
		}
		if err := sink.AddNote(ctx, id, alerting.Note{Kind: alerting.NoteAlertRaised, Text: "Alert raised: Too Many Uploads", Time: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.c.Stats().Requests-before)/float64(b.N), "requests/ticket")
}
