package level

import (
	"context"
	"iter"
	"net/http"

	"github.com/mspsync/mspsync/internal/httpx"
)

// CustomFieldsService reads custom fields and their values, and sets
// values where Level allows it (GET /custom_fields, GET
// /custom_fields/{id}, GET and PATCH /custom_field_values).
type CustomFieldsService service

func customFieldID(f *CustomField) string { return f.ID }

func (s *CustomFieldsService) list() list[CustomField] {
	return newList(s.c, "custom_fields", nil, customFieldID)
}

// All walks every custom field definition.
func (s *CustomFieldsService) All(ctx context.Context) iter.Seq2[CustomField, error] {
	return s.list().all(ctx)
}

// ListPage reads the page of custom fields after cursor ("" for the
// first).
func (s *CustomFieldsService) ListPage(ctx context.Context, cursor string) (*Page[CustomField], error) {
	return s.list().page(ctx, cursor)
}

// Get reads one custom field definition.
func (s *CustomFieldsService) Get(ctx context.Context, id string) (*CustomField, error) {
	var f CustomField
	if err := s.c.get(ctx, "custom_fields/"+esc(id), nil, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// ValueListOptions filters CustomFields.Values. Without AssignedToID Level
// returns the account-level values only. (Level ignores a custom_field_id
// filter: filter the values yourself.)
type ValueListOptions struct {
	AssignedToID string `url:"assigned_to_id,omitempty"`
}

func valueID(v *CustomFieldValue) string { return v.CustomFieldID }

func (s *CustomFieldsService) values(opts *ValueListOptions) list[CustomFieldValue] {
	var f any
	if opts != nil {
		f = *opts
	}
	return newList(s.c, "custom_field_values", f, valueID)
}

// Values walks the custom field values of a device or group (or of the
// account). The cursor is the last value's custom_field_id.
func (s *CustomFieldsService) Values(ctx context.Context, opts *ValueListOptions) iter.Seq2[CustomFieldValue, error] {
	return s.values(opts).all(ctx)
}

// ValuesPage reads the page of values after cursor ("" for the first).
func (s *CustomFieldsService) ValuesPage(ctx context.Context, opts *ValueListOptions, cursor string) (*Page[CustomFieldValue], error) {
	return s.values(opts).page(ctx, cursor)
}

// ValueUpdate is the body of CustomFields.SetValue; AssignedToID nil (sent
// as null) sets the account-level value.
type ValueUpdate struct {
	CustomFieldID string  `json:"custom_field_id"`
	AssignedToID  *string `json:"assigned_to_id"`
	Value         string  `json:"value"`
}

// SetValue sets a custom field's value on a device or on the account
// (PATCH /custom_field_values; safe to replay). Level answers 200 but
// drops the value when AssignedToID is a group: use Groups.Update with
// CustomFields for groups.
func (s *CustomFieldsService) SetValue(ctx context.Context, v ValueUpdate) error {
	return s.c.write(ctx, http.MethodPatch, "custom_field_values", v, httpx.ReplaySafe, nil)
}
