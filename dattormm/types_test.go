package dattormm

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeDecoding(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		`1732537200000`:          time.UnixMilli(1732537200000).UTC(),
		`1732537200`:             time.Unix(1732537200, 0).UTC(),
		`1732537200.5`:           time.Unix(1732537200, 5e8).UTC(),
		`"2024-11-25T12:20:00Z"`: time.Date(2024, 11, 25, 12, 20, 0, 0, time.UTC),
		`"2024-11-25T12:20:00"`:  time.Date(2024, 11, 25, 12, 20, 0, 0, time.UTC),
		`"1732537200000"`:        time.UnixMilli(1732537200000).UTC(),
		`null`:                   {},
		`""`:                     {},
		`-62135596800000`:        {},
		`-62135596800`:           {},
	} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil || !tm.Equal(want) {
			t.Errorf("%s → %v, %v; want %v", in, tm.Time, err, want)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Error("free text accepted as a time")
	}
}

func TestDeviceDecoding(t *testing.T) {
	t.Parallel()
	raw := `{"id":1234567,"uid":"3f1c","siteUid":"7a2e","siteName":"Deleted Devices","deviceType":{"category":"Laptop","type":"Laptop"},
	"hostname":"LT042","lastLoggedInUser":"CONTOSO\\jdoe","a64Bit":null,"deleted":false,"lastSeen":1732537200000,
	"udf":{"udf1":"Finance","udf2":null,"udf150":"x"},"deviceClass":"device","warrantyDate":null}`
	var d Device
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	if d.DeviceType.Category != "Laptop" || d.UDF.Get(1) != "Finance" || d.UDF.Get(150) != "x" || len(d.UDF) != 2 ||
		d.LastSeen.Year() != 2024 || !d.IsDeleted() || d.LastLoggedInUser != `CONTOSO\jdoe` {
		t.Errorf("device = %+v", d)
	}
}

func TestAlertContext(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`{"@class":"perf_disk_usage_ctx","diskName":"C:","freeSpace":9.8}`:        "perf_disk_usage_ctx:C:",
		`{"@class":"eventlog_ctx","logName":"System","code":7031}`:                "eventlog_ctx:System:7031",
		`{"@class":"srvc_status_ctx","serviceName":"Spooler","status":"STOPPED"}`: "srvc_status_ctx:Spooler",
		`{"@class":"perf_resource_usage_ctx","type":"CPU","percentage":97.5}`:     "perf_resource_usage_ctx:CPU",
		`{"@class":"brand_new_ctx","x":1}`:                                        "brand_new_ctx",
		`null`:                                                                    "",
	} {
		var c AlertContext
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			t.Fatal(err)
		}
		if got := c.AlertType(); got != want {
			t.Errorf("AlertType(%s) = %q, want %q", raw, got, want)
		}
	}
	var c AlertContext
	json.Unmarshal([]byte(`{"@class":"perf_disk_usage_ctx","diskName":"D:","totalVolume":500,"freeSpace":4.5,"unitOfMeasure":"PERCENT"}`), &c)
	if du, ok := c.DiskUsage(); !ok || du.DiskName != "D:" || du.FreeSpace != 4.5 {
		t.Errorf("disk usage = %+v, %v", du, ok)
	}
	if _, ok := c.EventLog(); ok {
		t.Error("event-log view of a disk context")
	}
	out, _ := json.Marshal(c)
	if string(out) != string(c.Raw) {
		t.Errorf("raw not kept: %s", out)
	}
	var rc AlertContext
	json.Unmarshal([]byte(`{"@class":"perf_resource_usage_ctx","type":"MEMORY","percentage":91}`), &rc)
	if ru, ok := rc.ResourceUsage(); !ok || ru.Percentage != 91 {
		t.Errorf("resource usage = %+v", ru)
	}
}
