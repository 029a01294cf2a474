package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/renameio/v2"
)

// Token is an access token with what is needed to renew it.
type Token struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`      // zero: the provider gave no lifetime
	ObtainedAt   time.Time `json:"obtained_at,omitzero"` // when Switchboard received it
}

// TokenStore keeps the tokens of integrations. A renewed token — and with
// it a rotated refresh token — is saved before it is used, so a crash never
// leaves Switchboard holding only a refresh token the provider has already
// replaced.
type TokenStore interface {
	// Load returns the token saved under key, or nil and no error when
	// there is none.
	Load(ctx context.Context, key string) (*Token, error)
	// Save replaces the token saved under key.
	Save(ctx context.Context, key string, tok *Token) error
}

// SharedTokenStore is a TokenStore that several token holders share: the
// replicas of the service on one database, or several authorizers of one
// process. Providers that rotate refresh tokens accept each one once, so
// holders must not renew a token side by side: the second would refresh
// with the refresh token the first just spent, get invalid_grant, and the
// integration would need a new authorization. Renewing through RenewToken,
// they take turns, and each looks at the saved token before it asks the
// provider for a new one.
//
// MemoryStore implements it for one process, DatabaseStore for the
// replicas on one database.
type SharedTokenStore interface {
	TokenStore
	// RenewToken waits, until ctx ends, for the renewal lease of key; then
	// it calls renew with the token saved under key (nil if none) and
	// saves what renew returns, or keeps the saved token when renew returns
	// nil; it releases the lease and returns the token now saved. renew's
	// context ends after ttl, before the lease lapses, so a lease never
	// lapses while its renewal runs, and the lease of a holder that died
	// lapses soon after ttl.
	RenewToken(ctx context.Context, key string, ttl time.Duration, renew func(ctx context.Context, saved *Token) (*Token, error)) (*Token, error)
}

// MemoryStore keeps tokens in memory, for one process's life. Authorizers
// that share one take turns renewing (it is a SharedTokenStore).
type MemoryStore struct {
	mu      sync.Mutex
	tokens  map[string]Token
	renewal chan struct{} // holds one value while a renewal runs; made on first use
}

// Load implements TokenStore.
func (s *MemoryStore) Load(_ context.Context, key string) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[key]
	if !ok {
		return nil, nil
	}
	return &tok, nil
}

// Save implements TokenStore.
func (s *MemoryStore) Save(_ context.Context, key string, tok *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]Token{}
	}
	s.tokens[key] = *tok
	return nil
}

// RenewToken implements SharedTokenStore. In one process a semaphore is
// the lease: no database connection is held while renew calls the
// provider, so waiting on it is cheap. One renewal at a time for all keys
// is enough for the few authorizers a process keeps in memory.
func (s *MemoryStore) RenewToken(ctx context.Context, key string, ttl time.Duration, renew func(context.Context, *Token) (*Token, error)) (*Token, error) {
	s.mu.Lock()
	if s.renewal == nil {
		s.renewal = make(chan struct{}, 1)
	}
	sem := s.renewal
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another renewal of the token: %w", ctx.Err())
	}
	defer func() { <-sem }()
	return renewSaved(ctx, s, key, ttl, renew)
}

// renewSaved is a renewal once its caller holds the turn (a lease, a
// semaphore): it reads the saved token, lets renew decide within ttl — nil
// keeps the saved one — and saves what renew returns. The save is not
// bound to ctx: the provider has issued the token, may have spent the saved
// refresh token to do it, and this one may be the only live one left.
func renewSaved(ctx context.Context, ts TokenStore, key string, ttl time.Duration, renew func(context.Context, *Token) (*Token, error)) (*Token, error) {
	saved, err := ts.Load(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("loading the stored token: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	tok, err := renew(rctx, saved)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return saved, nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := ts.Save(sctx, key, tok); err != nil {
		return nil, fmt.Errorf("saving the renewed token: %w", err)
	}
	return tok, nil
}

// FileStore keeps tokens in one JSON file readable only by its owner, for
// the command line. The service keeps them encrypted in its database.
// Writes go to a temporary file renamed over the old one, so the file is
// never half-written.
type FileStore struct {
	Path string
	mu   sync.Mutex
}

// DefaultTokenFile is where the command line keeps tokens:
// <user config dir>/switchboard/tokens.json.
func DefaultTokenFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "switchboard", "tokens.json")
}

func (s *FileStore) read() (map[string]Token, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Token{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the token file: %w", err)
	}
	tokens := map[string]Token{}
	if err := json.Unmarshal(data, &tokens); err != nil {
		return nil, fmt.Errorf("token file %s is not valid JSON: %w", s.Path, err)
	}
	return tokens, nil
}

// Load implements TokenStore.
func (s *FileStore) Load(_ context.Context, key string) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tokens, err := s.read()
	if err != nil {
		return nil, err
	}
	tok, ok := tokens[key]
	if !ok {
		return nil, nil
	}
	return &tok, nil
}

// Save implements TokenStore.
func (s *FileStore) Save(_ context.Context, key string, tok *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tokens, err := s.read()
	if err != nil {
		return err
	}
	tokens[key] = *tok
	data, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("creating the token directory: %w", err)
	}
	if err := renameio.WriteFile(s.Path, data, 0o600); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	return nil
}
