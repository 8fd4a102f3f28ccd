package memstore

import (
	"context"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.AwaitingGroups = (*Store)(nil)

// AwaitingGroupKeys implements alerting.AwaitingGroups: the keys of the
// groups for which GroupState.AwaitsSync is true.
func (s *Store) AwaitingGroupKeys(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.gmu.Lock()
	defer s.gmu.Unlock()
	var keys []string
	for k, g := range s.groups {
		if g.AwaitsSync() {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
