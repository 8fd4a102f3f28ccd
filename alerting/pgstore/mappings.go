package pgstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/mspsync/mspsync/reconcile"
)

// migrationMappings adds the site mappings a reconcile import learned
// (reconcile.MappingStore), so an import and the alert receivers of one
// deployment keep their state in one database, and the table of who
// holds a run lock (TryLock).
const migrationMappings = `CREATE TABLE mspsync_mappings (
		kind           text NOT NULL,
		account        text NOT NULL,
		source_site_id text NOT NULL,
		source_name    text NOT NULL DEFAULT '',
		customer_id    bigint NOT NULL,
		site_id        bigint NOT NULL DEFAULT 0,
		learned_at_ns  bigint NOT NULL DEFAULT 0,
		PRIMARY KEY (kind, account, source_site_id)
	);
	CREATE TABLE mspsync_run_locks (
		name     text PRIMARY KEY,
		holder   text NOT NULL,
		since_ns bigint NOT NULL
	);`

var _ reconcile.MappingStore = (*Store)(nil)

// Mappings implements reconcile.MappingStore: the mappings learned for
// kind and account, in source site order (byte order, whatever the
// database's collation).
func (s *Store) Mappings(ctx context.Context, kind, account string) ([]reconcile.Mapping, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT source_site_id, source_name, customer_id, site_id, learned_at_ns
		FROM mspsync_mappings WHERE kind = $1 AND account = $2 ORDER BY source_site_id COLLATE "C"`, kind, account)
	if err != nil {
		return nil, wrap("mappings", ctx, err)
	}
	defer rows.Close()
	var out []reconcile.Mapping
	for rows.Next() {
		m := reconcile.Mapping{Kind: kind, Account: account}
		var cid, sid, at int64
		if err := rows.Scan(&m.SourceSiteID, &m.SourceName, &cid, &sid, &at); err != nil {
			return nil, wrap("mappings", ctx, err)
		}
		m.CustomerID, m.SiteID, m.LearnedAt = int(cid), int(sid), fromNS(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("mappings", ctx, err)
	}
	return out, nil
}

// SaveMappings implements reconcile.MappingStore: one statement upserts
// them all (all are kept or none). Any number of processes may save at
// once: the primary key settles a race on one mapping (the last save
// wins), and the rows are written in key order, so two saves that
// overlap never deadlock.
func (s *Store) SaveMappings(ctx context.Context, ms []reconcile.Mapping) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	// One row per key (the last given wins: an upsert may not touch a
	// row twice), in key order.
	byKey := map[[3]string]reconcile.Mapping{}
	for _, m := range ms {
		byKey[[3]string{m.Kind, m.Account, m.SourceSiteID}] = m
	}
	keys := make([][3]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [3]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]), cmp.Compare(a[2], b[2]))
	})
	var kinds, accounts, sites, names []string
	var cids, sids, ats []int64
	for _, k := range keys {
		m := byKey[k]
		kinds, accounts, sites, names = append(kinds, m.Kind), append(accounts, m.Account), append(sites, m.SourceSiteID), append(names, m.SourceName)
		cids, sids, ats = append(cids, int64(m.CustomerID)), append(sids, int64(m.SiteID)), append(ats, ns(m.LearnedAt))
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO mspsync_mappings
		(kind, account, source_site_id, source_name, customer_id, site_id, learned_at_ns)
		SELECT k, a, s, n, c, si, l FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[]) WITH ORDINALITY AS u (k, a, s, n, c, si, l, o)
		ORDER BY o
		ON CONFLICT (kind, account, source_site_id) DO UPDATE SET source_name = EXCLUDED.source_name,
			customer_id = EXCLUDED.customer_id, site_id = EXCLUDED.site_id, learned_at_ns = EXCLUDED.learned_at_ns`,
		kinds, accounts, sites, names, cids, sids, ats)
	return wrap("save mappings", ctx, err)
}
