package visionone_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

// Walk the high-severity workbench alerts of the last day, oldest first;
// the filter goes with every page.
func ExampleWorkbenchService_Alerts() {
	srv := visiononetest.New()
	defer srv.Close()
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	at := time.Now().Add(-time.Hour)
	cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-9002-20250115-00001", Model: "Ransomware Behavior", Severity: "high", CreatedDateTime: &at})
	cust.AddAlert(visionone.WorkbenchAlert{ID: "WB-9002-20250115-00002", Model: "Port Scan", Severity: "low", CreatedDateTime: &at})
	c, _ := cust.NewClient()

	opts := &visionone.AlertListOptions{
		Start: time.Now().Add(-24 * time.Hour), OrderBy: "createdDateTime asc",
		Filter: visionone.Eq("severity", "high"),
	}
	for a, err := range c.Workbench.Alerts(context.Background(), opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(a.ID, a.Model)
	}
	// Output: WB-9002-20250115-00001 Ransomware Behavior
}

// Close a workbench alert: read it for its ETag, then update with
// If-Match.
func ExampleWorkbenchService_Update() {
	srv := visiononetest.New()
	defer srv.Close()
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionUS)
	seeded := cust.AddAlert(visionone.WorkbenchAlert{Model: "Ransomware Behavior"})
	c, _ := cust.NewClient()
	ctx := context.Background()

	a, err := c.Workbench.Get(ctx, seeded.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.Workbench.Update(ctx, a.ID, a.ETag, visionone.AlertUpdate{Status: visionone.StatusClosed, InvestigationResult: visionone.ResultTruePositive})
	fmt.Println(err)
	now, _ := cust.Alert(a.ID)
	fmt.Println(now.Status, "/", now.InvestigationResult)
	// Output:
	// <nil>
	// Closed / True Positive
}

// Check a key: a licence problem is reported, a wrong region fails.
func ExampleClient_Ping() {
	srv := visiononetest.New()
	defer srv.Close()
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	cust.SetAttackSurfaceLicensed(false)
	c, _ := cust.NewClient()
	info, err := c.Ping(context.Background())
	fmt.Println(err)
	fmt.Println(info.Workbench, info.AttackSurface)
	// Output:
	// <nil>
	// ok forbidden
}
