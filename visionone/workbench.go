package visionone

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
)

// WorkbenchService reads and updates workbench alerts
// (/v3.0/workbench/alerts).
type WorkbenchService service

// Date-time targets of AlertListOptions.DateTimeTarget.
const (
	TargetCreated           = "createdDateTime"
	TargetUpdated           = "updatedDateTime"
	TargetFirstInvestigated = "firstInvestigatedDateTime"
)

// AlertListOptions filter the workbench alert list. Vision One's default
// window and order apply to zero fields. The list takes no page size.
type AlertListOptions struct {
	// Start and End bound DateTimeTarget (start inclusive). They are sent
	// in UTC, in whole seconds (Vision One takes no milliseconds).
	Start, End time.Time
	// DateTimeTarget is the field Start and End apply to:
	// TargetCreated (Vision One's default), TargetUpdated or
	// TargetFirstInvestigated.
	DateTimeTarget string
	// OrderBy is a field and an optional " asc" or " desc"
	// ("createdDateTime asc").
	OrderBy string
	// Filter is the TMV1-Filter expression (fields id, status,
	// investigationResult, alertProvider, modelId, model, modelType,
	// severity, impactScopeEntityValue, indicatorValue, incidentId; build
	// literals with Quote). It is sent on every page.
	Filter string
}

func (o *AlertListOptions) query() (url.Values, string) {
	q := url.Values{}
	if o == nil {
		return q, ""
	}
	if !o.Start.IsZero() {
		q.Set("startDateTime", FormatTime(o.Start))
	}
	if !o.End.IsZero() {
		q.Set("endDateTime", FormatTime(o.End))
	}
	if o.DateTimeTarget != "" {
		q.Set("dateTimeTarget", o.DateTimeTarget)
	}
	if o.OrderBy != "" {
		q.Set("orderBy", o.OrderBy)
	}
	return q, o.Filter
}

func (s *WorkbenchService) alertList(opts *AlertListOptions) list[WorkbenchAlert] {
	q, f := opts.query()
	return list[WorkbenchAlert]{c: s.c, path: "workbench/alerts", query: q, filter: f}
}

// Alerts iterates over the workbench alerts opts selects, following
// nextLink to the last page.
func (s *WorkbenchService) Alerts(ctx context.Context, opts *AlertListOptions) iter.Seq2[WorkbenchAlert, error] {
	return s.alertList(opts).all(ctx)
}

// AlertsPage reads one page of workbench alerts: cursor "" for the first,
// then each page's Next (an absolute nextLink on the client's host).
func (s *WorkbenchService) AlertsPage(ctx context.Context, opts *AlertListOptions, cursor string) (*Page[WorkbenchAlert], error) {
	return s.alertList(opts).page(ctx, cursor)
}

// Get reads one workbench alert with its ETag (WorkbenchAlert.ETag), which
// Update needs.
func (s *WorkbenchService) Get(ctx context.Context, id string) (*WorkbenchAlert, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("visionone: workbench alert ID is empty")
	}
	var a WorkbenchAlert
	res, err := s.c.eng.Do(ctx, httpx.Request{Path: "workbench/alerts/" + esc(id)}, &a)
	if err != nil {
		return nil, err
	}
	a.ETag = res.Header.Get("ETag")
	return &a, nil
}

// AlertUpdate is the body of a workbench alert update. Empty fields are
// not sent.
type AlertUpdate struct {
	Status              string `json:"status,omitempty"`              // StatusOpen, StatusInProgress, StatusClosed
	InvestigationResult string `json:"investigationResult,omitempty"` // one of InvestigationResults
}

// Update changes a workbench alert's status and investigation result,
// guarded by etag (from Get; quoted if it arrived without quotes) in
// If-Match. Vision One answers 204; an ETag that is no longer the alert's
// is an error matching ErrPreconditionFailed: read the alert again and
// decide, never send the same ETag again. A 429 is retried (it was not
// processed); a 5xx or a broken connection is not, since the update may
// have been applied.
func (s *WorkbenchService) Update(ctx context.Context, id, etag string, u AlertUpdate) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("visionone: workbench alert ID is empty")
	}
	etag = strings.TrimSpace(etag)
	if etag == "" {
		return errors.New("visionone: Update needs the alert's ETag (Workbench.Get)")
	}
	if u.Status == "" && u.InvestigationResult == "" {
		return errors.New("visionone: Update with nothing to change")
	}
	if !strings.HasPrefix(etag, `"`) && !strings.HasPrefix(etag, `W/"`) {
		etag = `"` + etag + `"`
	}
	_, err := s.c.eng.Do(ctx, httpx.Request{Method: http.MethodPatch, Path: "workbench/alerts/" + esc(id), Body: u,
		Header: http.Header{"If-Match": {etag}}, Replay: httpx.ReplayUnsafe}, nil)
	return err
}

// AddNote adds a note to a workbench alert and returns the new note's ID
// (from the Location header). The body field ("content") follows the
// official Python client; the Trend Vision One API documentation does not
// confirm it. A
// note is not replayed after a 5xx or a broken connection.
func (s *WorkbenchService) AddNote(ctx context.Context, alertID, content string) (string, error) {
	if strings.TrimSpace(alertID) == "" || strings.TrimSpace(content) == "" {
		return "", errors.New("visionone: AddNote needs an alert ID and content")
	}
	res, err := s.c.eng.Do(ctx, httpx.Request{Method: http.MethodPost, Path: "workbench/alerts/" + esc(alertID) + "/notes",
		Body: map[string]string{"content": content}, Replay: httpx.ReplayUnsafe}, nil)
	if err != nil {
		return "", err
	}
	loc := res.Header.Get("Location")
	if loc == "" {
		return "", nil
	}
	if u, err := url.Parse(loc); err == nil {
		loc = u.Path
	}
	return path.Base(loc), nil
}

// NoteListOptions filter a workbench alert's notes.
type NoteListOptions struct {
	// Top is the page size: 50, 100 or 200 (0: Vision One's default).
	Top int
	// OrderBy, e.g. "createdDateTime desc".
	OrderBy string
	// Filter is the TMV1-Filter expression (fields id,
	// creatorMailAddress, creatorName, lastUpdatedBy).
	Filter string
}

func (s *WorkbenchService) noteList(alertID string, opts *NoteListOptions) (list[Note], error) {
	l := list[Note]{c: s.c, path: "workbench/alerts/" + esc(alertID) + "/notes", query: url.Values{}}
	if strings.TrimSpace(alertID) == "" {
		return l, errors.New("visionone: workbench alert ID is empty")
	}
	if opts != nil {
		switch opts.Top {
		case 0:
		case 50, 100, 200:
			l.query.Set("top", itoa(opts.Top))
		default:
			return l, fmt.Errorf("visionone: notes page size %d is not 50, 100 or 200", opts.Top)
		}
		if opts.OrderBy != "" {
			l.query.Set("orderBy", opts.OrderBy)
		}
		l.filter = opts.Filter
	}
	return l, nil
}

// Notes iterates over a workbench alert's notes.
func (s *WorkbenchService) Notes(ctx context.Context, alertID string, opts *NoteListOptions) iter.Seq2[Note, error] {
	l, err := s.noteList(alertID, opts)
	if err != nil {
		return func(yield func(Note, error) bool) { yield(Note{}, err) }
	}
	return l.all(ctx)
}

// NotesPage reads one page of a workbench alert's notes (cursor as in
// AlertsPage).
func (s *WorkbenchService) NotesPage(ctx context.Context, alertID string, opts *NoteListOptions, cursor string) (*Page[Note], error) {
	l, err := s.noteList(alertID, opts)
	if err != nil {
		return nil, err
	}
	return l.page(ctx, cursor)
}
