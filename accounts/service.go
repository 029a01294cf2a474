package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"time"
)

// Service keeps accounts, signs people in and out, and checks sessions.
// It is safe for concurrent use.
type Service struct {
	cfg      Config
	store    Store
	log      *slog.Logger
	hasher   *hasher
	throttle *throttle
}

// New returns a service.
func New(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	return &Service{cfg: cfg, store: cfg.Store, log: cfg.Log, hasher: newHasher(cfg.Hash), throttle: newThrottle(cfg.Store, cfg.FailureWindow)}, nil
}

// now is the clock at the store's precision, so that what the service
// answers is what a later read of the store gives.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// randomToken is 32 random bytes, URL-safe: a session's cookie, a CSRF
// token, a setup token.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what is stored of a token: its SHA-256, in hex.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
