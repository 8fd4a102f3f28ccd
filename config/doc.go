// Package config loads and checks the JSON configuration files of
// mspsync's engines. Both reconcile and alerting load their Config through
// it, so every configuration in the SDK is read the same way and reports
// problems with the same error type.
//
// # Strict decoding
//
// Decode and LoadFile refuse what encoding/json would quietly accept or
// report without saying where:
//
//   - a key the Go type does not have (a misspelt setting is an error, not
//     a setting silently left at its default), with a suggestion when a
//     known key is close;
//   - a key given twice in one object;
//   - a value of the wrong JSON type, or a number that does not fit;
//   - invalid JSON, and anything after the one JSON value.
//
// Keys are matched exactly, as json.Marshal writes them. Each problem is
// an *Error whose Key is the full path of the value at fault, in the
// document's own names:
//
//	config sites.rules[2].criteria[0].opp: unknown key (did you mean "op"?)
//	config asset_types.rules[0].sequence: want a number, got "a"
//
// Several problems are returned together (errors.Join), in document order;
// errors.As finds the first.
//
// # Defaults
//
// What the destination holds before Decode is the default: an engine
// passes its DefaultConfig and the file overrides only what it sets. A
// JSON object is merged key by key into the struct or map it decodes into
// (a map entry it names is replaced whole); an array replaces the default
// list; null resets a pointer, slice, map or interface to nil and leaves
// other values as they were.
//
// # Validation
//
// Decode checks shape, not meaning. Each engine's Validate checks meaning
// and reports its problems as *Error too, so one errors.As covers both:
//
//	cfg, err := reconcile.LoadConfigFile("sync.json")
//	var ce *config.Error
//	if errors.As(err, &ce) {
//		log.Fatalf("fix %s in sync.json: %s", ce.Key, ce.Problem)
//	}
package config
