package accounts

import (
	"context"
	"errors"
	"log/slog"

	"github.com/switchboard/switchboard/store"
)

// SetupNeeded reports whether there is no account yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.store.CountAccounts(ctx)
	return n == 0, err
}

// EnsureSetupToken makes a one-time token that creates the first admin
// (CompleteSetup), while there is no account: it returns it, once (only
// its hash is kept), valid for SetupTokenTTL. With accounts already there
// it returns "". Each call makes a new token; earlier ones stay valid
// until they expire or one of them is used.
func (s *Service) EnsureSetupToken(ctx context.Context) (string, error) {
	needed, err := s.SetupNeeded(ctx)
	if err != nil || !needed {
		return "", err
	}
	token := randomToken()
	now := s.now()
	if err := s.store.SaveSetupToken(ctx, tokenHash(token), now.Add(s.cfg.SetupTokenTTL), now); err != nil {
		return "", err
	}
	return token, nil
}

// CompleteSetup creates the first admin with a setup token, and spends
// every setup token. Once an account exists it is ErrSetupDone; a token
// unknown, used or expired is ErrBadSetupToken; bad input an
// *InvalidError.
func (s *Service) CompleteSetup(ctx context.Context, token, name, email, password string) (*User, error) {
	needed, err := s.SetupNeeded(ctx)
	if err != nil {
		return nil, err
	}
	if !needed {
		return nil, ErrSetupDone
	}
	if token == "" {
		return nil, ErrBadSetupToken
	}
	a, err := s.account(ctx, NewUser{Name: name, Email: email, Role: RoleAdmin, Password: password})
	if err != nil {
		return nil, err
	}
	switch err := s.store.CreateFirstAccount(ctx, a, tokenHash(token), s.now()); {
	case errors.Is(err, store.ErrConflict):
		return nil, ErrSetupDone
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrBadSetupToken
	case err != nil:
		return nil, err
	}
	s.log.Info("first admin created", slog.String("user", a.ID), slog.String("name", a.Name))
	u := userOf(a)
	return &u, nil
}
