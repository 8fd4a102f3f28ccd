// Package reconciletest holds in-memory reconcile drivers for tests (a
// Target that keeps a PSA snapshot, applies writes to it, counts calls and
// fails on request; a Source that serves a fixed snapshot; an in-memory
// MappingStore) and the conformance suites every driver passes:
// RunSource, RunTarget and RunMappingStore.
package reconciletest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/mspsync/mspsync/reconcile"
)

// Source serves a fixed snapshot.
type Source struct {
	Snapshot reconcile.SourceSnapshot
	Err      error // returned by LoadSource when set
}

// LoadSource returns a copy of the snapshot.
func (s *Source) LoadSource(context.Context) (*reconcile.SourceSnapshot, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	return clone(&s.Snapshot), nil
}

// ErrInjected is the error of injected failures.
var ErrInjected = errors.New("reconciletest: injected failure")

// Target is an in-memory PSA. It is safe for concurrent use.
type Target struct {
	mu     sync.Mutex
	snap   reconcile.TargetSnapshot
	nextID int

	// Calls counts calls by method name ("SaveAssets", "CreateCustomer", ...).
	calls map[string]int
	// Batches records the size of each SaveAssets call.
	batches []int
	active  int
	maxBusy int

	failSaves     int
	failCustomers int
	failWriteIDs  map[int]bool
	block         chan struct{}
}

// NewTarget returns a Target holding a copy of snap.
func NewTarget(snap reconcile.TargetSnapshot) *Target {
	t := &Target{snap: *clone(&snap), nextID: 1000, calls: map[string]int{}, failWriteIDs: map[int]bool{}}
	return t
}

func clone[T any](v *T) *T {
	raw, _ := json.Marshal(v)
	var out T
	_ = json.Unmarshal(raw, &out)
	return &out
}

func (t *Target) id() int { t.nextID++; return t.nextID }

func (t *Target) count(m string) {
	t.calls[m]++
}

// Calls returns how often a method was called.
func (t *Target) Calls(method string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[method]
}

// Writes returns the number of write calls of every kind.
func (t *Target) Writes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for m, c := range t.calls {
		if m != "LoadTarget" {
			n += c
		}
	}
	return n
}

// Batches returns the sizes of the SaveAssets calls so far.
func (t *Target) Batches() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]int(nil), t.batches...)
}

// MaxConcurrent returns the most SaveAssets calls that ran at once.
func (t *Target) MaxConcurrent() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.maxBusy
}

// FailSaves makes the next n SaveAssets calls fail every write.
func (t *Target) FailSaves(n int) { t.mu.Lock(); t.failSaves = n; t.mu.Unlock() }

// FailCustomers makes the next n CreateCustomer calls fail.
func (t *Target) FailCustomers(n int) { t.mu.Lock(); t.failCustomers = n; t.mu.Unlock() }

// FailAsset makes every write to asset id fail.
func (t *Target) FailAsset(id int) { t.mu.Lock(); t.failWriteIDs[id] = true; t.mu.Unlock() }

// Block makes SaveAssets wait until the returned function is called (to
// observe concurrency and cancellation).
func (t *Target) Block() (release func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.block = make(chan struct{})
	ch := t.block
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// Snapshot returns a copy of the current state.
func (t *Target) Snapshot() reconcile.TargetSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *clone(&t.snap)
}

// LoadTarget returns a copy of the current state. The Target keeps site
// links of every kind (it is a reconcile.SiteLinker).
func (t *Target) LoadTarget(context.Context) (*reconcile.TargetSnapshot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("LoadTarget")
	snap := clone(&t.snap)
	snap.SiteLinkKinds = []string{"*"}
	return snap, nil
}

// LinkSite writes a source site's link onto a customer and, unless
// siteID is 0, a site.
func (t *Target) LinkSite(_ context.Context, customerID, siteID int, l reconcile.SiteLink) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("LinkSite")
	found := false
	for i := range t.snap.Customers {
		if c := &t.snap.Customers[i]; c.ID == customerID {
			c.Links = withLink(c.Links, l)
			found = true
		}
	}
	for i := range t.snap.Sites {
		if s := &t.snap.Sites[i]; siteID != 0 && s.ID == siteID {
			s.Links = withLink(s.Links, l)
		}
	}
	if !found {
		return errors.New("reconciletest: no customer with that id")
	}
	return nil
}

func withLink(links map[string]string, l reconcile.SiteLink) map[string]string {
	if l.IsZero() {
		return links
	}
	if links == nil {
		links = map[string]string{}
	}
	links[l.Kind] = l.SourceSiteID
	return links
}

// SetCustomerName renames a customer, as a technician would in the PSA.
func (t *Target) SetCustomerName(id int, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.snap.Customers {
		if t.snap.Customers[i].ID == id {
			t.snap.Customers[i].Name = name
		}
	}
}

// EditAsset changes an asset as a technician would in the PSA.
func (t *Target) EditAsset(id int, edit func(*reconcile.Asset)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.snap.Assets {
		if t.snap.Assets[i].ID == id {
			edit(&t.snap.Assets[i])
		}
	}
}

// CreateCustomer adds a customer and its main site.
func (t *Target) CreateCustomer(_ context.Context, c reconcile.NewCustomer) (int, int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("CreateCustomer")
	if t.failCustomers > 0 {
		t.failCustomers--
		return 0, 0, ErrInjected
	}
	cid, sid := t.id(), t.id()
	t.snap.Customers = append(t.snap.Customers, reconcile.Customer{ID: cid, Name: c.Name, MainSiteID: sid, TopLevelID: c.TopLevelID, Links: withLink(nil, c.Link)})
	t.snap.Sites = append(t.snap.Sites, reconcile.Site{ID: sid, CustomerID: cid, Name: c.MainSiteName, Links: withLink(nil, c.Link)})
	return cid, sid, nil
}

// CreateSite adds a site.
func (t *Target) CreateSite(_ context.Context, s reconcile.NewSite) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("CreateSite")
	id := t.id()
	t.snap.Sites = append(t.snap.Sites, reconcile.Site{ID: id, CustomerID: s.CustomerID, Name: s.Name, Links: withLink(nil, s.Link)})
	return id, nil
}

// CreateAssetType adds an asset type.
func (t *Target) CreateAssetType(_ context.Context, at reconcile.NewAssetType) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("CreateAssetType")
	id := t.id()
	t.snap.AssetTypes = append(t.snap.AssetTypes, reconcile.AssetType{ID: id, Name: at.Name, GroupID: at.GroupID})
	return id, nil
}

// CreateField adds a field definition.
func (t *Target) CreateField(_ context.Context, f reconcile.NewField) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count("CreateField")
	t.snap.Fields = append(t.snap.Fields, reconcile.FieldDef{ID: t.id(), Name: f.Name})
	return nil
}

// SaveAssets applies creates and updates.
func (t *Target) SaveAssets(ctx context.Context, ws []reconcile.AssetWrite) []reconcile.SaveResult {
	t.mu.Lock()
	t.count("SaveAssets")
	t.batches = append(t.batches, len(ws))
	t.active++
	t.maxBusy = max(t.maxBusy, t.active)
	block := t.block
	t.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active--
	out := make([]reconcile.SaveResult, len(ws))
	if t.failSaves > 0 {
		t.failSaves--
		for i := range out {
			out[i].Err = ErrInjected
		}
		return out
	}
	for i, w := range ws {
		if t.failWriteIDs[w.ID] {
			out[i].Err = ErrInjected
			continue
		}
		var a *reconcile.Asset
		if w.ID == 0 {
			t.snap.Assets = append(t.snap.Assets, reconcile.Asset{ID: t.id(), Fields: map[string]string{}, Links: map[string]string{}})
			a = &t.snap.Assets[len(t.snap.Assets)-1]
		} else {
			for k := range t.snap.Assets {
				if t.snap.Assets[k].ID == w.ID {
					a = &t.snap.Assets[k]
				}
			}
			if a == nil {
				out[i].Err = errors.New("reconciletest: no asset with that id")
				continue
			}
		}
		if w.SiteID != 0 {
			a.SiteID = w.SiteID
			for _, s := range t.snap.Sites {
				if s.ID == w.SiteID {
					a.CustomerID = s.CustomerID
				}
			}
		}
		if w.TypeID != 0 {
			a.TypeID = w.TypeID
		}
		if w.StatusID != 0 {
			a.StatusID = w.StatusID
		}
		if w.Inactive != nil {
			a.Inactive = *w.Inactive
		}
		if w.UserID != 0 {
			a.UserID = w.UserID
		}
		if a.Fields == nil {
			a.Fields = map[string]string{}
		}
		for _, f := range w.Fields {
			a.Fields[f.Name] = f.Value
		}
		if w.LinkKind != "" {
			if a.Links == nil {
				a.Links = map[string]string{}
			}
			a.Links[w.LinkKind] = w.LinkID
			if w.LinkAccount != "" {
				if a.LinkAccounts == nil {
					a.LinkAccounts = map[string]string{}
				}
				a.LinkAccounts[w.LinkKind] = w.LinkAccount
			}
		}
		out[i].ID = a.ID
	}
	return out
}
