package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// dbtx runs statements on the database or in a transaction, over
// database/sql or over pgx. The statements a queue transaction shares with
// the store's own methods (a call's update, its link, its bindings) are
// written once against it: on PostgreSQL River inserts jobs in a pgx
// transaction, and those statements must run in that same transaction.
// Queries are written with ? placeholders; the store numbers them.
type dbtx interface {
	exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	queryRow(ctx context.Context, query string, args ...any) scanner
	query(ctx context.Context, query string, args ...any) (rowIter, error)
}

type scanner interface{ Scan(dest ...any) error }

// stmt is a statement with its arguments (? placeholders), to run now or
// to queue in a batch.
type stmt struct {
	query string
	args  []any
}

// rowIter is what the store uses of *sql.Rows and pgx.Rows.
type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// sqlExecutor is the database/sql side: a *sql.DB or a *sql.Tx.
type sqlExecutor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqlTx struct {
	x sqlExecutor
	s *sqlStore
}

func (t sqlTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.x.ExecContext(ctx, t.s.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) queryRow(ctx context.Context, query string, args ...any) scanner {
	return t.x.QueryRowContext(ctx, t.s.q(query), args...)
}

func (t sqlTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := t.x.QueryContext(ctx, t.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// pgxTx is the pgx side, in a transaction River inserts jobs in.
type pgxTx struct {
	tx pgx.Tx
	s  *sqlStore
}

func (t pgxTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, t.s.q(query), args...)
	return tag.RowsAffected(), err
}

func (t pgxTx) queryRow(ctx context.Context, query string, args ...any) scanner {
	return pgxRow{t.tx.QueryRow(ctx, t.s.q(query), args...)}
}

func (t pgxTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	return t.tx.Query(ctx, t.s.q(query), args...)
}

// pgxRow reports no row as database/sql does, so that callers check one
// error.
type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if err == pgx.ErrNoRows {
		return sql.ErrNoRows
	}
	return err
}
