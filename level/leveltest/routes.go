package leveltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
)

// requestSchemas are the write bodies Level accepts.
var requestSchemas = fakeapi.ParseSchemas(map[string]string{
	"GroupCreate": "+name:s parent_id:s",
	"GroupUpdate": "name:s parent_id:s custom_fields:o",
	"ValueUpdate": "+custom_field_id:s assigned_to_id:s value:*",
})

func (s *Server) routes() {
	h := func(pattern string, f http.HandlerFunc) { s.Handle(pattern, s.authed(f)) }
	h("GET /groups", func(w http.ResponseWriter, r *http.Request) {
		var out []fakeapi.Record
		for _, g := range s.groups.List(nil) {
			rec, _ := s.group(fakeapi.Str(g["id"]), false)
			out = append(out, rec)
		}
		s.list(w, r, out)
	})
	h("GET /groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec, ok := s.group(r.PathValue("id"), true)
		if !ok {
			s.Error(w, http.StatusNotFound, "Group not found")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, rec)
	})
	h("POST /groups", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.body(w, r, "GroupCreate")
		if !ok {
			return
		}
		parent := fakeapi.Str(body["parent_id"])
		if _, ok := s.groups.Get(parent); parent != "" && !ok {
			s.Error(w, http.StatusUnprocessableEntity, "parent group not found")
			return
		}
		id := s.gid("Group")
		rec := fakeapi.Record{"id": id, "name": body["name"], "parent_id": nil}
		if parent != "" {
			rec["parent_id"] = parent
		}
		s.groups.Insert(rec)
		out, _ := s.group(id, true)
		fakeapi.WriteJSON(w, http.StatusCreated, out)
	})
	h("PATCH /groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, ok := s.groups.Get(id); !ok {
			s.Error(w, http.StatusNotFound, "Group not found")
			return
		}
		body, ok := s.body(w, r, "GroupUpdate")
		if !ok {
			return
		}
		s.groups.Update(id, func(g fakeapi.Record) {
			if v, ok := body["name"]; ok && v != nil {
				g["name"] = v
			}
			if v, ok := body["parent_id"]; ok {
				g["parent_id"] = v
			}
		})
		if cf, ok := body["custom_fields"].(map[string]any); ok {
			for name, v := range cf {
				for _, f := range s.fields.List(fakeapi.FieldEquals("name", name)) {
					s.SetValue(fakeapi.Str(f["id"]), id, v)
				}
			}
		}
		out, _ := s.group(id, true)
		fakeapi.WriteJSON(w, http.StatusOK, out)
	})

	h("GET /devices", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		group, anc := q.Get("group_id"), q.Get("ancestor_group_id")
		var sub map[string]bool
		if anc != "" {
			sub = s.subtree(anc)
		}
		s.selectPage(w, r, s.devices, func(d fakeapi.Record) bool {
			g := fakeapi.Str(d["group_id"])
			return (group == "" || g == group) && (sub == nil || sub[g])
		}, func(d fakeapi.Record) fakeapi.Record { return withIncludes(d, q) })
	})
	h("GET /devices/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, ok := s.devices.Get(r.PathValue("id"))
		if !ok {
			s.Error(w, http.StatusNotFound, "Device not found")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, withIncludes(d, r.URL.Query()))
	})

	h("GET /alerts", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		dev, status := q.Get("device_id"), q.Get("status")
		if status != "" && status != "active" && status != "resolved" {
			s.Error(w, http.StatusBadRequest, "status must be active or resolved")
			return
		}
		out := s.alerts.List(func(a fakeapi.Record) bool {
			if dev != "" && fakeapi.Str(a["device_id"]) != dev {
				return false
			}
			resolved := a["is_resolved"] == true
			return status == "" || (status == "resolved") == resolved
		})
		s.list(w, r, out)
	})
	h("GET /alerts/{id}", func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.alerts.Get(r.PathValue("id"))
		if !ok {
			s.Error(w, http.StatusNotFound, "Alert not found")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, a)
	})
	h("POST /alerts/{id}/resolve", s.resolve)
	h("PUT /alerts/{id}/resolve", s.resolve)

	h("GET /custom_fields", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, s.fields.List(nil)) })
	h("GET /custom_fields/{id}", func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.fields.Get(r.PathValue("id"))
		if !ok {
			s.Error(w, http.StatusNotFound, "Custom field not found")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, f)
	})
	h("GET /custom_field_values", func(w http.ResponseWriter, r *http.Request) {
		to := r.URL.Query().Get("assigned_to_id")
		var out []fakeapi.Record
		for _, f := range s.fields.List(nil) {
			id := fakeapi.Str(f["id"])
			v, ok := s.Value(id, to)
			if !ok {
				continue
			}
			rec := fakeapi.Record{"custom_field_id": id, "custom_field_name": f["name"], "assigned_to_id": nil, "value": v}
			if to != "" {
				rec["assigned_to_id"] = to
			}
			out = append(out, rec)
		}
		s.listBy(w, r, out, "custom_field_id")
	})
	h("PATCH /custom_field_values", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.body(w, r, "ValueUpdate")
		if !ok {
			return
		}
		field, to := fakeapi.Str(body["custom_field_id"]), fakeapi.Str(body["assigned_to_id"])
		if _, ok := s.fields.Get(field); !ok {
			s.Error(w, http.StatusNotFound, "Custom field not found")
			return
		}
		if _, isGroup := s.groups.Get(to); !isGroup { // Level answers 200 and drops group values
			s.SetValue(field, to, body["value"])
		}
		fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"custom_field_id": field, "assigned_to_id": body["assigned_to_id"], "value": body["value"]})
	})

	h("GET /tags", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, s.tags.List(nil)) })
	h("GET /tags/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.tags.Get(r.PathValue("id"))
		if !ok {
			s.Error(w, http.StatusNotFound, "Tag not found")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, t)
	})
}

// authed wraps an API handler with Level's key check: the raw key, no
// scheme.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != s.APIKey {
			s.Error(w, http.StatusUnauthorized, "Access denied")
			return
		}
		h(w, r)
	}
}

// body decodes and checks a write body; a bad one gets a 400 and false.
func (s *Server) body(w http.ResponseWriter, r *http.Request, schema string) (fakeapi.Record, bool) {
	var body fakeapi.Record
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		s.Error(w, http.StatusBadRequest, "invalid JSON body")
		return nil, false
	}
	if vs := requestSchemas.Check(schema, body, "", fakeapi.CheckOptions{}); len(vs) > 0 {
		var msgs []string
		for _, v := range vs {
			msgs = append(msgs, fmt.Sprintf("%s: %v", v.Path, problem(v.Problem)))
		}
		s.Error(w, http.StatusBadRequest, strings.Join(msgs, "; "))
		return nil, false
	}
	return body, true
}

func problem(p fakeapi.Problem) string {
	switch p {
	case fakeapi.Unknown:
		return "unknown property"
	case fakeapi.Missing:
		return "is required"
	}
	return "has the wrong type"
}

// list is the one list handler, paging on each item's id.
func (s *Server) list(w http.ResponseWriter, r *http.Request, items []fakeapi.Record) {
	s.listBy(w, r, items, "id")
}

// listBy pages items by cursor: limit 1–100 (default 20; larger values are
// capped at 100), starting_after the key of the item to start after (an
// unknown cursor is a 400), has_more, no total.
func (s *Server) listBy(w http.ResponseWriter, r *http.Request, items []fakeapi.Record, key string) {
	s.page(w, r, items, key, nil)
}

// limitOf reads limit: 1–100, default 20, larger values capped; false
// after answering 400.
func (s *Server) limitOf(w http.ResponseWriter, r *http.Request) (int, bool) {
	limit := DefaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.Error(w, http.StatusBadRequest, "limit must be between 1 and 100")
			return 0, false
		}
		limit = min(n, MaxLimit)
	}
	return limit, true
}

// selectPage is the list handler over a stored table: it finds the
// cursor's position without copying records, then copies (and renders)
// only the page, so walking a large table stays linear.
func (s *Server) selectPage(w http.ResponseWriter, r *http.Request, t *fakeapi.Table, match func(fakeapi.Record) bool, render func(fakeapi.Record) fakeapi.Record) {
	limit, ok := s.limitOf(w, r)
	if !ok {
		return
	}
	if match == nil {
		match = func(fakeapi.Record) bool { return true }
	}
	from := 0
	if after := r.URL.Query().Get("starting_after"); after != "" {
		from = -1
		i := 0
		t.Select(func(rec fakeapi.Record) bool {
			if match(rec) {
				i++
				if from < 0 && fakeapi.Str(rec["id"]) == after {
					from = i
				}
			}
			return false
		}, 0, 0)
		if from < 0 {
			s.Error(w, http.StatusBadRequest, "starting_after does not name an item of this list")
			return
		}
	}
	items, total := t.Select(match, from, limit)
	page := make([]fakeapi.Record, 0, len(items))
	for _, it := range items {
		if render != nil {
			it = render(it)
		}
		page = append(page, it)
	}
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "has_more": from+len(items) < total})
}

// page is listBy with render applied to the items of the page only.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []fakeapi.Record, key string, render func(fakeapi.Record) fakeapi.Record) {
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.Error(w, http.StatusBadRequest, "limit must be between 1 and 100")
			return
		}
		limit = min(n, MaxLimit)
	}
	from := 0
	if after := q.Get("starting_after"); after != "" {
		from = -1
		for i, it := range items {
			if fakeapi.Str(it[key]) == after {
				from = i + 1
				break
			}
		}
		if from < 0 {
			s.Error(w, http.StatusBadRequest, "starting_after does not name an item of this list")
			return
		}
	}
	end := min(from+limit, len(items))
	page := make([]fakeapi.Record, 0, end-from)
	for _, it := range items[from:end] {
		if render != nil {
			it = render(it)
		}
		page = append(page, it)
	}
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "has_more": end < len(items)})
}

// group renders a stored group with child_ids and device counts computed
// from the tree, and custom_fields when full.
func (s *Server) group(id string, full bool) (fakeapi.Record, bool) {
	g, ok := s.groups.Get(id)
	if !ok {
		return nil, false
	}
	children := []any{}
	for _, c := range s.groups.List(fakeapi.FieldEquals("parent_id", id)) {
		children = append(children, c["id"])
	}
	g["child_ids"] = children
	sub := s.subtree(id)
	direct, all := 0, 0
	for _, d := range s.devices.List(nil) {
		gid := fakeapi.Str(d["group_id"])
		if gid == id {
			direct++
		}
		if sub[gid] {
			all++
		}
	}
	g["device_count"], g["descendent_device_count"] = direct, all
	if full {
		cf := map[string]any{}
		for _, f := range s.fields.List(nil) {
			if v, ok := s.Value(fakeapi.Str(f["id"]), id); ok {
				cf[fakeapi.Str(f["name"])] = v
			}
		}
		g["custom_fields"] = cf
	}
	return g, true
}

// subtree returns the IDs of a group and all its descendants.
func (s *Server) subtree(id string) map[string]bool {
	parent := map[string]string{}
	for _, g := range s.groups.List(nil) {
		parent[fakeapi.Str(g["id"])] = fakeapi.Str(g["parent_id"])
	}
	out := map[string]bool{}
	for g := range parent {
		for cur, n := g, 0; cur != "" && n <= len(parent); cur, n = parent[cur], n+1 {
			if cur == id {
				out[g] = true
				break
			}
		}
	}
	return out
}

// includes maps each include_* flag to the nested fields it brings.
var includes = map[string][]string{
	"include_operating_system":   {"operating_system"},
	"include_cpus":               {"cpus"},
	"include_memory":             {"memory"},
	"include_disks":              {"disk_partitions"},
	"include_network_interfaces": {"network_interfaces"},
	"include_security":           {"security"},
}

// withIncludes drops the nested objects the request did not ask for.
func withIncludes(d fakeapi.Record, q map[string][]string) fakeapi.Record {
	for flag, fields := range includes {
		if v := q[flag]; len(v) > 0 && v[0] == "true" {
			continue
		}
		for _, f := range fields {
			delete(d, f)
		}
	}
	return d
}

// resolve resolves an alert: 405 for the verb WithResolveVerb excludes,
// 404 for an unknown alert, and a repeat is harmless.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	verb := s.resolveVerb
	s.mu.Unlock()
	if verb != "" && r.Method != verb {
		s.Error(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	id := r.PathValue("id")
	now := s.clock().UTC().Format(time.RFC3339)
	ok := s.alerts.Update(id, func(a fakeapi.Record) {
		if a["is_resolved"] != true {
			a["is_resolved"], a["resolved_at"] = true, now
		}
	})
	if !ok {
		s.Error(w, http.StatusNotFound, "Alert not found")
		return
	}
	s.mu.Lock()
	s.resolves = append(s.resolves, id)
	s.mu.Unlock()
	a, _ := s.alerts.Get(id)
	fakeapi.WriteJSON(w, http.StatusOK, a)
}
