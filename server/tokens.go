package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/store"
)

// NewAPIToken returns a new API token and its stored form. The token is
// shown once; only its SHA-256 is kept.
func NewAPIToken(role, extension, name string, now time.Time) (string, *store.APIToken) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token := "sb_" + base64.RawURLEncoding.EncodeToString(b)
	return token, &store.APIToken{ID: newID("tok"), Name: name, Role: role, Extension: extension, Hash: hashToken(token), CreatedAt: now}
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newID(prefix string) string { return store.NewID(prefix) }

type principalKey struct{}

// principal is who is calling: an API token's holder, or a person signed
// in to the web console.
type principal struct {
	Role      string
	Extension string
	// TokenID names the credential, which ends the event streams it
	// opened when revoked: an API token's id, "env" for
	// SWITCHBOARD_ADMIN_TOKEN, or "session:<id>" for a web session.
	TokenID string
	// UserID is a web session's account; "" for API tokens.
	UserID string
	// session is the web session, for a caller signed in; nil for API
	// tokens.
	session *accounts.Session
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// authorize admits callers with one of the roles: those with a Bearer API
// token, and people signed in to the web console (the sb_session cookie,
// and the X-CSRF-Token header for anything but GET, HEAD and OPTIONS).
// 401 without a valid credential, 403 with the wrong role or no CSRF
// token.
func (s *Server) authorize(h handler, roles ...string) http.Handler {
	return s.guard(h, true, roles)
}

// authorizeToken admits callers whose Bearer API token has one of the
// roles, and no web session: the routes a PBX or a script posts to, never
// a person's browser.
func (s *Server) authorizeToken(h handler, roles ...string) http.Handler {
	return s.guard(h, false, roles)
}

func (s *Server) guard(h handler, sessions bool, roles []string) http.Handler {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.identify(w, r, sessions)
		if err != nil {
			return err
		}
		if !slices.Contains(roles, p.Role) {
			return errorf(http.StatusForbidden, "forbidden", "this needs the role %s; the caller has %s", strings.Join(roles, " or "), p.Role)
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// identify finds who is calling: a Bearer token, when there is an
// Authorization header, else the session cookie when sessions count.
func (s *Server) identify(w http.ResponseWriter, r *http.Request, sessions bool) (principal, error) {
	if r.Header.Get("Authorization") == "" && sessions {
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			return s.sessionPrincipal(w, r, c.Value)
		}
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	raw = strings.TrimSpace(raw)
	if !ok || raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		if sessions {
			return principal{}, errorf(http.StatusUnauthorized, "unauthorized", "sign in, or send an API token: Authorization: Bearer <token>")
		}
		return principal{}, errorf(http.StatusUnauthorized, "unauthorized", "an API token is required: Authorization: Bearer <token>")
	}
	if s.cfg.AdminToken != "" && subtle.ConstantTimeCompare([]byte(raw), []byte(s.cfg.AdminToken)) == 1 {
		return principal{Role: store.RoleAdmin, TokenID: "env"}, nil
	}
	tok, err := s.store.APITokenByHash(r.Context(), hashToken(raw))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
		return principal{}, errorf(http.StatusUnauthorized, "unauthorized", "the API token is not valid")
	}
	return principal{Role: tok.Role, Extension: tok.Extension, TokenID: tok.ID}, nil
}

type tokenView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Extension string    `json:"extension,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role      string `json:"role"`
		Extension string `json:"extension"`
		Name      string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	switch in.Role {
	case store.RoleAdmin, store.RolePBX:
		if in.Extension != "" {
			return badRequest("only agent tokens are bound to an extension")
		}
	case store.RoleAgent:
		if strings.TrimSpace(in.Extension) == "" {
			return badRequest("an agent token needs the agent's extension")
		}
	default:
		return badRequest("role %q is not one of admin, agent, pbx", in.Role)
	}
	if strings.TrimSpace(in.Name) == "" {
		return badRequest("name is required: say what the token is for")
	}
	token, t := NewAPIToken(in.Role, in.Extension, in.Name, s.now())
	if err := s.store.CreateAPIToken(r.Context(), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "token": token, "role": t.Role, "name": t.Name})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListAPITokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenView, 0, len(list))
	for _, t := range list {
		out = append(out, tokenView{t.ID, t.Name, t.Role, t.Extension, t.CreatedAt})
	}
	writeJSON(w, 200, map[string]any{"tokens": out})
	return nil
}

// deleteToken revokes a token: it no longer authenticates, and the event
// streams it opened end, on every replica.
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.DeleteAPIToken(r.Context(), id); err != nil {
		if err == store.ErrNotFound {
			return notFound("token")
		}
		return err
	}
	s.revoke(r.Context(), id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
