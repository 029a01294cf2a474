package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// TokenDatabase is what a database offers for keeping integrations' tokens:
// opaque bytes under a key, sealed at rest, and leases the processes
// sharing it take turns with. The store implements it (store.Store); this
// package names what it needs, so the store imports no domain package.
type TokenDatabase interface {
	// LoadToken returns the bytes saved under key, or nil and no error
	// when there are none.
	LoadToken(ctx context.Context, key string) ([]byte, error)
	// SaveToken replaces the bytes saved under key.
	SaveToken(ctx context.Context, key string, data []byte) error
	Leases
}

// Leases are named, expiring turns shared by the processes on one
// database.
type Leases interface {
	// TryLease takes the lease on key for owner until now+ttl when it is
	// free, expired or owner's already, and reports whether owner holds it.
	TryLease(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up owner's lease on key.
	ReleaseLease(ctx context.Context, key, owner string) error
}

// DatabaseStore is the SharedTokenStore of the service: tokens kept in a
// TokenDatabase as their JSON, renewed by the replicas sharing it in turns.
type DatabaseStore struct {
	db TokenDatabase
}

// DatabaseTokens returns the token store over db.
func DatabaseTokens(db TokenDatabase) *DatabaseStore { return &DatabaseStore{db: db} }

// Load implements TokenStore.
func (s *DatabaseStore) Load(ctx context.Context, key string) (*Token, error) {
	data, err := s.db.LoadToken(ctx, key)
	if err != nil || data == nil {
		return nil, err
	}
	var tok Token
	if err := json.Unmarshal(data, &tok); err != nil {
		return nil, fmt.Errorf("the saved token of %q is not valid JSON: %w", key, err)
	}
	return &tok, nil
}

// Save implements TokenStore. The JSON is Token's own encoding, the one
// databases already hold: changing it needs a migration of saved tokens.
func (s *DatabaseStore) Save(ctx context.Context, key string, tok *Token) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	return s.db.SaveToken(ctx, key, data)
}

// tokenLeaseMargin is how much longer a token's renewal lease lasts than
// the renewal may: room to save the token, and for replicas whose clocks
// differ a little (the lease's expiry is written by one replica's clock and
// compared with another's).
const tokenLeaseMargin = 10 * time.Second

// RenewToken implements SharedTokenStore: the replicas sharing the
// database take turns renewing an integration's token.
//
// The turn is a lease (key "token:<key>"), not a row lock. renew calls the
// provider's token endpoint; a SELECT … FOR UPDATE, or a session advisory
// lock, would keep a pooled connection — and, for FOR UPDATE, a
// transaction — open for that HTTP call, up to its timeout, and every
// waiting replica would hold another connection blocked behind it: many
// integrations renewing at once would exhaust the pool. The lease is one
// short write; waiters hold no connection between their polls, and the
// lease of a replica that died lapses by itself. SQLite has one process,
// but the same code keeps the behaviour the same on both databases.
func (s *DatabaseStore) RenewToken(ctx context.Context, key string, ttl time.Duration, renew func(context.Context, *Token) (*Token, error)) (*Token, error) {
	leaseKey, owner := "token:"+key, newLeaseOwner()
	if err := waitLease(ctx, s.db, leaseKey, owner, ttl+tokenLeaseMargin); err != nil {
		return nil, fmt.Errorf("waiting for another replica's renewal of the token: %w", err)
	}
	defer func() {
		// Given back even when the caller has given up; one not given
		// back lapses.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = s.db.ReleaseLease(rctx, leaseKey, owner)
	}()
	return renewSaved(ctx, s, key, ttl, renew)
}

// newLeaseOwner names one renewal as the owner of its lease, unique across
// replicas.
func newLeaseOwner() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "renewal_" + hex.EncodeToString(b)
}

// waitLease takes the lease on key for owner, polling until it is free
// (released, or lapsed) or ctx ends. Token renewals are rare and short, so
// polling costs little; the first polls come quickly because a renewal
// usually takes one round trip to the provider.
func waitLease(ctx context.Context, l Leases, key, owner string, ttl time.Duration) error {
	wait := 5 * time.Millisecond
	for {
		// The system clock: the lease bounds a real network call.
		ok, err := l.TryLease(ctx, key, owner, time.Now(), ttl)
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
