package pgstore_test

import (
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting/pgstore"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://app:s3cr%40t@db.example:5432/mspsync?sslmode=require": "postgres://app:REDACTED@db.example:5432/mspsync?sslmode=require",
		"postgresql://app@db/mspsync?password=s3cr%40t":                   "postgresql://app@db/mspsync?password=REDACTED",
		"host=db user=app password=s3cr@t dbname=mspsync":                 "host=db user=app password=REDACTED dbname=mspsync",
		"host=db password = 's3 cr\\'et' dbname=mspsync":                  "host=db password = REDACTED dbname=mspsync",
		"postgres://app@db/mspsync":                                       "postgres://app@db/mspsync",
	} {
		got := pgstore.RedactDSN(in)
		if got != want || strings.Contains(got, "s3") {
			t.Errorf("RedactDSN(%q) = %q; want %q", in, got, want)
		}
	}
}
