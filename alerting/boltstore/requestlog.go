package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.RequestLog = (*Store)(nil)

// The request log: entries by sequence number, and the sequence number of
// the newest accepted entry of each event (for ApplyRequest). The buckets
// are created by the first write.
var (
	bucketRequests    = []byte("requests")
	bucketRequestKeys = []byte("request_keys")
)

// WithRequestLogSize sets how many entries the request log keeps (default
// alerting.DefaultRequestLogSize); n < 1 keeps the default.
func WithRequestLogSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.requestLogSize = n
		}
	}
}

func (s *Store) requestLogSize() uint64 {
	if s.requestSize > 0 {
		return uint64(s.requestSize)
	}
	return alerting.DefaultRequestLogSize
}

// AddRequest implements alerting.RequestLog. Entries beyond the log's size
// are deleted in the same transaction.
func (s *Store) AddRequest(ctx context.Context, r alerting.Request) (alerting.Request, error) {
	var out alerting.Request
	err := s.update(ctx, func(tx *bolt.Tx) error {
		reqs, err := tx.CreateBucketIfNotExists(bucketRequests)
		if err != nil {
			return err
		}
		keys, err := tx.CreateBucketIfNotExists(bucketRequestKeys)
		if err != nil {
			return err
		}
		seq, err := reqs.NextSequence()
		if err != nil {
			return err
		}
		out = r
		out.Seq = int64(seq)
		v, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := reqs.Put(u64(seq), v); err != nil {
			return err
		}
		if out.Status == alerting.RequestAccepted && out.EventKey != "" {
			if err := keys.Put([]byte(out.EventKey), u64(seq)); err != nil {
				return err
			}
		}
		size := s.requestLogSize()
		if seq <= size {
			return nil
		}
		var drop [][]byte
		c := reqs.Cursor()
		for k, v := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq-size; k, v = c.Next() {
			var old struct {
				EventKey string `json:"event_key"`
			}
			if json.Unmarshal(v, &old) == nil && old.EventKey != "" && bytes.Equal(keys.Get([]byte(old.EventKey)), k) {
				if err := keys.Delete([]byte(old.EventKey)); err != nil {
					return err
				}
			}
			drop = append(drop, k)
		}
		for _, k := range drop {
			if err := reqs.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return alerting.Request{}, err
	}
	return out, nil
}

// ApplyRequest implements alerting.RequestLog.
func (s *Store) ApplyRequest(ctx context.Context, eventKey string, a alerting.Applied) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		notFound := refused{fmt.Errorf("%w: no accepted request for event %s", alerting.ErrNotFound, eventKey)}
		reqs, keys := tx.Bucket(bucketRequests), tx.Bucket(bucketRequestKeys)
		if reqs == nil || keys == nil {
			return notFound
		}
		k := keys.Get([]byte(eventKey))
		if k == nil {
			return notFound
		}
		v := reqs.Get(k)
		if v == nil {
			return notFound
		}
		var r alerting.Request
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("boltstore: decoding request %d: %w", binary.BigEndian.Uint64(k), err)
		}
		nv, err := json.Marshal(r.WithApplied(a))
		if err != nil {
			return err
		}
		return reqs.Put(bytes.Clone(k), nv)
	})
}

// Requests implements alerting.RequestLog.
func (s *Store) Requests(ctx context.Context, q alerting.RequestQuery) ([]alerting.Request, error) {
	var out []alerting.Request
	err := s.view(ctx, func(tx *bolt.Tx) error {
		reqs := tx.Bucket(bucketRequests)
		if reqs == nil {
			return nil
		}
		c := reqs.Cursor()
		for k, v := c.Last(); k != nil && len(out) < q.Max(); k, v = c.Prev() {
			var r alerting.Request
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("boltstore: decoding request %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if q.Match(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}
