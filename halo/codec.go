package halo

// JSON methods that keep unknown fields (Extra) through a read-modify-write,
// write unchanged fields back exactly as Halo sent them, send a field that
// was read and then cleared, and decode integer ids leniently (see
// internal/wire). Each type decodes through a local alias without methods.

import "github.com/mspsync/mspsync/internal/wire"

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Customer) MarshalJSON() ([]byte, error) {
	type plain Customer
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Site) UnmarshalJSON(b []byte) error {
	type plain Site
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Site) MarshalJSON() ([]byte, error) {
	type plain Site
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *User) UnmarshalJSON(b []byte) error {
	type plain User
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v User) MarshalJSON() ([]byte, error) {
	type plain User
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Asset) UnmarshalJSON(b []byte) error {
	type plain Asset
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Asset) MarshalJSON() ([]byte, error) {
	type plain Asset
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *AssetType) UnmarshalJSON(b []byte) error {
	type plain AssetType
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v AssetType) MarshalJSON() ([]byte, error) {
	type plain AssetType
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *AssetGroup) UnmarshalJSON(b []byte) error {
	type plain AssetGroup
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v AssetGroup) MarshalJSON() ([]byte, error) {
	type plain AssetGroup
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *AssetField) UnmarshalJSON(b []byte) error {
	type plain AssetField
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v AssetField) MarshalJSON() ([]byte, error) {
	type plain AssetField
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *CustomFieldDef) UnmarshalJSON(b []byte) error {
	type plain CustomFieldDef
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v CustomFieldDef) MarshalJSON() ([]byte, error) {
	type plain CustomFieldDef
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Ticket) UnmarshalJSON(b []byte) error {
	type plain Ticket
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Ticket) MarshalJSON() ([]byte, error) {
	type plain Ticket
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Action) UnmarshalJSON(b []byte) error {
	type plain Action
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Action) MarshalJSON() ([]byte, error) {
	type plain Action
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *TicketType) UnmarshalJSON(b []byte) error {
	type plain TicketType
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v TicketType) MarshalJSON() ([]byte, error) {
	type plain TicketType
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Status) UnmarshalJSON(b []byte) error {
	type plain Status
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Status) MarshalJSON() ([]byte, error) {
	type plain Status
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps every key of the entry: unmodelled ones in Extra.
func (v *CustomField) UnmarshalJSON(b []byte) error {
	type plain CustomField
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the entry back with every key it was read with.
func (v CustomField) MarshalJSON() ([]byte, error) {
	type plain CustomField
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps every key of the entry: unmodelled ones in Extra.
func (v *FieldValue) UnmarshalJSON(b []byte) error {
	type plain FieldValue
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes the entry back with every key it was read with.
func (v FieldValue) MarshalJSON() ([]byte, error) {
	type plain FieldValue
	return wire.Marshal(plain(v), v.Extra, v.seen)
}
