package callbench

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// FreshSchema creates an empty schema bench_<random> in the database at
// base and returns base with search_path set to it, so that each run of
// the service starts from nothing, and a drop that removes it again.
func FreshSchema(ctx context.Context, base string) (url string, drop func() error, err error) {
	schema := "bench_" + randomHex(6)
	if err := execPostgres(ctx, base, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	drop = func() error {
		return execPostgres(context.WithoutCancel(ctx), base, "DROP SCHEMA "+schema+" CASCADE")
	}
	return base + sep + "search_path=" + schema, drop, nil
}

// execPostgres runs one statement on a connection of its own: a run holds
// no connection of the bench's open while the service works.
func execPostgres(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}
