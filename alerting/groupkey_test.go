package alerting_test

import (
	"regexp"
	"testing"

	"github.com/mspsync/mspsync/alerting"
)

func TestGroupKey(t *testing.T) {
	t.Parallel()
	a := alerting.Alert{Source: "saasalerts", EventID: "e1", Kind: alerting.Raise, Type: "Too Many Downloads", User: "Ana@Example.com"}
	b := a
	b.EventID, b.Type, b.User = "e2", " too many downloads", "  ana@example.COM "
	c := a
	c.EventID, c.Type = "e3", "Impossible Travel"

	// The key is a function of its inputs only: pin it so a change of the
	// hashing is noticed (tickets in PSAs carry these keys).
	if got, want := alerting.GroupKey("12", alerting.GroupUser, a), "ag1-966b25100af8aec5af71bb6aeafe57e1"; got != want {
		t.Errorf("GroupKey = %s, want %s", got, want)
	}
	shape := regexp.MustCompile(`^ag1-[0-9a-f]{32}$`)
	for _, tc := range []struct {
		name     string
		mode     alerting.Grouping
		x, y     alerting.Alert
		cx, cy   string
		wantSame bool
	}{
		{"user: any type, case-insensitive user", alerting.GroupUser, a, c, "12", "12", true},
		{"user: scoped to the customer", alerting.GroupUser, a, a, "12", "13", false},
		{"user+alert: same type ignoring case", alerting.GroupUserAlert, a, b, "12", "12", true},
		{"user+alert: other type", alerting.GroupUserAlert, a, c, "12", "12", false},
		{"per alert: other alert", alerting.GroupPerAlert, a, b, "12", "12", false},
		{"per alert: same alert ID", alerting.GroupPerAlert, a, withAlertID(b, "e1"), "12", "12", true},
		{"per alert is the default", "", a, a, "12", "12", true},
		{"no user: per alert", alerting.GroupUser, withUser(a, ""), withUser(b, ""), "12", "12", false},
	} {
		kx, ky := alerting.GroupKey(tc.cx, tc.mode, tc.x), alerting.GroupKey(tc.cy, tc.mode, tc.y)
		if !shape.MatchString(kx) {
			t.Errorf("%s: key %q has the wrong shape", tc.name, kx)
		}
		if (kx == ky) != tc.wantSame {
			t.Errorf("%s: keys %s and %s, want same = %v", tc.name, kx, ky, tc.wantSame)
		}
	}
	if alerting.GroupKey("12", "", a) != alerting.GroupKey("12", alerting.GroupPerAlert, a) {
		t.Error("the empty mode differs from per alert")
	}
}

func withUser(a alerting.Alert, u string) alerting.Alert     { a.User = u; return a }
func withAlertID(a alerting.Alert, id string) alerting.Alert { a.AlertID = id; return a }
