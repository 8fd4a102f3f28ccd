// Package visiononedriver plugs the Trend Vision One client (package
// visionone) into the alerting engine, the way Trend Vision One for
// Service Providers' HaloPSA integration works: for each managed customer
// (its own region and API key) new high-risk users and devices, newly
// discovered watchlisted assets, new risk events (High or Medium) and
// workbench alerts become PSA tickets.
//
//   - Config (LoadConfig) holds the customers and their mapping: a
//     manual PSA customer wins over auto-match by exact name; unmatched
//     customers go to the default customer; each customer's
//     "auto-create tickets" switch (on by default, also for customers
//     added later) and per-kind switches; a ticket type is required.
//     EngineConfig turns it into the engine's routing; MappingReport lists
//     every customer as manual, auto-matched or unmatched; CheckPSA checks
//     the ticket type and customers against the PSA at start-up.
//   - Poller (one per customer) polls workbench alerts (createdDateTime
//     since the last poll), high-risk users and devices (new IDs on the
//     list; the first poll raises those with a time in the last 4 hours)
//     and newly discovered watchlisted assets (firstSeen since the last
//     poll, a TMV1-Filter criterion), keeping its positions as cursors in
//     the engine's Store, so a restart neither re-raises nor misses.
//   - NotificationIntake takes Vision One's notification webhooks (the
//     only source of risk events): a secret token in the URL, a body cap,
//     JSON only, operator-configured JSON paths; workbench alerts are read
//     again from the API. Vision One's e-mail notifications are not
//     supported; use the webhook path.
//   - Resolver writes Closed and the configured investigation result back
//     to a workbench alert when its PSA ticket is closed (GET for the
//     ETag, PATCH with If-Match, once more after a 412 unless it is
//     Closed already); OpenAlertLister feeds the reconciliation poll.
//
// Every alert has Source Kind ("visionone"), Account and Customer.ID the
// customer's reference, and a stable event ID: the workbench alert ID, or
// "high-risk-user:<id>:<n>", "high-risk-device:<id>:<n>" (the n-th time
// the ID entered the list), "new-asset:<id>", "risk-event:<id>".
package visiononedriver
