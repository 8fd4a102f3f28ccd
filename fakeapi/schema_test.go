package fakeapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var testSchemas = ParseSchemas(map[string]string{
	"Asset":   "id:i name:s inactive:b cost:n fields:[@Field tags:[s meta:o any:* site:@Site",
	"Field":   "id:i value:*",
	"Site":    "+name:s ...",
	"Request": "+name:s onDemand:b port:i",
})

func decodeRecord(t *testing.T, s string) Record {
	t.Helper()
	var r Record
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func summary(vs []Violation) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Path+"="+[]string{"", "unknown", "type", "notint", "missing"}[v.Problem]+":"+v.Literal())
	}
	return strings.Join(out, " ")
}

func TestSchemaCheck(t *testing.T) {
	t.Parallel()
	lenient := CheckOptions{StringScalars: true}
	for _, tc := range []struct {
		schema, body string
		opt          CheckOptions
		want         string
	}{
		{"Asset", `{"id":12,"name":"PC","inactive":false,"cost":1.5,"fields":[{"id":1,"value":{"x":1}}],"tags":["a"],"meta":{"k":1},"any":[1],"site":{"name":"HQ","extra":1}}`, lenient, ""},
		{"Asset", `{"id":95.0}`, lenient, "[0].id=notint:95.0"},
		{"Asset", `{"id":95.5}`, CheckOptions{StringScalars: true, IntegralFloats: true}, "[0].id=notint:95.5"},
		{"Asset", `{"id":95.0}`, CheckOptions{IntegralFloats: true}, ""},
		{"Asset", `{"id":"130","inactive":"true","cost":"2.5","name":7}`, lenient, ""},
		{"Asset", `{"id":"130"}`, CheckOptions{}, "[0].id=type:130"},
		{"Asset", `{"id":"95.0"}`, lenient, "[0].id=notint:95.0"},
		{"Asset", `{"id":"abc","inactive":"yes"}`, lenient, "[0].id=type:abc [0].inactive=type:yes"},
		{"Asset", `{"id":null,"name":null}`, CheckOptions{}, ""},
		{"Asset", `{"zz":1,"key":"x","fields":[{"id":1.0,"bogus":true}],"tags":[1],"site":{}}`, CheckOptions{},
			"[0].fields[0].bogus=unknown:true [0].fields[0].id=notint:1.0 [0].key=unknown:x [0].site.name=missing:null [0].tags[0]=type:1 [0].zz=unknown:1"},
		{"Asset", `{"fields":{"id":1},"meta":[1]}`, CheckOptions{}, "[0].fields=type:{…} [0].meta=type:[…]"},
		{"Request", `{"name":"  ","onDemand":"false","port":8080}`, CheckOptions{}, "[0].name=missing:null [0].onDemand=type:false"},
	} {
		got := summary(testSchemas.Check(tc.schema, decodeRecord(t, tc.body), "[0]", tc.opt))
		if got != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.schema, tc.body, got, tc.want)
		}
	}
	if _, ok := testSchemas.Get("Nope"); ok {
		t.Error("unknown schema found")
	}
	if vs := testSchemas.Check("Nope", Record{"x": 1}, "", CheckOptions{}); vs != nil {
		t.Errorf("unknown schema checked: %v", vs)
	}
	if n := testSchemas.Names(); len(n) != 4 || n[0] != "Asset" {
		t.Errorf("names = %v", n)
	}
}

func TestParseSchemasPanicsOnBadText(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	ParseSchemas(map[string]string{"X": "id:q"}).Get("X")
}
