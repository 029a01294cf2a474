package store

import (
	"context"
	"errors"
	"time"
)

// Errors callers branch on.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("already exists")
	ErrLimitReached = errors.New("limit reached")
	ErrInUse        = errors.New("in use")
)

// Template is a stored integration template.
type Template struct {
	ID        string
	Key       string
	Name      string
	Provider  string
	Version   string
	BuiltIn   bool // shipped with Switchboard; does not count against the limit
	XML       []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Roles of API tokens.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
	RolePBX   = "pbx"
)

// APIToken is a credential for the HTTP API. Only its hash is kept.
type APIToken struct {
	ID        string
	Name      string
	Role      string
	Extension string // agents only
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
}

// PBXWebhook is a webhook URL for a PBX that cannot send an Authorization
// header: its secret is the URL's last path segment. Only the secret's
// hash is kept.
type PBXWebhook struct {
	ID        string
	Name      string
	Hash      []byte // SHA-256 of the secret
	CreatedAt time.Time
	RotatedAt time.Time // when the secret was last replaced; CreatedAt until then
}

// Integration statuses.
const (
	StatusConnected   = "connected"
	StatusAuthorizing = "authorizing"
	StatusFailed      = "failed"
)

// Integration is a template connected with its field values and settings.
type Integration struct {
	ID           string
	TemplateID   string
	Status       string
	StatusReason string
	Fields       map[string]string // plain custom field values
	Secrets      map[string]string // password field values; sealed at rest
	Settings     []byte            // JSON, validated by the service
	GlobalVars   map[string]string // GetGlobalInfo outputs
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// ConnectedAt is when the integration last passed its connection
	// check; zero if it never did.
	ConnectedAt time.Time
}

// Revisions are the revisions of an integration and its template.
type Revisions struct{ Integration, Template int64 }

// ConnectionState is what a connection check records on an integration.
type ConnectionState struct {
	Status, StatusReason string
	GlobalVars           map[string]string
	ConnectedAt          time.Time // zero: never connected
	UpdatedAt            time.Time
}

// ConnectionState is the part of an integration a connection check owns.
func (in *Integration) ConnectionState() ConnectionState {
	return ConnectionState{Status: in.Status, StatusReason: in.StatusReason, GlobalVars: in.GlobalVars,
		ConnectedAt: in.ConnectedAt, UpdatedAt: in.UpdatedAt}
}

// HelpdeskUser is a user of the integrated helpdesk, bound to extensions.
type HelpdeskUser struct {
	IntegrationID string
	UserID        string
	FirstName     string
	LastName      string
	Email         string
	Extensions    []string
}

// Extension is a PBX extension.
type Extension struct {
	Number    string
	FirstName string
	LastName  string
	Email     string
}

// Store is Switchboard's persistence. Implementations are safe for
// concurrent use.
type Store interface {
	// CreateTemplate adds a template. A custom template (not BuiltIn) is
	// refused with ErrLimitReached when maxCustom already exist; a taken Key
	// is ErrConflict.
	CreateTemplate(ctx context.Context, t *Template, maxCustom int) error
	// ReplaceTemplate replaces a template's content, keeping its id.
	ReplaceTemplate(ctx context.Context, t *Template) error
	GetTemplate(ctx context.Context, id string) (*Template, error)
	// TemplateRevision is a number that changes whenever the template's
	// content is replaced; ErrNotFound for an unknown template.
	TemplateRevision(ctx context.Context, id string) (int64, error)
	TemplateByKey(ctx context.Context, key string) (*Template, error)
	ListTemplates(ctx context.Context) ([]*Template, error)
	// DeleteTemplate refuses with ErrInUse while integrations use it.
	DeleteTemplate(ctx context.Context, id string) error

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	ListAPITokens(ctx context.Context) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, id string) error

	// CreatePBXWebhook adds a webhook; a taken Hash is ErrConflict.
	CreatePBXWebhook(ctx context.Context, w *PBXWebhook) error
	// PBXWebhookByHash finds the webhook whose secret hashes to hash;
	// ErrNotFound when none does.
	PBXWebhookByHash(ctx context.Context, hash []byte) (*PBXWebhook, error)
	ListPBXWebhooks(ctx context.Context) ([]*PBXWebhook, error)
	// RotatePBXWebhook replaces a webhook's hash and returns the webhook:
	// the old secret stops working at once. ErrNotFound for an unknown id.
	RotatePBXWebhook(ctx context.Context, id string, hash []byte, at time.Time) (*PBXWebhook, error)
	DeletePBXWebhook(ctx context.Context, id string) error

	CreateIntegration(ctx context.Context, in *Integration) error
	UpdateIntegration(ctx context.Context, in *Integration) error
	GetIntegration(ctx context.Context, id string) (*Integration, error)
	ListIntegrations(ctx context.Context) ([]*Integration, error)
	// Revisions returns numbers that change whenever the integration's row
	// or its template's does; ErrNotFound for an unknown integration.
	Revisions(ctx context.Context, integrationID string) (Revisions, error)
	// SetIntegrationStatus changes the status and its reason only if the
	// status is still from, so that a status seen by a call does not
	// overwrite one an administrator just set; ok is false otherwise (or
	// when the integration is gone).
	SetIntegrationStatus(ctx context.Context, id, from, status, reason string, at time.Time) (ok bool, err error)
	// SetConnectionState records a connection check or a status change
	// on an integration: its status and reason, GetGlobalInfo's outputs,
	// when it last connected and when it changed. Only these: a check
	// works on a copy read before a remote call, and writing the whole
	// copy back would undo what an administrator saved meanwhile (its
	// settings, its fields). ErrNotFound when the integration is gone.
	SetConnectionState(ctx context.Context, id string, st ConnectionState) error
	// DeleteIntegration removes it with its users, states and token.
	DeleteIntegration(ctx context.Context, id string) error

	// SaveOAuthState records an authorization request's state.
	SaveOAuthState(ctx context.Context, state, integrationID string, expires time.Time) error
	// TakeOAuthState consumes a state: it returns the integration it was
	// made for, once; ErrNotFound when unknown, used or expired.
	TakeOAuthState(ctx context.Context, state string, now time.Time) (string, error)

	// LoadToken returns the access token saved under key, opened, or nil
	// and no error when there is none. The bytes are the token holder's
	// (auth keeps a token's JSON); the store only seals them at rest.
	LoadToken(ctx context.Context, key string) ([]byte, error)
	// SaveToken replaces the token saved under key.
	SaveToken(ctx context.Context, key string, data []byte) error

	// ReplaceUsers sets the helpdesk users of an integration, keeping the
	// extension bindings of users that remain.
	ReplaceUsers(ctx context.Context, integrationID string, users []HelpdeskUser) error
	ListUsers(ctx context.Context, integrationID string) ([]HelpdeskUser, error)
	SetUserExtensions(ctx context.Context, integrationID, userID string, extensions []string) error

	PutExtension(ctx context.Context, e Extension) error
	GetExtension(ctx context.Context, number string) (*Extension, error)
	ListExtensions(ctx context.Context) ([]Extension, error)

	CallStore
	UserStore
	SignInThrottleStore
	LeaseStore
	SlotStore
	MessagingStore
	ChatJournalStore

	// Shared reports whether several processes share the store
	// (PostgreSQL), so limits and notifications must go through it.
	Shared() bool
	// Notifier returns the store's notifier, or nil when the store is not
	// shared (SQLite, one process).
	Notifier() Notifier

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}
