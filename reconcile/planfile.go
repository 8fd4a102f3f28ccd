package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PlanFormat and PlanVersion identify a plan file written by
// (*Changeset).WriteTo. ReadChangeset refuses other formats and versions.
//
// Version 2 records on each asset create what Plan would have matched
// (Action.Match), for CheckDrift to find an asset added by hand since.
// Version 1 files lack it: ReadChangeset refuses them, saying to plan
// again, rather than apply creates it could not check for duplicates.
const (
	PlanFormat  = "mspsync-reconcile-plan"
	PlanVersion = 2
)

// MaxPlanFile caps what ReadChangeset reads (256 MiB).
const MaxPlanFile = 256 << 20

// planFile is the envelope of a plan file.
type planFile struct {
	Format    string     `json:"format"`
	Version   int        `json:"version"`
	Changeset *Changeset `json:"changeset"`
}

// WriteTo writes the changeset as a plan file: a JSON object with the
// format name, its version and the changeset, for ApplyPlan to apply
// later exactly as reviewed (see ReadChangeset). It implements
// io.WriterTo.
func (cs *Changeset) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(planFile{Format: PlanFormat, Version: PlanVersion, Changeset: cs}, "", "  ")
	if err != nil {
		return 0, err
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// PlanFileError says why ReadChangeset refused a plan file.
type PlanFileError struct {
	// Action is the index of the action at fault, -1 for the file as a
	// whole.
	Action int
	Reason string
}

// Error renders "reconcile: plan file: [action N: ]reason".
func (e *PlanFileError) Error() string {
	if e.Action < 0 {
		return "reconcile: plan file: " + e.Reason
	}
	return fmt.Sprintf("reconcile: plan file: action %d: %s", e.Action, e.Reason)
}

// ReadChangeset reads a plan file written by WriteTo. It refuses, with a
// *PlanFileError, anything else: another format or version (version 1
// with a request to plan again, see PlanVersion), unknown keys, trailing
// data, a plan that carries results (it was applied already), and
// actions that lack what they write, name refs no action of the plan
// creates, or (asset creates) lack their match record.
func ReadChangeset(r io.Reader) (*Changeset, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxPlanFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxPlanFile {
		return nil, &PlanFileError{Action: -1, Reason: fmt.Sprintf("larger than %d bytes", MaxPlanFile)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f planFile
	if err := dec.Decode(&f); err != nil {
		return nil, &PlanFileError{Action: -1, Reason: "not a plan file: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &PlanFileError{Action: -1, Reason: "data after the plan"}
	}
	if f.Format != PlanFormat {
		return nil, &PlanFileError{Action: -1, Reason: fmt.Sprintf("format %q, want %q", f.Format, PlanFormat)}
	}
	if f.Version == 1 {
		return nil, &PlanFileError{Action: -1, Reason: fmt.Sprintf("version 1 (an older mspsync) does not record what its asset creates would match, so an asset added by hand since could be duplicated; make the plan again (this program reads version %d)", PlanVersion)}
	}
	if f.Version != PlanVersion {
		return nil, &PlanFileError{Action: -1, Reason: fmt.Sprintf("version %d; this program reads version %d", f.Version, PlanVersion)}
	}
	if f.Changeset == nil {
		return nil, &PlanFileError{Action: -1, Reason: "no changeset"}
	}
	if err := f.Changeset.validate(); err != nil {
		return nil, err
	}
	return f.Changeset, nil
}

// validate checks that every write carries what Apply needs.
func (cs *Changeset) validate() error {
	refs := map[string]bool{}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.Ref != "" {
			refs[a.Ref] = true
		}
		if a.SiteRef != "" {
			refs[a.SiteRef] = true
		}
	}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		bad := func(format string, args ...any) error {
			return &PlanFileError{Action: i, Reason: fmt.Sprintf("%s %q: ", a.Kind, a.Name) + fmt.Sprintf(format, args...)}
		}
		if a.Result != nil {
			return bad("has a result: the plan was applied already")
		}
		switch a.Kind {
		case CreateField:
			if a.Field == nil || strings.TrimSpace(a.Field.Name) == "" {
				return bad("no field to create")
			}
		case CreateCustomer:
			if a.Customer == nil || strings.TrimSpace(a.Customer.Name) == "" || a.Ref == "" || a.SiteRef == "" {
				return bad("no customer (with refs) to create")
			}
		case CreateSite:
			if a.Site == nil || strings.TrimSpace(a.Site.Name) == "" || a.Ref == "" || (a.Site.CustomerID == 0) == (a.Site.CustomerRef == "") {
				return bad("no site (with one customer) to create")
			}
			if r := a.Site.CustomerRef; r != "" && !refs[r] {
				return bad("customer ref %q is created by no action", r)
			}
		case CreateAssetType:
			if a.AssetType == nil || strings.TrimSpace(a.AssetType.Name) == "" || a.Ref == "" {
				return bad("no asset type to create")
			}
		case LinkSite:
			if a.SiteLink == nil || a.LinkCustomerID == 0 {
				return bad("no link or customer")
			}
		case CreateAsset, UpdateAsset, DeactivateAsset:
			w := a.Write
			switch {
			case w == nil:
				return bad("no write")
			case a.Kind == CreateAsset && w.ID != 0:
				return bad("a create carries asset id %d", w.ID)
			case a.Kind != CreateAsset && (w.ID == 0 || w.ID != a.AssetID):
				return bad("writes asset %d, not the action's asset %d", w.ID, a.AssetID)
			}
			if a.Kind == CreateAsset {
				switch m := a.Match; {
				case m == nil:
					return bad("no match record (what the create would have matched)")
				case m.LinkKind != "" && (m.LinkKind != cs.Source || m.LinkID == "" || m.LinkID != a.DeviceID):
					return bad("match record's link %s %q is not the device's", m.LinkKind, m.LinkID)
				case (m.Field == "") != (m.Value == ""):
					return bad("match record has a field without a value or a value without a field")
				}
			} else if a.Match != nil {
				return bad("a match record on an action that creates no asset")
			}
			for _, r := range []string{w.SiteRef, w.TypeRef} {
				if r != "" && !refs[r] {
					return bad("ref %q is created by no action", r)
				}
			}
		case UnchangedAsset, SkipDevice, AmbiguousDevice:
		default:
			return bad("unknown action kind")
		}
	}
	return nil
}
