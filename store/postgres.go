package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// sqlConns is how many connections database/sql holds per replica, open
// and idle: the call work's reads and writes. Bounded, since a hundred jobs
// at once would otherwise open a hundred connections per replica, and
// PostgreSQL allows 100 by default for all replicas together (with the
// pgx pool's, a replica holds up to sqlConns+defaultPoolConns).
const sqlConns = 16

// defaultPoolConns is the size of each replica's pgx pool unless the URL
// says otherwise (pool_max_conns=N).
const defaultPoolConns = 10

// OpenPostgres connects to PostgreSQL and migrates the schema. Any number
// of replicas may share one database.
func OpenPostgres(ctx context.Context, url string, sealer *Sealer) (Store, error) {
	// The pool's settings (pool_max_conns …) are pgxpool's: PostgreSQL
	// would refuse them as unknown parameters of the connection.
	db, err := sql.Open("pgx", withoutPoolParams(url))
	if err != nil {
		return nil, err
	}
	// database/sql keeps 2 idle connections by default: under load every
	// burst beyond them opened (and closed) connections of its own, a few
	// per call. Keep as many idle as the service uses at once.
	db.SetMaxOpenConns(sqlConns)
	db.SetMaxIdleConns(sqlConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if _, err := migrate(ctx, db, goose.DialectPostgres, "postgres"); err != nil {
		db.Close()
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("reading the PostgreSQL URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default, max(4, CPUs), is too few: three connections stay
		// in LISTEN (the stream, the messaging outbox, River's
		// notifications), which left one for every job, sender and
		// request on a 2-core machine.
		pcfg.MaxConns = defaultPoolConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		pool.Close()
		db.Close()
		return nil, fmt.Errorf("reading the current schema: %w", err)
	}
	st := &sqlStore{db: db, rdb: db, pool: pool, sealer: sealer, notifySuffix: notifySuffix(schema), d: dialect{
		name:     "postgres",
		numbered: true,
		isUnique: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505"
		},
		// A transaction-scoped advisory lock: concurrent template uploads
		// on any replica take turns at the count-then-insert.
		lockTemplates: "SELECT pg_advisory_xact_lock(727318)",
	}}
	st.steps = st.stepWriter()
	return st, nil
}

// postgresLocker serializes migrations across replicas, checking every
// second for up to five minutes.
func postgresLocker() (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
}

// notifySuffix is what the notification channels of a schema end with:
// nothing for public, else a short hash of its name, so that channel names
// stay within PostgreSQL's 63 bytes whatever the schema is called.
func notifySuffix(schema string) string {
	if schema == "" || schema == "public" {
		return ""
	}
	sum := sha256.Sum256([]byte(schema))
	return "_" + hex.EncodeToString(sum[:6])
}

// withoutPoolParams is a PostgreSQL URL or keyword/value string without
// its pool_* settings.
func withoutPoolParams(conn string) string {
	if u, err := neturl.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	var kept []string
	for _, kv := range strings.Fields(conn) {
		if !strings.HasPrefix(kv, "pool_") {
			kept = append(kept, kv)
		}
	}
	return strings.Join(kept, " ")
}
