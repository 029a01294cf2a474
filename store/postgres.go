package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// OpenPostgres connects to PostgreSQL and migrates the schema. Any number
// of replicas may share one database.
func OpenPostgres(ctx context.Context, url string, sealer *Sealer) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if err := migrate(ctx, db, goose.DialectPostgres, "postgres"); err != nil {
		db.Close()
		return nil, err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return &sqlStore{db: db, pool: pool, sealer: sealer, d: dialect{
		name:     "postgres",
		numbered: true,
		isUnique: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505"
		},
		// A transaction-scoped advisory lock: concurrent template uploads
		// on any replica take turns at the count-then-insert.
		lockTemplates: "SELECT pg_advisory_xact_lock(727318)",
	}}, nil
}

// postgresLocker serializes migrations across replicas, checking every
// second for up to five minutes.
func postgresLocker() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
}
