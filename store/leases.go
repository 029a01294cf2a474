package store

import (
	"context"
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
}

// TryLease takes the lease on key for owner until now+ttl, when it is free,
// expired or already owner's. It reports whether owner holds it.
func (s *sqlStore) TryLease(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := s.exec(ctx, "INSERT INTO leases (key, owner, expires_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "+
		"WHERE leases.owner = excluded.owner OR leases.expires_at < ?",
		key, owner, ms(now.Add(ttl)), ms(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives up owner's lease on key.
func (s *sqlStore) ReleaseLease(ctx context.Context, key, owner string) error {
	_, err := s.exec(ctx, "DELETE FROM leases WHERE key = ? AND owner = ?", key, owner)
	return err
}
