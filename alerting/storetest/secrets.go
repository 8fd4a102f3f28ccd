package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/mspsync/mspsync/alerting"
)

// RunSecrets checks a store's alerting.Secrets: "" when unset, last write
// wins, an empty value deletes, an empty name is refused and changes
// nothing, names are exact (a URL is a name like any other), concurrent
// writes of different names all land, a cancelled context fails, and
// what was stored survives a reopen (skipped when reopen is nil, for a
// store that keeps nothing across restarts, such as memstore).
func RunSecrets(t *testing.T, newStore Factory, reopen Reopen) {
	t.Helper()
	secrets := func(t *testing.T, s alerting.Store) alerting.Secrets {
		t.Helper()
		sec, ok := s.(alerting.Secrets)
		if !ok {
			t.Fatalf("%T is not an alerting.Secrets", s)
		}
		return sec
	}
	get := func(t *testing.T, s alerting.Secrets, name, want string) {
		t.Helper()
		if v, err := s.Secret(t.Context(), name); err != nil || v != want {
			t.Errorf("Secret(%q) = %q, %v; want %q", name, v, err, want)
		}
	}
	t.Run("SetGetDelete", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := secrets(t, newStore(t))
		const a, b = "webhook:vsax:https://psa.example/vsax", "webhook:vsax:https://psa.example/vsax/"
		get(t, s, a, "")
		must(t, s.SetSecret(ctx, a, "first"))
		must(t, s.SetSecret(ctx, a, "7F3A9C2E"))
		must(t, s.SetSecret(ctx, b, "other"))
		get(t, s, a, "7F3A9C2E")
		get(t, s, b, "other")
		get(t, s, "WEBHOOK:VSAX:https://psa.example/vsax", "")
		if err := s.SetSecret(ctx, "", "x"); !errors.Is(err, alerting.ErrEmptySecretName) {
			t.Errorf("SetSecret(empty name) = %v; want ErrEmptySecretName", err)
		}
		get(t, s, "", "")
		must(t, s.SetSecret(ctx, a, ""))
		get(t, s, a, "")
		get(t, s, b, "other")
		must(t, s.SetSecret(ctx, "never-set", "")) // deleting nothing is fine
	})
	t.Run("ConcurrentNames", func(t *testing.T) {
		t.Parallel()
		s := secrets(t, newStore(t))
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				if err := s.SetSecret(t.Context(), fmt.Sprint("n", i), fmt.Sprint("v", i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for i := range 16 {
			get(t, s, fmt.Sprint("n", i), fmt.Sprint("v", i))
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		s := secrets(t, newStore(t))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.SetSecret(ctx, "k", "v"); err == nil {
			t.Error("SetSecret with a cancelled context succeeded")
		}
		if _, err := s.Secret(ctx, "k"); err == nil {
			t.Error("Secret with a cancelled context succeeded")
		}
		get(t, s, "k", "")
	})
	t.Run("SurvivesReopen", func(t *testing.T) {
		t.Parallel()
		if reopen == nil {
			t.Skip("the store keeps nothing across a reopen")
		}
		st := newStore(t)
		must(t, secrets(t, st).SetSecret(t.Context(), "k", "kept"))
		must(t, secrets(t, st).SetSecret(t.Context(), "gone", "x"))
		must(t, secrets(t, st).SetSecret(t.Context(), "gone", ""))
		st = reopen(t, st)
		get(t, secrets(t, st), "k", "kept")
		get(t, secrets(t, st), "gone", "")
	})
}
