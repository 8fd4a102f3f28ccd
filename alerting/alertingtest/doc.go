// Package alertingtest provides in-memory fakes of the alerting engine's
// ports: Sink (a PSA with tickets, notes, customers, contacts and assets)
// and Resolver (a source that resolves alerts). They are safe for
// concurrent use, count every call, and inject faults: FailNext makes the
// next n calls of a method fail, LoseNextResponse makes them take effect
// and then fail (a timeout after the PSA did the work).
//
// Use them in tests of code built on the engine, in benchmarks, and in demo
// programs:
//
//	sink := alertingtest.NewSink()
//	sink.AddCustomer(alerting.Customer{ID: "12", Name: "Acme"})
//	eng, _ := alerting.New(cfg, memstore.New(), sink)
//	sink.FailNext(alertingtest.OpCreateTicket, 2, nil) // the PSA is down
package alertingtest
