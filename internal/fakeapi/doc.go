// Package fakeapi is the shared skeleton of every <vendor>test fake server:
// an httptest server mounted under a path prefix, one route table, a request
// log, fault injection (status codes, 429 with or without Retry-After, slow
// responses, truncated JSON, dropped connections), an OAuth-style token
// issuer, and Table, an in-memory store of JSON objects that keeps every
// field a client sent.
//
// Vendor fakes add only what is theirs: routes, auth rules, paging scheme and
// error shapes. They are public (halo/halotest, dattormm/dattormmtest); this
// package is internal so their surface stays small.
package fakeapi
