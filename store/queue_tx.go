package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// QueueTx is one transaction of the database in which jobs are stored
// together with the state they are for: all of it is stored, or none. It
// holds what taking call events in groups needs.
type QueueTx interface {
	// ClaimDeliveries records deliveries of call events by key; fresh[i]
	// is false for a key recorded before (a repeated delivery), or earlier
	// in the list.
	ClaimDeliveries(ctx context.Context, d []Delivery) (fresh []bool, err error)
	// LockCalls returns the stored data of calls by id (nil for a call not
	// stored yet), each locked until the transaction ends.
	LockCalls(ctx context.Context, ids []string) (map[string][]byte, error)
	// PutCall writes a locked call's data (see CallStore.UpdateCall). The
	// write may be sent only when the function returns (PostgreSQL sends
	// the writes of a group in one batch): read a call before writing it.
	PutCall(ctx context.Context, id string, data []byte) error
	// CallBindings is CallStore's, in the transaction.
	CallBindings(ctx context.Context, extension string) ([]CallBinding, error)
	// Enqueue adds a job, inserted with the others in one statement when
	// the transaction's function returns.
	Enqueue(args river.JobArgs, opts *river.InsertOpts)
}

// Delivery is one delivery of a call's event.
type Delivery struct {
	Key    string // identifies the delivery (a hash of what was sent)
	CallID string
}

type queueTx struct {
	db   dbtx
	pg   bool // PostgreSQL: many rows in one statement, as one round trip
	jobs []river.InsertManyParams
	// puts are PostgreSQL's call writes, sent in one batch when the
	// transaction's function returns.
	puts []stmt
}

func (t *queueTx) ClaimDeliveries(ctx context.Context, d []Delivery) ([]bool, error) {
	fresh := make([]bool, len(d))
	now := ms(time.Now())
	if !t.pg {
		// SQLite: no round trips, and one cached statement per row.
		for i, x := range d {
			n, err := t.db.exec(ctx, "INSERT INTO call_deliveries (key, call_id, received_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", x.Key, x.CallID, now)
			if err != nil {
				return nil, err
			}
			fresh[i] = n == 1
		}
		return fresh, nil
	}
	keys, calls := make([]string, len(d)), make([]string, len(d))
	for i, x := range d {
		keys[i], calls[i] = x.Key, x.CallID
	}
	// Rows in key order, so that concurrent groups wait for each other
	// instead of deadlocking on keys they share.
	rows, err := t.db.query(ctx, "INSERT INTO call_deliveries (key, call_id, received_at) "+
		"SELECT k, c, ?::bigint FROM unnest(?::text[], ?::text[]) AS d (k, c) ORDER BY k ON CONFLICT (key) DO NOTHING RETURNING key", now, keys, calls)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	inserted := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		inserted[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, k := range keys {
		fresh[i] = inserted[k]
		delete(inserted, k) // a key twice in the list is fresh once
	}
	return fresh, nil
}

func (t *queueTx) LockCalls(ctx context.Context, ids []string) (map[string][]byte, error) {
	ids = slices.Sorted(slices.Values(ids)) // one lock order for every group
	ids = slices.Compact(ids)
	now := ms(time.Now())
	out := make(map[string][]byte, len(ids))
	add := func(id, raw string) {
		out[id] = nil
		if raw != "" {
			out[id] = []byte(raw)
		}
	}
	if !t.pg {
		for _, id := range ids {
			if _, err := t.db.exec(ctx, "INSERT INTO calls (id, data, created_at, updated_at) VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING", id, now, now); err != nil {
				return nil, err
			}
			var raw string
			if err := t.db.queryRow(ctx, "SELECT data FROM calls WHERE id = ?", id).Scan(&raw); err != nil {
				return nil, err
			}
			add(id, raw)
		}
		return out, nil
	}
	// As UpdateCall: the rows exist (empty for new calls) before they are
	// locked, so that concurrent first events of a call queue on its lock.
	if _, err := t.db.exec(ctx, "INSERT INTO calls (id, data, created_at, updated_at) SELECT id, '', ?::bigint, ?::bigint FROM unnest(?::text[]) AS c (id) ORDER BY id ON CONFLICT (id) DO NOTHING", now, now, ids); err != nil {
		return nil, err
	}
	rows, err := t.db.query(ctx, "SELECT id, data FROM calls WHERE id = ANY(?::text[]) ORDER BY id FOR UPDATE", ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		add(id, raw)
	}
	return out, rows.Err()
}

func (t *queueTx) PutCall(ctx context.Context, id string, data []byte) error {
	if t.pg {
		t.puts = append(t.puts, callPut(id, data, ms(time.Now())))
		return nil
	}
	return putCall(ctx, t.db, id, data, ms(time.Now()))
}

// flush sends the writes queued for a batch.
func (t *queueTx) flush(ctx context.Context) error {
	tx, ok := t.db.(pgxTx)
	if !ok || len(t.puts) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, st := range t.puts {
		b.Queue(tx.s.q(st.query), st.args...)
	}
	t.puts = nil
	return tx.tx.SendBatch(ctx, b).Close()
}

func (t *queueTx) CallBindings(ctx context.Context, extension string) ([]CallBinding, error) {
	return callBindings(ctx, t.db, t.pg, extension)
}

func (t *queueTx) Enqueue(args river.JobArgs, opts *river.InsertOpts) {
	t.jobs = append(t.jobs, river.InsertManyParams{Args: args, InsertOpts: opts})
}

// openTx is a transaction of the driver's kind (*sql.Tx for SQLite, pgx.Tx
// for PostgreSQL) with the store's statements over it.
type openTx[TTx any] struct {
	tx       TTx
	db       dbtx
	commit   func(ctx context.Context) error
	rollback func(ctx context.Context) error
}

func beginSQL(s *sqlStore) func(ctx context.Context) (openTx[*sql.Tx], error) {
	return func(ctx context.Context) (openTx[*sql.Tx], error) {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return openTx[*sql.Tx]{}, err
		}
		return openTx[*sql.Tx]{tx: tx, db: sqlTx{tx, s},
			commit:   func(context.Context) error { return tx.Commit() },
			rollback: func(context.Context) error { return tx.Rollback() }}, nil
	}
}

func beginPgx(s *sqlStore) func(ctx context.Context) (openTx[pgx.Tx], error) {
	return func(ctx context.Context) (openTx[pgx.Tx], error) {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return openTx[pgx.Tx]{}, err
		}
		return openTx[pgx.Tx]{tx: tx, db: pgxTx{tx, s}, commit: tx.Commit, rollback: tx.Rollback}, nil
	}
}

func (q *riverQueue[TTx]) Tx(ctx context.Context, f func(tx QueueTx) error) error {
	t, err := q.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = t.rollback(context.WithoutCancel(ctx)) }() // nothing after a commit
	_, pg := t.db.(pgxTx)
	qt := &queueTx{db: t.db, pg: pg}
	if err := f(qt); err != nil {
		return err
	}
	if err := qt.flush(ctx); err != nil {
		return err
	}
	if len(qt.jobs) > 0 {
		if _, err := q.client.InsertManyTx(ctx, t.tx, qt.jobs); err != nil {
			return fmt.Errorf("storing jobs: %w", err)
		}
	}
	return t.commit(ctx)
}
