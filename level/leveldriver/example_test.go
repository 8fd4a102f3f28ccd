package leveldriver_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
)

// A device in "Lab" (under "Berlin", under "Acme") belongs to the nearest
// of its groups that is mapped.
func ExampleNearestMapped() {
	parent := map[string]string{"acme": "", "berlin": "acme", "lab": "berlin"}
	mapped := map[string]bool{"acme": true}
	g, ok := leveldriver.NearestMapped("lab", parent, func(id string) bool { return mapped[id] })
	fmt.Println(g, ok)
	mapped["berlin"] = true
	g, ok = leveldriver.NearestMapped("lab", parent, func(id string) bool { return mapped[id] })
	fmt.Println(g, ok)
	// Output:
	// acme true
	// berlin true
}

// Map two Level monitors to Halo ticket types; any other alert opens no
// ticket.
func ExamplePolicyMap() {
	cfg := alerting.DefaultConfig()
	leveldriver.PolicyMap{"CPU usage": "31", "Disk space low": "32"}.Apply(&cfg)
	for _, r := range cfg.AlertTypes {
		fmt.Println(r.Source, r.Type, r.Ticket.Type)
	}
	fmt.Println("only mapped:", cfg.OnlyMappedAlertTypes)
	// Output:
	// level CPU usage 31
	// level Disk space low 32
	// only mapped: true
}

// The body to paste into a Level automation's HTTP POST step for the
// automation-template intake: the decisive keys first.
func ExampleTemplateBody() {
	fmt.Println(leveldriver.TemplateBody())
	// Output: {"event":"{{event}}","alert_id":"{{alert_id}}","device_id":"{{device_id}}","policy_id":"{{policy_id}}","group_id":"{{group_id}}","severity":"{{severity}}","alert_time":"{{alert_time}}","name":"{{name}}","hostname":"{{hostname}}","description":"{{description}}"}
}

// Level as a reconcile source: nested groups become source sites (each
// with its parent), devices carry their group. Here on the in-memory fake;
// in production, lc is level.FromEnv().
func ExampleNewReconcileSource() {
	srv := leveltest.New()
	defer srv.Close()
	root := srv.SeedGroup(level.Group{Name: "Clients"})
	contoso := srv.SeedGroup(level.Group{Name: "Contoso", ParentID: root.ID})
	srv.SeedDevice(level.Device{Hostname: "CON-PC01", GroupID: contoso.ID, Role: "workstation"})
	lc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := leveldriver.NewReconcileSource(lc).LoadSource(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kind:", snap.Source.Kind, "complete:", snap.Complete)
	for _, s := range snap.Sites {
		parent := "-"
		for _, p := range snap.Sites {
			if p.ID == s.ParentID {
				parent = p.Name
			}
		}
		fmt.Println("site:", s.Name, "under", parent)
	}
	for _, d := range snap.Devices {
		fmt.Println("device:", d.Name, d.Fields["role"])
	}
	// Output:
	// kind: level complete: true
	// site: Clients under -
	// site: Contoso under Clients
	// device: CON-PC01 workstation
}
