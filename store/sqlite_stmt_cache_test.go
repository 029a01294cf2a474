package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
)

func openCached(t *testing.T) (*sql.DB, *cachingConn) {
	t.Helper()
	connector := &stmtCacheConnector{dsn: "file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)", drv: &sqlite.Driver{}}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	_, err := db.Exec("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)")
	require.NoError(t, err)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	var cc *cachingConn
	require.NoError(t, conn.Raw(func(dc any) error { cc = dc.(*cachingConn); return nil }))
	require.NoError(t, conn.Close())
	return db, cc
}

// A statement run again while the rows of its first run are still open
// (the same query nested in its own loop) gets a statement of its own;
// both results are whole and right, and the cached statement serves the
// next run.
func TestStatementCacheNestedRunsOfOneQuery(t *testing.T) {
	db, cc := openCached(t)
	for i := range 3 {
		_, err := db.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", i, fmt.Sprint("v", i))
		require.NoError(t, err)
	}
	const q = "SELECT k, v FROM kv WHERE k >= ? ORDER BY k"
	tx, err := db.Begin()
	require.NoError(t, err)
	outer, err := tx.Query(q, 0)
	require.NoError(t, err)
	var pairs []string
	for outer.Next() {
		var k int
		var v string
		require.NoError(t, outer.Scan(&k, &v))
		inner, err := tx.Query(q, k)
		require.NoError(t, err)
		n := 0
		for inner.Next() {
			n++
		}
		require.NoError(t, inner.Close())
		pairs = append(pairs, fmt.Sprintf("%s:%d", v, n))
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.NoError(t, tx.Commit())
	require.Equal(t, []string{"v0:3", "v1:2", "v2:1"}, pairs)

	cc.mu.Lock()
	cs := cc.stmts[q]
	cc.mu.Unlock()
	require.NotNil(t, cs, "the query's statement is cached")
	require.False(t, cs.busy, "closed rows give their statement back")
	var v string
	var k int
	require.NoError(t, db.QueryRow(q, 2).Scan(&k, &v))
	require.Equal(t, "v2", v)
}

// Errors pass through as the driver gives them: a bad statement is not
// cached, a failing run leaves its statement reusable, and a query whose
// text varies (an IN list) never grows the cache past its cap.
func TestStatementCacheErrorsAndCap(t *testing.T) {
	db, cc := openCached(t)
	_, err := db.Exec("INSERT INTO nowhere VALUES (1)")
	require.ErrorContains(t, err, "no such table")

	const ins = "INSERT INTO kv (k, v) VALUES (?, ?)"
	_, err = db.Exec(ins, 1, "a")
	require.NoError(t, err)
	_, err = db.Exec(ins, 1, "b")
	require.ErrorContains(t, err, "UNIQUE constraint failed")
	_, err = db.Exec(ins, 2, "c")
	require.NoError(t, err, "the statement of the failed run is reset for the next one")

	for i := range maxCachedStmts + 20 {
		var n int
		require.NoError(t, db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM kv WHERE k <> %d", -1-i)).Scan(&n))
		require.Equal(t, 2, n)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	require.LessOrEqual(t, len(cc.stmts), maxCachedStmts)
	require.NotContains(t, cc.stmts, "INSERT INTO nowhere VALUES (1)")
}

// A kept statement's bound LIMIT and OFFSET are cast (SQLite would
// otherwise prepare it again on every run), and mean what they did: the
// same cached statement gives each run the rows its own values ask for.
func TestStatementCacheBoundLimits(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT k FROM kv ORDER BY k LIMIT ?":             "SELECT k FROM kv ORDER BY k LIMIT CAST(? AS INTEGER)",
		"SELECT k FROM kv ORDER BY k limit ?3 OFFSET ?4":  "SELECT k FROM kv ORDER BY k limit CAST(?3 AS INTEGER) OFFSET CAST(?4 AS INTEGER)",
		"SELECT * FROM x LIMIT\n    ?2 - 1":               "SELECT * FROM x LIMIT CAST(?2 AS INTEGER) - 1",
		"SELECT k FROM kv LIMIT 10":                       "SELECT k FROM kv LIMIT 10",
		"SELECT k FROM kv WHERE v = ? ORDER BY k LIMIT 5": "SELECT k FROM kv WHERE v = ? ORDER BY k LIMIT 5",
	} {
		require.Equal(t, want, castBoundLimits(in))
	}

	db, cc := openCached(t)
	for i := range 5 {
		_, err := db.Exec("INSERT INTO kv (k, v) VALUES (?, ?)", i, "v")
		require.NoError(t, err)
	}
	const q = "SELECT k FROM kv ORDER BY k LIMIT ? OFFSET ?"
	for _, c := range []struct {
		limit, offset int
		want          []int
	}{{2, 0, []int{0, 1}}, {3, 1, []int{1, 2, 3}}, {10, 4, []int{4}}, {0, 0, nil}} {
		rows, err := db.Query(q, c.limit, c.offset)
		require.NoError(t, err)
		var got []int
		for rows.Next() {
			var k int
			require.NoError(t, rows.Scan(&k))
			got = append(got, k)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, c.want, got, "LIMIT %d OFFSET %d", c.limit, c.offset)
	}
	cc.mu.Lock()
	_, cached := cc.stmts[q]
	cc.mu.Unlock()
	require.True(t, cached, "the statement is kept under its own text")
}
