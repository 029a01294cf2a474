package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/web"
)

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	c, err := web.New(web.Config{})
	require.NoError(t, err)
	mux := http.NewServeMux()
	for pattern, h := range c.Routes() {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// Every page is whole HTML with its own script and the one stylesheet, and
// carries the headers that keep injected script, framing and sniffing out.
func TestPagesRender(t *testing.T) {
	srv := serve(t)
	for path, want := range map[string]string{"/": `id="admin-overview"`, "/login": `id="login-form"`, "/setup": `id="setup-form"`, "/users": `id="user-form"`} {
		res, body := get(t, srv.URL+path)
		require.Equal(t, 200, res.StatusCode, path)
		require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
		require.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self'")
		require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
		require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		require.Contains(t, body, want, path)
		require.Contains(t, body, `<link rel="stylesheet" href="/static/style.css">`)
		require.NotContains(t, body, "<script>", "no inline script: the policy would refuse it")
	}
}

// The files the pages use are served from the binary; what is not there
// is a 404, and nothing outside the folder is reachable.
func TestStaticFiles(t *testing.T) {
	srv := serve(t)
	for _, f := range []string{"style.css", "app.js", "login.js", "setup.js", "console.js", "users.js", "inbox.js", "templates.js", "workbench.js", "integrations.js", "calls.js", "call.js", "channels.js", "history.js", "tokens.js"} {
		res, body := get(t, srv.URL+"/static/"+f)
		require.Equal(t, 200, res.StatusCode, f)
		require.NotEmpty(t, body)
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	}
	res, _ := get(t, srv.URL+"/static/missing.js")
	require.Equal(t, 404, res.StatusCode)
	res, body := get(t, srv.URL+"/static/../web.go")
	require.False(t, res.StatusCode == 200 && strings.Contains(body, "package web"), "source files are not served")
}

// Who may open a page is decided before it renders: nobody signed in goes
// to the sign-in page (and back after), an agent opening an admin page
// gets 403 with a page that says so, and the sign-in page is for anybody.
func TestPageAccess(t *testing.T) {
	for _, tc := range []struct {
		role, path string
		status     int
		location   string
	}{
		{"", "/templates?x=1", 303, "/login?next=%2Ftemplates%3Fx%3D1"},
		{"", "/", 303, "/login?next=%2F"},
		{"", "/login", 200, ""},
		{"", "/setup", 200, ""},
		{"agent", "/", 200, ""},
		{"agent", "/inbox", 200, ""},
		{"agent", "/templates", 403, ""},
		{"agent", "/users", 403, ""},
		{"agent", "/tokens", 403, ""},
		{"agent", "/calls/c-1", 403, ""},
		{"admin", "/calls/c-1", 200, ""},
		{"admin", "/tokens", 200, ""},
		{"agent", "/history/ses_1", 403, ""},
		{"admin", "/history/ses_1", 200, ""},
		{"admin", "/inbox", 200, ""},
	} {
		c, err := web.New(web.Config{Role: func(*http.Request) string { return tc.role }})
		require.NoError(t, err)
		mux := http.NewServeMux()
		for pattern, h := range c.Routes() {
			mux.Handle(pattern, h)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		require.Equal(t, tc.status, rec.Code, "%s as %q", tc.path, tc.role)
		require.Equal(t, tc.location, rec.Header().Get("Location"), "%s as %q", tc.path, tc.role)
		if tc.status == 403 {
			require.Contains(t, rec.Body.String(), "This page is for administrators")
			require.NotContains(t, rec.Body.String(), `href="/users"`, "an agent is not shown the admin sections")
		}
	}
}
