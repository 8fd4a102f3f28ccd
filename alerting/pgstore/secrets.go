package pgstore

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/mspsync/mspsync/alerting"
)

// migrationSecrets adds the table of alerting.Secrets: small named
// secrets (a webhook signing key a vendor shows only once), shared by
// every replica.
const migrationSecrets = `CREATE TABLE mspsync_secrets (
		name  text PRIMARY KEY,
		value text NOT NULL
	);`

var _ alerting.Secrets = (*Store)(nil)

// Secret implements alerting.Secrets: the value stored under name, ""
// when none.
func (s *Store) Secret(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM mspsync_secrets WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrap("secret", ctx, err)
	}
	return v, nil
}

// SetSecret implements alerting.Secrets: last write wins, "" deletes.
func (s *Store) SetSecret(ctx context.Context, name, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name == "" {
		return alerting.ErrEmptySecretName
	}
	var err error
	if value == "" {
		_, err = s.pool.Exec(ctx, `DELETE FROM mspsync_secrets WHERE name = $1`, name)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO mspsync_secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, name, value)
	}
	return wrap("set secret", ctx, err)
}
