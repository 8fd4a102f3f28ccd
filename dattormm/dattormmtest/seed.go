package dattormmtest

import (
	"strconv"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/fakeapi"
)

// SeedSite stores a site, giving it an id and uid when it has none.
func (s *Server) SeedSite(v dattormm.Site) dattormm.Site {
	if v.UID == "" {
		v.ID, v.UID = s.nextID(1)
	}
	if v.AccountUID == "" {
		v.AccountUID = s.accountUID
	}
	if v.PortalURL == "" {
		v.PortalURL = "https://fake.rmm.datto.example/site/" + strconv.FormatInt(v.ID, 10)
	}
	rec := mustNormalize(v)
	rec["proxySettings"] = nil
	rec["devicesStatus"] = nil
	return decode[dattormm.Site](s.sites.Insert(rec))
}

// SeedDevice stores a device, giving it an id and uid when it has none and
// taking site id and name from its SiteUID. DeviceClass defaults to
// "device".
func (s *Server) SeedDevice(v dattormm.Device) dattormm.Device {
	if v.UID == "" {
		v.ID, v.UID = s.nextID(2)
	}
	if site, ok := s.sites.Get(v.SiteUID); ok {
		v.SiteID, _ = strconv.ParseInt(fakeapi.Str(site["id"]), 10, 64)
		v.SiteName = fakeapi.Str(site["name"])
	}
	if v.DeviceClass == "" {
		v.DeviceClass = "device"
	}
	rec := mustNormalize(v)
	udf := map[string]any{}
	for i := 1; i <= 30; i++ { // Datto returns every key, empty ones as null
		udf["udf"+strconv.Itoa(i)] = nil
	}
	for k, val := range v.UDF {
		udf[k] = val
	}
	rec["udf"] = udf
	return decode[dattormm.Device](s.devices.Insert(rec))
}

// SeedAudit stores the hardware audit (and software) of a device.
func (s *Server) SeedAudit(deviceUID string, a dattormm.DeviceAudit, software ...dattormm.Software) {
	rec := mustNormalize(a)
	rec["deviceUid"] = deviceUID
	sw := make([]any, 0, len(software))
	for _, item := range software {
		sw = append(sw, mustNormalize(item))
	}
	rec["software"] = sw
	s.audits.Insert(rec)
}

// SeedAlert stores an alert, giving it a uid when it has none.
func (s *Server) SeedAlert(v dattormm.Alert) dattormm.Alert {
	if v.AlertUID == "" {
		_, v.AlertUID = s.nextID(3)
	}
	if v.Timestamp.IsZero() {
		v.Timestamp = dattormm.Time{Time: s.clock()}
	}
	return decode[dattormm.Alert](s.alerts.Insert(mustNormalize(v)))
}

// Sites returns every site.
func (s *Server) Sites() []dattormm.Site { return all[dattormm.Site](s.sites) }

// Devices returns every device.
func (s *Server) Devices() []dattormm.Device { return all[dattormm.Device](s.devices) }

// Device returns one device.
func (s *Server) Device(uid string) (dattormm.Device, bool) {
	rec, ok := s.devices.Get(uid)
	if !ok {
		return dattormm.Device{}, false
	}
	return decode[dattormm.Device](rec), true
}

// Alerts returns every alert.
func (s *Server) Alerts() []dattormm.Alert { return all[dattormm.Alert](s.alerts) }

// Alert returns one alert.
func (s *Server) Alert(uid string) (dattormm.Alert, bool) {
	rec, ok := s.alerts.Get(uid)
	if !ok {
		return dattormm.Alert{}, false
	}
	return decode[dattormm.Alert](rec), true
}

// DeleteDevice removes a device, as when Datto purges it.
func (s *Server) DeleteDevice(uid string) bool { return s.devices.Delete(uid) }

func all[T any](t *fakeapi.Table) []T {
	var out []T
	for _, rec := range t.List(nil) {
		out = append(out, decode[T](rec))
	}
	return out
}
