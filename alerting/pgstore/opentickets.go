package pgstore

import (
	"context"

	"github.com/mspsync/mspsync/alerting"
)

// migrationAwaitsSync adds awaits_sync to groups: the database computes
// GroupState.AwaitsSync from the stored state (so every writer, of any
// build, keeps it right), and a partial index holds just the groups for
// which it is true, so HasOpenTickets reads one index entry at most. The
// JSON path is AwaitsSync: a ticket not closed, or closed in the PSA, not
// synced, with alerts left on it.
const migrationAwaitsSync = `ALTER TABLE mspsync_groups ADD COLUMN awaits_sync boolean NOT NULL
		GENERATED ALWAYS AS (jsonb_path_exists(state,
			'$.tickets[*] ? (@.phase != "closed" || (@.closed_by == "psa" && !exists(@.synced ? (@ == true)) && @.members.size() > 0))'))
		STORED;
	CREATE INDEX mspsync_groups_awaits_sync ON mspsync_groups (key) WHERE awaits_sync;`

var _ alerting.OpenTickets = (*Store)(nil)

// HasOpenTickets implements alerting.OpenTickets: whether some group has a
// ticket for which GroupState.AwaitsSync is true.
func (s *Store) HasOpenTickets(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var open bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mspsync_groups WHERE awaits_sync)`).Scan(&open)
	return open, wrap("open tickets", ctx, err)
}
