package level

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
)

// PingInfo is what Ping learned about the connection.
type PingInfo struct {
	// BaseURL is the API root the client sends to.
	BaseURL string
	// HasGroups reports whether the account has at least one group.
	HasGroups bool
	// FirstGroup is the name of the first group listed, if any.
	FirstGroup string
	// Latency is how long the request took, retries included.
	Latency time.Duration
}

// String is a one-line summary: "level: https://api.level.io/v2: key
// accepted; groups: yes (first "Acme"); 85ms; write access not checked".
func (p *PingInfo) String() string {
	groups := "none yet"
	if p.HasGroups {
		groups = fmt.Sprintf("yes (first %q)", p.FirstGroup)
	}
	return fmt.Sprintf("level: %s: key accepted; groups: %s; %s; write access not checked",
		p.BaseURL, groups, p.Latency.Round(time.Millisecond))
}

// Ping checks the base URL and the key with the cheapest read Level has
// (GET /groups?limit=1) and returns what it learned. A wrong key matches
// ErrUnauthorized. Level cannot tell a read-only key from a read/write
// one without a write, so Ping does not try: resolving alerts needs the
// latter.
func (c *Client) Ping(ctx context.Context) (*PingInfo, error) {
	start := time.Now()
	var env envelope[Group]
	if _, err := c.eng.Do(ctx, httpx.Request{Path: "groups", Query: url.Values{"limit": {"1"}}}, &env); err != nil {
		return nil, err
	}
	p := &PingInfo{BaseURL: c.cfg.baseURL, Latency: time.Since(start), HasGroups: len(env.Data) > 0}
	if p.HasGroups {
		p.FirstGroup = env.Data[0].Name
	}
	return p, nil
}
