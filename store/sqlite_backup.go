package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
)

// SnapshotSQLite writes a consistent copy of the SQLite database in
// dataDir to dest (a file that must not exist) while the service may be
// running: VACUUM INTO reads one snapshot in a read transaction, which in
// WAL mode neither waits for the service's writer nor holds it up, and
// the copy includes what the WAL holds of committed transactions. The
// copy is compact and is a database of its own, without a -wal file.
func SnapshotSQLite(ctx context.Context, dataDir, dest string) error {
	path := filepath.Join(dataDir, SQLiteFile)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s: is --data the service's data directory?", path)
		}
		return err
	}
	db := sql.OpenDB(&stmtCacheConnector{dsn: "file:" + path + "?_pragma=busy_timeout(10000)", drv: &sqlite.Driver{}})
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("copying %s: %w", path, err)
	}
	return nil
}

// SQLiteCheck is what CheckSQLite found in a database file.
type SQLiteCheck struct {
	Schema       int64 // goose's version
	Integrations int
	Secrets      int // sealed values opened: integration secrets, access tokens, channel tokens
}

// CheckSQLite checks a database file without changing it: SQLite's
// integrity check passes, and every sealed value opens with sealer. It
// neither migrates nor writes, so a restored backup keeps the schema it
// was taken at (a rollback restores a backup to run an older binary).
func CheckSQLite(ctx context.Context, path string, sealer *Sealer) (SQLiteCheck, error) {
	var c SQLiteCheck
	if _, err := os.Stat(path); err != nil {
		return c, err
	}
	db := sql.OpenDB(&stmtCacheConnector{dsn: "file:" + path + "?mode=ro&_pragma=query_only(1)", drv: &sqlite.Driver{}})
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return c, fmt.Errorf("checking %s: %w", path, err)
	}
	if result != "ok" {
		return c, fmt.Errorf("%s is damaged: %s", path, result)
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version").Scan(&c.Schema); err != nil {
		return c, fmt.Errorf("reading the schema version of %s: %w", path, err)
	}
	// Every sealed value, with what it is bound to (see Seal's ad).
	queries := []struct{ query, prefix string }{
		{"SELECT id, secrets FROM integrations", "integration:"},
		{"SELECT key, sealed FROM auth_tokens", "token:"},
		{"SELECT id, verify_token FROM channels", "channel:"},
	}
	for _, q := range queries {
		n, err := openAll(ctx, db, q.query, q.prefix, sealer)
		if err != nil {
			return c, err
		}
		c.Secrets += n
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM integrations").Scan(&c.Integrations); err != nil {
		return c, err
	}
	return c, nil
}

// openAll opens the sealed values a query returns as (id, sealed) rows and
// returns how many there were.
func openAll(ctx context.Context, db *sql.DB, query, prefix string, sealer *Sealer) (int, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("reading sealed values: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return n, err
		}
		if len(sealed) == 0 {
			continue
		}
		if _, err := sealer.Open(sealed, []byte(prefix+id)); err != nil {
			return n, fmt.Errorf("%s%s: %w", prefix, id, err)
		}
		n++
	}
	return n, rows.Err()
}
