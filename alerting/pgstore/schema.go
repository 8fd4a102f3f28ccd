package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations are applied in order, each once, in a transaction holding an
// advisory lock, so replicas starting together migrate once. Times are
// stored as Unix nanoseconds so they come back as the same instant.
var migrations = []string{
	// 1: events (pending and processed share the primary key, which makes
	// delivery idempotent), groups with a version for compare-and-swap and
	// their ticket index, alert records, cursors.
	`CREATE TABLE mspsync_events (
		id              text PRIMARY KEY,
		seq             bigserial NOT NULL,
		state           text NOT NULL CHECK (state IN ('pending', 'processed')),
		alert           jsonb,
		accepted_at_ns  bigint NOT NULL DEFAULT 0,
		attempts        integer NOT NULL DEFAULT 0,
		not_before_ns   bigint NOT NULL DEFAULT 0,
		last_error      text NOT NULL DEFAULT '',
		owner           text NOT NULL DEFAULT '',
		lease_until_ns  bigint NOT NULL DEFAULT 0,
		processed_at_ns bigint NOT NULL DEFAULT 0
	);
	CREATE INDEX mspsync_events_due ON mspsync_events (seq) WHERE state = 'pending';
	CREATE INDEX mspsync_events_processed ON mspsync_events (processed_at_ns) WHERE state = 'processed';
	CREATE TABLE mspsync_groups (
		key           text PRIMARY KEY,
		version       bigint NOT NULL,
		state         jsonb NOT NULL,
		updated_at_ns bigint NOT NULL,
		live_until_ns bigint NOT NULL DEFAULT 0,
		has_open      boolean NOT NULL
	);
	CREATE TABLE mspsync_group_tickets (
		ticket_id text PRIMARY KEY,
		group_key text NOT NULL REFERENCES mspsync_groups (key) ON DELETE CASCADE
	);
	CREATE INDEX mspsync_group_tickets_group ON mspsync_group_tickets (group_key);
	CREATE TABLE mspsync_alerts (
		key           text PRIMARY KEY,
		version       bigint NOT NULL,
		record        jsonb NOT NULL,
		updated_at_ns bigint NOT NULL
	);
	CREATE TABLE mspsync_cursors (
		name  text PRIMARY KEY,
		value text NOT NULL
	);`,
	// 2: sessions. Every Store has a row that its heartbeat keeps alive;
	// claims and group leases name the session that took them, and read
	// as released once it lapses (0: taken before sessions, lease only).
	`CREATE TABLE mspsync_sessions (
		id          bigserial PRIMARY KEY,
		alive_until timestamptz NOT NULL
	);
	ALTER TABLE mspsync_events ADD COLUMN session bigint NOT NULL DEFAULT 0;
	ALTER TABLE mspsync_groups ADD COLUMN lease_session bigint NOT NULL DEFAULT 0;`,
	// 3: reconcile's learned mappings and run locks (mappings.go).
	migrationMappings,
	// 4: which groups resolve sync may have work for (opentickets.go).
	migrationAwaitsSync,
	// 5: named secrets, alerting.Secrets (secrets.go).
	migrationSecrets,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

// migrate creates the schema (and the named schema, if any) or brings it up
// to date.
func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mspsync_alerting_schema'))`); err != nil {
			return fmt.Errorf("pgstore: locking for migration: %w", err)
		}
		if s.schema != "" {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return fmt.Errorf("pgstore: creating schema: %w", err)
			}
			if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS mspsync_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("pgstore: creating mspsync_schema: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM mspsync_schema`).Scan(&have); err != nil {
			return err
		}
		if have > len(migrations) {
			return fmt.Errorf("pgstore: the database has schema version %d, newer than this build's %d", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("pgstore: migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO mspsync_schema (version) VALUES ($1)`, v); err != nil {
				return err
			}
		}
		return nil
	})
}
