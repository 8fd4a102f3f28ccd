package reconcile

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Mapping is a source site placed on a PSA customer and site that an
// import learned (a customer it created, or one it matched by name). Run
// keeps it in a MappingStore, so the next run places the site the same
// way even after the site or the customer is renamed, and the alert
// router can read it.
type Mapping struct {
	Kind         string    `json:"kind"`
	Account      string    `json:"account,omitempty"`
	SourceSiteID string    `json:"source_site_id"`
	SourceName   string    `json:"source_name,omitempty"`
	CustomerID   int       `json:"customer_id"`
	SiteID       int       `json:"site_id,omitempty"`
	LearnedAt    time.Time `json:"learned_at,omitzero"`
}

// key identifies a mapping in a store.
func (m Mapping) key() [3]string { return [3]string{m.Kind, m.Account, m.SourceSiteID} }

// MappingStore keeps learned mappings between runs. FileMappings keeps
// them in a JSON file; the alert stores' databases (alerting/boltstore,
// alerting/pgstore) keep them next to the alert state, so a deployment
// has one place for its state. reconciletest.RunMappingStore is the
// contract every implementation passes.
type MappingStore interface {
	// Mappings returns the mappings learned for a source kind and
	// account, in source site order.
	Mappings(ctx context.Context, kind, account string) ([]Mapping, error)
	// SaveMappings adds mappings, replacing any of the same kind, account
	// and source site. It is atomic: all are kept or none.
	SaveMappings(ctx context.Context, ms []Mapping) error
}

// FileMappings is a MappingStore in one JSON file, replaced atomically
// (written beside it, synced, renamed) on every save. It is safe for
// concurrent use within one process; use one file per process.
type FileMappings struct {
	path string
	mu   sync.Mutex
}

// NewFileMappings returns the store kept in path; the file is created on
// the first save.
func NewFileMappings(path string) *FileMappings { return &FileMappings{path: path} }

func (f *FileMappings) read() ([]Mapping, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ms []Mapping
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("reconcile: mapping file %s: %w", f.path, err)
	}
	return ms, nil
}

// Mappings returns the file's mappings of kind and account.
func (f *FileMappings) Mappings(ctx context.Context, kind, account string) ([]Mapping, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	if err != nil {
		return nil, err
	}
	var out []Mapping
	for _, m := range all {
		if m.Kind == kind && m.Account == account {
			out = append(out, m)
		}
	}
	return out, nil
}

// SaveMappings merges ms into the file and replaces it atomically.
func (f *FileMappings) SaveMappings(ctx context.Context, ms []Mapping) error {
	if len(ms) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	if err != nil {
		return err
	}
	all = mergeMappings(all, ms)
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(f.path, append(b, '\n'))
}

// mergeMappings adds ms to all, replacing entries of the same key, and
// returns them sorted by key.
func mergeMappings(all, ms []Mapping) []Mapping {
	idx := map[[3]string]int{}
	for i, m := range all {
		idx[m.key()] = i
	}
	for _, m := range ms {
		if i, ok := idx[m.key()]; ok {
			all[i] = m
			continue
		}
		idx[m.key()] = len(all)
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b Mapping) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Account, b.Account), cmp.Compare(a.SourceSiteID, b.SourceSiteID))
	})
	return all
}

// writeFileAtomic writes b to a temporary file beside path, syncs it and
// renames it over path, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
