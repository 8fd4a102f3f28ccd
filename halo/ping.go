package halo

import (
	"context"
	"fmt"
)

// PingInfo is what Ping learned about the instance.
type PingInfo struct {
	// URL is the instance root (without /api), AuthURL the authorisation
	// server the token came from.
	URL     string `json:"url"`
	AuthURL string `json:"auth_url"`
	// Tenant is the hosted tenant the token was requested for ("" on
	// premises).
	Tenant string `json:"tenant,omitempty"`
	// AgentID and AgentName are the agent the API application acts as.
	AgentID   int    `json:"agent_id"`
	AgentName string `json:"agent_name"`
}

// String renders the one-line summary a connection check prints:
// `https://acme.halopsa.com tenant acme, acting as agent "API" (#12)`.
func (p *PingInfo) String() string {
	s := p.URL
	if p.Tenant != "" {
		s += " tenant " + p.Tenant
	}
	return s + fmt.Sprintf(", acting as agent %q (#%d)", p.AgentName, p.AgentID)
}

// Ping checks the connection: it obtains a token (the client ID, secret,
// tenant and auth server are right) and reads the agent the API
// application acts as (GET /Agent/me, one request). It returns what it
// learned, or the first error, an *Error naming the request, the host and
// the cause (ErrUnauthorized for rejected credentials). Halo reports no
// API version.
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	me, err := c.Agents.Me(ctx)
	if err != nil {
		return nil, err
	}
	c.pingMu.Lock() // the auth server and tenant the token came from
	authURL, tenant := c.pinged.authURL, c.pinged.tenant
	c.pingMu.Unlock()
	if authURL == "" {
		authURL, tenant = c.cfg.authURL, c.cfg.tenant
	}
	return &PingInfo{URL: c.cfg.resourceURL, AuthURL: authURL, Tenant: tenant, AgentID: me.ID, AgentName: me.Name}, nil
}
