package halotest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/halo"
)

// resource describes one Halo route to the generic handlers.
type resource struct {
	title         string // for messages ("Asset")
	schema        string // request schema of POST bodies (spec name: "Device")
	accepts       []string
	table         *fakeapi.Table
	key           string // wrapper key of list responses; "" = bare array
	paged         bool   // takes pageinate/page_size/page_no
	hidesInactive bool   // inactive records need includeinactive=true
	// accepts lists the properties Halo takes on POST beyond the schema
	// (userlookup on a ticket create).
	required []string
	filters  map[string]filter
	// validate returns Halo's message for a record it would reject (cur is
	// the stored record for an update, nil for a create).
	validate func(rec, cur fakeapi.Record) string
	// prepare fills derived fields before the record is stored.
	prepare func(rec, cur fakeapi.Record)
}

// filter reports whether a record passes a query parameter's value.
type filter func(rec fakeapi.Record, value string, q url.Values) bool

func eq(field string) filter {
	return func(r fakeapi.Record, v string, _ url.Values) bool {
		return strings.EqualFold(fakeapi.Str(r[field]), v)
	}
}

func contains(fields ...string) filter {
	return func(r fakeapi.Record, v string, _ url.Values) bool {
		v = strings.ToLower(v)
		for _, f := range fields {
			if strings.Contains(strings.ToLower(fakeapi.Str(r[f])), v) {
				return true
			}
		}
		return false
	}
}

func flag(want func(fakeapi.Record) bool) filter {
	return func(r fakeapi.Record, v string, _ url.Values) bool { return v != "true" || want(r) }
}

func inList(field string) filter {
	return func(r fakeapi.Record, v string, _ url.Values) bool {
		for _, id := range strings.Split(v, ",") {
			if strings.TrimSpace(id) == fakeapi.Str(r[field]) {
				return true
			}
		}
		return false
	}
}

func isTrue(r fakeapi.Record, field string) bool { return fakeapi.Str(r[field]) == "true" }

func resources(s *Server) map[string]*resource {
	t := func(title string) *fakeapi.Table { return fakeapi.NewTable("id") }
	ticketClosed := func(r fakeapi.Record) bool { return isTrue(r, "hasbeenclosed") }
	m := map[string]*resource{
		"client": {title: "Client", table: t("Client"), key: "clients", paged: true, hidesInactive: true,
			filters: map[string]filter{"search": contains("name")}},
		"site": {title: "Site", table: t("Site"), key: "sites", paged: true, hidesInactive: true,
			filters: map[string]filter{"client_id": eq("client_id"), "search": contains("name")}},
		"users": {title: "User", table: t("Users"), key: "users", paged: true, hidesInactive: true,
			filters: map[string]filter{"client_id": eq("client_id"), "site_id": eq("site_id"), "search": contains("name", "firstname", "surname")}},
		"asset": {title: "Asset", table: t("Asset"), key: "assets", paged: true, hidesInactive: true,
			filters: map[string]filter{
				"client_id": eq("client_id"), "site_id": eq("site_id"), "assettype_id": eq("assettype_id"),
				"inventory_number": eq("inventory_number"), "search": contains("inventory_number", "key_field"),
			}},
		"assettype":  {title: "AssetType", table: t("AssetType"), filters: map[string]filter{"assetgroup_id": eq("assetgroup_id")}},
		"assetgroup": {title: "AssetGroup", table: t("AssetGroup")},
		"field":      {title: "Field", table: t("Field")},
		"fieldinfo":  {title: "FieldInfo", table: t("FieldInfo")},
		"tickets": {title: "Ticket", table: t("Tickets"), key: "tickets", paged: true,
			filters: map[string]filter{
				"client_id": eq("client_id"), "site_id": eq("site_id"), "user_id": eq("user_id"), "agent_id": eq("agent_id"),
				"status_id": eq("status_id"), "requesttype_id": eq("tickettype_id"),
				"open_only":   flag(func(r fakeapi.Record) bool { return !ticketClosed(r) }),
				"closed_only": flag(ticketClosed),
				"ticketids":   inList("id"),
				"search":      contains("summary", "details"), "search_summary": contains("summary"),
				"datesearch": func(r fakeapi.Record, v string, q url.Values) bool {
					field := map[string]string{"dateoccured": "dateoccurred", "datecleared": "dateclosed"}[v]
					if field == "" {
						return true
					}
					at, err := parseTime(fakeapi.Str(r[field]))
					if err != nil {
						return false
					}
					if from, err := parseTime(q.Get("startdate")); err == nil && at.Before(from) {
						return false
					}
					if to, err := parseTime(q.Get("enddate")); err == nil && at.After(to) {
						return false
					}
					return true
				},
			}},
		"actions": {title: "Action", table: t("Actions"), key: "actions", required: []string{"ticket_id"},
			filters: map[string]filter{"ticket_id": eq("ticket_id")}},
		"tickettype": {title: "TicketType", table: t("TicketType")},
		"sla":        {title: "SLA", table: t("SLA")},
		"agent":      {title: "Agent", table: t("Agent")},
		"status":     {title: "Status", table: t("Status"), key: "statuses"},
		// Client contracts (spec tag ContractHeader). The wrapper key is
		// uncertain (halo.ContractsService): the fake uses "contracts".
		"clientcontract": {title: "ClientContract", table: t("ClientContract"), key: "contracts", paged: true,
			filters: map[string]filter{"client_id": eq("client_id"), "site_id": eq("site_id"), "search": contains("ref")}},
		"team": {title: "Team", table: t("Team"), hidesInactive: true, filters: map[string]filter{"department_id": eq("department_id")}},
	}

	for name, sc := range resourceSchemas {
		m[name].schema = sc
	}
	m["tickets"].accepts = []string{"userlookup"}

	nameOf := func(resource, id string) string {
		if rec, ok := m[resource].table.Get(id); ok {
			return fakeapi.Str(rec["name"])
		}
		return ""
	}
	m["site"].prepare = func(rec, cur fakeapi.Record) {
		if id := fakeapi.Str(rec["client_id"]); id != "" {
			rec["client_name"] = nameOf("client", id)
		}
	}
	m["site"].validate = func(rec, cur fakeapi.Record) string {
		if cur == nil && fakeapi.KeyOf(rec, "client_id") == "" {
			return "A site must belong to a client"
		}
		if id := fakeapi.KeyOf(rec, "client_id"); id != "" {
			if _, ok := m["client"].table.Get(id); !ok {
				return "Client " + id + " does not exist"
			}
		}
		return ""
	}
	m["asset"].validate = func(rec, cur fakeapi.Record) string {
		if cur == nil && fakeapi.KeyOf(rec, "site_id") == "" {
			return "An asset must have a site"
		}
		if id := fakeapi.KeyOf(rec, "site_id"); id != "" {
			if _, ok := m["site"].table.Get(id); !ok {
				return "Site " + id + " does not exist"
			}
		}
		if id := fakeapi.KeyOf(rec, "assettype_id"); id != "" {
			if _, ok := m["assettype"].table.Get(id); !ok {
				return "Asset type " + id + " does not exist"
			}
		}
		return ""
	}
	m["asset"].prepare = func(rec, cur fakeapi.Record) {
		if id := fakeapi.KeyOf(rec, "site_id"); id != "" {
			if site, ok := m["site"].table.Get(id); ok {
				rec["site_name"] = site["name"]
				rec["client_id"] = site["client_id"]
				rec["client_name"] = site["client_name"]
			}
		}
		typeID := fakeapi.KeyOf(rec, "assettype_id")
		if typeID != "" {
			rec["assettype_name"] = nameOf("assettype", typeID)
		} else {
			typeID = fakeapi.KeyOf(cur, "assettype_id")
		}
		for _, list := range []string{"fields", "customfields"} {
			if _, sent := rec[list]; !sent {
				continue
			}
			rec[list] = replaceByID(rec[list], func(id string) string {
				if list == "fields" {
					return nameOf("field", id)
				}
				return nameOf("fieldinfo", id)
			})
		}
		if cur == nil {
			if _, ok := rec["inactive"]; !ok {
				rec["inactive"] = false
			}
		}
		typ, _ := m["assettype"].table.Get(typeID)
		deriveKeyFields(rec, cur, typ)
		rec["last_modified"] = halo.FormatTime(s.clock())
	}
	m["tickets"].prepare = func(rec, cur fakeapi.Record) {
		now := halo.FormatTime(s.clock())
		if cur == nil {
			if fakeapi.KeyOf(rec, "status_id") == "" {
				rec["status_id"] = json.Number("1")
			}
			if fakeapi.Str(rec["dateoccurred"]) == "" {
				rec["dateoccurred"] = now
			}
			if _, ok := rec["hasbeenclosed"]; !ok {
				rec["hasbeenclosed"] = false
			}
			delete(rec, "userlookup")
		}
		if st := fakeapi.Str(rec["status_id"]); st != "" {
			closedNow := s.isClosed(st)
			wasClosed := cur != nil && isTrue(cur, "hasbeenclosed")
			switch {
			case closedNow && !wasClosed:
				rec["hasbeenclosed"] = true
				rec["dateclosed"] = now
			case !closedNow && wasClosed:
				rec["hasbeenclosed"] = false
				rec["dateclosed"] = nil
			}
		}
		if id := fakeapi.KeyOf(rec, "client_id"); id != "" {
			rec["client_name"] = nameOf("client", id)
		}
		rec["last_update"] = now
	}
	m["tickets"].validate = func(rec, cur fakeapi.Record) string {
		if cur == nil && strings.TrimSpace(fakeapi.Str(rec["summary"])) == "" {
			return "A summary is required"
		}
		if fakeapi.KeyOf(rec, "user_id") != "" && fakeapi.KeyOf(rec, "site_id") == "" && (cur == nil || fakeapi.KeyOf(cur, "site_id") == "") {
			return "A site must be selected for this user"
		}
		return ""
	}
	m["actions"].validate = func(rec, cur fakeapi.Record) string {
		if cur == nil && fakeapi.KeyOf(rec, "outcome_id") == "" && fakeapi.Str(rec["outcome"]) == "" {
			return OutcomeMessage
		}
		if id := fakeapi.KeyOf(rec, "ticket_id"); cur == nil {
			if _, ok := m["tickets"].table.Get(id); !ok {
				return "Ticket " + id + " does not exist"
			}
		}
		return ""
	}
	m["actions"].prepare = func(rec, cur fakeapi.Record) {
		if cur == nil {
			now := halo.FormatTime(s.clock())
			rec["datetime"] = now
			if fakeapi.KeyOf(rec, "who_agentid") == "" {
				rec["who_agentid"] = json.Number(strconv.Itoa(APIAgentID)) // the API application's agent wrote it
			}
			m["tickets"].table.Update(fakeapi.KeyOf(rec, "ticket_id"), func(t fakeapi.Record) { t["lastactiondate"] = now })
		}
	}
	return m
}

// replaceByID is the array Halo stores when a POST carries fields or
// customfields: exactly the entries sent (the stored array is replaced, so
// entries left out are gone), each {id, value} named after
// its definition. An entry sent twice keeps its last value.
func replaceByID(upd any, name func(id string) string) []any {
	out := []any{}
	index := map[string]int{}
	items, _ := upd.([]any)
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		id := fakeapi.Str(m["id"])
		entry := map[string]any{"id": m["id"], "value": m["value"], "name": name(id)}
		if i, seen := index[id]; seen {
			out[i] = entry
			continue
		}
		index[id] = len(out)
		out = append(out, entry)
	}
	return out
}

func parseTime(v string) (time.Time, error) {
	var t halo.Time
	raw, _ := json.Marshal(v)
	if err := t.UnmarshalJSON(raw); err != nil {
		return time.Time{}, err
	}
	if t.IsZero() {
		return time.Time{}, strconv.ErrSyntax
	}
	return t.Time, nil
}
