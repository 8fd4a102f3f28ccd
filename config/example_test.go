package config_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/config"
)

// Settings stands for an engine's Config.
type Settings struct {
	Mode  string `json:"mode"`
	Rules []struct {
		Field string `json:"field"`
		Op    string `json:"op"`
	} `json:"rules"`
	Retries int `json:"retries"`
}

// The defaults are what the destination holds; the file overrides only what
// it sets. A misspelt key is an error naming its full path.
func Example() {
	s := Settings{Mode: "mappings", Retries: 3} // the defaults
	err := config.Decode(strings.NewReader(`{"retries": 5}`), &s)
	fmt.Printf("%+v %v\n", s, err)

	err = config.Decode(strings.NewReader(`{"rules": [{"field": "hostname", "opp": "equals"}]}`), &s)
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Printf("key %s: %s\n", ce.Key, ce.Problem)
	}
	fmt.Println(err)
	// Output:
	// {Mode:mappings Rules:[] Retries:5} <nil>
	// key rules[0].opp: unknown key (did you mean "op"?)
	// config rules[0].opp: unknown key (did you mean "op"?)
}

// Several problems are reported together, each with its key.
func ExampleDecode() {
	var s Settings
	err := config.Decode(strings.NewReader(`{"mode": 1, "rules": [{}, {"field": ["x"]}], "retries": "3"}`), &s)
	fmt.Println(err)
	// Output:
	// config mode: want a string, got 1
	// config rules[1].field: want a string, got an array
	// config retries: want a number, got "3"
}
