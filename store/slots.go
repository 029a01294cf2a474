package store

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"
)

// Shared implements Store: PostgreSQL is shared, SQLite is not.
func (s *sqlStore) Shared() bool { return s.pool != nil }

// TryRequestSlot takes a free slot of an integration's n for owner until
// now+ttl. It reports false when all n are held.
func (s *sqlStore) TryRequestSlot(ctx context.Context, integrationID string, n int, owner string, now time.Time, ttl time.Duration) (bool, error) {
	// One statement picks a free slot — none held, or its lease expired —
	// starting from a random one, so that replicas leasing at once seldom
	// pick the same. Of two that do, the conflict clause lets one win, and
	// the other tries again; after a few lost races the slots are taken.
	for range 3 {
		res, err := s.exec(ctx, "WITH RECURSIVE seq (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?) "+
			"INSERT INTO request_slots (integration_id, slot, owner, expires_at) "+
			"SELECT ?, n, ?, ? FROM seq WHERE NOT EXISTS "+
			"(SELECT 1 FROM request_slots r WHERE r.integration_id = ? AND r.slot = seq.n AND r.expires_at >= ?) "+
			"ORDER BY (n + ?) % ? LIMIT 1 "+
			"ON CONFLICT (integration_id, slot) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "+
			"WHERE request_slots.expires_at < ?",
			n, integrationID, owner, ms(now.Add(ttl)), integrationID, ms(now), rand.IntN(n), n, ms(now))
		if err != nil {
			return false, err
		}
		k, err := res.RowsAffected()
		if err != nil || k == 1 {
			return k == 1, err
		}
		var held int
		if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM request_slots WHERE integration_id = ? AND expires_at >= ?"), integrationID, ms(now)).Scan(&held); err != nil {
			return false, err
		}
		if held >= n {
			return false, nil
		}
	}
	return false, nil
}

// ReleaseRequestSlot gives back owner's slot.
func (s *sqlStore) ReleaseRequestSlot(ctx context.Context, integrationID, owner string) error {
	_, err := s.exec(ctx, "DELETE FROM request_slots WHERE integration_id = ? AND owner = ?", integrationID, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// SlotStore is the store's part in shared request limits.
type SlotStore interface {
	TryRequestSlot(ctx context.Context, integrationID string, n int, owner string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseRequestSlot(ctx context.Context, integrationID, owner string) error
}
