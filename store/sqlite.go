package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// SQLiteFile is the database file in the data directory.
const SQLiteFile = "switchboard.db"

// OpenSQLite opens (creating if needed) the SQLite database in dataDir and
// migrates it. WAL mode lets readers work while the one writer writes;
// transactions take the write lock at BEGIN so the check-then-insert of the
// template limit cannot interleave.
func OpenSQLite(ctx context.Context, dataDir string, sealer *Sealer) (Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFile)
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer anyway, and River's SQLite
	// driver is only safe that way (concurrent writers get SQLITE_BUSY).
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := migrate(ctx, db, goose.DialectSQLite3, "sqlite"); err != nil {
		db.Close()
		return nil, err
	}
	_ = os.Chmod(path, 0o600)
	return &sqlStore{db: db, sealer: sealer, d: dialect{
		name:     "sqlite",
		isUnique: func(err error) bool { return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") },
	}}, nil
}
