package vsaxtest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
)

const api = "/api/v3"

// requestSchemas are the request bodies the fake takes, in
// fakeapi.ParseSchemas's compact form, written from VSA X's documentation
// (VSA X publishes no OpenAPI document).
var requestSchemas = fakeapi.ParseSchemas(map[string]string{
	"NotificationWebhook": "+Name:s Description:s +Priorities:[s OrganizationIds:[i Headers:o +Url:s Language:s",
})

func (s *Server) routes() {
	h := func(pattern string, f http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		s.Handle(method+" "+api+path, s.authed(f))
	}
	h("GET /environment", func(w http.ResponseWriter, r *http.Request) {
		writeData(w, map[string]any{"ProductVersion": "10.0.0 build 1 release 1, vsaxtest", "CustomerId": s.HostURL()[strings.Index(s.HostURL(), "//")+2:],
			"CustomerName": "vsaxtest", "ServerType": "SaaS", "Language": "en",
			"License": map[string]any{"ExpirationDate": "2099-12-01T00:00:00",
				"UserAccounts": map[string]any{"TotalInUse": 1, "Limit": 10},
				"Devices":      map[string]any{"TotalInUse": s.devices.Len(), "Limit": 10000}}})
	})
	s.collection(h, "organizations", s.orgs, true)
	s.collection(h, "sites", s.sites, true)
	s.collection(h, "groups", s.groups, true)
	s.collection(h, "devices", s.devices, true)
	s.collection(h, "assets", s.assets, false)
	s.collection(h, "customFields", s.fields, false)

	h("GET /devices/{id}/notifications", func(w http.ResponseWriter, r *http.Request) {
		dev := r.PathValue("id")
		s.list(w, r, s.notifications, func(rec fakeapi.Record) bool { return strings.EqualFold(fakeapi.Str(rec["ComputerIdentifier"]), dev) }, listItem)
	})
	h("GET /notifications", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, s.notifications, nil, listItem) })
	h("GET /notifications/{id}", s.one(s.notifications, nil))
	h("DELETE /notifications/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.notifications.Delete(r.PathValue("id")) {
			writeError(w, http.StatusNotFound, "Entity is not found.")
			return
		}
		writeData(w, nil)
	})

	hideSecret := func(rec fakeapi.Record) fakeapi.Record { delete(rec, "SecretKey"); return rec }
	h("GET /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, s.webhooks, nil, hideSecret) })
	h("GET /notifications/webhooks/{id}", s.one(s.webhooks, hideSecret))
	h("POST /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.webhookBody(w, r)
		if !ok {
			return
		}
		body["SecretKey"] = newSecret()
		body["CreatedAt"] = time.Now().UTC().Format(time.RFC3339)
		writeData(w, s.webhooks.Insert(body))
	})
	h("PUT /notifications/webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		cur, found := s.webhooks.Get(r.PathValue("id"))
		if !found {
			writeError(w, http.StatusNotFound, "Entity is not found.")
			return
		}
		body, ok := s.webhookBody(w, r)
		if !ok {
			return
		}
		body["Id"], body["SecretKey"], body["CreatedAt"] = cur["Id"], cur["SecretKey"], cur["CreatedAt"]
		body["UpdatedAt"] = time.Now().UTC().Format(time.RFC3339)
		rec := s.webhooks.Insert(body)
		delete(rec, "CreatedAt")
		writeData(w, hideSecret(rec))
	})
	h("DELETE /notifications/webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.webhooks.Delete(r.PathValue("id")) {
			writeError(w, http.StatusNotFound, "Entity is not found.")
			return
		}
		writeData(w, nil)
	})
	h("POST /notifications/webhooks/{id}/regenerateSecretKey", func(w http.ResponseWriter, r *http.Request) {
		secret := newSecret()
		if !s.webhooks.Update(r.PathValue("id"), func(rec fakeapi.Record) { rec["SecretKey"] = secret }) {
			writeError(w, http.StatusNotFound, "Entity is not found.")
			return
		}
		writeData(w, map[string]any{"SecretKey": secret})
	})
}

// listItem drops what the notification list does not carry.
// The /notifications list sends DateTime as epoch seconds (the
// reference's example), the detail as ISO-8601.
func listItem(rec fakeapi.Record) fakeapi.Record {
	delete(rec, "ComputerIdentifier")
	delete(rec, "Read")
	if t, err := time.Parse(time.RFC3339, fakeapi.Str(rec["DateTime"])); err == nil {
		rec["DateTime"] = t.Unix()
	}
	return rec
}

// collection registers GET /name (the list), GET /name/{id} and, when
// withFields, GET /name/{id}/customfields.
func (s *Server) collection(h func(string, http.HandlerFunc), name string, t *fakeapi.Table, withFields bool) {
	h("GET /"+name, func(w http.ResponseWriter, r *http.Request) { s.list(w, r, t, nil, nil) })
	h("GET /"+name+"/{id}", s.one(t, nil))
	if withFields {
		h("GET /"+name+"/{id}/customfields", func(w http.ResponseWriter, r *http.Request) {
			if _, ok := t.Get(r.PathValue("id")); !ok {
				writeError(w, http.StatusNotFound, "Entity is not found.")
				return
			}
			writeData(w, s.customFieldValues(name+"/"+r.PathValue("id")))
		})
	}
}

func (s *Server) one(t *fakeapi.Table, view func(fakeapi.Record) fakeapi.Record) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, ok := t.Get(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "Entity is not found.")
			return
		}
		if view != nil {
			rec = view(rec)
		}
		writeData(w, rec)
	}
}

// list is the one list handler: $top (1…100, default 100), $skip,
// $filter (the subset of filterMatch), Meta.TotalCount.
func (s *Server) list(w http.ResponseWriter, r *http.Request, t *fakeapi.Table, match func(fakeapi.Record) bool, view func(fakeapi.Record) fakeapi.Record) {
	q := r.URL.Query()
	top, skip := 100, 0
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "The $top query parameter must be between 1 and 100.")
			return
		}
		top = n
	}
	if v := q.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "The $skip query parameter is invalid.")
			return
		}
		skip = n
	}
	f, err := parseFilter(q.Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, total := t.Select(func(rec fakeapi.Record) bool { return (match == nil || match(rec)) && f(rec) }, skip, top)
	out := make([]fakeapi.Record, 0, len(items))
	for _, it := range items {
		if view != nil {
			it = view(it)
		}
		out = append(out, it)
	}
	meta := map[string]any{"ResponseCode": 200}
	if q.Get("$count") == "true" {
		meta["TotalCount"] = total
	}
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"Data": out, "Meta": meta})
}

var clause = regexp.MustCompile(`^\s*([A-Za-z]+)\s+eq\s+('(?:[^']|'')*'|-?[0-9]+|true|false)\s*$`)

type badFilter string

func (e badFilter) Error() string { return string(e) }

// parseFilter understands "Field eq value" clauses joined by " and "
// (values: integers, booleans, 'quoted strings'; strings compare without
// case). Anything else is refused with 400, so a client cannot rely on
// more than this.
func parseFilter(f string) (func(fakeapi.Record) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(fakeapi.Record) bool { return true }, nil
	}
	type cond struct{ field, value string }
	var conds []cond
	for _, part := range strings.Split(f, " and ") {
		m := clause.FindStringSubmatch(part)
		if m == nil {
			return nil, badFilter("The $filter expression is not supported: " + part)
		}
		v := m[2]
		if strings.HasPrefix(v, "'") {
			v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		}
		conds = append(conds, cond{m[1], v})
	}
	return func(rec fakeapi.Record) bool {
		for _, c := range conds {
			if !strings.EqualFold(fakeapi.Str(rec[c.field]), c.value) {
				return false
			}
		}
		return true
	}, nil
}

// webhookBody decodes and checks a webhook create or update body.
func (s *Server) webhookBody(w http.ResponseWriter, r *http.Request) (fakeapi.Record, bool) {
	var body fakeapi.Record
	if err := fakeapi.DecodeJSON(r.Body, &body); err != nil || body == nil {
		writeError(w, http.StatusBadRequest, "The request is invalid.")
		return nil, false
	}
	if vs := requestSchemas.Check("NotificationWebhook", body, "", fakeapi.CheckOptions{}); len(vs) > 0 {
		writeError(w, http.StatusBadRequest, "The request is invalid: "+vs[0].Path)
		return nil, false
	}
	url := fakeapi.Str(body["Url"])
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") || len(url) > 2000 || len(fakeapi.Str(body["Name"])) > 100 {
		writeError(w, http.StatusBadRequest, "The request is invalid: Url or Name")
		return nil, false
	}
	if ps, _ := body["Priorities"].([]any); len(ps) == 0 {
		writeError(w, http.StatusBadRequest, "The request is invalid: Priorities")
		return nil, false
	} else {
		for _, p := range ps {
			switch fakeapi.Str(p) {
			case "Low", "Normal", "Elevated", "Critical":
			default:
				writeError(w, http.StatusBadRequest, "The request is invalid: Priorities")
				return nil, false
			}
		}
	}
	return body, true
}
