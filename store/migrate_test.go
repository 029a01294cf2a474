package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
)

// latestSQLite is the highest migration embedded for SQLite (and
// PostgreSQL: the two sets are numbered alike).
func latestSQLite(t *testing.T) int64 {
	t.Helper()
	ch, err := store.MigrateSQLite(context.Background(), t.TempDir())
	require.NoError(t, err)
	return ch.Known
}

func TestMigrateReportsSchemaVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	ch, err := store.MigrateSQLite(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, int64(0), ch.Before)
	require.Equal(t, ch.Known, ch.After)
	require.GreaterOrEqual(t, ch.Known, int64(15))
	again, err := store.MigrateSQLite(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, store.SchemaChange{Before: ch.Known, After: ch.Known, Known: ch.Known}, again)
}

// A replica never runs on a database a newer switchboard migrated: its
// queries may not fit the tables, and it cannot tell.
func TestNewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	known := latestSQLite(t)
	future := known + 2
	for name, open := range map[string]func(t *testing.T) (reopen func() error, db *sql.DB){
		"sqlite": func(t *testing.T) (func() error, *sql.DB) {
			dir := t.TempDir()
			_, err := store.MigrateSQLite(context.Background(), dir)
			require.NoError(t, err)
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFile))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return func() error {
				s, err := store.OpenSQLite(context.Background(), dir, sealer(t))
				if err == nil {
					s.Close()
				}
				if _, merr := store.MigrateSQLite(context.Background(), dir); fmt.Sprint(merr) != fmt.Sprint(err) {
					t.Errorf("migrate: %v, open: %v", merr, err)
				}
				return err
			}, db
		},
		"postgres": func(t *testing.T) (func() error, *sql.DB) {
			url := testpeers.PostgresSchema(t)
			_, err := store.MigratePostgres(context.Background(), url)
			require.NoError(t, err)
			db, err := sql.Open("pgx", url)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return func() error {
				s, err := store.OpenPostgres(context.Background(), url, sealer(t))
				if err == nil {
					s.Close()
				}
				if _, merr := store.MigratePostgres(context.Background(), url); fmt.Sprint(merr) != fmt.Sprint(err) {
					t.Errorf("migrate: %v, open: %v", merr, err)
				}
				return err
			}, db
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reopen, db := open(t)
			require.NoError(t, reopen(), "the binary's own schema opens")
			q := "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)"
			if name == "postgres" {
				q = "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)"
			}
			_, err := db.Exec(q, future, true)
			require.NoError(t, err)
			err = reopen()
			var tooNew *store.SchemaTooNewError
			require.ErrorAs(t, err, &tooNew)
			require.Equal(t, store.SchemaTooNewError{Database: future, Known: known}, *tooNew)
			require.EqualError(t, err, "the database is at schema "+itoa(future)+", this switchboard knows up to "+itoa(known)+
				": run the newer version, or restore a backup")
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// copyDir copies the files of a directory (no subdirectories) into a new
// temporary one.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), data, 0o600))
	}
	return to
}
