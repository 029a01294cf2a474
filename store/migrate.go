package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// migrate brings the schema up to date. It is safe to run from several
// replicas at once on PostgreSQL (goose takes a session lock there).
func migrate(ctx context.Context, db *sql.DB, d goose.Dialect, dir string) error {
	fsys, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	if d == goose.DialectPostgres {
		locker, err := postgresLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	return nil
}
