package server

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/accounts"
)

// The web console's credentials: the session's token in a cookie the
// page's scripts cannot read, and its CSRF token, which they can (from
// sign-in or /auth/me), in a header of every request that changes
// something. A cross-site form can send the cookie but not the header.
const (
	sessionCookie = "sb_session"
	csrfHeader    = "X-CSRF-Token"
)

// sessionCredential is the credential of a web session's event streams:
// what ends them when it signs out or its account is disabled.
func sessionCredential(sessionID string) string { return "session:" + sessionID }

// sessionPrincipal is who a session cookie belongs to; a request that
// changes something must carry the session's CSRF token.
func (s *Server) sessionPrincipal(w http.ResponseWriter, r *http.Request, token string) (principal, error) {
	sess, err := s.accounts.Authenticate(r.Context(), token)
	if errors.Is(err, accounts.ErrNotSignedIn) {
		s.clearSessionCookie(w, r)
		return principal{}, errorf(http.StatusUnauthorized, "unauthorized", "%s", err.Error())
	}
	if err != nil {
		return principal{}, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := r.Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return principal{}, errorf(http.StatusForbidden, "csrf",
				"this request needs the header %s with the session's CSRF token (csrfToken from sign-in or GET /api/v1/auth/me)", csrfHeader)
		}
	}
	p := principal{Role: sess.User.Role, TokenID: sessionCredential(sess.ID), UserID: sess.User.ID, session: sess}
	if p.Role == accounts.RoleAgent {
		p.Extension = sess.User.Extension
	}
	return p, nil
}

// pageRole answers the console, for a page request, the role of the
// person signed in with its cookie, or "" for nobody (or an error: the
// page then sends the browser to sign in, and the API says what failed).
func (s *Server) pageRole(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	sess, err := s.accounts.Authenticate(r.Context(), c.Value)
	if err != nil {
		return ""
	}
	return sess.User.Role
}

// secure reports whether cookies should be Secure: the service is public
// over https, or this request came over TLS.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess *accounts.Session) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(r), MaxAge: int(sess.ExpiresAt.Sub(s.now()).Round(time.Second) / time.Second)})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(r), MaxAge: -1})
}

// clientAddr is the address sign-ins are throttled by: the connection's
// peer (behind a reverse proxy, the proxy's: every client shares its
// count).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// accountView is an account as the API shows it: never its password hash.
type accountView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Extension string    `json:"extension"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewAccount(u accounts.User) accountView {
	return accountView{u.ID, u.Name, u.Email, u.Role, u.Extension, u.Disabled, u.CreatedAt, u.UpdatedAt}
}

// accountsError answers the refusals of the accounts service with their
// status and code; anything else goes on to writeError as it is.
func accountsError(w http.ResponseWriter, err error) error {
	var invalid *accounts.InvalidError
	var throttled *accounts.ThrottledError
	switch {
	case errors.As(err, &invalid):
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: invalid.Message, Details: map[string]string{"field": invalid.Field}}
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(throttled.Seconds()))
		return errorf(http.StatusTooManyRequests, "throttled", "%s", throttled.Error())
	case errors.Is(err, accounts.ErrBadCredentials):
		return errorf(http.StatusUnauthorized, "bad_credentials", "%s", err.Error())
	case errors.Is(err, accounts.ErrDisabled):
		return errorf(http.StatusForbidden, "disabled", "%s", err.Error())
	case errors.Is(err, accounts.ErrSetupDone):
		return errorf(http.StatusConflict, "setup_done", "%s", err.Error())
	case errors.Is(err, accounts.ErrBadSetupToken):
		return errorf(http.StatusForbidden, "bad_setup_token", "%s", err.Error())
	case errors.Is(err, accounts.ErrLastAdmin):
		return errorf(http.StatusConflict, "last_admin", "%s", err.Error())
	}
	return err
}

// requireDeclaredJSON refuses a body not declared JSON. Sign-in and setup
// take no session, so no CSRF token protects them: a body declared JSON
// is one another site's page cannot send without the browser asking this
// service first (CORS), which it does not allow.
func requireDeclaredJSON(r *http.Request) error {
	if r.Header.Get("Content-Type") == "" {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "this route takes JSON: send Content-Type: application/json")
	}
	return requireJSON(r)
}

// login signs a person in: the session's token in the cookie, its CSRF
// token in the answer.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := requireDeclaredJSON(r); err != nil {
		return err
	}
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	sess, err := s.accounts.SignIn(r.Context(), in.Login, in.Password, clientAddr(r))
	if err != nil {
		return accountsError(w, err)
	}
	s.setSessionCookie(w, r, sess)
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAccount(sess.User), "csrfToken": sess.CSRFToken})
	return nil
}

// webSession is the caller's web session; an API token has none.
func webSession(r *http.Request) (*accounts.Session, error) {
	sess := principalFrom(r.Context()).session
	if sess == nil {
		return nil, errorf(http.StatusBadRequest, "no_session",
			"this route is about a web session (the %s cookie), and the request has an API token", sessionCookie)
	}
	return sess, nil
}

// logout ends the caller's session and the event streams it opened.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	sess, err := webSession(r)
	if err != nil {
		return err
	}
	if err := s.accounts.SignOut(r.Context(), sess.ID); err != nil {
		return err
	}
	s.revoke(r.Context(), sessionCredential(sess.ID))
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me is who is signed in, with the CSRF token the page sends back.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	sess, err := webSession(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAccount(sess.User), "csrfToken": sess.CSRFToken})
	return nil
}

// setup creates the first admin with the token switchboard serve printed.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	if err := requireDeclaredJSON(r); err != nil {
		return err
	}
	var in struct {
		Token    string `json:"token"`
		Name     string `json:"name"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.accounts.CompleteSetup(r.Context(), in.Token, in.Name, in.Email, in.Password)
	if err != nil {
		return accountsError(w, err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": viewAccount(*u)})
	return nil
}
