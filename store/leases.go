package store

import (
	"context"
	"database/sql"
	"time"
)

// LeaseStore is the store's named, expiring turns, shared by every process
// on the database: a call's pipeline, a channel's sender, a token's
// renewal. A lease is one short write, so no connection is held while its
// owner works, and the lease of an owner that died lapses by itself.
type LeaseStore interface {
	// TryLease takes the lease on key for owner until now+ttl when it is
	// free, expired or owner's already, and reports whether owner holds it.
	TryLease(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up owner's lease on key.
	ReleaseLease(ctx context.Context, key, owner string) error
	// ReleaseLeases gives up many leases at once (one statement on
	// PostgreSQL, one transaction on SQLite).
	ReleaseLeases(ctx context.Context, leases []HeldLease) error
}

// HeldLease is a lease's key and owner.
type HeldLease struct{ Key, Owner string }

// TryLease takes the lease on key for owner until now+ttl, when it is free,
// expired or already owner's. It reports whether owner holds it.
func (s *sqlStore) TryLease(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error) {
	st := leaseTry(key, owner, now, ttl)
	res, err := s.exec(ctx, st.query, st.args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// leaseTry is TryLease's statement; one row is affected when the lease is
// taken.
func leaseTry(key, owner string, now time.Time, ttl time.Duration) stmt {
	return stmt{"INSERT INTO leases (key, owner, expires_at) VALUES (?, ?, ?) " +
		"ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at " +
		"WHERE leases.owner = excluded.owner OR leases.expires_at < ?",
		[]any{key, owner, ms(now.Add(ttl)), ms(now)}}
}

// ReleaseLeases gives up many leases: in one statement on PostgreSQL,
// whose text does not change with their number (statement caches keep
// one).
func (s *sqlStore) ReleaseLeases(ctx context.Context, leases []HeldLease) error {
	if len(leases) == 0 {
		return nil
	}
	if s.pool != nil {
		keys, owners := make([]string, len(leases)), make([]string, len(leases))
		for i, l := range leases {
			keys[i], owners[i] = l.Key, l.Owner
		}
		_, err := s.pool.Exec(ctx, "DELETE FROM leases WHERE (key, owner) IN (SELECT * FROM unnest($1::text[], $2::text[]))", keys, owners)
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, l := range leases {
			if _, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE key = ? AND owner = ?", l.Key, l.Owner); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseLease gives up owner's lease on key.
func (s *sqlStore) ReleaseLease(ctx context.Context, key, owner string) error {
	_, err := s.exec(ctx, "DELETE FROM leases WHERE key = ? AND owner = ?", key, owner)
	return err
}
