package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary counts a changeset's actions. Created counts everything the
// plan creates (customers, sites, asset types, fields and assets);
// Updated counts asset updates and site links written.
type Summary struct {
	Created     int `json:"created"`
	Updated     int `json:"updated"`
	Unchanged   int `json:"unchanged"`
	Deactivated int `json:"deactivated"`
	Skipped     int `json:"skipped"`
	Ambiguous   int `json:"ambiguous"`
	Failed      int `json:"failed"`
}

// Summary counts the actions (and, after Apply, the failures).
func (cs *Changeset) Summary() Summary {
	var s Summary
	for i := range cs.Actions {
		a := &cs.Actions[i]
		switch a.Kind {
		case CreateField, CreateCustomer, CreateSite, CreateAssetType, CreateAsset:
			s.Created++
		case UpdateAsset, LinkSite:
			s.Updated++
		case UnchangedAsset:
			s.Unchanged++
		case DeactivateAsset:
			s.Deactivated++
		case SkipDevice:
			s.Skipped++
		case AmbiguousDevice:
			s.Ambiguous++
		}
		if a.Result != nil && !a.Result.OK {
			s.Failed++
		}
	}
	return s
}

// String renders the summary line:
// "summary: created=N updated=N unchanged=N deactivated=N skipped=N ambiguous=N failed=N".
func (s Summary) String() string {
	return fmt.Sprintf("summary: created=%d updated=%d unchanged=%d deactivated=%d skipped=%d ambiguous=%d failed=%d",
		s.Created, s.Updated, s.Unchanged, s.Deactivated, s.Skipped, s.Ambiguous, s.Failed)
}

// WriteJSON writes the changeset as indented JSON.
func (cs *Changeset) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cs)
}

// WriteTable writes the changeset as an aligned table, one action a line,
// with field-level changes (old → new) and, after Apply, each result.
// Unchanged devices are left out unless all is set.
func (cs *Changeset) WriteTable(w io.Writer, all bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tDEVICE\tNAME\tPSA ID\tWHY / CHANGES\tRESULT")
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.Kind == UnchangedAsset && !all {
			continue
		}
		id := ""
		if a.AssetID != 0 {
			id = strconv.Itoa(a.AssetID)
		}
		if len(a.Candidates) > 0 {
			parts := make([]string, len(a.Candidates))
			for k, c := range a.Candidates {
				parts[k] = strconv.Itoa(c)
			}
			id = strings.Join(parts, ",")
		}
		details := a.Reason
		if a.Kind == CreateAsset && a.Write != nil {
			details += fmt.Sprintf(" [%d fields]", len(a.Write.Fields)) // values are in the JSON
		} else if len(a.Changes) > 0 {
			var ch []string
			for _, c := range a.Changes {
				if c.Old == "" {
					ch = append(ch, fmt.Sprintf("%s=%q", c.Field, c.New))
				} else {
					ch = append(ch, fmt.Sprintf("%s: %q → %q", c.Field, c.Old, c.New))
				}
			}
			details += " [" + strings.Join(ch, "; ") + "]"
		}
		res := ""
		if a.Result != nil {
			res = "ok"
			if a.Result.ID != 0 && a.Kind != UpdateAsset && a.Kind != DeactivateAsset {
				res = "ok #" + strconv.Itoa(a.Result.ID)
			}
			if !a.Result.OK {
				res = "FAILED: " + a.Result.Error
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Kind, a.DeviceID, a.Name, id, details, res)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if cs.Entities != "" && cs.Entities != EntitiesAll {
		what := map[string]string{EntitiesCustomers: "customers only", EntitiesSites: "customers and sites only"}[cs.Entities]
		if _, err := fmt.Fprintf(w, "entities: %s (no asset is created, updated or deactivated)\n", what); err != nil {
			return err
		}
	}
	for _, n := range cs.Notices {
		if _, err := fmt.Fprintf(w, "notice (%s): %s\n", n.Kind, n.Message); err != nil {
			return err
		}
	}
	return nil
}

// Mappings returns the plan's new mappings whose customer (and site) IDs
// are known: after Apply, those it created too. Run saves them in its
// MappingStore.
func (cs *Changeset) Mappings(at time.Time) []Mapping {
	var out []Mapping
	for _, m := range cs.NewMappings {
		if m.CustomerID == 0 || m.CustomerRef != "" || m.SiteRef != "" {
			continue
		}
		out = append(out, Mapping{Kind: cs.Source, Account: cs.Account, SourceSiteID: m.SourceSiteID, SourceName: m.SourceName,
			CustomerID: m.CustomerID, SiteID: m.SiteID, LearnedAt: at})
	}
	return out
}
