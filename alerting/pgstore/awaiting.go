package pgstore

import (
	"context"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.AwaitingGroups = (*Store)(nil)

// AwaitingGroupKeys implements alerting.AwaitingGroups: the keys of the
// groups whose awaits_sync column is true, read from its partial index.
func (s *Store) AwaitingGroupKeys(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT key FROM mspsync_groups WHERE awaits_sync`)
	if err != nil {
		return nil, wrap("awaiting groups", ctx, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, wrap("awaiting groups", ctx, err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("awaiting groups", ctx, rows.Err())
}
