package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
)

// SQLiteFile is the database file in the data directory.
const SQLiteFile = "switchboard.db"

// readConns is how many connections read the SQLite database besides its
// one writer.
const readConns = 2

// OpenSQLite opens (creating if needed) the SQLite database in dataDir and
// migrates it. WAL mode lets readers work while the one writer writes;
// transactions take the write lock at BEGIN so the check-then-insert of the
// template limit cannot interleave. Temporary storage is memory: a
// statement that writes many rows in a transaction (River's insert of a
// group's jobs) keeps a statement journal, which SQLite otherwise spills
// to a temporary file past 64 KiB — 4% of the intake's CPU went to
// creating and writing those files (BenchmarkIngestSQLite: 3,290–3,680
// events/s before, 3,450–4,030 after).
func OpenSQLite(ctx context.Context, dataDir string, sealer *Sealer) (Store, error) {
	db, err := openSQLiteWriter(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, db, goose.DialectSQLite3, "sqlite"); err != nil {
		db.Close()
		return nil, err
	}
	path := filepath.Join(dataDir, SQLiteFile)
	// Readers: the same file, read-only, deferred transactions (a reader
	// must not take the write lock at BEGIN).
	rdb := sql.OpenDB(&stmtCacheConnector{dsn: "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=query_only(1)&_pragma=cache_size(-512)", drv: &sqlite.Driver{}})
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	s := &sqlStore{db: db, rdb: rdb, sealer: sealer, d: dialect{
		name:     "sqlite",
		isUnique: func(err error) bool { return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") },
	}}
	s.steps = s.stepWriter()
	return s, nil
}

// openSQLiteWriter opens the one writing connection to the database in
// dataDir, creating the directory and the file if needed.
func openSQLiteWriter(ctx context.Context, dataDir string) (*sql.DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFile)
	if err := privateFiles(dataDir, path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	db := sql.OpenDB(&stmtCacheConnector{dsn: dsn, drv: &sqlite.Driver{}})
	// One connection: SQLite has one writer anyway, and River's SQLite
	// driver is only safe that way (concurrent writers get SQLITE_BUSY).
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// privateFiles makes the database readable by its owner only, whatever
// the umask: the database file is created 0600 before SQLite opens it,
// since SQLite gives its -wal and -shm files (which hold message text too)
// the database file's permissions, and files of an older start are set to
// 0600, the directory to 0700.
func privateFiles(dataDir, path string) error {
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Errorf("making the data directory private: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("making %s private: %w", p, err)
		}
	}
	return nil
}
