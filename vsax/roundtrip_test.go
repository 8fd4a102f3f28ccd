package vsax_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/internal/wire/wiretest"
	"github.com/mspsync/mspsync/vsax"
)

// reference reads testdata/reference/name (the example responses of the
// Pulseway v3 reference that VSA X serves, vendors/vsax.md §9–10; VSA X
// publishes no other) and returns its Data.
func reference(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference", name))
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

// TestReferenceRoundTrip decodes every reference response into the type
// that reads it, encodes it again and compares the two as JSON values:
// fields the types do not model (License.Webroot, a null Description),
// epoch and ISO times, "" times, lower-case priorities and non-string
// inventory values all come back as sent.
func TestReferenceRoundTrip(t *testing.T) {
	t.Parallel()
	files := map[string]func(t *testing.T, raw []byte){
		"devices.json":       func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Device](t, "devices", raw) },
		"device.json":        func(t *testing.T, raw []byte) { wiretest.RoundTrip[vsax.Device](t, "device", raw) },
		"assets.json":        func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Asset](t, "assets", raw) },
		"notifications.json": func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Notification](t, "notifications", raw) },
		"notification.json":  func(t *testing.T, raw []byte) { wiretest.RoundTrip[vsax.Notification](t, "notification", raw) },
		"customfields.json":  func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.CustomFieldValue](t, "custom fields", raw) },
		"environment.json":   func(t *testing.T, raw []byte) { wiretest.RoundTrip[vsax.Environment](t, "environment", raw) },
		"webhook-create.json": func(t *testing.T, raw []byte) {
			wiretest.RoundTrip[vsax.Webhook](t, "webhook", raw)
		},
		"webhooks.json":      func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Webhook](t, "webhooks", raw) },
		"organizations.json": func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Organization](t, "organizations", raw) },
		"sites.json":         func(t *testing.T, raw []byte) { wiretest.RoundTrip[[]vsax.Site](t, "sites", raw) },
		"group.json":         func(t *testing.T, raw []byte) { wiretest.RoundTrip[vsax.Group](t, "group", raw) },
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		check, ok := files[e.Name()]
		if !ok {
			t.Errorf("no type known for %s; add it to this test", e.Name())
			continue
		}
		t.Run(strings.TrimSuffix(e.Name(), ".json"), func(t *testing.T) {
			t.Parallel()
			check(t, reference(t, e.Name()))
		})
	}
}

// TestReferenceDecodes: what the reference responses decode to.
func TestReferenceDecodes(t *testing.T) {
	t.Parallel()
	var assets []vsax.Asset
	if err := json.Unmarshal(reference(t, "assets.json"), &assets); err != nil {
		t.Fatal(err)
	}
	a := assets[0]
	if a.SerialNumber() != "VMware-55 44 55 22 44 11 44 dd-22 f4 a4 10 bb ee 77 cc" || a.OperatingSystem() != "Windows 10 Enterprise" ||
		!a.LastUpdated.IsZero() || a.LastSeenOnline.Format("2006-01-02T15:04:05Z") != "2017-08-11T15:10:06Z" ||
		strings.Join(a.IPs(), ",") != "192.168.0.1,192.168.1.1" || strings.Join(a.MACs(), ",") != "001122334455,0A0027000010" || a.Type != "windows" {
		t.Errorf("asset %+v", a)
	}
	var ns []vsax.Notification
	if err := json.Unmarshal(reference(t, "notifications.json"), &ns); err != nil {
		t.Fatal(err)
	}
	if ns[0].DateTime.Unix() != 1463473104 || ns[1].DateTime.Year() != 2023 || ns[0].Priority != vsax.PriorityElevated || ns[1].Priority != vsax.PriorityCritical {
		t.Errorf("notifications %+v", ns)
	}
	var env vsax.Environment
	if err := json.Unmarshal(reference(t, "environment.json"), &env); err != nil {
		t.Fatal(err)
	}
	if env.CustomerID != "customer-instance.com" || env.License.Devices.Limit != 10000 || env.License.ExpirationDate.Year() != 2024 || env.License.Extra["Webroot"] == nil {
		t.Errorf("environment %+v", env)
	}
	var wh vsax.Webhook
	if err := json.Unmarshal(reference(t, "webhook-create.json"), &wh); err != nil {
		t.Fatal(err)
	}
	if len(wh.SecretKey) != 64 || wh.ID != 17 || wh.OrganizationIDs[1] != 124 || wh.CreatedAt.Year() != 2024 {
		t.Errorf("webhook %+v", wh)
	}
	// A changed field is written; the rest stays as sent.
	wh.Name = "psa-2"
	out, err := json.Marshal(wh)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"Name":"psa-2"`) || !strings.Contains(string(out), `"CreatedAt":"2024-01-23T12:55:00.0000000Z"`) {
		t.Errorf("changed webhook %s", out)
	}
}
