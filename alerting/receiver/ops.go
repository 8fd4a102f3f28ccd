package receiver

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// Intake returns h with its requests' context naming the intake channel
// (alerting.ContextWithIntake), so the engine's request log says whether
// an alert came by webhook or by mail:
//
//	mux.Handle("/webhooks/datto", receiver.Intake("webhook", webhookHandler))
//	mux.Handle("/mail/datto", receiver.Intake("mail", mailEndpoint))
func Intake(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(alerting.ContextWithIntake(r.Context(), name)))
	})
}

// maxRequestsLimit caps ?limit= of RequestLogHandler.
const maxRequestsLimit = 10000

// RequestLogHandler serves an engine's request log (alerting.RequestLog,
// the engine's WithRequestLog) for operators, newest first:
//
//   - GET /requests answers JSON {"requests":[…]} (alerting.Request
//     values), or a small HTML table when the client prefers text/html (a
//     browser) or asks with ?format=html (?format=json forces JSON);
//   - ?limit=N caps the entries (default alerting.DefaultRequestQueryLimit),
//     ?source=S keeps one source's;
//   - the HTML is rendered with html/template: alert text, which is the
//     source's and untrusted, is escaped, and the page allows no scripts
//     (Content-Security-Policy).
//
// Entries hold no payloads and no secrets (see alerting.RequestLog). Serve
// it on an address operators reach, not on the public webhook listener,
// or behind authentication: it shows customer and device names.
func RequestLogHandler(log alerting.RequestLog) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		q := alerting.RequestQuery{Source: r.URL.Query().Get("source")}
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxRequestsLimit {
				http.Error(w, fmt.Sprintf("limit: want a number from 1 to %d", maxRequestsLimit), http.StatusBadRequest)
				return
			}
			q.Limit = n
		}
		format := r.URL.Query().Get("format")
		switch format {
		case "", "json", "html":
		default:
			http.Error(w, "format: want json or html", http.StatusBadRequest)
			return
		}
		if format == "" {
			format = "json"
			if prefersHTML(r.Header.Get("Accept")) {
				format = "html"
			}
		}
		rs, err := log.Requests(r.Context(), q)
		if err != nil {
			http.Error(w, "reading the request log failed", http.StatusServiceUnavailable)
			return
		}
		if rs == nil {
			rs = []alerting.Request{}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if format == "json" {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(struct {
				Requests []alerting.Request `json:"requests"`
			}{rs})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_ = requestsPage.Execute(w, struct {
			Query    alerting.RequestQuery
			Requests []alerting.Request
		}{q, rs})
	})
}

// prefersHTML reports whether an Accept header asks for text/html before
// (or instead of) JSON.
func prefersHTML(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			return true
		case "application/json":
			return false
		}
	}
	return false
}

var requestsPage = template.Must(template.New("requests").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mspsync: inbound requests</title>
<style>
body{font:13px system-ui,sans-serif;margin:1em}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.rejected,.failed{color:#a00}.duplicate,.ignored{color:#777}small{color:#555}
</style></head><body>
<h1>Inbound requests</h1>
<p>Newest first{{with .Query.Source}}, source {{.}}{{end}}: {{len .Requests}} shown.</p>
<table>
<tr><th>#</th><th>Time</th><th>Intake</th><th>Source</th><th>Event</th><th>Device</th><th>Source site</th><th>Type</th><th>Title</th><th>Status</th><th>Routed to</th><th>Ticket</th><th>Outcome</th></tr>
{{range .Requests}}<tr class="{{.Status}}">
<td>{{.Seq}}</td><td>{{when .Time}}</td><td>{{.Intake}}</td>
<td>{{.Source}}{{with .Account}}<br><small>{{.}}</small>{{end}}</td>
{{with .Alert}}<td>{{.Kind}} {{.EventID}}</td><td>{{.Device.Hostname}}{{with .Device.ID}}<br><small>{{.}}</small>{{end}}</td>
<td>{{.Customer.Name}}{{with .Customer.ID}}<br><small>{{.}}</small>{{end}}</td><td>{{.Type}}</td><td>{{.Title}}</td>
{{else}}<td></td><td></td><td></td><td></td><td></td>{{end}}
<td>{{.Status}}{{with .Reason}}: {{.}}{{end}}{{with .Detail}}<br><small>{{.}}</small>{{end}}</td>
{{with .Applied}}<td>{{with .Routing.Customer}}customer {{.}}{{end}}{{with .Routing.Site}}, site {{.}}{{end}}{{with .Routing.Asset}}, asset {{.}}{{end}}{{with .Routing.Contact}}, user {{.}}{{end}}
{{with .Routing}}{{if .By}}<br><small>by {{.By}}: {{.Reason}}</small>{{end}}{{with .ContactBy}}<br><small>user by {{.}}</small>{{end}}{{with .ContactProblem}}<br><small>{{.}}</small>{{end}}{{end}}</td>
<td>{{.TicketID}}</td><td>{{.Outcome}}{{with .Reason}}: {{.}}{{end}}{{with .Error}}<br><small>{{.}}</small>{{end}}<br><small>{{when .Time}}, attempt {{.Attempts}}</small></td>
{{else}}<td></td><td></td><td>{{if eq .Status "accepted"}}queued{{end}}</td>{{end}}
</tr>
{{end}}</table>
</body></html>
`))

// Healthz returns the liveness handler: 200 "ok" while the process serves
// HTTP at all. It checks nothing else (see Ready).
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "ok")
	})
}

// Check is one named readiness check: Run returns nil when what it checks
// can be used. It must honour ctx (Ready gives it a deadline) and its
// error must carry no secret (it is shown).
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// CheckResult is one check's outcome in Ready's answer.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Millis is how long the check took.
	Millis int64 `json:"ms"`
}

// DefaultReadyTimeout bounds each readiness check when Ready is given 0.
const DefaultReadyTimeout = 5 * time.Second

// Ready returns the readiness handler: it runs every check at once, each
// within timeout (DefaultReadyTimeout when 0), and answers 200
// {"ready":true,"checks":[…]} when all pass, else 503 with the same body
// naming the checks that failed and why. Typical checks: the store is
// writable (alerting.Engine.CheckStore), the PSA answers one cheap
// authenticated read, the RMM answers its account read.
func Ready(timeout time.Duration, checks ...Check) http.Handler {
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		results := make([]CheckResult, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(r.Context(), timeout)
				defer cancel()
				start := time.Now()
				err := runCheck(ctx, c)
				res := CheckResult{Name: c.Name, OK: err == nil, Millis: time.Since(start).Milliseconds()}
				if err != nil {
					res.Error = clipText(err.Error(), 300)
				}
				results[i] = res
			})
		}
		wg.Wait()
		ready := true
		var failed []string
		for _, res := range results {
			if !res.OK {
				ready = false
				failed = append(failed, res.Name)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(struct {
			Ready  bool          `json:"ready"`
			Failed []string      `json:"failed,omitempty"`
			Checks []CheckResult `json:"checks"`
		}{ready, failed, results})
	})
}

// runCheck runs c, turning a check that does not return by ctx's deadline
// into a timeout (a check that ignores ctx does not hold the answer).
func runCheck(ctx context.Context, c Check) error {
	if c.Run == nil {
		return fmt.Errorf("check %q has no function", c.Name)
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("check panicked: %v", p)
			}
		}()
		done <- c.Run(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer within the timeout: %w", ctx.Err())
	}
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
