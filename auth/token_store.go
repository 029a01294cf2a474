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

// MemoryStore keeps tokens in memory, for one process's life.
type MemoryStore struct {
	mu     sync.Mutex
	tokens map[string]Token
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
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".tokens-*.json")
	if err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the token: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("saving the token: %w", err)
	}
	return nil
}
