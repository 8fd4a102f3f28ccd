package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestGroupCommitIsolatesWrites: writes queued behind a commit share the
// next transaction; one that fails is rolled back alone, one that refuses
// changes nothing, and every other write is committed and acknowledged.
func TestGroupCommitIsolatesWrites(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	bucket := []byte("test")
	put := func(key string) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}

	// Hold the writer so that the writes below queue into one batch.
	entered, release := make(chan struct{}), make(chan struct{})
	go s.update(ctx, func(tx *bolt.Tx) error {
		close(entered)
		<-release
		return put("first")(tx)
	})
	<-entered
	boom := errors.New("boom")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprint("k", i)
			switch i {
			case 7: // writes, then fails: the batch must not keep its write
				errs[i] = s.update(ctx, func(tx *bolt.Tx) error {
					if err := put(key)(tx); err != nil {
						return err
					}
					return boom
				})
			case 11: // declines before writing
				errs[i] = s.update(ctx, func(tx *bolt.Tx) error { return refused{boom} })
			default:
				errs[i] = s.update(ctx, put(key))
			}
		})
	}
	for {
		s.wmu.Lock()
		queued := len(s.queue)
		s.wmu.Unlock()
		if queued == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	commits := s.commits.Load()
	close(release)
	wg.Wait()

	for i, err := range errs {
		want := error(nil)
		if i == 7 || i == 11 {
			want = boom
		}
		if !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("write %d: %v, want %v", i, err, want)
		}
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for i := range n {
			key := fmt.Sprint("k", i)
			if got, want := b.Get([]byte(key)) != nil, i != 7 && i != 11; got != want {
				t.Errorf("%s stored = %v, want %v", key, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.commits.Load() - commits; got != 1 {
		t.Errorf("%d queued writes were taken in %d batches, want 1", n, got)
	}
}
