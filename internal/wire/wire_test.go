package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

type asset struct {
	ID       int     `json:"id,omitempty"`
	SiteID   int     `json:"site_id,omitempty"`
	TypeID   *int    `json:"assettype_id,omitempty"`
	Tag      string  `json:"inventory_number,omitempty"`
	Inactive *bool   `json:"inactive,omitempty"`
	Score    float64 `json:"score,omitempty"`
	Extra    Extra   `json:"-"`
	seen     Seen
}

func (a *asset) UnmarshalJSON(b []byte) error {
	type plain asset
	return Unmarshal(b, (*plain)(a), &a.Extra, &a.seen)
}

func (a asset) MarshalJSON() ([]byte, error) {
	type plain asset
	return Marshal(plain(a), a.Extra, a.seen)
}

func TestRoundTripKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	in := `{"id":7,"site_id":3,"inventory_number":"PC1","datto_id":"abc","fields":[{"id":101,"value":"SN1"}],"_warning":null}`
	var a asset
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != 7 || a.Tag != "PC1" || len(a.Extra) != 3 || string(a.Extra["datto_id"]) != `"abc"` {
		t.Fatalf("decoded %+v", a)
	}
	a.Tag = "PC2"
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"inventory_number":"PC2"`, `"datto_id":"abc"`, `"fields":[{"id":101,"value":"SN1"}]`, `"id":7`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
}

func TestLenientIntegers(t *testing.T) {
	t.Parallel()
	var a asset
	if err := json.Unmarshal([]byte(`{"id":"12","site_id":800.0,"assettype_id":"130","score":1.5}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != 12 || a.SiteID != 800 || a.TypeID == nil || *a.TypeID != 130 || a.Score != 1.5 || a.Extra != nil {
		t.Errorf("decoded %+v", a)
	}
	if err := json.Unmarshal([]byte(`{"id":12.5}`), &a); err == nil {
		t.Error("12.5 accepted as an id")
	}
	if err := json.Unmarshal([]byte(`{"id":"x"}`), &a); err == nil {
		t.Error(`"x" accepted as an id`)
	}
}

func TestModelledFieldsWin(t *testing.T) {
	t.Parallel()
	a := asset{ID: 1, Extra: Extra{"id": json.RawMessage(`99`), "x": json.RawMessage(`true`)}}
	out, _ := json.Marshal(a)
	if string(out) != `{"id":1,"x":true}` {
		t.Errorf("marshal = %s", out)
	}
	f := false
	out, _ = json.Marshal(asset{Inactive: &f})
	if string(out) != `{"inactive":false}` {
		t.Errorf("only set fields: %s", out)
	}
}
