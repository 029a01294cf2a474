package store

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/auth"
)

// tokenLeaseMargin is how much longer a token's renewal lease lasts than
// the renewal may: room to save the token, and for replicas whose clocks
// differ a little (the lease's expiry is written by one replica's clock and
// compared with another's).
const tokenLeaseMargin = 10 * time.Second

// RenewToken implements auth.SharedTokenStore: the replicas sharing the
// database take turns renewing an integration's token.
//
// The turn is a lease (the leases table, key "token:<key>"), not a row
// lock. renew calls the provider's token endpoint; a SELECT … FOR UPDATE,
// or a session advisory lock, would keep a pooled connection — and, for
// FOR UPDATE, a transaction — open for that HTTP call, up to its timeout,
// and every waiting replica would hold another connection blocked behind
// it: many integrations renewing at once would exhaust the pool. The lease
// is one short write; waiters hold no connection between their polls, and
// the lease of a replica that died lapses by itself. SQLite has one process,
// but the same code keeps the behaviour the same on both databases.
func (s *sqlStore) RenewToken(ctx context.Context, key string, ttl time.Duration, renew func(context.Context, *auth.Token) (*auth.Token, error)) (*auth.Token, error) {
	leaseKey, owner := "token:"+key, NewID("renewal")
	if err := s.waitLease(ctx, leaseKey, owner, ttl+tokenLeaseMargin); err != nil {
		return nil, fmt.Errorf("waiting for another replica's renewal of the token: %w", err)
	}
	defer func() {
		// Given back even when the caller has given up; one not given
		// back lapses.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.ReleaseLease(rctx, leaseKey, owner)
	}()
	return auth.RenewSaved(ctx, s, key, ttl, renew)
}

// waitLease takes the lease on key for owner, polling until it is free
// (released, or lapsed) or ctx ends. Token renewals are rare and short, so
// polling costs little; the first polls come quickly because a renewal
// usually takes one round trip to the provider.
func (s *sqlStore) waitLease(ctx context.Context, key, owner string, ttl time.Duration) error {
	wait := 5 * time.Millisecond
	for {
		// The system clock: the lease bounds a real network call.
		ok, err := s.TryLease(ctx, key, owner, time.Now(), ttl)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}
