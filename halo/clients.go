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
	ListOptions     `url:"-"`
}

// Get returns one customer.
func (s *ClientsService) Get(ctx context.Context, id int) (*Customer, error) {
	return get[Customer](ctx, s.c, "Client", id, nil)
}

// List returns one page of customers.
func (s *ClientsService) List(ctx context.Context, opts *ClientListOptions) (*Page[Customer], error) {
	f, lo := filters(opts)
	return listPage[Customer](ctx, s.c, "Client", "clients", f, lo)
}

// All iterates over every customer matching opts.
func (s *ClientsService) All(ctx context.Context, opts *ClientListOptions) iter.Seq2[Customer, error] {
	f, lo := filters(opts)
	return listAll[Customer](ctx, s.c, "Client", "clients", f, lo.PageSize)
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
	ListOptions     `url:"-"`
}

// Get returns one site.
func (s *SitesService) Get(ctx context.Context, id int) (*Site, error) {
	return get[Site](ctx, s.c, "Site", id, nil)
}

// List returns one page of sites.
func (s *SitesService) List(ctx context.Context, opts *SiteListOptions) (*Page[Site], error) {
	f, lo := filters(opts)
	return listPage[Site](ctx, s.c, "Site", "sites", f, lo)
}

// All iterates over every site matching opts.
func (s *SitesService) All(ctx context.Context, opts *SiteListOptions) iter.Seq2[Site, error] {
	f, lo := filters(opts)
	return listAll[Site](ctx, s.c, "Site", "sites", f, lo.PageSize)
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
	ListOptions     `url:"-"`
}

// Get returns one user.
func (s *UsersService) Get(ctx context.Context, id int) (*User, error) {
	return get[User](ctx, s.c, "Users", id, nil)
}

// List returns one page of users.
func (s *UsersService) List(ctx context.Context, opts *UserListOptions) (*Page[User], error) {
	f, lo := filters(opts)
	return listPage[User](ctx, s.c, "Users", "users", f, lo)
}

// All iterates over every user matching opts.
func (s *UsersService) All(ctx context.Context, opts *UserListOptions) iter.Seq2[User, error] {
	f, lo := filters(opts)
	return listAll[User](ctx, s.c, "Users", "users", f, lo.PageSize)
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

// pager is implemented by every list-options struct.
type pager interface{ listOptions() ListOptions }

func (o *ClientListOptions) listOptions() ListOptions { return o.ListOptions }
func (o *SiteListOptions) listOptions() ListOptions   { return o.ListOptions }
func (o *UserListOptions) listOptions() ListOptions   { return o.ListOptions }

// filters splits caller options into a copy for the query string (the
// caller's value is never modified) and its paging part.
func filters[O any, P interface {
	*O
	pager
}](opts P) (any, ListOptions) {
	if opts == nil {
		return nil, ListOptions{}.normalise()
	}
	cp := *opts
	return &cp, P(opts).listOptions().normalise()
}
