package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements one SQLite connection keeps
// prepared. The service runs a few dozen distinct statements; queries built
// with a variable number of placeholders (IN lists) could grow the cache
// without bound, so past the cap an arbitrary statement is dropped.
const maxCachedStmts = 256

// stmtCacheConnector opens SQLite connections that keep their statements
// prepared, by query text, for the life of the connection.
//
// Why: database/sql prepares, runs and finalizes a statement on every
// ExecContext or QueryContext that is not a *sql.Stmt, and SQLite parsing
// and planning the same text again was about 30% of the service's CPU under
// load. Most of the statements are River's (its SQLite driver runs query
// strings on a *sql.DB or *sql.Tx), which no caller-side cache reaches, so
// the cache is a layer of the driver. modernc.org/sqlite supports reuse: a
// statement's rows reset it, instead of finalizing it, when they close.
type stmtCacheConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c *stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	conn, ok := inner.(sqliteConn)
	if !ok {
		_ = inner.Close()
		return nil, fmt.Errorf("the SQLite driver's connection is a %T, which lacks what the statement cache needs", inner)
	}
	return &cachingConn{sqliteConn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c *stmtCacheConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection whose ExecContext and QueryContext run
// cached prepared statements. database/sql uses a connection from one
// goroutine at a time, but rows may be closed from another, so the cache
// has its own lock.
type cachingConn struct {
	sqliteConn

	mu    sync.Mutex
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement and whether rows of it are open: a
// statement serves one result at a time, so a query that finds it busy (a
// query run again while iterating its own earlier result) prepares a
// statement of its own, as without the cache.
type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

type stmtContext interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

// take returns the connection's idle statement for query, preparing and
// caching one when there is none; nil when it is busy.
func (c *cachingConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs, ok := c.stmts[query]
	if ok {
		if cs.busy {
			return nil, nil
		}
		cs.busy = true
		return cs, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, castBoundLimits(query))
	if err != nil {
		return nil, err
	}
	if len(c.stmts) >= maxCachedStmts {
		for q, old := range c.stmts {
			if !old.busy {
				_ = old.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	cs = &cachedStmt{stmt: st, busy: true}
	c.stmts[query] = cs
	return cs, nil
}

// boundLimit is a LIMIT or OFFSET whose value is a bound parameter.
var boundLimit = regexp.MustCompile(`(?i)\b(LIMIT|OFFSET)\s+(\?[0-9]*)`)

// castBoundLimits writes each LIMIT ? and OFFSET ? of a statement kept
// prepared as LIMIT CAST(? AS INTEGER), which means the same for the
// integers bound there.
//
// Why: SQLite plans with the value bound to a bare LIMIT parameter, so it
// marks the statement expired whenever that parameter is bound again and
// parses and plans it anew at the next step; for a cached statement that
// is every run. River's job fetch has one (LIMIT ?3), and re-preparing it
// was 7% of the service's CPU under load. A CAST is an expression whose
// value the planner does not look at.
func castBoundLimits(query string) string {
	return boundLimit.ReplaceAllString(query, "$1 CAST($2 AS INTEGER)")
}

func (c *cachingConn) give(cs *cachedStmt) {
	c.mu.Lock()
	cs.busy = false
	c.mu.Unlock()
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	defer c.give(cs)
	return cs.stmt.(stmtContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(stmtContext).QueryContext(ctx, args)
	if err != nil {
		c.give(cs)
		return nil, err
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		_ = rows.Close()
		c.give(cs)
		return nil, fmt.Errorf("the SQLite driver's rows are a %T, which lacks what the statement cache needs", rows)
	}
	return &cachedRows{sqliteRows: sr, give: func() { c.give(cs) }}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	c.mu.Unlock()
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// sqliteRows is what database/sql uses of a modernc.org/sqlite result.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows gives its statement back to the cache when closed (the
// driver resets the statement rather than finalizing it).
type cachedRows struct {
	sqliteRows
	give func()
	once sync.Once
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.once.Do(r.give)
	return err
}

var (
	_ driver.Connector = (*stmtCacheConnector)(nil)
	_ sqliteConn       = (*cachingConn)(nil)
	_ sqliteRows       = (*cachedRows)(nil)
)
