// Command quickstart connects to Datto RMM and HaloPSA and prints, side by
// side, each Datto site with its devices and each Halo customer with its
// assets: the first thing to run before a reconcile, to see that both
// connections work and what there is to match.
//
//	go run ./examples/quickstart -demo          # in-process fakes, no credentials
//	go run ./examples/quickstart [-json]        # real APIs, settings from the environment
//	go run ./examples/quickstart -check         # only check both connections, one line each
//
// Environment: HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, DATTO_API_URL, DATTO_API_KEY,
// DATTO_API_SECRET. Progress (requests, and retries and rate-limit waits
// as they happen) goes to stderr, as JSON log records with -log-format
// json; the tables (or JSON) to stdout. -check connects to each vendor (a
// token and one cheap read), prints "halo: ok: ..." or "halo: FAILED:
// ..." and the same for datto, and exits 1 if one failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/progress"
)

func main() {
	demo := flag.Bool("demo", false, "run against in-process fakes seeded with sample data")
	asJSON := flag.Bool("json", false, "print JSON instead of tables")
	verbose := flag.Bool("v", false, "log every request to stderr")
	check := flag.Bool("check", false, "check the Halo and Datto connections, print one line each, and exit")
	logFormat := flag.String("log-format", "text", "progress and logs on stderr: text or json")
	flag.Usage = usage
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flags{demo: *demo, asJSON: *asJSON, verbose: *verbose, check: *check, logFormat: *logFormat}, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		if errors.Is(err, halo.ErrMissingSetting) || errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Summary is what quickstart prints.
type Summary struct {
	DattoSites    []Row `json:"datto_sites"`
	HaloCustomers []Row `json:"halo_customers"`
}

// Row is one site or customer and how many devices or assets it has.
type Row struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// flags are the command line.
type flags struct {
	demo, asJSON, verbose, check bool
	logFormat                    string
}

// errUsage marks a bad flag value (exit status 2, like missing settings).
var errUsage = errors.New("bad usage")

func run(ctx context.Context, f flags, stdout, stderr io.Writer) error {
	demo, asJSON, verbose := f.demo, f.asJSON, f.verbose
	var status *progress.Printer
	switch f.logFormat {
	case "", "text":
		status = progress.New(stderr)
	case "json":
		status = progress.NewJSON(stderr)
	default:
		return fmt.Errorf("-log-format %q: want text or json (%w)", f.logFormat, errUsage)
	}
	logger := status.Logger(verbose)
	var hc *halo.Client
	var dc *dattormm.Client
	var err error
	if demo {
		status.Printf("demo: starting in-process Halo and Datto RMM fakes")
		hs, ds := halotest.New(), dattormmtest.New()
		defer hs.Close()
		defer ds.Close()
		seed(hs, ds)
		if hc, err = hs.NewClient(halo.WithLogger(logger)); err != nil {
			return err
		}
		if dc, err = ds.NewClient(dattormm.WithLogger(logger)); err != nil {
			return err
		}
	} else {
		if hc, dc, err = clientsFromEnv(logger); err != nil {
			return err
		}
	}
	hc.Counters().Observe(status.Activity) // retries and waits as they happen
	dc.Counters().Observe(status.Activity)
	if f.check {
		return progress.RunChecks(ctx, stdout, progress.PingCheck("halo", hc.Ping), progress.PingCheck("datto", dc.Ping))
	}
	stopWatch := status.Watch(2*time.Second, map[string]func() halo.Stats{"halo": hc.Stats, "datto": dc.Stats})
	sum, err := collect(ctx, status, hc, dc)
	stopWatch()
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, sum)
	}
	for _, t := range []struct {
		title, id, name, count string
		rows                   []Row
	}{
		{"Datto RMM sites", "SITE UID", "NAME", "DEVICES", sum.DattoSites},
		{"HaloPSA customers", "ID", "NAME", "ASSETS", sum.HaloCustomers},
	} {
		fmt.Fprintf(stdout, "%s (%d)\n", t.title, len(t.rows))
		rows := make([][]string, len(t.rows))
		for i, r := range t.rows {
			rows[i] = []string{r.ID, r.Name, strconv.Itoa(r.Count)}
		}
		if err := writeTable(stdout, []string{t.id, t.name, t.count}, rows); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

func collect(ctx context.Context, p *progress.Printer, hc *halo.Client, dc *dattormm.Client) (*Summary, error) {
	sum := &Summary{}
	p.Printf("datto: reading sites and devices")
	perSite := map[string]int{}
	for d, err := range dc.Account.Devices(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing Datto devices: %w", err)
		}
		perSite[d.SiteUID]++
	}
	for s, err := range dc.Account.Sites(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing Datto sites: %w", err)
		}
		sum.DattoSites = append(sum.DattoSites, Row{ID: s.UID, Name: s.Name, Count: perSite[s.UID]})
	}
	p.Printf("halo: reading customers and assets")
	perClient := map[int]int{}
	for a, err := range hc.Assets.All(ctx, &halo.AssetListOptions{IncludeInactive: true}) {
		if err != nil {
			return nil, fmt.Errorf("listing Halo assets: %w", err)
		}
		perClient[a.ClientID]++
	}
	for c, err := range hc.Clients.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing Halo customers: %w", err)
		}
		sum.HaloCustomers = append(sum.HaloCustomers, Row{ID: strconv.Itoa(c.ID), Name: c.Name, Count: perClient[c.ID]})
	}
	for _, rows := range [][]Row{sum.DattoSites, sum.HaloCustomers} {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	}
	return sum, nil
}

// seed fills the fakes with a small estate: three Datto sites with devices,
// and two of them already present in Halo as customers with a few assets.
func seed(hs *halotest.Server, ds *dattormmtest.Server) {
	typ := hs.SeedAssetType(halo.AssetType{Name: "Workstation"})
	for i, name := range []string{"Contoso", "Fabrikam", "Northwind Traders"} {
		site := ds.SeedSite(dattormm.Site{Name: name})
		for n := range 5 + 3*i {
			ds.SeedDevice(dattormm.Device{Hostname: fmt.Sprintf("%.4s-PC%02d", name, n), SiteUID: site.UID,
				DeviceType: dattormm.DeviceType{Category: "Desktop", Type: "Desktop"}})
		}
		if i == 2 {
			continue
		}
		cust := hs.SeedCustomer(halo.Customer{Name: name})
		hsite := hs.SeedSite(halo.Site{Name: "Main", ClientID: cust.ID})
		for n := range 3 {
			hs.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprintf("%.4s-PC%02d", name, n), SiteID: hsite.ID, AssetTypeID: typ.ID})
		}
	}
}

// clientsFromEnv builds both clients from the environment (see the
// package doc), naming every missing variable of both at once.
func clientsFromEnv(logger *slog.Logger) (*halo.Client, *dattormm.Client, error) {
	hc, herr := halo.FromEnv(halo.WithLogger(logger))
	dc, derr := dattormm.FromEnv(dattormm.WithLogger(logger))
	if err := errors.Join(herr, derr); err != nil {
		return nil, nil, err
	}
	return hc, dc, nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable prints rows under a header, in aligned columns.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
