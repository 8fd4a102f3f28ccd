package kaseyabms_test

import (
	"encoding/json"
	"testing"

	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// setup starts a fake BMS and a client for it.
func setup(t *testing.T, opts ...kaseyabmstest.Option) (*kaseyabmstest.Server, *kaseyabms.Client) {
	t.Helper()
	srv := kaseyabmstest.NewServer(t, opts...)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// lastBody decodes the body of the last logged request to path.
func lastBody(t *testing.T, srv *kaseyabmstest.Server, method, path string) map[string]any {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			var m map[string]any
			if err := json.Unmarshal(reqs[i].Body, &m); err != nil {
				t.Fatalf("%s %s body: %v", method, path, err)
			}
			return m
		}
	}
	t.Fatalf("no %s %s request", method, path)
	return nil
}

// estate seeds an account with a contact, the issue types and a contract.
func estate(srv *kaseyabmstest.Server) (kaseyabms.AccountSummary, kaseyabms.Contact) {
	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	ct := srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: true})
	return acct, ct
}
