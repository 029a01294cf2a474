package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/web"
)

// An integration's page is an admin page like the list: an agent gets
// 403; an admin gets the page, with Integrations current in the sections
// and the scripts the two pages share.
func TestIntegrationPages(t *testing.T) {
	srv := serve(t)
	for path, want := range map[string]string{"/integrations": `id="connect-form"`, "/integrations/int_1": `id="settings-form"`} {
		res, body := get(t, srv.URL+path)
		require.Equal(t, 200, res.StatusCode, path)
		require.Contains(t, body, want)
		require.Contains(t, body, `<script src="/static/integration-fields.js"></script>`)
		require.Contains(t, body, `<a href="/integrations" aria-current="page">Integrations</a>`)
	}
	for _, f := range []string{"integration-fields.js", "integration.js"} {
		res, body := get(t, srv.URL+"/static/"+f)
		require.Equal(t, 200, res.StatusCode, f)
		require.NotEmpty(t, body)
	}

	c, err := web.New(web.Config{Role: func(*http.Request) string { return web.RoleAgent }})
	require.NoError(t, err)
	mux := http.NewServeMux()
	for pattern, h := range c.Routes() {
		mux.Handle(pattern, h)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/integrations/int_1", nil))
	require.Equal(t, 403, rec.Code)
}
