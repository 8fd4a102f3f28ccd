package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

// demoToken is the demo's notification URL token.
const demoToken = "demo-v1-notify-token-4f2a9c7e1b3d5a60"

// runDemo seeds a fake Vision One with three customers in three regions
// (Contoso Ltd, auto-matched by exact name; Fabrikam Labs, unmatched,
// going to the default customer; Northwind Traders, ticket creation off)
// with newly discovered assets switched off for Contoso, polls them once
// into a fake Halo, posts a risk-event notification, shows the tickets,
// then closes the ticket of Contoso's workbench alert in Halo and shows
// resolve sync closing the alert in Vision One.
func runDemo(ctx context.Context, o options, out io.Writer, logger *slog.Logger) error {
	hs := halotest.New()
	defer hs.Close()
	vs := visiononetest.New()
	defer vs.Close()
	hs.SeedTicketType(halo.TicketType{ID: 21, Name: "Security Alert"})
	contosoH := hs.SeedCustomer(halo.Customer{Name: "Contoso Ltd"})
	hs.SeedCustomer(halo.Customer{Name: "Northwind Traders"})
	unassigned := hs.SeedCustomer(halo.Customer{Name: "Vision One Unassigned"})

	now := time.Now().UTC()
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	score := func(n int) *int { return &n }
	contoso := vs.AddCustomer("Contoso Ltd", visionone.RegionEU)
	fabrikam := vs.AddCustomer("Fabrikam Labs", visionone.RegionUS)
	northwind := vs.AddCustomer("Northwind Traders", visionone.RegionJP)

	wb := contoso.AddAlert(visionone.WorkbenchAlert{Model: "Ransomware Behavior Detection", Severity: "critical", Score: 92,
		Description: "Files on LAPTOP-7 are being encrypted", CreatedDateTime: ago(20 * time.Minute),
		ImpactScope: &visionone.ImpactScope{DesktopCount: 1, AccountCount: 1, Entities: []visionone.Entity{
			{EntityType: "host", EntityValue: visionone.EntityValue{IsObject: true, GUID: "35FA11DA-A24E-40CF-8B56-BAF8828CC15E", Name: "LAPTOP-7", IPs: []string{"10.10.58.51"}}},
			{EntityType: "account", EntityValue: visionone.EntityValue{Text: "alice@contoso.com"}}}}})
	contoso.AddHighRiskUser(visionone.HighRiskUser{UserName: "bob", UserPrincipalName: "bob@contoso.com", RiskScore: score(91),
		Extra: visionone.Extra{"updatedDateTime": []byte(strconv.Quote(visionone.FormatTime(now.Add(-time.Hour))))}})
	contoso.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "NAS-02", Criticality: "high", FirstSeenDateTime: ago(time.Hour)})
	fabrikam.AddAlert(visionone.WorkbenchAlert{Model: "Privilege Escalation via UAC Bypass", Severity: "high", Score: 64, CreatedDateTime: ago(2 * time.Hour)})
	fabrikam.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "FAB-DC01", Criticality: "high", OSPlatform: "Windows", FirstSeenDateTime: ago(30 * time.Minute)})
	northwind.AddAlert(visionone.WorkbenchAlert{Model: "Port Scan", Severity: "medium", CreatedDateTime: ago(time.Hour)})

	cfg := visiononedriver.Config{
		TicketType: "21", DefaultCustomer: strconv.Itoa(unassigned.ID), ResolveSync: true, InvestigationResult: visionone.ResultTruePositive,
		Customers: []visiononedriver.CustomerConfig{
			{Name: "Contoso Ltd", Region: "eu", DisabledKinds: []visiononedriver.AlertKind{visiononedriver.KindNewAsset}},
			{Name: "Fabrikam Labs", Region: "us"},
			{Name: "Northwind Traders", Region: "jp", CreateTickets: new(false)},
		},
	}
	hc, err := hs.NewClient(halo.WithLogger(logger))
	if err != nil {
		return err
	}
	w := world{cfg: cfg, hc: hc, clients: map[string]*visionone.Client{}, logger: logger}
	for i, c := range []*visiononetest.Customer{contoso, fabrikam, northwind} {
		vc, err := c.NewClient(visionone.WithLogger(logger))
		if err != nil {
			return err
		}
		w.clients[cfg.Customers[i].Ref()] = vc
	}
	if o.mappings {
		return w.printMappings(ctx, out)
	}
	if o.check {
		return w.check(ctx, out)
	}
	fmt.Fprintln(out, "Mapping report")
	if err := w.printMappings(ctx, out); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Start-up check")
	if err := w.check(ctx, out); err != nil {
		return err
	}
	fmt.Fprintln(out)

	store := memstore.New()
	eng, err := w.engine(store, alerting.WithSyncLookback(time.Hour))
	if err != nil {
		return err
	}
	defer eng.Close()
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(out, "Poll (one pass per customer)")
	fmt.Fprintln(tw, "CUSTOMER\tKINDS POLLED\tRAISED\tREQUESTS")
	for _, c := range cfg.Customers {
		vc := w.clients[c.Ref()]
		before := vc.Stats().Requests
		p, err := visiononedriver.NewPoller(vc, c, eng, store, append(cfg.PollerOptions(), visiononedriver.WithPollerLogger(logger))...)
		if err != nil {
			return err
		}
		res, err := p.Poll(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%d\n", c.Name, p.Kinds(), counts(res.Raised), vc.Stats().Requests-before)
	}
	tw.Flush()
	fmt.Fprintln(out)

	in, err := visiononedriver.NewNotificationIntake(eng, visiononedriver.IntakeConfig{Tokens: []string{demoToken}, Customers: cfg.Customers,
		Clients: w.clients, Logger: logger})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Notifications posted to /visionone/<token>")
	for _, body := range []string{
		`{"event_id":"RE-20250115-0001","type":"New risk event","severity":"High","customer":"Contoso Ltd","user":"carol@contoso.com","title":"Sign-in from an unusual country","body":"Impossible travel for carol@contoso.com"}`,
		`{"event_id":"RE-20250115-0002","type":"New risk event","severity":"Low","customer":"Contoso Ltd","title":"Outdated browser"}`,
		`{"event_id":"` + wb.ID + `","type":"Workbench alert","customer":"Contoso Ltd","title":"text from the payload is not used"}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/visionone/"+demoToken, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		in.ServeHTTP(rec, r)
		fmt.Fprintf(out, "  %d %s\n", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	if _, err := eng.ProcessPending(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out)
	printTickets(out, hs)

	// Close Contoso's workbench ticket in Halo, as a technician would.
	var wbTicket int
	for _, t := range hs.Tickets() {
		if t.ClientID == contosoH.ID && strings.Contains(t.Summary, "Ransomware") {
			wbTicket = t.ID
		}
	}
	if wbTicket == 0 {
		return fmt.Errorf("no Halo ticket for workbench alert %s", wb.ID)
	}
	before, _ := contoso.Alert(wb.ID)
	hs.CloseTicket(wbTicket)
	res, err := eng.SyncResolved(ctx)
	if err != nil {
		return err
	}
	after, _ := contoso.Alert(wb.ID)
	fmt.Fprintf(out, "\nClosed Halo ticket %d; resolve sync resolved %d alert(s) at Vision One\n", wbTicket, res.Resolved)
	fmt.Fprintf(out, "Vision One %s: %s / %s -> %s / %s\n", wb.ID, before.Status, before.InvestigationResult, after.Status, after.InvestigationResult)
	if after.Status != visionone.StatusClosed {
		return fmt.Errorf("the close in Halo did not reach Vision One")
	}
	return nil
}

func counts(m map[visiononedriver.AlertKind]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func printTickets(out io.Writer, hs *halotest.Server) {
	names := map[int]string{}
	for _, c := range hs.Customers() {
		names[c.ID] = c.Name
	}
	fmt.Fprintln(out, "Halo tickets")
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCUSTOMER\tTYPE\tSUMMARY")
	for _, t := range hs.Tickets() {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", t.ID, names[t.ClientID], t.TicketTypeID, t.Summary)
	}
	tw.Flush()
}
