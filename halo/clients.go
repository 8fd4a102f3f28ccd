package halo

import (
	"context"
	"iter"
	"strings"
)

// ClientsService reads and writes customers (Halo "clients", /Client).
type ClientsService service

// ClientListOptions filters GET /Client.
type ClientListOptions struct {
	Search          string `url:"search,omitempty"`
	IncludeInactive bool   `url:"includeinactive,omitempty"`
	IncludeActive   bool   `url:"includeactive,omitempty"`
	// PageSize is the page length, at most and by default MaxPageSize.
	PageSize int `url:"-"`
}

// Get returns one customer.
func (s *ClientsService) Get(ctx context.Context, id int) (*Customer, error) {
	return get[Customer](ctx, s.c, "Client", id, nil)
}

// ListPage returns one page of customers: cursor "" is the first page, then
// each Page.Next; Next is "" on the last page.
func (s *ClientsService) ListPage(ctx context.Context, opts *ClientListOptions, cursor string) (*Page[Customer], error) {
	f, size := filters(opts)
	return listPage[Customer](ctx, s.c, "Client", "clients", f, size, cursor)
}

// All iterates over every customer matching opts.
func (s *ClientsService) All(ctx context.Context, opts *ClientListOptions) iter.Seq2[Customer, error] {
	f, size := filters(opts)
	return listAll[Customer](ctx, s.c, "Client", "clients", f, size)
}

// Save creates (no ID) or updates (ID set) a customer.
func (s *ClientsService) Save(ctx context.Context, v Customer) (*Customer, error) {
	return saveOne(ctx, s.c, "Client", v)
}

// Delete deletes a customer.
func (s *ClientsService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Client", id, nil)
}

// SitesService reads and writes customer sites (/Site).
type SitesService service

// SiteListOptions filters GET /Site.
type SiteListOptions struct {
	ClientID        int    `url:"client_id,omitempty"`
	Search          string `url:"search,omitempty"`
	IncludeInactive bool   `url:"includeinactive,omitempty"`
	// PageSize is the page length, at most and by default MaxPageSize.
	PageSize int `url:"-"`
}

// Get returns one site.
func (s *SitesService) Get(ctx context.Context, id int) (*Site, error) {
	return get[Site](ctx, s.c, "Site", id, nil)
}

// ListPage returns one page of sites: cursor "" is the first page, then
// each Page.Next; Next is "" on the last page.
func (s *SitesService) ListPage(ctx context.Context, opts *SiteListOptions, cursor string) (*Page[Site], error) {
	f, size := filters(opts)
	return listPage[Site](ctx, s.c, "Site", "sites", f, size, cursor)
}

// All iterates over every site matching opts.
func (s *SitesService) All(ctx context.Context, opts *SiteListOptions) iter.Seq2[Site, error] {
	f, size := filters(opts)
	return listAll[Site](ctx, s.c, "Site", "sites", f, size)
}

// Save creates or updates a site.
func (s *SitesService) Save(ctx context.Context, v Site) (*Site, error) {
	return saveOne(ctx, s.c, "Site", v)
}

// Delete deletes a site.
func (s *SitesService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Site", id, nil)
}

// UsersService reads and writes end-users (contacts, /Users).
type UsersService service

// UserListOptions filters GET /Users.
type UserListOptions struct {
	ClientID        int    `url:"client_id,omitempty"`
	SiteID          int    `url:"site_id,omitempty"`
	Search          string `url:"search,omitempty"`
	IncludeInactive bool   `url:"includeinactive,omitempty"`
	// PageSize is the page length, at most and by default MaxPageSize.
	PageSize int `url:"-"`
}

// Get returns one user.
func (s *UsersService) Get(ctx context.Context, id int) (*User, error) {
	return get[User](ctx, s.c, "Users", id, nil)
}

// ListPage returns one page of users: cursor "" is the first page, then
// each Page.Next; Next is "" on the last page.
func (s *UsersService) ListPage(ctx context.Context, opts *UserListOptions, cursor string) (*Page[User], error) {
	f, size := filters(opts)
	return listPage[User](ctx, s.c, "Users", "users", f, size, cursor)
}

// All iterates over every user matching opts.
func (s *UsersService) All(ctx context.Context, opts *UserListOptions) iter.Seq2[User, error] {
	f, size := filters(opts)
	return listAll[User](ctx, s.c, "Users", "users", f, size)
}

// Save creates or updates a user.
func (s *UsersService) Save(ctx context.Context, v User) (*User, error) {
	return saveOne(ctx, s.c, "Users", v)
}

// Delete deletes a user.
func (s *UsersService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Users", id, nil)
}

// FindByEmail returns the users of a customer (clientID 0: any) whose
// emailaddress equals email, case-insensitively. Halo's basic search
// narrows the list first, but what it matches is not documented (it may
// not look at email addresses), so when it finds no exact match the
// customer's users are listed and compared locally (with clientID 0 that
// is every user).
func (s *UsersService) FindByEmail(ctx context.Context, clientID int, email string) ([]User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	out, err := s.matchEmail(ctx, &UserListOptions{ClientID: clientID, Search: email}, email)
	if err != nil || len(out) > 0 {
		return out, err
	}
	return s.matchEmail(ctx, &UserListOptions{ClientID: clientID}, email)
}

func (s *UsersService) matchEmail(ctx context.Context, opts *UserListOptions, email string) ([]User, error) {
	var out []User
	for u, err := range s.All(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(strings.TrimSpace(u.EmailAddress), email) {
			out = append(out, u)
		}
	}
	return out, nil
}

// pager is implemented by every paged list's options.
type pager interface{ pageSize() int }

func (o *ClientListOptions) pageSize() int { return o.PageSize }
func (o *SiteListOptions) pageSize() int   { return o.PageSize }
func (o *UserListOptions) pageSize() int   { return o.PageSize }

// filters returns a copy of the caller's options for the query string (the
// caller's value is never modified) and the page size they ask for (0:
// the default).
func filters[O any, P interface {
	*O
	pager
}](opts P) (any, int) {
	if opts == nil {
		return nil, 0
	}
	cp := *opts
	return &cp, P(opts).pageSize()
}
