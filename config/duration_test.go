package config_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/config"
)

func TestDuration(t *testing.T) {
	type doc struct {
		Timeout config.Duration `json:"timeout"`
		Other   config.Duration `json:"other"`
	}
	d := doc{Timeout: config.Duration(5 * time.Second), Other: config.Duration(time.Minute)}
	if err := config.Decode(strings.NewReader(`{"timeout":"1m30s"}`), &d); err != nil {
		t.Fatal(err)
	}
	if time.Duration(d.Timeout) != 90*time.Second || time.Duration(d.Other) != time.Minute {
		t.Errorf("decoded %v, %v; want 1m30s over the default and 1m kept", d.Timeout, d.Other)
	}
	b, err := json.Marshal(d)
	if err != nil || string(b) != `{"timeout":"1m30s","other":"1m0s"}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	var back doc
	if err := config.Decode(strings.NewReader(string(b)), &back); err != nil || back != d {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, d)
	}
	for in, want := range map[string]string{
		`{"timeout":15}`:    `config timeout: want a string, got 15`,
		`{"timeout":"15"}`:  `config timeout: want a duration such as "15s" or "1h30m", got "15"`,
		`{"timeout":"abc"}`: `config timeout: want a duration such as "15s" or "1h30m", got "abc"`,
	} {
		keep := d
		err := config.Decode(strings.NewReader(in), &keep)
		var ce *config.Error
		if err == nil || err.Error() != want || !errors.As(err, &ce) || ce.Key != "timeout" {
			t.Errorf("%s: error %v, want %s", in, err, want)
		}
		if keep != d {
			t.Errorf("%s: a refused document changed the value to %+v", in, keep)
		}
	}
}
