package alerting

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Store keeps the engine's state: the pending-work queue with the processed
// event IDs, alert groups, alert records and cursors. The contract is the
// test suite in package storetest; every implementation runs it.
//
// The interface is shaped for several engine replicas sharing one database
// as much as for one process: work is claimed with an owner and a lease that
// expires (a crashed replica's work is picked up by another), and groups and
// alert records are updated by compare-and-swap on a version. Nothing relies
// on process-local locks.
//
// Values passed in and returned are copies: a Store never keeps or hands out
// memory the caller can still change. Times come back as the same instant
// (time.Time.Equal), not necessarily in the same location. Every method is
// safe for concurrent use.
type Store interface {
	Queue
	Groups
	Alerts
	Cursors

	// Prune deletes state last touched before before: processed event IDs
	// (a redelivery after that is processed again), alert records, and
	// groups that have no open ticket and no live lease. Pending items are
	// never pruned. It returns the number of records deleted.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// OpenTickets is an optional Store extension that lets resolve sync skip
// its PSA request while no ticket of the engine's could be closed there.
// Without it every pass asks the PSA.
type OpenTickets interface {
	// HasOpenTickets reports whether some group has a ticket for which
	// GroupState.AwaitsSync is true.
	HasOpenTickets(ctx context.Context) (bool, error)
}

// Queue is the durable pending-work queue and the set of processed event
// IDs that makes delivery idempotent.
type Queue interface {
	// Enqueue records item durably unless its ID is already pending or
	// processed; added reports which. The item is stored as given,
	// including Owner and LeaseUntil (an engine that processes the item at
	// once enqueues it already leased to itself).
	Enqueue(ctx context.Context, item PendingItem) (added bool, err error)
	// Claim leases up to limit due items to owner until now+lease and
	// returns them, oldest first (in Enqueue order). An item is due when
	// NotBefore is not after now and it has no owner or its lease has
	// expired. Claim increments Attempts.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]PendingItem, error)
	// Complete removes a pending item held by owner and records its ID as
	// processed at now. It returns an error matching ErrLeaseLost when the
	// item is not pending or is leased to another owner.
	Complete(ctx context.Context, id, owner string, now time.Time) error
	// Release hands an item held by owner back for a later attempt: it
	// clears the owner and lease and sets NotBefore and LastError. It
	// returns an error matching ErrLeaseLost like Complete.
	Release(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error
	// Pending counts the pending items, leased or not.
	Pending(ctx context.Context) (int, error)
}

// Groups stores alert groups with compare-and-swap.
type Groups interface {
	// Group returns the group with key, or an error matching ErrNotFound.
	Group(ctx context.Context, key string) (GroupState, error)
	// GroupByTicket returns the group one of whose Tickets has ID
	// ticketID, or an error matching ErrNotFound.
	GroupByTicket(ctx context.Context, ticketID string) (GroupState, error)
	// PutGroup stores g if the stored version equals g.Version (0: the
	// group must not exist yet) and returns what was stored, with Version
	// incremented. Otherwise it returns an error matching ErrConflict and
	// changes nothing.
	PutGroup(ctx context.Context, g GroupState) (GroupState, error)
}

// Alerts stores per-alert records with compare-and-swap.
type Alerts interface {
	// Alert returns the record with key (see AlertKey), or an error
	// matching ErrNotFound.
	Alert(ctx context.Context, key string) (AlertRecord, error)
	// PutAlert stores r if the stored version equals r.Version (0: must not
	// exist) and returns it with Version incremented; otherwise an error
	// matching ErrConflict.
	PutAlert(ctx context.Context, r AlertRecord) (AlertRecord, error)
}

// Cursors stores named opaque positions (the resolve-sync cursor, a
// poller's last-seen time) so restarts resume.
type Cursors interface {
	// Cursor returns the value stored under name, or "" if none.
	Cursor(ctx context.Context, name string) (string, error)
	// SetCursor stores value under name.
	SetCursor(ctx context.Context, name, value string) error
}

// Secrets is an optional Store extension that keeps small named secrets
// in the alert store's database: a webhook signing key a vendor shows only
// once (when the webhook is created or its key regenerated), so that every
// replica and every restart verifies deliveries with the same key. Values
// are stored as given (protect the database as you protect the secrets)
// and never logged. memstore, boltstore and pgstore implement it.
type Secrets interface {
	// Secret returns the value stored under name, or "" when there is
	// none.
	Secret(ctx context.Context, name string) (string, error)
	// SetSecret stores value under name (last write wins); an empty value
	// deletes the secret. An empty name is refused.
	SetSecret(ctx context.Context, name, value string) error
}

// ErrEmptySecretName is returned by SetSecret for an empty name.
var ErrEmptySecretName = errors.New("alerting: empty secret name")

// PendingItem is one accepted alert event waiting to be processed.
type PendingItem struct {
	ID         string    `json:"id"` // Alert.EventKey()
	Alert      Alert     `json:"alert"`
	AcceptedAt time.Time `json:"accepted_at"`
	Attempts   int       `json:"attempts"`             // claims so far
	NotBefore  time.Time `json:"not_before,omitzero"`  // not due before this (retry backoff)
	LastError  string    `json:"last_error,omitempty"` // why the last attempt failed
	Owner      string    `json:"owner,omitempty"`      // who holds the lease
	LeaseUntil time.Time `json:"lease_until,omitzero"` // the lease expires then
}

// Clone returns a deep copy.
func (p PendingItem) Clone() PendingItem {
	p.Alert.Raw = slices.Clone(p.Alert.Raw)
	return p
}

// GroupState is the stored state of one alert group: the tickets it has had
// (the last one may be open) and the lease of the engine working on it.
type GroupState struct {
	Key      string `json:"key"`
	Version  int64  `json:"version"`  // compare-and-swap token; 0 = not stored yet
	Customer string `json:"customer"` // PSA customer ID
	// Tickets lists the group's tickets, oldest first. The engine keeps a
	// bounded number of them.
	Tickets    []TicketRecord `json:"tickets,omitempty"`
	LeaseOwner string         `json:"lease_owner,omitempty"`
	LeaseUntil time.Time      `json:"lease_until,omitzero"`
	UpdatedAt  time.Time      `json:"updated_at,omitzero"`
}

// Clone returns a deep copy.
func (g GroupState) Clone() GroupState {
	if g.Tickets != nil {
		ts := make([]TicketRecord, len(g.Tickets))
		for i, t := range g.Tickets {
			t.Members = slices.Clone(t.Members)
			ts[i] = t
		}
		g.Tickets = ts
	}
	return g
}

// TicketIDs returns the non-empty IDs of g's tickets. Stores index them for
// GroupByTicket.
func (g GroupState) TicketIDs() []string {
	var ids []string
	for _, t := range g.Tickets {
		if t.ID != "" {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// Live reports whether g has a ticket that is not closed (open or being
// created) or a lease still valid at t. Prune keeps such groups.
func (g GroupState) Live(t time.Time) bool {
	if g.LeaseOwner != "" && t.Before(g.LeaseUntil) {
		return true
	}
	for _, t := range g.Tickets {
		if t.Phase != PhaseClosed {
			return true
		}
	}
	return false
}

// AwaitsSync reports whether resolve sync may still have work for one of
// g's tickets: it is not closed (open, or being created), or it was closed
// in the PSA and sync has not handled that close while alerts remain on it.
func (g GroupState) AwaitsSync() bool {
	for _, t := range g.Tickets {
		if t.Phase != PhaseClosed || (t.ClosedBy == ClosedInPSA && !t.Synced && len(t.Members) > 0) {
			return true
		}
	}
	return false
}

// Phase is where a group's ticket is in its life.
type Phase string

// Ticket phases.
const (
	// PhaseCreating: the engine asked the sink to create the ticket and has
	// not recorded the result yet (or died before it could).
	PhaseCreating Phase = "creating"
	PhaseOpen     Phase = "open"
	PhaseClosed   Phase = "closed"
)

// Closer says who closed a ticket.
type Closer string

// Closers. Resolve sync ignores tickets the engine closed itself.
const (
	ClosedByEngine Closer = "engine"
	ClosedInPSA    Closer = "psa" // closed or deleted by someone else
)

// TicketRecord is one ticket of a group.
type TicketRecord struct {
	ID        string    `json:"id,omitempty"` // PSA ticket ID; empty while PhaseCreating
	Phase     Phase     `json:"phase"`
	ClosedBy  Closer    `json:"closed_by,omitempty"`
	Synced    bool      `json:"synced,omitempty"` // resolve sync has handled its close
	Members   []Member  `json:"members,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	// LastWriteAt is when the engine last wrote to the ticket (created,
	// noted or reopened it); the close policy CloseIfUntouched looks for
	// work by others after it. Zero: CreatedAt.
	LastWriteAt time.Time `json:"last_write_at,omitzero"`
}

// Member is one source alert on a ticket.
type Member struct {
	Source   string `json:"source"`
	Account  string `json:"account,omitempty"` // Alert.Account
	AlertID  string `json:"alert_id"`
	Resolved bool   `json:"resolved,omitempty"`
}

// Key returns the member's alert key.
func (m Member) Key() string { return AlertKey(ScopedSource(m.Source, m.Account), m.AlertID) }

// AlertRecord remembers one source alert across tickets: the group it joined
// and whether it is resolved (a late raise for a resolved alert is ignored).
type AlertRecord struct {
	Key      string `json:"key"`
	Version  int64  `json:"version"`
	GroupKey string `json:"group_key,omitempty"` // empty for a resolve that found nothing
	Resolved bool   `json:"resolved,omitempty"`
	// ResolvedAt is set while a resolve that found nothing raised waits
	// for its raise: it is when that resolve was accepted. A raise
	// accepted before then was delayed (retried, or held by a process
	// that died), not late: it is applied and resolved at once, and
	// ResolvedAt is cleared.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Routing is where the alert's raise was routed and why (customer,
	// site, asset, contact); zero until the raise is applied.
	Routing   Routing   `json:"routing,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}
