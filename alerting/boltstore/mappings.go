package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/mspsync/mspsync/reconcile"
)

// bucketMappings holds the site mappings a reconcile import learned
// (reconcile.MappingStore), so an import and the alert receiver of one
// deployment can keep their state in one file (one process at a time: see
// the package documentation).
var bucketMappings = []byte("mappings")

var _ reconcile.MappingStore = (*Store)(nil)

// mappingPrefix is the key prefix of kind and account: both
// length-prefixed, so no kind or account is a prefix of another's keys.
func mappingPrefix(kind, account string) []byte {
	b := make([]byte, 0, 8+len(kind)+len(account))
	b = binary.BigEndian.AppendUint32(b, uint32(len(kind)))
	b = append(b, kind...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(account)))
	return append(b, account...)
}

// mappingKey is the prefix of m's kind and account followed by its source
// site ID: a cursor over one prefix reads the mappings in source site
// order.
func mappingKey(m reconcile.Mapping) []byte {
	return append(mappingPrefix(m.Kind, m.Account), m.SourceSiteID...)
}

// Mappings implements reconcile.MappingStore: the mappings learned for
// kind and account, in source site order.
func (s *Store) Mappings(ctx context.Context, kind, account string) ([]reconcile.Mapping, error) {
	var out []reconcile.Mapping
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMappings)
		if b == nil { // a file no import has written to
			return nil
		}
		prefix := mappingPrefix(kind, account)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var m reconcile.Mapping
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode mapping %q: %w", k[len(prefix):], err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: mappings: %w", err)
	}
	return out, nil
}

// SaveMappings implements reconcile.MappingStore: it adds ms, replacing
// those of the same kind, account and source site, in one durable
// transaction.
func (s *Store) SaveMappings(ctx context.Context, ms []reconcile.Mapping) error {
	if len(ms) == 0 {
		return nil
	}
	type kv struct{ k, v []byte }
	puts := make([]kv, len(ms))
	for i, m := range ms {
		v, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("boltstore: encode mapping: %w", err)
		}
		puts[i] = kv{mappingKey(m), v}
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMappings)
		if err != nil {
			return err
		}
		for _, p := range puts {
			if err := b.Put(p.k, p.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: save mappings: %w", err)
	}
	return nil
}
