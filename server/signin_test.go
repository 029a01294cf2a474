package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/server"
)

const password = "correct horse battery"

// cheapHashes makes passwords fast to hash: the tests check what is done,
// not its cost.
func cheapHashes(c *server.Config) {
	c.Accounts.Hash = accounts.HashParams{MemoryKiB: 64, Iterations: 1, Parallelism: 1}
}

// newSignInEnv is a server with extension 1001, an admin "root" and an
// agent "dana" on it.
func newSignInEnv(t *testing.T, mutate ...func(*server.Config)) (*env, map[string]any, map[string]any) {
	e := newEnv(t, append([]func(*server.Config){cheapHashes}, mutate...)...)
	e.expect(e.admin("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana"}), 200)
	root := e.expect(e.admin("POST", "/api/v1/users", map[string]string{"name": "root", "email": "root@acme.test", "role": "admin", "password": password}), 201)["user"].(map[string]any)
	dana := e.expect(e.admin("POST", "/api/v1/users", map[string]string{"name": "dana", "role": "agent", "extension": "1001", "password": password}), 201)["user"].(map[string]any)
	return e, root, dana
}

// browser is a web console: a cookie jar, and the CSRF token it was given.
type browser struct {
	e      *env
	client *http.Client
	csrf   string
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	return &browser{e: e, client: &http.Client{Jar: jar}}
}

// do sends a request with the browser's cookies; with its CSRF token when
// csrf is set.
func (b *browser) do(method, path string, body any, csrf bool) resp {
	b.e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		require.NoError(b.e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, rd)
	require.NoError(b.e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	r, err := b.client.Do(req)
	require.NoError(b.e.t, err)
	defer r.Body.Close()
	data, err := io.ReadAll(r.Body)
	require.NoError(b.e.t, err)
	return resp{r.StatusCode, data, r.Header}
}

// login signs in and keeps the CSRF token.
func (b *browser) login(login, pw string) resp {
	b.e.t.Helper()
	r := b.do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": pw}, false)
	if r.Status == 200 {
		b.csrf = r.JSON(b.e.t)["csrfToken"].(string)
	}
	return r
}

// sessionCookie is the sb_session cookie an answer sets.
func sessionCookie(t *testing.T, r resp) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "sb_session" {
			return c
		}
	}
	t.Fatalf("no sb_session cookie in %v", r.Header)
	return nil
}

func TestSignInMeAndOut(t *testing.T) {
	e, _, dana := newSignInEnv(t)
	b := e.browser()

	r := b.login("Dana", password)
	require.Equal(t, 200, r.Status, r.String())
	body := r.JSON(t)
	require.Equal(t, map[string]any{"id": dana["id"], "name": "dana", "email": "", "role": "agent", "extension": "1001",
		"disabled": false, "createdAt": dana["createdAt"], "updatedAt": dana["updatedAt"]}, body["user"])
	require.NotContains(t, string(r.Body), "argon2", "never a hash")
	c := sessionCookie(t, r)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "plain http, and the public URL is http")
	require.Equal(t, int(accounts.DefaultAbsoluteTimeout/time.Second), c.MaxAge)
	require.Regexp(t, `^[A-Za-z0-9_-]{43}$`, c.Value)

	me := b.e.expect(b.do("GET", "/api/v1/auth/me", nil, false), 200)
	require.Equal(t, body, me)

	// The session works on the agent's routes, not the admin's.
	b.e.expect(b.do("GET", "/api/v1/queues", nil, false), 200)
	r = b.do("GET", "/api/v1/users", nil, false)
	require.Equal(t, 403, r.Status)
	require.Equal(t, "forbidden", errCode(t, r))

	// Signing out needs the CSRF token like any change.
	r = b.do("POST", "/api/v1/auth/logout", nil, false)
	require.Equal(t, 403, r.Status)
	require.Equal(t, "csrf", errCode(t, r))
	r = b.do("POST", "/api/v1/auth/logout", nil, true)
	require.Equal(t, 204, r.Status, r.String())
	require.Equal(t, -1, sessionCookie(t, r).MaxAge, "the cookie is cleared")

	r = b.do("GET", "/api/v1/auth/me", nil, false)
	require.Equal(t, 401, r.Status)
	require.Equal(t, "unauthorized", errCode(t, r))

	// The old token is of no use any more, even sent by hand.
	r2 := e.browser()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/me", nil)
	req.AddCookie(c)
	res, err := r2.client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 401, res.StatusCode)
}

func TestSignInRefusals(t *testing.T) {
	e, _, _ := newSignInEnv(t)
	b := e.browser()
	wrong := b.login("dana", "not the password")
	unknown := b.login("nobody", password)
	require.Equal(t, 401, wrong.Status)
	require.Equal(t, 401, unknown.Status)
	require.Equal(t, "bad_credentials", errCode(t, wrong))
	require.Equal(t, string(wrong.Body), string(unknown.Body), "the same answer whether the account exists or not")
	require.Empty(t, wrong.Header.Values("Set-Cookie"))

	r := b.do("POST", "/api/v1/auth/login", map[string]string{"login": "dana", "pasword": password}, false)
	require.Equal(t, 400, r.Status)
	require.Equal(t, "unknown_keys", errCode(t, r))
	r = e.raw("POST", "/api/v1/auth/login", "", `{"login":"dana","password":"`+password+`"}`)
	require.Equal(t, 415, r.Status, "a body a cross-site page could send without asking is refused")

	// Routes an API token reaches as before; me and logout are a
	// session's.
	r = e.admin("GET", "/api/v1/auth/me", nil)
	require.Equal(t, 400, r.Status)
	require.Equal(t, "no_session", errCode(t, r))
}

func TestCSRF(t *testing.T) {
	e, _, dana := newSignInEnv(t)
	b := e.browser()
	require.Equal(t, 200, b.login("root@acme.test", password).Status)

	for _, req := range []struct{ method, path string }{
		{"POST", "/api/v1/users/" + dana["id"].(string) + "/disable"},
		{"PATCH", "/api/v1/users/" + dana["id"].(string)},
		{"DELETE", "/api/v1/templates/nope"},
	} {
		r := b.do(req.method, req.path, map[string]any{}, false)
		require.Equal(t, 403, r.Status, "%s %s", req.method, req.path)
		require.Equal(t, "csrf", errCode(t, r))
		require.Contains(t, errMessage(t, r), "X-CSRF-Token")
	}
	good := b.csrf
	b.csrf = "forged"
	require.Equal(t, "csrf", errCode(t, b.do("POST", "/api/v1/users/"+dana["id"].(string)+"/disable", nil, true)))
	b.csrf = good

	got := b.e.expect(b.do("POST", "/api/v1/users/"+dana["id"].(string)+"/disable", nil, true), 200)
	require.Equal(t, true, got["user"].(map[string]any)["disabled"])
	b.e.expect(b.do("GET", "/api/v1/users", nil, false), 200)

	// An API token needs no CSRF token: no browser sends it by itself.
	e.expect(e.admin("POST", "/api/v1/users/"+dana["id"].(string)+"/enable", nil), 200)
}

func errMessage(t *testing.T, r resp) string {
	t.Helper()
	return r.JSON(t)["error"].(map[string]any)["message"].(string)
}

// The PBX's routes take API tokens only: a browser signed in as an admin
// cannot post call events.
func TestSessionNotAcceptedByPBXRoutes(t *testing.T) {
	e, _, _ := newSignInEnv(t)
	b := e.browser()
	require.Equal(t, 200, b.login("root", password).Status)
	for _, path := range []string{"/api/v1/events/calls", "/api/v1/events/yeastar"} {
		r := b.do("POST", path, map[string]any{}, true)
		require.Equal(t, 401, r.Status, path)
		require.Contains(t, errMessage(t, r), "an API token is required")
	}
}

func TestSignInThrottled(t *testing.T) {
	e, _, _ := newSignInEnv(t)
	b := e.browser()
	for range accounts.DefaultMaxFailures {
		require.Equal(t, 401, b.login("dana", "not the password").Status)
	}
	r := b.login("dana", password)
	require.Equal(t, 429, r.Status, r.String())
	require.Equal(t, "throttled", errCode(t, r))
	require.Equal(t, "900", r.Header.Get("Retry-After"))
	require.Equal(t, 200, b.login("root", password).Status, "another account still signs in")
}

func TestUsersAPI(t *testing.T) {
	e, root, dana := newSignInEnv(t)
	list := e.expect(e.admin("GET", "/api/v1/users", nil), 200)["users"].([]any)
	require.Len(t, list, 2)
	// Both, in the order they were created; two created in the same
	// instant may come in either order.
	ids := []any{list[0].(map[string]any)["id"], list[1].(map[string]any)["id"]}
	require.ElementsMatch(t, []any{root["id"], dana["id"]}, ids)
	require.NotContains(t, string(e.admin("GET", "/api/v1/users", nil).Body), "argon2")

	for _, c := range []struct {
		body  map[string]string
		code  int
		field string
	}{
		{map[string]string{"name": "eli", "role": "agent", "password": password}, 400, "extension"},
		{map[string]string{"name": "eli", "role": "agent", "extension": "2002", "password": password}, 400, "extension"},
		{map[string]string{"name": "eli", "role": "admin", "password": "short"}, 400, "password"},
		{map[string]string{"name": "DANA", "role": "admin", "password": password}, 409, ""},
		{map[string]string{"name": "eli", "email": "ROOT@acme.test", "role": "admin", "password": password}, 409, ""},
	} {
		r := e.admin("POST", "/api/v1/users", c.body)
		require.Equal(t, c.code, r.Status, r.String())
		if c.field != "" {
			require.Equal(t, c.field, r.JSON(t)["error"].(map[string]any)["details"].(map[string]any)["field"])
		}
	}
	require.Contains(t, errMessage(t, e.admin("POST", "/api/v1/users", map[string]string{"name": "eli", "role": "admin", "password": "short"})),
		"the password is too short: it needs at least 10 characters (it has 5)")

	id := dana["id"].(string)
	got := e.expect(e.admin("PATCH", "/api/v1/users/"+id, map[string]string{"role": "admin"}), 200)["user"].(map[string]any)
	require.Equal(t, "admin", got["role"])
	require.Equal(t, "", got["extension"])
	r := e.admin("PATCH", "/api/v1/users/"+id, map[string]string{"role": "agent"})
	require.Equal(t, 400, r.Status)
	e.expect(e.admin("PATCH", "/api/v1/users/"+id, map[string]string{"role": "agent", "extension": "1001"}), 200)
	r = e.admin("PATCH", "/api/v1/users/"+root["id"].(string), map[string]string{"role": "agent", "extension": "1001"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "last_admin", errCode(t, r))
	r = e.admin("PATCH", "/api/v1/users/"+id, map[string]string{"rol": "agent"})
	require.Equal(t, "unknown_keys", errCode(t, r))

	e.expect(e.admin("PUT", "/api/v1/users/"+id+"/password", map[string]string{"password": "a brand new password"}), 204)
	b := e.browser()
	require.Equal(t, 401, b.login("dana", password).Status)
	require.Equal(t, 200, b.login("dana", "a brand new password").Status)

	e.expect(e.admin("POST", "/api/v1/users/"+id+"/disable", nil), 200)
	r = e.browser().login("dana", "a brand new password")
	require.Equal(t, 403, r.Status)
	require.Equal(t, "disabled", errCode(t, r))
	e.expect(e.admin("POST", "/api/v1/users/"+id+"/enable", nil), 200)
	require.Equal(t, 200, e.browser().login("dana", "a brand new password").Status)

	require.Equal(t, 404, e.admin("POST", "/api/v1/users/usr_nope/disable", nil).Status)
	require.Equal(t, 404, e.admin("PUT", "/api/v1/users/usr_nope/password", map[string]string{"password": "a brand new password"}).Status)
}

func TestSetupFlow(t *testing.T) {
	e := newEnv(t, cheapHashes)
	setup := func(token string) resp {
		return e.do("POST", "/api/v1/auth/setup", "", map[string]string{"token": token, "name": "root", "email": "root@acme.test", "password": password})
	}
	r := setup("made-up")
	require.Equal(t, 403, r.Status)
	require.Equal(t, "bad_setup_token", errCode(t, r))

	token, err := e.s.Accounts().EnsureSetupToken(context.Background())
	require.NoError(t, err)
	r = e.do("POST", "/api/v1/auth/setup", "", map[string]string{"token": token, "name": "root", "password": "short"})
	require.Equal(t, 400, r.Status)
	require.Contains(t, errMessage(t, r), "too short")

	created := e.expect(setup(token), 201)["user"].(map[string]any)
	require.Equal(t, "admin", created["role"])
	r = setup(token)
	require.Equal(t, 409, r.Status)
	require.Equal(t, "setup_done", errCode(t, r))
	again, err := e.s.Accounts().EnsureSetupToken(context.Background())
	require.NoError(t, err)
	require.Empty(t, again)

	b := e.browser()
	require.Equal(t, 200, b.login("root", password).Status)
	b.e.expect(b.do("GET", "/api/v1/users", nil, false), 200)
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	e, _, _ := newSignInEnv(t, func(c *server.Config) { c.PublicURL = "https://switchboard.example.com" })
	r := e.browser().login("dana", password)
	require.Equal(t, 200, r.Status)
	require.True(t, sessionCookie(t, r).Secure)
}

// sessionStream is an event stream opened by a browser; ended is closed
// when the server ends it.
func (b *browser) stream() (ended <-chan struct{}) {
	b.e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+"/api/v1/stream", nil)
	res, err := b.client.Do(req)
	require.NoError(b.e.t, err)
	require.Equal(b.e.t, 200, res.StatusCode)
	done := make(chan struct{})
	connected := make(chan struct{})
	go func() {
		defer close(done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), ": connected") {
				close(connected)
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		b.e.t.Fatal("the stream did not open")
	}
	return done
}

func waitEnded(t *testing.T, ended <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the stream is still open", what)
	}
}

func stillOpen(t *testing.T, ended <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ended:
		t.Fatalf("%s: the stream ended", what)
	default:
	}
}

// Disabling a user ends their open streams at once; signing out ends the
// session's; another person's stream goes on.
func TestSignOutAndDisableEndStreams(t *testing.T) {
	e, _, dana := newSignInEnv(t)
	agent, admin := e.browser(), e.browser()
	require.Equal(t, 200, agent.login("dana", password).Status)
	require.Equal(t, 200, admin.login("root", password).Status)
	agentStream, adminStream := agent.stream(), admin.stream()

	admin.e.expect(admin.do("POST", "/api/v1/users/"+dana["id"].(string)+"/disable", nil, true), 200)
	waitEnded(t, agentStream, "disabled user")
	require.Equal(t, 401, agent.do("GET", "/api/v1/stream", nil, false).Status)
	stillOpen(t, adminStream, "the admin's")

	admin.e.expect(admin.do("POST", "/api/v1/auth/logout", nil, true), 204)
	waitEnded(t, adminStream, "signed out")
}

// A web session's stream ends when the session expires, however busy the
// stream is: the browser's reconnection is then refused. (The service's
// clock stands still here, so sign-in and the stream's start cannot race
// the expiry; only the stream's own timer runs.)
func TestSessionStreamEndsAtExpiry(t *testing.T) {
	start := time.Now()
	e, _, _ := newSignInEnv(t, func(c *server.Config) {
		c.Now = func() time.Time { return start }
		c.Accounts.AbsoluteTimeout = 2 * time.Second
	})
	agent := e.browser()
	require.Equal(t, 200, agent.login("dana", password).Status)
	waitEnded(t, agent.stream(), "expired session")
}
