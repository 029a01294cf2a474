package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Account is a person who signs in to Switchboard's web console: not a
// helpdesk user, which belongs to an integration (HelpdeskUser). Names and
// e-mails are unique without regard to case.
type Account struct {
	ID        string
	Name      string
	Email     string // "" for none
	Role      string // RoleAdmin or RoleAgent
	Extension string // agents only
	// PasswordHash is the password's hash in PHC form ($argon2id$…); the
	// store keeps it as given and never sees the password.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// WebSession is a signed-in browser. Its ID is the hash of the token the
// browser holds; the token itself is not stored.
type WebSession struct {
	ID         string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// UserStore keeps the people who sign in, their web sessions and the
// one-time tokens that create the first admin.
type UserStore interface {
	// CreateAccount adds a person; a name or e-mail another account has
	// (in any case) is ErrConflict, saying which.
	CreateAccount(ctx context.Context, a *Account) error
	// CreateFirstAccount adds the first account with a setup token (by its
	// hash): only while there is no account and the token is known and
	// unexpired at now. Every setup token is spent with it. No account yet
	// but a bad token is ErrNotFound; accounts already there is
	// ErrConflict. Concurrent calls create one account at most.
	CreateFirstAccount(ctx context.Context, a *Account, setupTokenHash string, now time.Time) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	// AccountByName finds an account by name, without regard to case.
	AccountByName(ctx context.Context, name string) (*Account, error)
	// AccountByEmail finds an account by e-mail, without regard to case.
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	// ListAccounts lists every account, oldest first.
	ListAccounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount saves an account's e-mail, role, extension, password
	// hash, disabled flag and UpdatedAt (not its name).
	UpdateAccount(ctx context.Context, a *Account) error
	// CountAccounts says how many accounts there are.
	CountAccounts(ctx context.Context) (int, error)

	// SaveSetupToken keeps a setup token's hash until expires, and drops
	// the tokens expired at now.
	SaveSetupToken(ctx context.Context, hash string, expires, now time.Time) error

	CreateWebSession(ctx context.Context, s *WebSession) error
	GetWebSession(ctx context.Context, id string) (*WebSession, error)
	// TouchWebSession records that a session was used at at.
	TouchWebSession(ctx context.Context, id string, at time.Time) error
	DeleteWebSession(ctx context.Context, id string) error
	// DeleteUserWebSessions ends every session of a user and returns
	// their ids.
	DeleteUserWebSessions(ctx context.Context, userID string) ([]string, error)
	// UserWebSessionIDs lists the ids of a user's sessions.
	UserWebSessionIDs(ctx context.Context, userID string) ([]string, error)
	// DeleteStaleWebSessions drops the sessions last used before idle or
	// created before created, and says how many.
	DeleteStaleWebSessions(ctx context.Context, idle, created time.Time) (int64, error)
}

const accountCols = "id, name, email, role, extension, password_hash, disabled, created_at, updated_at"

func scanAccount(row interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var disabled int
	var created, updated int64
	if err := row.Scan(&a.ID, &a.Name, &a.Email, &a.Role, &a.Extension, &a.PasswordHash, &disabled, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	a.Disabled, a.CreatedAt, a.UpdatedAt = disabled == 1, fromMS(created), fromMS(updated)
	return &a, nil
}

// accountConflict names what another account already has.
func (s *sqlStore) accountConflict(err error, a *Account) error {
	if err == nil || !s.d.isUnique(err) {
		return err
	}
	// Both databases name the index in the error: users_email_key on
	// PostgreSQL, users.email_key on SQLite.
	if strings.Contains(err.Error(), "email_key") {
		return fmt.Errorf("%w: a user with the e-mail %q", ErrConflict, a.Email)
	}
	return fmt.Errorf("%w: a user named %q", ErrConflict, a.Name)
}

func (s *sqlStore) insertAccount(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, a *Account) error {
	_, err := db.ExecContext(ctx, s.q("INSERT INTO users (id, name, name_key, email, email_key, role, extension, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		a.ID, a.Name, strings.ToLower(a.Name), a.Email, strings.ToLower(a.Email), a.Role, a.Extension, a.PasswordHash, b2i(a.Disabled), ms(a.CreatedAt), ms(a.UpdatedAt))
	return s.accountConflict(err, a)
}

func (s *sqlStore) CreateAccount(ctx context.Context, a *Account) error {
	return s.insertAccount(ctx, s.db, a)
}

func (s *sqlStore) CreateFirstAccount(ctx context.Context, a *Account, setupTokenHash string, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Two setups with two different tokens must not both find no account:
	// on PostgreSQL they take turns; SQLite's transactions already do.
	if s.d.name == "postgres" {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(727319)"); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %d user(s) exist; setup is only for the first", ErrConflict, n)
	}
	var expires int64
	err = tx.QueryRowContext(ctx, s.q("SELECT expires_at FROM setup_tokens WHERE hash = ?"), setupTokenHash).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(fromMS(expires))) {
		return fmt.Errorf("%w: the setup token is unknown, used or expired", ErrNotFound)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
		return err
	}
	if err := s.insertAccount(ctx, tx, a); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqlStore) GetAccount(ctx context.Context, id string) (*Account, error) {
	return scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM users WHERE id = ?"), id))
}

func (s *sqlStore) AccountByName(ctx context.Context, name string) (*Account, error) {
	return scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM users WHERE name_key = ?"), strings.ToLower(name)))
}

func (s *sqlStore) AccountByEmail(ctx context.Context, email string) (*Account, error) {
	if email == "" {
		return nil, ErrNotFound
	}
	return scanAccount(s.db.QueryRowContext(ctx, s.q("SELECT "+accountCols+" FROM users WHERE email_key = ?"), strings.ToLower(email)))
}

func (s *sqlStore) ListAccounts(ctx context.Context) ([]*Account, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+accountCols+" FROM users ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *sqlStore) UpdateAccount(ctx context.Context, a *Account) error {
	err := affected(s.exec(ctx, "UPDATE users SET email = ?, email_key = ?, role = ?, extension = ?, password_hash = ?, disabled = ?, updated_at = ? WHERE id = ?",
		a.Email, strings.ToLower(a.Email), a.Role, a.Extension, a.PasswordHash, b2i(a.Disabled), ms(a.UpdatedAt), a.ID))
	return s.accountConflict(err, a)
}

func (s *sqlStore) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

func (s *sqlStore) SaveSetupToken(ctx context.Context, hash string, expires, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// What has expired is of no use to anyone.
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM setup_tokens WHERE expires_at <= ?"), ms(now)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO setup_tokens (hash, expires_at) VALUES (?, ?)"), hash, ms(expires)); err != nil {
		if s.d.isUnique(err) {
			return ErrConflict
		}
		return err
	}
	return tx.Commit()
}

// --- web sessions

func (s *sqlStore) CreateWebSession(ctx context.Context, ws *WebSession) error {
	_, err := s.exec(ctx, "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
		ws.ID, ws.UserID, ws.CSRFToken, ms(ws.CreatedAt), ms(ws.LastSeenAt))
	if err != nil && s.d.isUnique(err) {
		return ErrConflict
	}
	return err
}

func (s *sqlStore) GetWebSession(ctx context.Context, id string) (*WebSession, error) {
	var ws WebSession
	var created, seen int64
	err := s.db.QueryRowContext(ctx, s.q("SELECT id_hash, user_id, csrf_token, created_at, last_seen_at FROM web_sessions WHERE id_hash = ?"), id).
		Scan(&ws.ID, &ws.UserID, &ws.CSRFToken, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ws.CreatedAt, ws.LastSeenAt = fromMS(created), fromMS(seen)
	return &ws, nil
}

func (s *sqlStore) TouchWebSession(ctx context.Context, id string, at time.Time) error {
	return affected(s.exec(ctx, "UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?", ms(at), id))
}

func (s *sqlStore) DeleteWebSession(ctx context.Context, id string) error {
	return affected(s.exec(ctx, "DELETE FROM web_sessions WHERE id_hash = ?", id))
}

// sessionIDs collects the ids a query returns.
func sessionIDs(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *sqlStore) DeleteUserWebSessions(ctx context.Context, userID string) ([]string, error) {
	return sessionIDs(s.db.QueryContext(ctx, s.q("DELETE FROM web_sessions WHERE user_id = ? RETURNING id_hash"), userID))
}

func (s *sqlStore) UserWebSessionIDs(ctx context.Context, userID string) ([]string, error) {
	return sessionIDs(s.db.QueryContext(ctx, s.q("SELECT id_hash FROM web_sessions WHERE user_id = ? ORDER BY created_at, id_hash"), userID))
}

func (s *sqlStore) DeleteStaleWebSessions(ctx context.Context, idle, created time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM web_sessions WHERE last_seen_at < ? OR created_at < ?", ms(idle), ms(created))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
