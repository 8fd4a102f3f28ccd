package alertingtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// SinkFixture is an alerting.Sink under test, over a fake of its PSA
// seeded with the records the suite routes to.
type SinkFixture struct {
	Sink alerting.Sink
	// Customer is a customer whose Name no other customer has, with the
	// Site its tickets go to when the PSA needs one.
	Customer alerting.Customer
	// ContactEmail belongs to exactly one contact of Customer, Contact.
	ContactEmail, Contact string
	// Source, Device and Asset: Asset (of Customer) is linked to the
	// source device Device.ID of kind Source, as an import would link it.
	Source string
	Device alerting.Device
	Asset  string
	// AssetSite is the site of Asset (default Customer.Site), and
	// Account the source account its link records ("": none).
	AssetSite, Account string
	// SiteContact is the default user of Customer.Site, if the PSA has
	// one ("" expects ErrNotFound from ContactDirectory.SiteContact).
	SiteContact string
	// CloseInPSA closes a ticket the way a technician would, not through
	// the sink.
	CloseInPSA func(ticketID string) error
	// Notes returns the texts of a ticket's notes as the PSA holds them.
	Notes func(ticketID string) []string
	// Touch, if set, records work on a ticket by a technician in the PSA
	// (a note, a time entry, a status change), not through the sink; the
	// TouchChecker subtest then checks that Touched sees it.
	Touch func(ticketID string) error
}

// RunSink runs the conformance suite every alerting.Sink must pass: the
// routing look-ups find exactly what they are given and report anything
// else as ErrNotFound; a ticket is created open, takes notes, closes, is
// never appended to once closed, and shows up in ClosedTicketsSince;
// a missing ticket is TicketMissing; a TicketFinder finds an open ticket by
// its group key and not a closed one; a close whose note is empty writes no
// note. A sink that implements alerting.NoteFinder also runs "NoteFinder":
// HasNote finds a note and a closing note by their key (on the closed
// ticket too) and no other key. A sink that implements
// alerting.TouchChecker runs "TouchChecker": a ticket the sink created and
// noted (the engine's own writes) is untouched, and one worked on with
// SinkFixture.Touch is touched, with a reason. A sink that implements
// alerting.Reopener runs "Reopener": a closed ticket (by the sink or in the
// PSA) is open after ReopenTicket, holds its note and takes notes again;
// reopening an open ticket only adds the note.
func RunSink(t *testing.T, newFixture func(t *testing.T) SinkFixture) {
	t.Helper()
	t.Run("Directory", func(t *testing.T) { sinkDirectory(t, newFixture(t)) })
	t.Run("TicketLifecycle", func(t *testing.T) { sinkLifecycle(t, newFixture(t)) })
	t.Run("ClosedInPSA", func(t *testing.T) { sinkClosedInPSA(t, newFixture(t)) })
	t.Run("MissingTicket", func(t *testing.T) { sinkMissing(t, newFixture(t)) })
	t.Run("CloseWithoutNote", func(t *testing.T) { sinkCloseWithoutNote(t, newFixture(t)) })
	f := newFixture(t)
	if _, ok := f.Sink.(alerting.NoteFinder); ok {
		t.Run("NoteFinder", func(t *testing.T) { sinkNoteFinder(t, f) })
	}
	if _, ok := f.Sink.(alerting.AssetLocator); ok {
		t.Run("AssetLocator", func(t *testing.T) { sinkLocator(t, newFixture(t)) })
	}
	if _, ok := f.Sink.(alerting.ContactDirectory); ok {
		t.Run("ContactDirectory", func(t *testing.T) { sinkContacts(t, newFixture(t)) })
	}
	if _, ok := f.Sink.(alerting.TouchChecker); ok {
		t.Run("TouchChecker", func(t *testing.T) { sinkTouch(t, newFixture(t)) })
	}
	if _, ok := f.Sink.(alerting.Reopener); ok {
		t.Run("Reopener", func(t *testing.T) { sinkReopen(t, newFixture(t)) })
	}
}

func sinkTouch(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	tc := f.Sink.(alerting.TouchChecker)
	since := time.Now().Add(-time.Minute)
	id, err := f.Sink.CreateTicket(ctx, newTicket(f, "conf-touch"))
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	key := "conf/raise/touch"
	n := alerting.Note{Kind: alerting.NoteAlertRaised, Key: key, Text: "Conformance note\n\n" + alerting.NoteMarker(key), Time: time.Now()}
	if err := f.Sink.AddNote(ctx, id, n); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if touched, why, err := tc.Touched(ctx, id, since); err != nil || touched {
		t.Fatalf("Touched after the sink's own writes = %v (%q), %v; want untouched", touched, why, err)
	}
	if f.Touch == nil {
		return
	}
	if err := f.Touch(id); err != nil {
		t.Fatal(err)
	}
	touched, why, err := tc.Touched(ctx, id, since)
	if err != nil || !touched || why == "" {
		t.Fatalf("Touched after a technician's work = %v (%q), %v; want touched with a reason", touched, why, err)
	}
}

func sinkReopen(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	r := f.Sink.(alerting.Reopener)
	for _, byPSA := range []bool{false, true} {
		id, err := f.Sink.CreateTicket(ctx, newTicket(f, "conf-reopen"))
		if err != nil {
			t.Fatalf("CreateTicket: %v", err)
		}
		if byPSA {
			err = f.CloseInPSA(id)
		} else {
			err = f.Sink.CloseTicket(ctx, id, alerting.Note{Kind: alerting.NoteAllResolved, Text: "Conformance close", Time: time.Now()})
		}
		if err != nil {
			t.Fatal(err)
		}
		note := fmt.Sprintf("Conformance reopen (closed in the PSA: %v)", byPSA)
		if err := r.ReopenTicket(ctx, id, alerting.Note{Kind: alerting.NoteReopened, Text: note, Time: time.Now()}); err != nil {
			t.Fatalf("ReopenTicket: %v", err)
		}
		if st := state(t, f.Sink, id); st != alerting.TicketOpen {
			t.Fatalf("reopened ticket is %s", st)
		}
		if n := countText(f.Notes(id), note); n != 1 {
			t.Errorf("the reopen note is on the ticket %d times; want 1 (notes: %q)", n, f.Notes(id))
		}
		if err := f.Sink.AddNote(ctx, id, alerting.Note{Kind: alerting.NoteAlertRaised, Text: "after reopen", Time: time.Now()}); err != nil {
			t.Errorf("AddNote on the reopened ticket: %v", err)
		}
		again := note + " again"
		if err := r.ReopenTicket(ctx, id, alerting.Note{Kind: alerting.NoteReopened, Text: again, Time: time.Now()}); err != nil {
			t.Fatalf("ReopenTicket of an open ticket: %v", err)
		}
		if st := state(t, f.Sink, id); st != alerting.TicketOpen || countText(f.Notes(id), again) != 1 {
			t.Errorf("after reopening an open ticket: %s, notes %q", st, f.Notes(id))
		}
	}
}

func sinkLocator(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	l := f.Sink.(alerting.AssetLocator)
	site := f.AssetSite
	if site == "" {
		site = f.Customer.Site
	}
	for _, account := range []string{"", f.Account} {
		a, err := l.LocateAsset(ctx, f.Source, account, alerting.Device{ID: f.Device.ID})
		if err != nil || a.ID != f.Asset || a.Customer != f.Customer.ID || a.Site != site {
			t.Errorf("LocateAsset(%s, account %q, %s) = %+v, %v; want asset %s of customer %s at site %s", f.Source, account, f.Device.ID, a, err, f.Asset, f.Customer.ID, site)
		}
	}
	if f.Account != "" {
		if a, err := l.LocateAsset(ctx, f.Source, f.Account+"-other", alerting.Device{ID: f.Device.ID}); !errors.Is(err, alerting.ErrNotFound) {
			t.Errorf("LocateAsset for another account = %+v, %v; want ErrNotFound (the link records account %s)", a, err, f.Account)
		}
	}
	for _, d := range []alerting.Device{{ID: "no-such-device-conformance"}, {Hostname: f.Device.Hostname}} {
		if a, err := l.LocateAsset(ctx, f.Source, "", d); !errors.Is(err, alerting.ErrNotFound) {
			t.Errorf("LocateAsset(%+v) = %+v, %v; want ErrNotFound (only a device ID locates an asset)", d, a, err)
		}
	}
	if a, err := l.LocateAsset(ctx, f.Source+"-other", "", alerting.Device{ID: f.Device.ID}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("LocateAsset of another source kind = %+v, %v; want ErrNotFound", a, err)
	}
}

func sinkContacts(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	d := f.Sink.(alerting.ContactDirectory)
	if c, err := d.Contact(ctx, f.Contact); err != nil || c.ID != f.Contact || c.Customer != f.Customer.ID {
		t.Errorf("Contact(%s) = %+v, %v; want it with customer %s", f.Contact, c, err, f.Customer.ID)
	}
	if c, err := d.Contact(ctx, "987654321"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("Contact(unknown) = %+v, %v; want ErrNotFound", c, err)
	}
	id, err := d.SiteContact(ctx, f.Customer.Site)
	switch {
	case f.SiteContact == "" && !errors.Is(err, alerting.ErrNotFound):
		t.Errorf("SiteContact(%s) = %q, %v; want ErrNotFound (the site has no default user)", f.Customer.Site, id, err)
	case f.SiteContact != "" && (err != nil || id != f.SiteContact):
		t.Errorf("SiteContact(%s) = %q, %v; want %s", f.Customer.Site, id, err, f.SiteContact)
	}
}

// keyedNote is a note written for key the way the engine writes it.
func keyedNote(kind alerting.NoteKind, text, key string) alerting.Note {
	return alerting.Note{Kind: kind, Text: text + "\n\n" + alerting.NoteMarker(key), Key: key, Time: time.Now()}
}

func sinkCloseWithoutNote(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	id, err := f.Sink.CreateTicket(ctx, newTicket(f, "conf-group-4"))
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.Notes(id))
	if err := f.Sink.CloseTicket(ctx, id, alerting.Note{Kind: alerting.NoteAllResolved, Key: "conf-close-4", Time: time.Now()}); err != nil {
		t.Fatalf("CloseTicket with an empty note: %v", err)
	}
	if st := state(t, f.Sink, id); st != alerting.TicketClosed {
		t.Errorf("ticket closed with an empty note is %s", st)
	}
	if n := len(f.Notes(id)); n != before {
		t.Errorf("closing with an empty note wrote %d notes; want none (notes: %q)", n-before, f.Notes(id))
	}
}

func sinkNoteFinder(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	nf := f.Sink.(alerting.NoteFinder)
	has := func(id, key string) bool {
		t.Helper()
		ok, err := nf.HasNote(ctx, id, key)
		if err != nil {
			t.Fatalf("HasNote(%s, %s): %v", id, key, err)
		}
		return ok
	}
	id, err := f.Sink.CreateTicket(ctx, newTicket(f, "conf-group-3"))
	if err != nil {
		t.Fatal(err)
	}
	const noteKey, closeKey = "conformance/raise/n1", "conformance/resolve/n2"
	if has(id, noteKey) {
		t.Errorf("HasNote(%s) on a new ticket = true", noteKey)
	}
	if err := f.Sink.AddNote(ctx, id, keyedNote(alerting.NoteAlertRaised, "Conformance keyed note", noteKey)); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if !has(id, noteKey) {
		t.Errorf("HasNote(%s) after AddNote = false", noteKey)
	}
	if has(id, closeKey) {
		t.Errorf("HasNote(%s) finds a note written for another key", closeKey)
	}
	if err := f.Sink.CloseTicket(ctx, id, keyedNote(alerting.NoteAllResolved, "Conformance keyed closing note", closeKey)); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	if !has(id, closeKey) || !has(id, noteKey) {
		t.Errorf("HasNote on the closed ticket: closing note %v, note %v; want both found", has(id, closeKey), has(id, noteKey))
	}
}

func sinkDirectory(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	spaced := strings.Join(strings.Fields(f.Customer.Name), "  ")
	for _, name := range []string{f.Customer.Name, "  " + strings.ToUpper(f.Customer.Name) + " ", spaced} {
		c, err := f.Sink.FindCustomer(ctx, name)
		if err != nil || c.ID != f.Customer.ID {
			t.Errorf("FindCustomer(%q) = %+v, %v; want %s", name, c, err, f.Customer.ID)
		}
	}
	if c, err := f.Sink.FindCustomer(ctx, f.Customer.Name+" Nonexistent Ltd"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindCustomer(unknown) = %+v, %v; want ErrNotFound", c, err)
	}
	if c, err := f.Sink.FindContact(ctx, f.Customer.ID, strings.ToUpper(f.ContactEmail)); err != nil || c.ID != f.Contact {
		t.Errorf("FindContact(%q) = %+v, %v; want %s (addresses compare without case)", f.ContactEmail, c, err, f.Contact)
	}
	if c, err := f.Sink.FindContact(ctx, f.Customer.ID, "nobody.conformance@example.invalid"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindContact(unknown) = %+v, %v; want ErrNotFound", c, err)
	}
	if a, err := f.Sink.FindAsset(ctx, f.Customer.ID, f.Source, alerting.Device{ID: f.Device.ID}); err != nil || a.ID != f.Asset {
		t.Errorf("FindAsset(%s %s) = %+v, %v; want asset %s by its link", f.Source, f.Device.ID, a, err, f.Asset)
	}
	if a, err := f.Sink.FindAsset(ctx, f.Customer.ID, f.Source, alerting.Device{ID: "no-such-device-conformance"}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindAsset(unknown device) = %+v, %v; want ErrNotFound", a, err)
	}
}

func newTicket(f SinkFixture, key string) alerting.NewTicket {
	a := alerting.Alert{Source: f.Source, EventID: key, AlertID: key, Kind: alerting.Raise, Type: "Conformance",
		Title: "Conformance alert " + key, Device: f.Device}
	return alerting.NewTicket{GroupKey: key, Customer: f.Customer.ID, Site: f.Customer.Site, Contact: f.Contact, Asset: f.Asset,
		Title: a.Title, Body: "Raised by the conformance suite.", Severity: alerting.SeverityMedium, Time: time.Now(), Alert: a}
}

func state(t *testing.T, s alerting.Sink, id string) alerting.TicketState {
	t.Helper()
	st, err := s.TicketState(t.Context(), id)
	if err != nil {
		t.Fatalf("TicketState(%s): %v", id, err)
	}
	return st
}

func closedSince(t *testing.T, s alerting.Sink, since time.Time) map[string]alerting.ClosedTicket {
	t.Helper()
	out := map[string]alerting.ClosedTicket{}
	for ct, err := range s.ClosedTicketsSince(t.Context(), since) {
		if err != nil {
			t.Fatalf("ClosedTicketsSince: %v", err)
		}
		out[ct.ID] = ct
	}
	return out
}

func sinkLifecycle(t *testing.T, f SinkFixture) {
	ctx := t.Context()
	since := time.Now().Add(-time.Minute)
	id, err := f.Sink.CreateTicket(ctx, newTicket(f, "conf-group-1"))
	if err != nil || id == "" {
		t.Fatalf("CreateTicket = %q, %v", id, err)
	}
	if st := state(t, f.Sink, id); st != alerting.TicketOpen {
		t.Fatalf("new ticket is %s", st)
	}
	finder, finds := f.Sink.(alerting.TicketFinder)
	if finds {
		if got, err := finder.FindOpenTicket(ctx, f.Customer.ID, "conf-group-1"); err != nil || got != id {
			t.Errorf("FindOpenTicket = %q, %v; want %s", got, err, id)
		}
		if got, err := finder.FindOpenTicket(ctx, f.Customer.ID, "conf-group-none"); !errors.Is(err, alerting.ErrNotFound) {
			t.Errorf("FindOpenTicket(unknown key) = %q, %v; want ErrNotFound", got, err)
		}
	}
	note := "Conformance note 1"
	if err := f.Sink.AddNote(ctx, id, alerting.Note{Kind: alerting.NoteAlertRaised, Text: note, Time: time.Now()}); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if n := countText(f.Notes(id), note); n != 1 {
		t.Errorf("the note is on the ticket %d times; want 1 (notes: %q)", n, f.Notes(id))
	}
	closing := "Conformance closing note"
	if err := f.Sink.CloseTicket(ctx, id, alerting.Note{Kind: alerting.NoteAllResolved, Text: closing, Time: time.Now()}); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	if st := state(t, f.Sink, id); st != alerting.TicketClosed {
		t.Errorf("closed ticket is %s", st)
	}
	if n := countText(f.Notes(id), closing); n != 1 {
		t.Errorf("the closing note is on the ticket %d times; want 1 (notes: %q)", n, f.Notes(id))
	}
	err = f.Sink.AddNote(ctx, id, alerting.Note{Kind: alerting.NoteAlertRaised, Text: "after close", Time: time.Now()})
	if !errors.Is(err, alerting.ErrTicketClosed) && !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("AddNote on a closed ticket = %v; want ErrTicketClosed", err)
	}
	if countText(f.Notes(id), "after close") != 0 {
		t.Error("a note was appended to a closed ticket")
	}
	if ct, ok := closedSince(t, f.Sink, since)[id]; !ok || ct.ClosedAt.IsZero() {
		t.Errorf("ClosedTicketsSince does not list ticket %s with its close time (%+v)", id, ct)
	}
	if finds {
		if got, err := finder.FindOpenTicket(ctx, f.Customer.ID, "conf-group-1"); !errors.Is(err, alerting.ErrNotFound) {
			t.Errorf("FindOpenTicket after close = %q, %v; want ErrNotFound", got, err)
		}
	}
}

func sinkClosedInPSA(t *testing.T, f SinkFixture) {
	since := time.Now().Add(-time.Minute)
	id, err := f.Sink.CreateTicket(t.Context(), newTicket(f, "conf-group-2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.CloseInPSA(id); err != nil {
		t.Fatal(err)
	}
	if st := state(t, f.Sink, id); st != alerting.TicketClosed {
		t.Errorf("ticket closed in the PSA is %s", st)
	}
	if _, ok := closedSince(t, f.Sink, since)[id]; !ok {
		t.Errorf("ClosedTicketsSince does not list ticket %s closed in the PSA", id)
	}
	if _, ok := closedSince(t, f.Sink, time.Now().Add(time.Hour))[id]; ok {
		t.Errorf("ClosedTicketsSince(an hour from now) lists ticket %s", id)
	}
}

func sinkMissing(t *testing.T, f SinkFixture) {
	const missing = "987654321"
	if st := state(t, f.Sink, missing); st != alerting.TicketMissing {
		t.Errorf("TicketState(missing) = %s; want missing", st)
	}
	err := f.Sink.AddNote(t.Context(), missing, alerting.Note{Kind: alerting.NoteAlertRaised, Text: "x", Time: time.Now()})
	if !errors.Is(err, alerting.ErrNotFound) && !errors.Is(err, alerting.ErrTicketClosed) {
		t.Errorf("AddNote(missing) = %v; want ErrNotFound or ErrTicketClosed", err)
	}
}

func countText(notes []string, text string) int {
	n := 0
	for _, s := range notes {
		if strings.Contains(s, text) {
			n++
		}
	}
	return n
}

// Recorder is an alerting.Acceptor that keeps what it is given, for
// testing intakes. It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	accepted []alerting.Alert
	rejected []alerting.Reason
	fail     error
}

var _ alerting.Acceptor = (*Recorder)(nil)

// Accept records the alert, or returns the error FailNext set.
func (r *Recorder) Accept(_ context.Context, a alerting.Alert) (alerting.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail; err != nil {
		r.fail = nil
		return alerting.Result{}, err
	}
	r.accepted = append(r.accepted, a)
	return alerting.Result{Outcome: alerting.OutcomeQueued}, nil
}

// RejectPayload records the reason.
func (r *Recorder) RejectPayload(_ context.Context, _ string, reason alerting.Reason, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejected = append(r.rejected, reason)
}

// FailNext makes the next Accept return err.
func (r *Recorder) FailNext(err error) { r.mu.Lock(); r.fail = err; r.mu.Unlock() }

// Accepted returns the alerts accepted so far.
func (r *Recorder) Accepted() []alerting.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.accepted)
}

// Rejected returns the reasons of the payloads rejected so far.
func (r *Recorder) Rejected() []alerting.Reason {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.rejected)
}

// Delivery is one request an intake receives: its body and headers.
type Delivery struct {
	Body   []byte
	Header http.Header
}

// IntakeFixture is an intake under test: an http.Handler built on the
// Recorder the suite passes in, with deliveries the vendor would send.
type IntakeFixture struct {
	Handler http.Handler
	// Source is the kind the intake's alerts carry.
	Source string
	// Raise and Resolve are valid deliveries of one alert's raise and
	// resolve.
	Raise, Resolve Delivery
	// RaiseOnly marks an intake whose vendor sends raises only (its
	// tickets close from the PSA side): Resolve stays empty and the
	// suite's resolve subtests are skipped; everything else still runs.
	RaiseOnly bool
	// Forged is the raise with a wrong or missing signature or secret.
	Forged Delivery
	// Malformed is correctly authenticated but not a payload.
	Malformed Delivery
}

// RunIntake runs the conformance suite every alert intake must pass: a
// valid delivery becomes one alert of the intake's source, raise and
// resolve share the alert's ID, a redelivery keeps its event ID; forged,
// malformed, oversized and non-POST requests get a 4xx, are counted, and
// reach no alert; a failure to record answers 5xx (so the sender retries)
// and a rejected alert 4xx. An intake with IntakeFixture.RaiseOnly skips
// the resolve subtest.
func RunIntake(t *testing.T, newFixture func(t *testing.T, rec *Recorder) IntakeFixture) {
	t.Helper()
	t.Run("RaiseAndResolve", func(t *testing.T) { intakeValid(t, newFixture) })
	t.Run("RefusesBadInput", func(t *testing.T) { intakeRefuses(t, newFixture) })
	t.Run("AnswersFailuresHonestly", func(t *testing.T) { intakeFailures(t, newFixture) })
}

func deliver(h http.Handler, method string, d Delivery) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/webhook", bytes.NewReader(d.Body))
	for k, vs := range d.Header {
		r.Header[k] = vs
	}
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func intakeValid(t *testing.T, newFixture func(*testing.T, *Recorder) IntakeFixture) {
	rec := &Recorder{}
	f := newFixture(t, rec)
	if f.RaiseOnly && (f.Resolve.Body != nil || f.Resolve.Header != nil) {
		t.Fatal("fixture is RaiseOnly but sets a Resolve delivery")
	}
	for i, d := range []Delivery{f.Raise, f.Raise} {
		if w := deliver(f.Handler, http.MethodPost, d); w.Code/100 != 2 {
			t.Fatalf("delivery %d answered %d %s; want 2xx", i, w.Code, w.Body)
		}
	}
	got := rec.Accepted()
	if len(got) != 2 {
		t.Fatalf("accepted %d alerts; want 2", len(got))
	}
	raise, again := got[0], got[1]
	if raise.Source != f.Source || raise.Kind != alerting.Raise || raise.EventID == "" || raise.AlertID == "" {
		t.Errorf("raise = source %q kind %v event %q alert %q; want source %q, a raise with IDs", raise.Source, raise.Kind, raise.EventID, raise.AlertID, f.Source)
	}
	if again.EventID != raise.EventID {
		t.Errorf("a redelivered raise has event ID %q, the first %q: the engine could not deduplicate it", again.EventID, raise.EventID)
	}
	t.Run("Resolve", func(t *testing.T) {
		if f.RaiseOnly {
			t.Skip("raise-only intake: the vendor sends no resolve")
		}
		if w := deliver(f.Handler, http.MethodPost, f.Resolve); w.Code/100 != 2 {
			t.Fatalf("resolve delivery answered %d %s; want 2xx", w.Code, w.Body)
		}
		got := rec.Accepted()
		if len(got) != 3 {
			t.Fatalf("accepted %d alerts; want 3", len(got))
		}
		if resolve := got[2]; resolve.Kind != alerting.Resolve || resolve.AlertID != raise.AlertID || resolve.Source != f.Source {
			t.Errorf("resolve = kind %v alert %q source %q; want a resolve of alert %q", resolve.Kind, resolve.AlertID, resolve.Source, raise.AlertID)
		}
	})
	if len(rec.Rejected()) != 0 {
		t.Errorf("valid deliveries counted as rejected: %v", rec.Rejected())
	}
}

func intakeRefuses(t *testing.T, newFixture func(*testing.T, *Recorder) IntakeFixture) {
	rec := &Recorder{}
	f := newFixture(t, rec)
	cases := []struct {
		name   string
		method string
		d      Delivery
		reason alerting.Reason
	}{
		{"forged", http.MethodPost, f.Forged, alerting.ReasonBadSignature},
		{"malformed", http.MethodPost, f.Malformed, alerting.ReasonMalformedPayload},
		{"oversized", http.MethodPost, Delivery{Body: bytes.Repeat([]byte(" "), 8<<20), Header: f.Raise.Header}, ""},
		{"GET", http.MethodGet, f.Raise, ""},
	}
	for _, c := range cases {
		before := len(rec.Rejected())
		w := deliver(f.Handler, c.method, c.d)
		if w.Code/100 != 4 {
			t.Errorf("%s: answered %d; want 4xx", c.name, w.Code)
		}
		if c.reason != "" {
			if r := rec.Rejected(); len(r) != before+1 || r[len(r)-1] != c.reason {
				t.Errorf("%s: rejections %v; want one more, %s", c.name, r, c.reason)
			}
		}
	}
	if n := len(rec.Accepted()); n != 0 {
		t.Errorf("bad input produced %d alerts", n)
	}
}

func intakeFailures(t *testing.T, newFixture func(*testing.T, *Recorder) IntakeFixture) {
	rec := &Recorder{}
	f := newFixture(t, rec)
	rec.FailNext(errors.New("store unavailable"))
	if w := deliver(f.Handler, http.MethodPost, f.Raise); w.Code/100 != 5 {
		t.Errorf("recording failed but the intake answered %d; want 5xx so the sender retries", w.Code)
	}
	rec.FailNext(&alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer, EventKey: "conformance"})
	if w := deliver(f.Handler, http.MethodPost, f.Raise); w.Code/100 != 4 {
		t.Errorf("a rejected alert answered %d; want 4xx", w.Code)
	}
	if w := deliver(f.Handler, http.MethodPost, f.Raise); w.Code/100 != 2 || len(rec.Accepted()) != 1 {
		t.Errorf("after the failures a delivery answered %d with %d alerts recorded; want 2xx and 1", w.Code, len(rec.Accepted()))
	}
}
