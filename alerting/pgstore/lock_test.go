package pgstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting/pgstore"
)

// TestRunLock: one holder at a time across Stores (processes); the
// refused one learns who holds it and since when; Release and a crashed
// holder free it.
func TestRunLock(t *testing.T) {
	dsn(t)
	name := schema(t)
	a, b := open(t, name), open(t, name)
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	la, err := a.TryLock(ctx, "reconcile", "host-a pid 1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.TryLock(ctx, "reconcile", "host-b pid 2")
	var held *pgstore.LockHeldError
	if !errors.As(err, &held) || !errors.Is(err, pgstore.ErrLockHeld) || held.Holder != "host-a pid 1" || held.Since.Before(before) {
		t.Fatalf("second TryLock = %v (%+v); want *LockHeldError naming host-a", err, held)
	}
	if !strings.Contains(err.Error(), "host-a pid 1") {
		t.Errorf("error %q does not say who holds the lock", err)
	}
	if other, err := b.TryLock(ctx, "another job", "host-b"); err != nil {
		t.Errorf("a lock of another name: %v", err)
	} else {
		other.Release()
	}
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	lb, err := b.TryLock(ctx, "reconcile", "host-b pid 2")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	// The holder dies: its connection closes, the lock is free (once
	// the server has seen the socket close).
	pgstore.KillLock(lb)
	pgstore.Crash(b)
	c := open(t, name)
	deadline := time.Now().Add(5 * time.Second)
	for {
		lc, err := c.TryLock(ctx, "reconcile", "host-c")
		if err == nil {
			lc.Release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the holder died: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Stores in another schema lock on their own.
	other := open(t, schema(t))
	lo, err := other.TryLock(ctx, "reconcile", "x")
	if err != nil {
		t.Fatalf("another schema: %v", err)
	}
	lo.Release()
}
