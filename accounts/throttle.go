package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/switchboard/switchboard/store"
)

// throttle counts failed sign-ins per key (an account's login, a client
// address) over a sliding window, in the store: every replica counts the
// same attempts, so spreading them over replicas behind a load balancer
// gains an attacker nothing.
type throttle struct {
	store  store.SignInThrottleStore
	window time.Duration

	mu    sync.Mutex
	swept time.Time // when this replica last dropped the attempts past the window
}

func newThrottle(st store.SignInThrottleStore, window time.Duration) *throttle {
	return &throttle{store: st, window: window}
}

// limit is a key and how many failures it may have in the window.
type limit struct {
	key string
	max int
}

// attempt is a sign-in under way: counted as a failure from its start, so
// that concurrent attempts (on any replica) cannot all slip under the
// limit; succeeded takes it back.
type attempt struct {
	t    *throttle
	id   string
	keys []string
}

// begin starts an attempt, or refuses it with the time until the first of
// its keys may try again. The attempt is recorded before the counts are
// read: two concurrent attempts at the limit may then both be refused,
// never both let through.
func (t *throttle) begin(ctx context.Context, now time.Time, limits ...limit) (*attempt, error) {
	if err := t.sweep(ctx, now); err != nil {
		return nil, err
	}
	a := &attempt{t: t, id: attemptID()}
	for _, l := range limits {
		a.keys = append(a.keys, l.key)
	}
	if err := t.store.AddSignInAttempt(ctx, a.id, a.keys, now); err != nil {
		return nil, err
	}
	var wait time.Duration
	for _, l := range limits {
		// Attempts exactly one window old no longer count.
		times, err := t.store.SignInAttempts(ctx, l.key, now.Add(-t.window+time.Millisecond))
		if err != nil {
			return nil, err
		}
		// times holds this attempt too: more than max is one too many.
		if len(times) > l.max {
			wait = max(wait, times[len(times)-1-l.max].Add(t.window).Sub(now))
		}
	}
	if wait > 0 {
		if err := t.store.ForgetSignInAttempt(ctx, a.id, ""); err != nil {
			return nil, err
		}
		return nil, &ThrottledError{RetryAfter: wait}
	}
	return a, nil
}

// succeeded takes back the attempt, and forgets the earlier failures of
// the account (first key): its owner knows the password. The address
// keeps its count, or one valid account would reset it for any other.
func (a *attempt) succeeded(ctx context.Context) error {
	return a.t.store.ForgetSignInAttempt(ctx, a.id, a.keys[0])
}

// sweep drops the attempts past the window, at most once a window per
// replica.
func (t *throttle) sweep(ctx context.Context, now time.Time) error {
	t.mu.Lock()
	due := now.Sub(t.swept) >= t.window
	if due {
		t.swept = now
	}
	t.mu.Unlock()
	if !due {
		return nil
	}
	return t.store.DropSignInAttempts(ctx, now.Add(-t.window))
}

func attemptID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
