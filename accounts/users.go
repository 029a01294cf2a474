package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard/switchboard/store"
)

// Roles of accounts.
const (
	RoleAdmin = store.RoleAdmin
	RoleAgent = store.RoleAgent
)

// User is an account as callers see it: never its password hash.
type User struct {
	ID        string
	Name      string
	Email     string
	Role      string
	Extension string // agents only
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func userOf(a *store.Account) User {
	return User{ID: a.ID, Name: a.Name, Email: a.Email, Role: a.Role, Extension: a.Extension, Disabled: a.Disabled,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// NewUser is what an account is made of.
type NewUser struct {
	Name      string // required; unique without regard to case; no @
	Email     string // optional; unique without regard to case
	Role      string // RoleAdmin or RoleAgent
	Extension string // required for agents (an extension that exists), none for admins
	Password  string // at least MinPasswordLength characters
}

// Change is a change of an account's role or extension; nil leaves it.
// An account made admin loses its extension unless one is given (which
// is refused).
type Change struct {
	Role      *string
	Extension *string
}

// checkName says what is wrong with an account's name.
func checkName(name string) error {
	switch {
	case name == "":
		return invalid("name", "name is required: the name people sign in with")
	case strings.Contains(name, "@"):
		return invalid("name", "name %q has an @: a name with one could be taken for an e-mail at sign-in", name)
	case len(name) > 100:
		return invalid("name", "name is too long: at most 100 bytes")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return invalid("name", "name %q has a control character", name)
	}
	return nil
}

// checkEmail says what is wrong with an e-mail ("" is none).
func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return invalid("email", "email %q is not an e-mail address like dana@example.com", email)
	}
	return nil
}

// checkRole says what is wrong with a role and an extension together; an
// agent's extension must exist.
func (s *Service) checkRole(ctx context.Context, role, extension string) error {
	switch role {
	case RoleAdmin:
		if extension != "" {
			return invalid("extension", "only agents have an extension; an admin sees every extension's events")
		}
		return nil
	case RoleAgent:
		if extension == "" {
			return invalid("extension", "an agent needs the extension of their phone")
		}
		_, err := s.store.GetExtension(ctx, extension)
		if errors.Is(err, store.ErrNotFound) {
			return invalid("extension", "extension %s does not exist; add it first", extension)
		}
		return err
	case "":
		return invalid("role", "role is required: admin or agent")
	}
	return invalid("role", "role %q is not one of admin, agent", role)
}

// account checks a new user and makes its account, password hashed.
func (s *Service) account(ctx context.Context, in NewUser) (*store.Account, error) {
	in.Name, in.Email, in.Extension = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Extension)
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := checkEmail(in.Email); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, in.Role, in.Extension); err != nil {
		return nil, err
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &store.Account{ID: store.NewID("usr"), Name: in.Name, Email: in.Email, Role: in.Role, Extension: in.Extension,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

// CreateUser adds an account. Bad input is an *InvalidError naming the
// field; a name or e-mail taken is store.ErrConflict, wrapped.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	a, err := s.account(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		return nil, err
	}
	s.log.Info("user created", slog.String("user", a.ID), slog.String("name", a.Name), slog.String("role", a.Role))
	u := userOf(a)
	return &u, nil
}

// ListUsers lists every account, oldest first.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	list, err := s.store.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(list))
	for _, a := range list {
		out = append(out, userOf(a))
	}
	return out, nil
}

func (s *Service) get(ctx context.Context, id string) (*store.Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("user %s: %w", id, err)
	}
	return a, err
}

// GetUser returns an account; an unknown id is store.ErrNotFound, wrapped.
func (s *Service) GetUser(ctx context.Context, id string) (*User, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	u := userOf(a)
	return &u, nil
}

// lastAdmin refuses a change that would leave no enabled admin.
func (s *Service) lastAdmin(ctx context.Context, a *store.Account) error {
	if a.Role != RoleAdmin || a.Disabled {
		return nil
	}
	list, err := s.store.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.ID != a.ID && o.Role == RoleAdmin && !o.Disabled {
			return nil
		}
	}
	return ErrLastAdmin
}

// DisableUser disables an account and ends its sessions; it returns their
// ids, whose open streams must end too. The last enabled admin is
// refused (ErrLastAdmin).
func (s *Service) DisableUser(ctx context.Context, id string) (*User, []string, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.lastAdmin(ctx, a); err != nil {
		return nil, nil, err
	}
	if !a.Disabled {
		a.Disabled, a.UpdatedAt = true, s.now()
		if err := s.store.UpdateAccount(ctx, a); err != nil {
			return nil, nil, err
		}
	}
	// After the flag: a session checked in between finds it disabled.
	ended, err := s.store.DeleteUserWebSessions(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	s.log.Info("user disabled", slog.String("user", a.ID), slog.Int("sessions_ended", len(ended)))
	u := userOf(a)
	return &u, ended, nil
}

// EnableUser lets a disabled account sign in again.
func (s *Service) EnableUser(ctx context.Context, id string) (*User, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		a.Disabled, a.UpdatedAt = false, s.now()
		if err := s.store.UpdateAccount(ctx, a); err != nil {
			return nil, err
		}
		s.log.Info("user enabled", slog.String("user", a.ID))
	}
	u := userOf(a)
	return &u, nil
}

// SetPassword replaces an account's password and ends its sessions (who
// knew the old one is signed out); it returns their ids, whose open
// streams must end too.
func (s *Service) SetPassword(ctx context.Context, id, password string) ([]string, error) {
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.PasswordHash, err = s.hasher.hash(ctx, password); err != nil {
		return nil, err
	}
	a.UpdatedAt = s.now()
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return nil, err
	}
	ended, err := s.store.DeleteUserWebSessions(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	s.log.Info("password set", slog.String("user", a.ID), slog.Int("sessions_ended", len(ended)))
	return ended, nil
}

// UpdateUser changes an account's role or extension. It returns the ids
// of the account's sessions: they stay signed in, but their open streams
// must end, to be opened again with what the account now sees.
func (s *Service) UpdateUser(ctx context.Context, id string, c Change) (*User, []string, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	role, ext := a.Role, a.Extension
	if c.Role != nil {
		role = *c.Role
		if role == RoleAdmin && c.Extension == nil {
			ext = "" // admins have none
		}
	}
	if c.Extension != nil {
		ext = strings.TrimSpace(*c.Extension)
	}
	if err := s.checkRole(ctx, role, ext); err != nil {
		return nil, nil, err
	}
	if role != RoleAdmin {
		if err := s.lastAdmin(ctx, a); err != nil {
			return nil, nil, err
		}
	}
	a.Role, a.Extension, a.UpdatedAt = role, ext, s.now()
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return nil, nil, err
	}
	sessions, err := s.store.UserWebSessionIDs(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	u := userOf(a)
	return &u, sessions, nil
}
