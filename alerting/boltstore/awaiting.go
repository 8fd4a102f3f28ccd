package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.AwaitingGroups = (*Store)(nil)

// AwaitingGroupKeys implements alerting.AwaitingGroups: the keys of the
// awaiting_sync index (the groups for which GroupState.AwaitsSync is
// true), read in one transaction.
func (s *Store) AwaitingGroupKeys(ctx context.Context) ([]string, error) {
	var keys []string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAwaiting).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	return keys, err
}
