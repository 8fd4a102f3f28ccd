package dattormmtest

import (
	"net/http"
	"strings"
	"time"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/fakeapi"
)

func (s *Server) routes() {
	s.Handle("POST /auth/oauth/token", s.token)
	s.Handle("GET /api/v2/system/status", func(w http.ResponseWriter, r *http.Request) {
		fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"version": "fake", "status": "OK", "started": time.Now().Add(-time.Hour).UnixMilli()})
	})
	h := func(pattern string, f http.HandlerFunc) { s.Handle(pattern, s.authed(f)) }
	h("GET /api/v2/system/request_rate", s.requestRate)
	h("GET /api/v2/system/pagination", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		fakeapi.WriteJSON(w, http.StatusOK, map[string]int{"max": s.pageMax})
	})
	h("GET /api/v2/account", func(w http.ResponseWriter, r *http.Request) {
		fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"id": 1001, "uid": s.accountUID, "name": "Fake MSP", "currency": "USD",
			"descriptor":    map[string]any{"bilingEmail": "billing@msp.example", "deviceLimit": 5000, "timeZone": "UTC"},
			"devicesStatus": map[string]any{"numberOfDevices": s.devices.Len()}})
	})
	h("GET /api/v2/account/sites", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("siteName")
		s.list(w, r, "sites", fromTable(s.sites, func(rec fakeapi.Record) bool { return like(rec, "name", name) }))
	})
	h("GET /api/v2/account/devices", func(w http.ResponseWriter, r *http.Request) {
		s.list(w, r, "devices", fromTable(s.devices, deviceFilter(r)))
	})
	h("GET /api/v2/account/alerts/{state}", s.alertList(func(fakeapi.Record, *http.Request) bool { return true }))
	h("GET /api/v2/account/users", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, "users", fromSlice(nil)) })
	h("GET /api/v2/account/variables", func(w http.ResponseWriter, r *http.Request) { s.list(w, r, "variables", fromSlice(nil)) })

	h("PUT /api/v2/site", s.createSite)
	h("GET /api/v2/site/{siteUid}", s.withSite(func(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
		site["devicesStatus"] = map[string]any{"numberOfDevices": len(s.devices.List(fakeapi.FieldEquals("siteUid", fakeapi.Str(site["uid"]))))}
		fakeapi.WriteJSON(w, http.StatusOK, site)
	}))
	h("POST /api/v2/site/{siteUid}", s.withSite(s.updateSite))
	h("GET /api/v2/site/{siteUid}/devices", s.withSite(func(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
		s.list(w, r, "devices", fromTable(s.devices, fakeapi.FieldEquals("siteUid", fakeapi.Str(site["uid"]))))
	}))
	h("GET /api/v2/site/{siteUid}/devices/network-interface", s.withSite(func(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
		var out []fakeapi.Record
		for _, d := range s.devices.List(fakeapi.FieldEquals("siteUid", fakeapi.Str(site["uid"]))) {
			nd := fakeapi.Record{}
			for _, k := range []string{"id", "uid", "siteId", "siteUid", "siteName", "deviceType", "hostname", "intIpAddress", "extIpAddress"} {
				nd[k] = d[k]
			}
			nd["nics"] = []any{}
			if a, ok := s.audits.Get(fakeapi.Str(d["uid"])); ok && a["nics"] != nil {
				nd["nics"] = a["nics"]
			}
			out = append(out, nd)
		}
		s.list(w, r, "devices", fromSlice(out))
	}))
	h("GET /api/v2/site/{siteUid}/alerts/{state}", s.withSite(func(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
		s.alertList(func(a fakeapi.Record, _ *http.Request) bool {
			return nested(a, "alertSourceInfo", "siteUid") == fakeapi.Str(site["uid"])
		})(w, r)
	}))
	h("GET /api/v2/site/{siteUid}/variables", s.withSite(func(w http.ResponseWriter, r *http.Request, _ fakeapi.Record) {
		s.list(w, r, "variables", fromSlice(nil))
	}))
	h("GET /api/v2/site/{siteUid}/settings", s.withSite(func(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
		fakeapi.WriteJSON(w, http.StatusOK, map[string]any{
			"generalSettings": map[string]any{"name": site["name"], "uid": site["uid"], "description": site["description"], "onDemand": site["onDemand"]},
			"proxySettings":   site["proxySettings"], "mailRecipients": []any{}})
	}))

	h("GET /api/v2/device/{deviceUid}", s.withDevice(func(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
		fakeapi.WriteJSON(w, http.StatusOK, d)
	}))
	h("GET /api/v2/device/id/{deviceId}", func(w http.ResponseWriter, r *http.Request) {
		ds := s.devices.List(fakeapi.FieldEquals("id", r.PathValue("deviceId")))
		if len(ds) == 0 {
			s.notFound(w, r, "Device")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, ds[0])
	})
	h("GET /api/v2/device/macAddress/{mac}", func(w http.ResponseWriter, r *http.Request) {
		mac := r.PathValue("mac")
		var out []fakeapi.Record
		for _, a := range s.audits.List(nil) {
			nics, _ := a["nics"].([]any)
			for _, n := range nics {
				m, _ := n.(map[string]any)
				if dattormm.NormalizeMAC(fakeapi.Str(m["macAddress"])) == mac {
					if d, ok := s.devices.Get(fakeapi.Str(a["deviceUid"])); ok {
						out = append(out, d)
					}
					break
				}
			}
		}
		if out == nil {
			out = []fakeapi.Record{}
		}
		fakeapi.WriteJSON(w, http.StatusOK, out)
	})
	h("GET /api/v2/device/{deviceUid}/alerts/{state}", s.withDevice(func(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
		s.alertList(func(a fakeapi.Record, _ *http.Request) bool {
			return nested(a, "alertSourceInfo", "deviceUid") == fakeapi.Str(d["uid"])
		})(w, r)
	}))
	h("POST /api/v2/device/{deviceUid}/udf", s.withDevice(s.setUDF))
	h("PUT /api/v2/device/{deviceUid}/site/{siteUid}", s.withDevice(func(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
		site, ok := s.sites.Get(r.PathValue("siteUid"))
		if !ok {
			s.notFound(w, r, "Device and/or site")
			return
		}
		s.devices.Update(fakeapi.Str(d["uid"]), func(rec fakeapi.Record) {
			rec["siteUid"], rec["siteId"], rec["siteName"] = site["uid"], site["id"], site["name"]
		})
		w.WriteHeader(http.StatusOK)
	}))

	h("GET /api/v2/alert/{alertUid}", func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.alerts.Get(r.PathValue("alertUid"))
		if !ok {
			s.notFound(w, r, "Alert")
			return
		}
		fakeapi.WriteJSON(w, http.StatusOK, a)
	})
	h("POST /api/v2/alert/{alertUid}/resolve", func(w http.ResponseWriter, r *http.Request) {
		now := s.clock().UnixMilli()
		if !s.alerts.Update(r.PathValue("alertUid"), func(a fakeapi.Record) {
			if a["resolved"] != true {
				a["resolved"], a["resolvedOn"], a["resolvedBy"] = true, now, "API"
			}
		}) {
			s.notFound(w, r, "Alert")
			return
		}
		w.WriteHeader(http.StatusOK)
	})

	h("GET /api/v2/audit/device/{deviceUid}", s.withDevice(func(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
		if fakeapi.Str(d["deviceClass"]) != "device" {
			s.writeError(w, http.StatusBadRequest, "The device identified by the given device UID is not of class device.")
			return
		}
		a, ok := s.audits.Get(fakeapi.Str(d["uid"]))
		if !ok {
			a = fakeapi.Record{}
		}
		delete(a, "deviceUid")
		delete(a, "software")
		fakeapi.WriteJSON(w, http.StatusOK, a)
	}))
	h("GET /api/v2/audit/device/{deviceUid}/software", s.withDevice(func(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
		var sw []fakeapi.Record
		if a, ok := s.audits.Get(fakeapi.Str(d["uid"])); ok {
			items, _ := a["software"].([]any)
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					sw = append(sw, m)
				}
			}
		}
		s.list(w, r, "software", fromSlice(sw))
	}))
}

func deviceFilter(r *http.Request) func(fakeapi.Record) bool {
	q := r.URL.Query()
	return func(d fakeapi.Record) bool {
		return like(d, "hostname", q.Get("hostname")) && like(d, "operatingSystem", q.Get("operatingSystem")) &&
			like(d, "siteName", q.Get("siteName")) &&
			(q.Get("deviceType") == "" || strings.Contains(strings.ToLower(nested(d, "deviceType", "category")), strings.ToLower(q.Get("deviceType"))))
	}
}

func (s *Server) alertList(scope func(fakeapi.Record, *http.Request) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		state := r.PathValue("state")
		if state != "open" && state != "resolved" {
			s.notFound(w, r, "Resource")
			return
		}
		muted := mutedFilter(r.URL.Query().Get("muted"))
		want := state == "resolved"
		s.list(w, r, "alerts", fromTable(s.alerts, func(a fakeapi.Record) bool {
			return (a["resolved"] == true) == want && muted(a) && scope(a, r)
		}))
	}
}

func (s *Server) withSite(h func(http.ResponseWriter, *http.Request, fakeapi.Record)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		site, ok := s.sites.Get(r.PathValue("siteUid"))
		if !ok {
			s.notFound(w, r, "Site")
			return
		}
		h(w, r, site)
	}
}

func (s *Server) withDevice(h func(http.ResponseWriter, *http.Request, fakeapi.Record)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, ok := s.devices.Get(r.PathValue("deviceUid"))
		if !ok {
			s.notFound(w, r, "Device")
			return
		}
		h(w, r, d)
	}
}

// createSite is PUT /v2/site: a CreateSiteRequest (name required, no other
// properties) creates a site.
func (s *Server) createSite(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decodeBody(w, r, "CreateSiteRequest")
	if !ok {
		return
	}
	site := s.SeedSite(decode[dattormm.Site](req))
	if p, ok := req["proxySettings"]; ok {
		s.sites.Update(site.UID, func(rec fakeapi.Record) { rec["proxySettings"] = p })
	}
	rec, _ := s.sites.Get(site.UID)
	fakeapi.WriteJSON(w, http.StatusOK, rec)
}

// updateSite is POST /v2/site/{uid}: a SiteRequest (name required; no
// proxySettings, which has its own route). Fields the body omits are
// cleared, the worst of what Datto may do.
func (s *Server) updateSite(w http.ResponseWriter, r *http.Request, site fakeapi.Record) {
	req, ok := s.decodeBody(w, r, "SiteRequest")
	if !ok {
		return
	}
	uid := fakeapi.Str(site["uid"])
	s.sites.Update(uid, func(rec fakeapi.Record) {
		for _, k := range []string{"name", "description", "notes", "onDemand", "splashtopAutoInstall"} {
			rec[k] = req[k] // omitted fields are cleared, as Datto may do
		}
	})
	for _, d := range s.devices.List(fakeapi.FieldEquals("siteUid", uid)) {
		s.devices.Update(fakeapi.Str(d["uid"]), func(rec fakeapi.Record) { rec["siteName"] = req["name"] })
	}
	rec, _ := s.sites.Get(uid)
	fakeapi.WriteJSON(w, http.StatusOK, rec)
}

// setUDF is POST /v2/device/{uid}/udf: a Udf body (udf1 … udf300, string
// values, at most 255 characters); "" or null deletes a UDF.
func (s *Server) setUDF(w http.ResponseWriter, r *http.Request, d fakeapi.Record) {
	req, ok := s.decodeBody(w, r, "Udf")
	if !ok {
		return
	}
	for _, v := range req {
		if str, _ := v.(string); len(str) > dattormm.MaxUDFLength {
			s.badRequest(w, r, "Request parameters are invalid.")
			return
		}
	}
	s.devices.Update(fakeapi.Str(d["uid"]), func(rec fakeapi.Record) {
		udf, _ := rec["udf"].(map[string]any)
		if udf == nil {
			udf = map[string]any{}
		}
		for k, v := range req {
			if v == "" {
				v = nil // an empty value deletes the UDF
			}
			udf[k] = v
		}
		rec["udf"] = udf
	})
	w.WriteHeader(http.StatusOK)
}

func (s *Server) requestRate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.rates
	s.mu.Unlock()
	since := time.Now().Add(-time.Duration(st.SlidingTimeWindowSizeSeconds) * time.Second)
	for _, req := range s.Requests() {
		if req.Time.Before(since) || !strings.HasPrefix(req.Path, "/api/") {
			continue
		}
		if req.Method == http.MethodGet {
			st.AccountCount++
		} else {
			st.AccountWriteCount++
		}
	}
	fakeapi.WriteJSON(w, http.StatusOK, st)
}
