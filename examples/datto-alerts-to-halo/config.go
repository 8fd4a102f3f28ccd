package main

import (
	"errors"
	"fmt"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/config"
)

// fileConfig is the -config file: the keys of alerting.Config at the top
// level (routing, grouping, ticket defaults, close and reopen policies,
// maintenance windows) and the receiver's HTTP limits under "receiver"
// (receiver.Config):
//
//	{"catch_all": {"customer": "12"}, "close": "always",
//	 "receiver": {"read_timeout": "30s", "max_body_bytes": 524288}}
//
// The file is laid over defaultFileConfig with config.LoadFile: what it
// does not set keeps its default, an unknown key or a value of the wrong
// type is an error naming its key path. -print-config prints the result.
type fileConfig struct {
	alerting.Config
	Receiver receiver.Config `json:"receiver"`
}

// defaultFileConfig is this program's default: alerting.DefaultConfig
// (per-alert tickets, close on resolve when untouched) with customers
// auto-matched by name and the device's asset linked, and receiver's
// default limits.
func defaultFileConfig() fileConfig {
	c := alerting.DefaultConfig()
	c.AutoMatch, c.LinkAsset = true, true
	return fileConfig{Config: c, Receiver: receiver.DefaultConfig()}
}

// loadFileConfig reads -config over defaultFileConfig and checks it (the
// default alone when path is empty). Every problem is a *config.Error
// naming its key, the file's name in front.
func loadFileConfig(path string) (*fileConfig, error) {
	fc := defaultFileConfig()
	if path == "" {
		return &fc, nil
	}
	if err := config.LoadFile(path, &fc); err != nil {
		return nil, err
	}
	if err := errors.Join(fc.Config.Validate(), prefixKeys("receiver", fc.Receiver.Validate())); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fc, nil
}

// prefixKeys puts key in front of the Key of every *config.Error in err
// (one, or several joined).
func prefixKeys(key string, err error) error {
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		if ce, ok := e.(*config.Error); ok {
			e = &config.Error{Key: key + "." + ce.Key, Problem: ce.Problem}
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}
