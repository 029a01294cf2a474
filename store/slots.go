package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Shared implements Store: PostgreSQL is shared, SQLite is not.
func (s *sqlStore) Shared() bool { return s.pool != nil }

// TryRequestSlot takes a free slot of an integration's n for owner until
// now+ttl. It reports false when all n are held.
func (s *sqlStore) TryRequestSlot(ctx context.Context, integrationID string, n int, owner string, now time.Time, ttl time.Duration) (bool, error) {
	// Free slots are those without a live lease; of two replicas racing for
	// the same one, the conflict clause lets only one win, and the other
	// tries again.
	for slot := range n {
		res, err := s.exec(ctx, "INSERT INTO request_slots (integration_id, slot, owner, expires_at) VALUES (?, ?, ?, ?) "+
			"ON CONFLICT (integration_id, slot) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "+
			"WHERE request_slots.expires_at < ?", integrationID, slot, owner, ms(now.Add(ttl)), ms(now))
		if err != nil {
			return false, err
		}
		if k, err := res.RowsAffected(); err != nil {
			return false, err
		} else if k == 1 {
			return true, nil
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
