package alerting

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// GroupKey returns the stable key of the group an alert belongs to under a
// grouping mode, scoped to the PSA customer it is routed to. The key is a
// hash ("ag1-" and 32 hex digits): the same inputs give the same key in
// every process and release, and it reveals nothing about the user.
//
//   - GroupPerAlert (and the empty mode): customer, source (with the
//     account, for an alert of an account), alert ID.
//   - GroupUser: customer, user (case-insensitive).
//   - GroupUserAlert: customer, user, alert type (both case-insensitive).
//
// An alert without a user cannot join a user group; under GroupUser and
// GroupUserAlert it is grouped per alert.
func GroupKey(customerID string, mode Grouping, a Alert) string {
	user := strings.ToLower(strings.TrimSpace(a.User))
	parts := []string{"mspsync/alerting/group/v1", customerID}
	switch {
	case mode == GroupUser && user != "":
		parts = append(parts, string(GroupUser), user)
	case mode == GroupUserAlert && user != "":
		parts = append(parts, string(GroupUserAlert), user, normType(a.Type))
	default:
		parts = append(parts, string(GroupPerAlert), ScopedSource(a.Source, a.Account), a.ID())
	}
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return "ag1-" + hex.EncodeToString(h.Sum(nil)[:16])
}
