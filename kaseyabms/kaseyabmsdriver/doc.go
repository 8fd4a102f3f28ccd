// Package kaseyabmsdriver plugs a Kaseya BMS client (package kaseyabms)
// into the alerting engine, the way SaaS Alerts' Kaseya BMS integration
// behaves:
//
//   - NewAlertSink is the alerting.Sink (with TicketFinder, NoteFinder,
//     ContactDirectory and PriorityChecker). Every ticket and note
//     belongs to an account and a contact: a mapped customer
//     (alerting.CustomerMapping: Customer is the BMS account id, Contact
//     its default contact) or the catch-all account and contact
//     (alerting.CatchAll). The contact is the one active contact of the
//     account whose e-mail address is the alert user's, and the mapped
//     customer's default contact when there is none or several. Tickets
//     get the type, source, status, queue and priority defaults and the
//     issue type and sub-issue type (alerting.Config.Ticket, with
//     per-alert-type overrides in alerting.Config.AlertTypes), OpenDate the
//     alert's time, and the contract (the mapping's, or with
//     AttachContract the account's default one). Grouping by user or by
//     user and alert type is the engine's (alerting.GroupUser,
//     GroupUserAlert): later alerts become internal notes on the open
//     ticket, and after it is closed — CompletedDate set, or a closed
//     status (WithClosedStatuses) — the next alert opens a new one. With
//     WithGroupKeyField the group key is written to a ticket custom field
//     so that a restart finds the open ticket from BMS alone.
//   - AlertSink.Validate checks the configuration at start-up: every
//     mapped account exists and has a default contact, the default and
//     catch-all contacts exist, are active and belong to their account,
//     and the ticket defaults exist in BMS.
//   - NewUserCountSink keeps a per-user service line on opted-in
//     customers' contracts from the user counts a source reports through
//     the generic JSON intake (alerting/jsonintake; it is a
//     jsonintake.UserCounter). BMS V2 can add a line to a contract but
//     has no endpoint to read or change one: the
//     first count adds the line; a later, different count is recorded and
//     reported for a change by hand, never added as a second line.
//
// Ticket types and sources have no V2 lookup: configure their ids
// (alerting.Config.Ticket.Type and Source, or WithDefaults). Statuses,
// priorities, queues, issue types and sub-issue types are ids or names,
// read once per sink from the lookups (each endpoint has its own budget of
// 1,500 calls an hour).
//
// Out of scope: the "+Add to SaaS Alerts" button of SaaS Alerts' screens
// acts inside SaaS Alerts' own product, and SaaS Alerts' delivery format
// is not documented; a relay maps its events onto the JSON intake (see
// package alerting/jsonintake).
package kaseyabmsdriver
