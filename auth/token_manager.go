package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ErrNotConnected means there is no token yet: an oauth2 integration has not
// been authorized.
var ErrNotConnected = errors.New("not connected: no access token yet")

// ErrRefreshDisabled means the template forbids refreshing tokens
// (NoNeedRefreshAccessToken=1), so an invalid token needs a new connect.
var ErrRefreshDisabled = errors.New("the template disables token refresh (NoNeedRefreshAccessToken=1); connect the integration again")

// renewFunc obtains a new token; cur is the token to renew from (its
// refresh token), or nil.
type renewFunc func(ctx context.Context, cur *Token) (*Token, error)

// tokenManager holds one integration's token and renews it: before it
// expires, when it is older than the refresh interval, and when the remote
// API calls it invalid. However many requests find the token stale at once,
// one renewal runs and the others wait for it and share its result; with a
// SharedTokenStore, processes sharing the store take turns too (see
// renewFrom).
type tokenManager struct {
	key      string
	store    TokenStore
	renew    renewFunc
	now      func() time.Time
	skew     time.Duration // renew this long before Expiry
	interval time.Duration // renew tokens older than this; 0: never by age
	refresh  bool          // false: NoNeedRefreshAccessToken=1
	timeout  time.Duration // one renewal's time limit

	flight singleflight.Group

	mu       sync.Mutex
	loaded   bool
	tok      *Token
	failures int
	failedAt time.Time
	lastErr  error
}

const (
	backoffMin = time.Second
	backoffMax = 5 * time.Minute
)

// stale reports whether tok must be renewed before use.
func (m *tokenManager) stale(tok *Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return true
	}
	now := m.now()
	if !tok.Expiry.IsZero() && !now.Add(m.skew).Before(tok.Expiry) {
		return true
	}
	return m.interval > 0 && !tok.ObtainedAt.IsZero() && now.Sub(tok.ObtainedAt) >= m.interval
}

// current returns the held token, loading it from the store the first time.
func (m *tokenManager) current(ctx context.Context) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loaded {
		tok, err := m.store.Load(ctx, m.key)
		if err != nil {
			return nil, fmt.Errorf("loading the stored token: %w", err)
		}
		m.tok, m.loaded = tok, true
	}
	return m.tok, nil
}

// Token returns a token fit for use, renewing it first when it is stale.
func (m *tokenManager) Token(ctx context.Context) (*Token, error) {
	tok, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	if !m.stale(tok) {
		return tok, nil
	}
	if !m.refresh && tok != nil && tok.AccessToken != "" {
		// Not allowed to renew: use what we have and let the API decide.
		return tok, nil
	}
	return m.renewFrom(ctx, "")
}

// Invalidate renews the token because the remote API rejected the access
// token seen. When another request — or another process sharing the store —
// has renewed it since, that token is used instead.
func (m *tokenManager) Invalidate(ctx context.Context, seen string) (*Token, error) {
	if _, err := m.current(ctx); err != nil {
		return nil, err
	}
	if !m.refresh {
		// Another process may have been authorized again meanwhile.
		saved, err := m.store.Load(ctx, m.key)
		if err != nil {
			return nil, fmt.Errorf("loading the stored token: %w", err)
		}
		if saved == nil || saved.AccessToken == "" || saved.AccessToken == seen {
			return nil, ErrRefreshDisabled
		}
		m.hold(saved)
		return saved, nil
	}
	return m.renewFrom(ctx, seen)
}

// usable reports whether tok may be used instead of renewing: it is fresh,
// and it is not the access token the API rejected ("" when none was).
func (m *tokenManager) usable(tok *Token, rejected string) bool {
	return !m.stale(tok) && (rejected == "" || tok.AccessToken != rejected)
}

// leaseWaitSlack bounds how long a renewal waits, beyond its own time
// limit, for another process's renewal of the same token: at most that
// renewal's time limit, plus the store's margin on its lease.
const leaseWaitSlack = 30 * time.Second

// renewFrom runs one renewal for everyone who found the token stale, or
// the access token rejected unusable.
//
// With a SharedTokenStore the renewal runs under the store's lease on the
// token, and starts by reading the saved token: a process that waited for
// another's renewal finds a fresh token saved and uses it without asking
// the provider. When it must renew, it renews from the saved token, whose
// refresh token is the live one; its own copy in memory may carry one that
// another process already spent.
func (m *tokenManager) renewFrom(ctx context.Context, rejected string) (*Token, error) {
	v, err, _ := m.flight.Do("renew", func() (any, error) {
		m.mu.Lock()
		cur := m.tok
		m.mu.Unlock()
		if m.usable(cur, rejected) {
			return cur, nil // renewed while this caller waited for the flight
		}
		// One caller giving up must not fail the renewal the others wait for.
		limit := m.timeout
		shared, isShared := m.store.(SharedTokenStore)
		if isShared {
			limit = 2*m.timeout + leaseWaitSlack
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
		defer cancel()
		var tok *Token
		var err error
		if isShared {
			tok, err = shared.RenewToken(rctx, m.key, m.timeout, func(rctx context.Context, saved *Token) (*Token, error) {
				if m.usable(saved, rejected) {
					return nil, nil // another process renewed it: use theirs
				}
				return m.obtain(rctx, saved)
			})
		} else if tok, err = m.obtain(rctx, cur); err == nil {
			if err = m.store.Save(rctx, m.key, tok); err != nil {
				err = fmt.Errorf("saving the renewed token: %w", err)
			}
		}
		if err != nil {
			return nil, err
		}
		m.hold(tok)
		return tok, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Token), nil
}

// obtain asks the provider for a new token, renewing from cur, unless
// recent failures ask to wait first.
func (m *tokenManager) obtain(ctx context.Context, cur *Token) (*Token, error) {
	m.mu.Lock()
	if m.failures > 0 {
		wait := min(backoffMin<<min(m.failures-1, 20), backoffMax)
		if next := m.failedAt.Add(wait); m.now().Before(next) {
			err := fmt.Errorf("%w (not retried before %s)", m.lastErr, next.UTC().Format(time.RFC3339))
			m.mu.Unlock()
			return nil, err
		}
	}
	m.mu.Unlock()
	tok, err := m.renew(ctx, cur)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("the token endpoint answered without an access token")
	}
	if err != nil {
		m.mu.Lock()
		m.failures++
		m.failedAt, m.lastErr = m.now(), err
		m.mu.Unlock()
		return nil, err
	}
	if tok.RefreshToken == "" && cur != nil {
		tok.RefreshToken = cur.RefreshToken // providers that do not rotate omit it
	}
	tok.ObtainedAt = m.now()
	return tok, nil
}

// hold makes tok the token in use, after a renewal or a connect.
func (m *tokenManager) hold(tok *Token) {
	m.mu.Lock()
	m.tok, m.loaded, m.failures, m.lastErr = tok, true, 0, nil
	m.mu.Unlock()
}

// set stores and holds a token obtained outside a renewal (the OAuth code
// exchange).
func (m *tokenManager) set(ctx context.Context, tok *Token) error {
	tok.ObtainedAt = m.now()
	if err := m.store.Save(ctx, m.key, tok); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	m.hold(tok)
	return nil
}
