package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard/switchboard/internal/groupcommit"
)

// dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	name string
	// numbered placeholders ($1) instead of ?
	numbered bool
	// isUnique reports a unique-constraint violation.
	isUnique func(error) bool
	// lockTemplates serializes template creation in a transaction so the
	// limit of custom templates holds under concurrent uploads.
	lockTemplates string
}

// sqlStore implements Store over database/sql for both dialects.
type sqlStore struct {
	db *sql.DB
	// rdb serves the hot path's reads. On SQLite it is a pool of
	// read-only connections beside db's one writer (WAL lets them read
	// while it writes), so that reads do not queue behind writes for the
	// one connection: the call intake waited there behind every job's
	// reads. On PostgreSQL it is db.
	rdb  *sql.DB
	pool *pgxpool.Pool // PostgreSQL only: River's driver works on pgx
	// notifySuffix sets apart the notification channels of installations
	// that share a PostgreSQL database in different schemas: LISTEN and
	// NOTIFY are database-wide. Empty for the public schema.
	notifySuffix string
	d            dialect
	sealer       *Sealer
	steps        *groupcommit.Committer[*stepSave] // see stepWriter
}

func (s *sqlStore) q(query string) string {
	if !s.d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *sqlStore) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.q(query), args...)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// msOrZero stores the zero time ("never") as 0.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) Close() error {
	if s.pool != nil {
		s.pool.Close()
	}
	var err error
	if s.rdb != s.db {
		err = s.rdb.Close()
	}
	return errors.Join(s.db.Close(), err)
}

// --- templates

const templateCols = "id, key, name, provider, version, builtin, xml, created_at, updated_at"

func scanTemplate(row interface{ Scan(...any) error }) (*Template, error) {
	var t Template
	var builtin int
	var created, updated int64
	if err := row.Scan(&t.ID, &t.Key, &t.Name, &t.Provider, &t.Version, &builtin, &t.XML, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	t.BuiltIn, t.CreatedAt, t.UpdatedAt = builtin == 1, fromMS(created), fromMS(updated)
	return &t, nil
}

func (s *sqlStore) CreateTemplate(ctx context.Context, t *Template, maxCustom int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.d.lockTemplates != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockTemplates); err != nil {
			return err
		}
	}
	if !t.BuiltIn {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM templates WHERE builtin = 0").Scan(&n); err != nil {
			return err
		}
		if n >= maxCustom {
			return fmt.Errorf("%w: %d custom templates exist, the most allowed", ErrLimitReached, n)
		}
	}
	_, err = tx.ExecContext(ctx, s.q("INSERT INTO templates ("+templateCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		t.ID, t.Key, t.Name, t.Provider, t.Version, b2i(t.BuiltIn), t.XML, ms(t.CreatedAt), ms(t.UpdatedAt))
	if err != nil {
		if s.d.isUnique(err) {
			return fmt.Errorf("%w: a template with Key %q", ErrConflict, t.Key)
		}
		return err
	}
	return tx.Commit()
}

func (s *sqlStore) ReplaceTemplate(ctx context.Context, t *Template) error {
	err := affected(s.exec(ctx, "UPDATE templates SET key = ?, name = ?, provider = ?, version = ?, xml = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
		t.Key, t.Name, t.Provider, t.Version, t.XML, ms(t.UpdatedAt), t.ID))
	if err != nil && s.d.isUnique(err) {
		return fmt.Errorf("%w: a template with Key %q", ErrConflict, t.Key)
	}
	return err
}

func (s *sqlStore) GetTemplate(ctx context.Context, id string) (*Template, error) {
	return scanTemplate(s.rdb.QueryRowContext(ctx, s.q("SELECT "+templateCols+" FROM templates WHERE id = ?"), id))
}

// TemplateRevision returns a template's revision: it changes with every
// replacement of the template.
func (s *sqlStore) TemplateRevision(ctx context.Context, id string) (int64, error) {
	var rev int64
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT revision FROM templates WHERE id = ?"), id).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return rev, err
}

func (s *sqlStore) TemplateByKey(ctx context.Context, key string) (*Template, error) {
	return scanTemplate(s.rdb.QueryRowContext(ctx, s.q("SELECT "+templateCols+" FROM templates WHERE key = ?"), key))
}

func (s *sqlStore) ListTemplates(ctx context.Context) ([]*Template, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+templateCols+" FROM templates ORDER BY builtin DESC, key")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *sqlStore) DeleteTemplate(ctx context.Context, id string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM integrations WHERE template_id = ?"), id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %d integration(s) use this template; delete them first", ErrInUse, n)
	}
	return affected(s.exec(ctx, "DELETE FROM templates WHERE id = ?", id))
}

// --- API tokens

func (s *sqlStore) CreateAPIToken(ctx context.Context, t *APIToken) error {
	_, err := s.exec(ctx, "INSERT INTO api_tokens (id, name, role, extension, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		t.ID, t.Name, t.Role, t.Extension, t.Hash, ms(t.CreatedAt))
	if err != nil && s.d.isUnique(err) {
		return ErrConflict
	}
	return err
}

func scanAPIToken(row interface{ Scan(...any) error }) (*APIToken, error) {
	var t APIToken
	var created int64
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Extension, &t.Hash, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	return &t, nil
}

func (s *sqlStore) APITokenByHash(ctx context.Context, hash []byte) (*APIToken, error) {
	return scanAPIToken(s.rdb.QueryRowContext(ctx, s.q("SELECT id, name, role, extension, hash, created_at FROM api_tokens WHERE hash = ?"), hash))
}

func (s *sqlStore) ListAPITokens(ctx context.Context) ([]*APIToken, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, role, extension, hash, created_at FROM api_tokens ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *sqlStore) DeleteAPIToken(ctx context.Context, id string) error {
	return affected(s.exec(ctx, "DELETE FROM api_tokens WHERE id = ?", id))
}

// --- PBX webhooks

const pbxWebhookCols = "id, name, hash, created_at, rotated_at"

func (s *sqlStore) CreatePBXWebhook(ctx context.Context, w *PBXWebhook) error {
	_, err := s.exec(ctx, "INSERT INTO pbx_webhooks ("+pbxWebhookCols+") VALUES (?, ?, ?, ?, ?)",
		w.ID, w.Name, w.Hash, ms(w.CreatedAt), ms(w.RotatedAt))
	if err != nil && s.d.isUnique(err) {
		return ErrConflict
	}
	return err
}

func scanPBXWebhook(row interface{ Scan(...any) error }) (*PBXWebhook, error) {
	var w PBXWebhook
	var created, rotated int64
	if err := row.Scan(&w.ID, &w.Name, &w.Hash, &created, &rotated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	w.CreatedAt, w.RotatedAt = fromMS(created), fromMS(rotated)
	return &w, nil
}

func (s *sqlStore) PBXWebhookByHash(ctx context.Context, hash []byte) (*PBXWebhook, error) {
	return scanPBXWebhook(s.rdb.QueryRowContext(ctx, s.q("SELECT "+pbxWebhookCols+" FROM pbx_webhooks WHERE hash = ?"), hash))
}

func (s *sqlStore) ListPBXWebhooks(ctx context.Context) ([]*PBXWebhook, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+pbxWebhookCols+" FROM pbx_webhooks ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*PBXWebhook
	for rows.Next() {
		w, err := scanPBXWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (s *sqlStore) RotatePBXWebhook(ctx context.Context, id string, hash []byte, at time.Time) (*PBXWebhook, error) {
	err := affected(s.exec(ctx, "UPDATE pbx_webhooks SET hash = ?, rotated_at = ? WHERE id = ?", hash, ms(at), id))
	if err != nil && s.d.isUnique(err) {
		return nil, ErrConflict
	}
	if err != nil {
		return nil, err
	}
	return scanPBXWebhook(s.db.QueryRowContext(ctx, s.q("SELECT "+pbxWebhookCols+" FROM pbx_webhooks WHERE id = ?"), id))
}

func (s *sqlStore) DeletePBXWebhook(ctx context.Context, id string) error {
	return affected(s.exec(ctx, "DELETE FROM pbx_webhooks WHERE id = ?", id))
}

// --- integrations

const integrationCols = "id, template_id, status, status_reason, fields, secrets, settings, global_vars, created_at, updated_at, connected_at"

func (s *sqlStore) sealSecrets(in *Integration) ([]byte, error) {
	if len(in.Secrets) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(in.Secrets)
	if err != nil {
		return nil, err
	}
	return s.sealer.Seal(plain, []byte("integration:"+in.ID)), nil
}

func marshalMap(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

func (s *sqlStore) CreateIntegration(ctx context.Context, in *Integration) error {
	sealed, err := s.sealSecrets(in)
	if err != nil {
		return err
	}
	return s.insertIntegration(ctx, s.db, in, sealed)
}

// insertIntegration adds the row of an integration (or of a channel's),
// with its secrets already sealed.
func (s *sqlStore) insertIntegration(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, in *Integration, sealed []byte) error {
	_, err := db.ExecContext(ctx, s.q("INSERT INTO integrations ("+integrationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		in.ID, in.TemplateID, in.Status, in.StatusReason, marshalMap(in.Fields), sealed, settingsJSON(in.Settings),
		marshalMap(in.GlobalVars), ms(in.CreatedAt), ms(in.UpdatedAt), msOrZero(in.ConnectedAt))
	if err != nil && s.d.isUnique(err) {
		return ErrConflict
	}
	return err
}

func settingsJSON(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func (s *sqlStore) UpdateIntegration(ctx context.Context, in *Integration) error {
	sealed, err := s.sealSecrets(in)
	if err != nil {
		return err
	}
	return affected(s.exec(ctx, "UPDATE integrations SET template_id = ?, status = ?, status_reason = ?, fields = ?, secrets = ?, settings = ?, global_vars = ?, updated_at = ?, connected_at = ?, revision = revision + 1 WHERE id = ?",
		in.TemplateID, in.Status, in.StatusReason, marshalMap(in.Fields), sealed, settingsJSON(in.Settings),
		marshalMap(in.GlobalVars), ms(in.UpdatedAt), msOrZero(in.ConnectedAt), in.ID))
}

func (s *sqlStore) SetConnectionState(ctx context.Context, id string, st ConnectionState) error {
	return affected(s.exec(ctx, "UPDATE integrations SET status = ?, status_reason = ?, global_vars = ?, connected_at = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
		st.Status, st.StatusReason, marshalMap(st.GlobalVars), msOrZero(st.ConnectedAt), ms(st.UpdatedAt), id))
}

// Revisions returns the revisions of an integration and of its template:
// together they change whenever either row does.
func (s *sqlStore) Revisions(ctx context.Context, integrationID string) (Revisions, error) {
	var r Revisions
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT i.revision, t.revision FROM integrations i JOIN templates t ON t.id = i.template_id WHERE i.id = ?"),
		integrationID).Scan(&r.Integration, &r.Template)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

func (s *sqlStore) SetIntegrationStatus(ctx context.Context, id, from, status, reason string, at time.Time) (bool, error) {
	err := affected(s.exec(ctx, "UPDATE integrations SET status = ?, status_reason = ?, updated_at = ?, revision = revision + 1 WHERE id = ? AND status = ?",
		status, reason, ms(at), id, from))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (s *sqlStore) scanIntegration(row interface{ Scan(...any) error }) (*Integration, error) {
	var in Integration
	var fields, settings, global string
	var sealed []byte
	var created, updated, connected int64
	if err := row.Scan(&in.ID, &in.TemplateID, &in.Status, &in.StatusReason, &fields, &sealed, &settings, &global, &created, &updated, &connected); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	in.CreatedAt, in.UpdatedAt, in.Settings = fromMS(created), fromMS(updated), []byte(settings)
	if connected != 0 {
		in.ConnectedAt = fromMS(connected)
	}
	if err := json.Unmarshal([]byte(fields), &in.Fields); err != nil {
		return nil, fmt.Errorf("integration %s: fields: %w", in.ID, err)
	}
	if err := json.Unmarshal([]byte(global), &in.GlobalVars); err != nil {
		return nil, fmt.Errorf("integration %s: global vars: %w", in.ID, err)
	}
	in.Secrets = map[string]string{}
	if len(sealed) > 0 {
		plain, err := s.sealer.Open(sealed, []byte("integration:"+in.ID))
		if err != nil {
			return nil, fmt.Errorf("integration %s: %w", in.ID, err)
		}
		if err := json.Unmarshal(plain, &in.Secrets); err != nil {
			return nil, fmt.Errorf("integration %s: secrets: %w", in.ID, err)
		}
	}
	return &in, nil
}

func (s *sqlStore) GetIntegration(ctx context.Context, id string) (*Integration, error) {
	return s.scanIntegration(s.rdb.QueryRowContext(ctx, s.q("SELECT "+integrationCols+" FROM integrations WHERE id = ?"), id))
}

func (s *sqlStore) ListIntegrations(ctx context.Context) ([]*Integration, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+integrationCols+" FROM integrations ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Integration
	for rows.Next() {
		in, err := s.scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func (s *sqlStore) DeleteIntegration(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		"DELETE FROM helpdesk_users WHERE integration_id = ?",
		"DELETE FROM oauth_states WHERE integration_id = ?",
		"DELETE FROM auth_tokens WHERE key = ?",
	} {
		if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
			return err
		}
	}
	if err := affected(tx.ExecContext(ctx, s.q("DELETE FROM integrations WHERE id = ?"), id)); err != nil {
		return err
	}
	return tx.Commit()
}

// --- OAuth states

// States are kept hashed: the value is a bearer credential for the callback.
func stateHash(state string) []byte {
	sum := sha256.Sum256([]byte(state))
	return sum[:]
}

func (s *sqlStore) SaveOAuthState(ctx context.Context, state, integrationID string, expires time.Time) error {
	_, err := s.exec(ctx, "INSERT INTO oauth_states (state_hash, integration_id, expires_at) VALUES (?, ?, ?)",
		stateHash(state), integrationID, ms(expires))
	return err
}

func (s *sqlStore) TakeOAuthState(ctx context.Context, state string, now time.Time) (string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var id string
	var expires int64
	err = tx.QueryRowContext(ctx, s.q("SELECT integration_id, expires_at FROM oauth_states WHERE state_hash = ?"), stateHash(state)).Scan(&id, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	// Deleting decides who consumed it: of two concurrent callbacks, one
	// deletes the row and the other finds nothing to delete.
	if err := affected(tx.ExecContext(ctx, s.q("DELETE FROM oauth_states WHERE state_hash = ?"), stateHash(state))); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	if now.After(fromMS(expires)) {
		return "", ErrNotFound
	}
	return id, nil
}

// --- access tokens, as their holder's bytes

func (s *sqlStore) LoadToken(ctx context.Context, key string) ([]byte, error) {
	var sealed []byte
	err := s.db.QueryRowContext(ctx, s.q("SELECT sealed FROM auth_tokens WHERE key = ?"), key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.sealer.Open(sealed, []byte("token:"+key))
}

func (s *sqlStore) SaveToken(ctx context.Context, key string, data []byte) error {
	sealed := s.sealer.Seal(data, []byte("token:"+key))
	_, err := s.exec(ctx, "INSERT INTO auth_tokens (key, sealed, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
		key, sealed, ms(time.Now()))
	return err
}

// --- helpdesk users

func (s *sqlStore) ReplaceUsers(ctx context.Context, integrationID string, users []HelpdeskUser) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	bindings := map[string]string{}
	rows, err := tx.QueryContext(ctx, s.q("SELECT user_id, extensions FROM helpdesk_users WHERE integration_id = ?"), integrationID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, exts string
		if err := rows.Scan(&id, &exts); err != nil {
			rows.Close()
			return err
		}
		bindings[id] = exts
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM helpdesk_users WHERE integration_id = ?"), integrationID); err != nil {
		return err
	}
	for _, u := range users {
		exts := bindings[u.UserID]
		if exts == "" {
			exts = "[]"
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO helpdesk_users (integration_id, user_id, first_name, last_name, email, extensions) VALUES (?, ?, ?, ?, ?, ?)"),
			integrationID, u.UserID, u.FirstName, u.LastName, u.Email, exts); err != nil {
			if s.d.isUnique(err) {
				return fmt.Errorf("%w: user %s is listed twice", ErrConflict, u.UserID)
			}
			return err
		}
	}
	return tx.Commit()
}

func (s *sqlStore) ListUsers(ctx context.Context, integrationID string) ([]HelpdeskUser, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT user_id, first_name, last_name, email, extensions FROM helpdesk_users WHERE integration_id = ? ORDER BY user_id"), integrationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HelpdeskUser{}
	for rows.Next() {
		u := HelpdeskUser{IntegrationID: integrationID}
		var exts string
		if err := rows.Scan(&u.UserID, &u.FirstName, &u.LastName, &u.Email, &exts); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(exts), &u.Extensions); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *sqlStore) SetUserExtensions(ctx context.Context, integrationID, userID string, extensions []string) error {
	if extensions == nil {
		extensions = []string{}
	}
	b, _ := json.Marshal(extensions) // strings always marshal
	return affected(s.exec(ctx, "UPDATE helpdesk_users SET extensions = ? WHERE integration_id = ? AND user_id = ?", string(b), integrationID, userID))
}

// --- extensions

func (s *sqlStore) PutExtension(ctx context.Context, e Extension) error {
	_, err := s.exec(ctx, "INSERT INTO extensions (number, first_name, last_name, email) VALUES (?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email",
		e.Number, e.FirstName, e.LastName, e.Email)
	return err
}

func (s *sqlStore) GetExtension(ctx context.Context, number string) (*Extension, error) {
	var e Extension
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT number, first_name, last_name, email FROM extensions WHERE number = ?"), number).
		Scan(&e.Number, &e.FirstName, &e.LastName, &e.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

func (s *sqlStore) ListExtensions(ctx context.Context) ([]Extension, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT number, first_name, last_name, email FROM extensions ORDER BY number")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Extension{}
	for rows.Next() {
		var e Extension
		if err := rows.Scan(&e.Number, &e.FirstName, &e.LastName, &e.Email); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
