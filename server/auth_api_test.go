package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAPITokensAndRoles(t *testing.T) {
	e := newEnv(t)
	// No token, a wrong one: 401 with a JSON error.
	r := e.do("GET", "/api/v1/templates", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, "unauthorized", errCode(t, r))
	require.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
	require.Equal(t, http.StatusUnauthorized, e.do("GET", "/api/v1/templates", "sb_nope", nil).Status)

	// Tokens of each role; the value is shown once.
	admin := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "admin", "name": "ops"}), 201)
	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Ann's console"}), 201)
	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "PBX"}), 201)
	adminTok, agentTok, pbxTok := admin["token"].(string), agent["token"].(string), pbx["token"].(string)
	require.Regexp(t, `^sb_[A-Za-z0-9_-]{43}$`, adminTok)

	e.expect(e.do("GET", "/api/v1/templates", adminTok, nil), 200)
	r = e.do("GET", "/api/v1/templates", agentTok, nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, "forbidden", errCode(t, r))
	require.Equal(t, http.StatusForbidden, e.do("POST", "/api/v1/tokens", pbxTok, map[string]string{"role": "admin", "name": "x"}).Status)
	e.expect(e.do("GET", "/api/v1/extensions", pbxTok, nil), 200)
	require.Equal(t, http.StatusForbidden, e.do("GET", "/api/v1/extensions", agentTok, nil).Status)

	// Bad requests.
	for _, body := range []map[string]string{
		{"role": "root", "name": "x"},
		{"role": "agent", "name": "x"},
		{"role": "admin", "extension": "1001", "name": "x"},
		{"role": "admin"},
	} {
		require.Equal(t, http.StatusBadRequest, e.admin("POST", "/api/v1/tokens", body).Status, body)
	}
	require.Equal(t, http.StatusBadRequest, e.admin("POST", "/api/v1/tokens", `{"role":"admin","name":"x","colour":1}`).Status, "unknown fields are refused")

	// The list never shows token values or hashes.
	list := e.admin("GET", "/api/v1/tokens", nil)
	require.Equal(t, 200, list.Status)
	require.NotContains(t, string(list.Body), adminTok)
	require.NotContains(t, string(list.Body), "hash")
	require.Len(t, list.JSON(t)["tokens"], 3)

	// Revoked tokens stop working.
	e.expect(e.admin("DELETE", "/api/v1/tokens/"+admin["id"].(string), nil), 204)
	require.Equal(t, http.StatusUnauthorized, e.do("GET", "/api/v1/templates", adminTok, nil).Status)
	require.Equal(t, http.StatusNotFound, e.admin("DELETE", "/api/v1/tokens/"+admin["id"].(string), nil).Status)
}

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, "ok", e.expect(e.do("GET", "/healthz", "", nil), 200)["status"])
	require.Equal(t, "ready", e.expect(e.do("GET", "/readyz", "", nil), 200)["status"])
	spec := e.do("GET", "/openapi.yaml", "", nil)
	require.Equal(t, 200, spec.Status)
	require.Contains(t, string(spec.Body), "openapi: 3.0.3")
	for _, route := range []string{"/api/v1/templates", "/api/v1/tokens", "/api/v1/integrations/{id}/contacts/search", "/integration/callback/api/{kind}/{id}/", "/api/v1/extensions/{number}"} {
		require.Contains(t, string(spec.Body), route+":", "the spec describes %s", route)
	}
	r := e.admin("GET", "/api/v1/nothing-here", nil)
	require.Equal(t, 404, r.Status)
	require.Equal(t, "not_found", errCode(t, r))
	m := e.do("GET", "/metrics", "", nil)
	require.Equal(t, 200, m.Status)
	require.Contains(t, string(m.Body), `switchboard_http_requests_total{code="404",route="/api/"}`)
}

func TestReadyzFailsWithoutTheDatabase(t *testing.T) {
	e := newEnv(t)
	e.closeStore()
	r := e.do("GET", "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status)
	require.Equal(t, "not_ready", errCode(t, r))
}
