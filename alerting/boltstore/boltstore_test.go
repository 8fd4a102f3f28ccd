package boltstore_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

func open(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newStore is a storetest.Factory: an empty store in a new file.
func newStore(t *testing.T) alerting.Store { return open(t, filepath.Join(t.TempDir(), "alerts.db")) }

// reopen closes s and opens its file again: a storetest.Reopen, and a
// storetest.Crash too (bbolt's Close writes nothing).
func reopen(t *testing.T, s alerting.Store) alerting.Store {
	bs := s.(*boltstore.Store)
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, bs.Path())
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newStore)
}

func TestDurable(t *testing.T) {
	t.Parallel()
	storetest.RunDurable(t, newStore, reopen)
}

// TestCrash: bbolt's Close writes nothing, so closing without releasing
// anything and opening again is what a killed process and its successor
// do to the file (TestKilledProcess does it with a real kill).
func TestCrash(t *testing.T) {
	t.Parallel()
	storetest.RunCrash(t, newStore, reopen)
}

func TestSecondOpenFailsFast(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "alerts.db")
	first := open(t, path)

	start := time.Now()
	second, err := boltstore.Open(path, boltstore.WithTimeout(100*time.Millisecond))
	if err == nil {
		_ = second.Close()
		t.Fatal("a second Open of a held file succeeded")
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("second Open took %s; it must fail after its timeout", waited)
	}
	var le *boltstore.LockedError
	if !errors.As(err, &le) || le.Path != path {
		t.Fatalf("err = %v (%T), want *LockedError naming %s", err, err, path)
	}
	if !errors.Is(err, boltstore.ErrLocked) || !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("err = %v; want it to match ErrLocked and bbolt's ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}

	// Once the holder closes the file, it opens.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, path)
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	_, err := boltstore.Open(filepath.Join(t.TempDir(), "missing-dir", "alerts.db"))
	if err == nil || !strings.Contains(err.Error(), "missing-dir") {
		t.Errorf("Open in a missing directory = %v, want an error naming the path", err)
	}
}
