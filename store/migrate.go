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

// SchemaChange is what a migration did: the schema version the database
// was at, the one it is at now, and the highest this binary embeds.
type SchemaChange struct {
	Before, After, Known int64
}

// SchemaTooNewError refuses a database migrated by a newer switchboard:
// this binary's queries may not fit its tables, and it cannot tell.
type SchemaTooNewError struct {
	Database int64 // the database's schema version
	Known    int64 // the highest this binary embeds
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("the database is at schema %d, this switchboard knows up to %d: run the newer version, or restore a backup", e.Database, e.Known)
}

// migrate brings the schema up to date. It is safe to run from several
// replicas at once on PostgreSQL (goose takes a session lock there). A
// database at a newer schema than the binary embeds is refused, before
// and after: an old replica started while a new one migrates must not run
// on tables it does not know.
func migrate(ctx context.Context, db *sql.DB, d goose.Dialect, dir string) (SchemaChange, error) {
	p, err := migrationProvider(db, d, dir)
	if err != nil {
		return SchemaChange{}, err
	}
	sources := p.ListSources()
	ch := SchemaChange{Known: sources[len(sources)-1].Version}
	if ch.Before, err = p.GetDBVersion(ctx); err != nil {
		return ch, fmt.Errorf("reading the schema version: %w", err)
	}
	if ch.Before > ch.Known {
		return ch, &SchemaTooNewError{Database: ch.Before, Known: ch.Known}
	}
	if _, err := p.Up(ctx); err != nil {
		return ch, fmt.Errorf("migrating the database: %w", err)
	}
	if ch.After, err = p.GetDBVersion(ctx); err != nil {
		return ch, fmt.Errorf("reading the schema version: %w", err)
	}
	if ch.After > ch.Known {
		return ch, &SchemaTooNewError{Database: ch.After, Known: ch.Known}
	}
	return ch, nil
}

func migrationProvider(db *sql.DB, d goose.Dialect, dir string) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	if d == goose.DialectPostgres {
		locker, err := postgresLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrateSQLite migrates the SQLite database in dataDir (creating it if
// needed) without opening the store: no key is needed.
func MigrateSQLite(ctx context.Context, dataDir string) (SchemaChange, error) {
	db, err := openSQLiteWriter(ctx, dataDir)
	if err != nil {
		return SchemaChange{}, err
	}
	defer db.Close()
	return migrate(ctx, db, goose.DialectSQLite3, "sqlite")
}

// MigratePostgres migrates the PostgreSQL database at url without opening
// the store: no key is needed.
func MigratePostgres(ctx context.Context, url string) (SchemaChange, error) {
	db, err := sql.Open("pgx", withoutPoolParams(url))
	if err != nil {
		return SchemaChange{}, err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return SchemaChange{}, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return migrate(ctx, db, goose.DialectPostgres, "postgres")
}
