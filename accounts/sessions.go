package accounts

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard/switchboard/store"
)

// Session is a signed-in browser.
type Session struct {
	// ID names the session (the SHA-256 of its token): what signs it out
	// and what its open streams are ended by. It is not a credential.
	ID string
	// Token is the browser's credential, for its cookie: set only by
	// SignIn, and never stored.
	Token string
	// CSRFToken must come back with every request that changes something.
	CSRFToken string
	User      User
	CreatedAt time.Time
	// ExpiresAt is when the session ends however busy it is; it ends
	// sooner when idle for IdleTimeout.
	ExpiresAt time.Time
}

// SignIn checks a name or e-mail (login) and password and opens a session.
// addr is the client's address, for throttling. Every wrong name or
// password is ErrBadCredentials; too many failures of the account or the
// address are a *ThrottledError, checked before the password is.
func (s *Service) SignIn(ctx context.Context, login, password, addr string) (*Session, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return nil, invalid("login", "login is required: your name or e-mail")
	}
	if password == "" {
		return nil, invalid("password", "password is required")
	}
	now := s.now()
	try, err := s.throttle.begin(ctx, now,
		limit{"login:" + strings.ToLower(login), s.cfg.MaxFailures},
		limit{"addr:" + addr, s.cfg.MaxFailuresPerAddress})
	var throttled *ThrottledError
	if errors.As(err, &throttled) {
		// Not the login: people type their password there by mistake.
		s.log.Warn("sign-in throttled", slog.String("addr", addr))
	}
	if err != nil {
		return nil, err
	}
	a, err := s.accountByLogin(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	hash := ""
	if a != nil {
		hash = a.PasswordHash
	}
	ok := false
	stale := false
	if len(password) <= 4*MaxPasswordLength {
		if ok, stale, err = s.hasher.check(ctx, password, hash); err != nil {
			return nil, err
		}
	}
	if !ok {
		s.log.Info("sign-in refused", slog.String("addr", addr))
		return nil, ErrBadCredentials
	}
	if err := try.succeeded(ctx); err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, ErrDisabled
	}
	if stale {
		s.rehash(ctx, a, password)
	}
	return s.open(ctx, a, now)
}

// accountByLogin finds an account by e-mail (a login with an @) or name.
func (s *Service) accountByLogin(ctx context.Context, login string) (*store.Account, error) {
	if strings.Contains(login, "@") {
		return s.store.AccountByEmail(ctx, login)
	}
	return s.store.AccountByName(ctx, login)
}

// rehash keeps a password's hash at the current cost; failing that, the
// old hash still works.
func (s *Service) rehash(ctx context.Context, a *store.Account, password string) {
	hash, err := s.hasher.hash(ctx, password)
	if err == nil {
		a.PasswordHash = hash
		err = s.store.UpdateAccount(ctx, a)
	}
	if err != nil {
		s.log.Warn("making a password hash again at the current cost", slog.String("user", a.ID), slog.Any("err", err))
	}
}

// open starts a session of an account.
func (s *Service) open(ctx context.Context, a *store.Account, now time.Time) (*Session, error) {
	// Sessions nobody signed out of are dropped now and then: at each
	// sign-in is often enough.
	if _, err := s.store.DeleteStaleWebSessions(ctx, now.Add(-s.cfg.IdleTimeout), now.Add(-s.cfg.AbsoluteTimeout)); err != nil {
		s.log.Warn("dropping expired web sessions", slog.Any("err", err))
	}
	token := randomToken()
	ws := &store.WebSession{ID: tokenHash(token), UserID: a.ID, CSRFToken: randomToken(), CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateWebSession(ctx, ws); err != nil {
		return nil, err
	}
	s.log.Info("signed in", slog.String("user", a.ID))
	return &Session{ID: ws.ID, Token: token, CSRFToken: ws.CSRFToken, User: userOf(a), CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.AbsoluteTimeout)}, nil
}

// touchEvery is how stale a session's last use may be before a request
// records it again: not every request needs a write.
func (s *Service) touchEvery() time.Duration { return min(time.Minute, s.cfg.IdleTimeout/4) }

// Authenticate returns the session of a token (a cookie's value), and
// records its use. An unknown, signed-out or expired session, or one whose
// account is disabled, is ErrNotSignedIn.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrNotSignedIn
	}
	ws, err := s.store.GetWebSession(ctx, tokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotSignedIn
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(ws.CreatedAt.Add(s.cfg.AbsoluteTimeout)) || !now.Before(ws.LastSeenAt.Add(s.cfg.IdleTimeout)) {
		return nil, s.drop(ctx, ws.ID)
	}
	a, err := s.store.GetAccount(ctx, ws.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Disabled) {
		return nil, s.drop(ctx, ws.ID)
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(ws.LastSeenAt) >= s.touchEvery() {
		if err := s.store.TouchWebSession(ctx, ws.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return &Session{ID: ws.ID, CSRFToken: ws.CSRFToken, User: userOf(a), CreatedAt: ws.CreatedAt,
		ExpiresAt: ws.CreatedAt.Add(s.cfg.AbsoluteTimeout)}, nil
}

// drop deletes a session that has ended, and answers ErrNotSignedIn.
func (s *Service) drop(ctx context.Context, id string) error {
	if err := s.store.DeleteWebSession(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return ErrNotSignedIn
}

// SignOut ends a session (by its ID). A session already gone is no error.
func (s *Service) SignOut(ctx context.Context, sessionID string) error {
	if err := s.store.DeleteWebSession(ctx, sessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// SessionIDs lists the ids of an account's sessions.
func (s *Service) SessionIDs(ctx context.Context, userID string) ([]string, error) {
	return s.store.UserWebSessionIDs(ctx, userID)
}
