package alerting

import (
	"context"
	"sync"
)

// keyLocks serialises work per key inside one process, so that concurrent
// alerts of one group wait for each other here instead of contending on the
// store's group lease. Entries are removed when nobody holds or waits.
type keyLocks struct {
	mu   sync.Mutex
	m    map[string]*keyLock
	pool sync.Pool // of *keyLock
}

type keyLock struct {
	ch   chan struct{} // holds a token while locked
	refs int
}

// lock waits for key, or for ctx to end. The returned func unlocks.
func (l *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*keyLock{}
	}
	k := l.m[key]
	if k == nil {
		k, _ = l.pool.Get().(*keyLock)
		if k == nil {
			k = &keyLock{ch: make(chan struct{}, 1)}
		}
		l.m[key] = k
	}
	k.refs++
	l.mu.Unlock()

	select {
	case k.ch <- struct{}{}:
		return func() { <-k.ch; l.done(key, k) }, nil
	case <-ctx.Done():
		l.done(key, k)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) done(key string, k *keyLock) {
	l.mu.Lock()
	k.refs--
	if k.refs == 0 {
		delete(l.m, key)
		l.pool.Put(k) // unlocked and unreferenced: safe to reuse
	}
	l.mu.Unlock()
}
