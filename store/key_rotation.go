package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// KeyRotation counts the sealed values a key rotation re-sealed.
type KeyRotation struct {
	Integrations int // integrations' secret fields
	Channels     int // channels' webhook verify tokens
	AuthTokens   int // stored OAuth tokens
}

// Total is how many values were re-sealed.
func (r KeyRotation) Total() int { return r.Integrations + r.Channels + r.AuthTokens }

// sealedColumn is one column of sealed values: the table, its key column,
// the sealed column and the prefix of the additional data (the row's key
// follows it) that binds a value to its row.
type sealedColumn struct {
	table, key, column, ad string
	count                  func(*KeyRotation) *int
}

// sealedColumns are every column that holds sealed values. A new one
// must be added here, or key rotation would leave it under the old key
// (TestRotateKey checks that every secret opens after a rotation).
var sealedColumns = []sealedColumn{
	{"integrations", "id", "secrets", "integration:", func(r *KeyRotation) *int { return &r.Integrations }},
	{"channels", "id", "verify_token", "channel:", func(r *KeyRotation) *int { return &r.Channels }},
	{"auth_tokens", "key", "sealed", "token:", func(r *KeyRotation) *int { return &r.AuthTokens }},
}

// RotateKey re-seals every stored secret, sealed with old, with next, in
// one transaction: either all of them are under next afterwards or,
// on any error, all stay as they were. A value old cannot open is an
// error wrapping ErrWrongKey that names its row, and nothing changes.
// st must come from OpenSQLite or OpenPostgres; its own sealer is not
// used (nor changed), so close it afterwards and open the store again with
// next. Replicas still running with old cannot read secrets written
// before or after: stop them first.
func RotateKey(ctx context.Context, st Store, old, next *Sealer) (KeyRotation, error) {
	s, ok := st.(*sqlStore)
	if !ok {
		return KeyRotation{}, fmt.Errorf("rotating the key: %T is not a store of OpenSQLite or OpenPostgres", st)
	}
	if old == nil || next == nil {
		return KeyRotation{}, errors.New("rotating the key: the old and the new sealer are required")
	}
	var done KeyRotation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range sealedColumns {
			n, err := s.resealColumn(ctx, tx, c, old, next)
			if err != nil {
				return err
			}
			*c.count(&done) = n
		}
		return nil
	})
	if err != nil {
		return KeyRotation{}, err
	}
	return done, nil
}

// resealColumn re-seals one column's values. The rows are read to the end
// before the first update: a transaction has one connection, which cannot
// run a statement while a result is still open on it (pgx).
func (s *sqlStore) resealColumn(ctx context.Context, tx *sql.Tx, c sealedColumn, old, next *Sealer) (int, error) {
	type row struct {
		key    string
		sealed []byte
	}
	// SELECT … FOR UPDATE is PostgreSQL's way to hold the rows; SQLite's
	// transactions take the write lock at BEGIN (_txlock=immediate).
	query := fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s IS NOT NULL ORDER BY %s", c.key, c.column, c.table, c.column, c.key)
	if s.d.numbered {
		query += " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("reading %s.%s: %w", c.table, c.column, err)
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.key, &r.sealed); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reading %s.%s: %w", c.table, c.column, err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reading %s.%s: %w", c.table, c.column, err)
	}
	update := s.q(fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", c.table, c.column, c.key))
	n := 0
	for _, r := range all {
		if len(r.sealed) == 0 {
			continue // no secrets (an integration without any)
		}
		ad := []byte(c.ad + r.key)
		plain, err := old.Open(r.sealed, ad)
		if err != nil {
			return 0, fmt.Errorf("%s %s (%s): %w", c.table, r.key, c.column, err)
		}
		if _, err := tx.ExecContext(ctx, update, next.Seal(plain, ad), r.key); err != nil {
			return 0, fmt.Errorf("re-sealing %s %s: %w", c.table, r.key, err)
		}
		n++
	}
	return n, nil
}
