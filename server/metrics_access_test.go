package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// With a metrics token, /metrics answers only its holder: not an API
// token, not a near miss, not a request without one.
func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-4b1d"
	e := newEnv(t, func(c *server.Config) { c.MetricsToken = token })
	for _, c := range []struct {
		name, token string
		status      int
	}{
		{"the metrics token", token, http.StatusOK},
		{"none", "", http.StatusUnauthorized},
		{"an admin API token", adminToken, http.StatusUnauthorized},
		{"a prefix of it", token[:len(token)-1], http.StatusUnauthorized},
		{"longer", token + "x", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", "/metrics", c.token, nil)
			require.Equal(t, c.status, r.Status, string(r.Body))
			if c.status == http.StatusOK {
				require.Contains(t, string(r.Body), "# TYPE switchboard_")
				return
			}
			require.Equal(t, "unauthorized", errCode(t, r))
			require.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
			require.NotContains(t, string(r.Body), "# TYPE", "no metric leaks in the refusal")
		})
	}
	// The rest of the API is as it was.
	require.Equal(t, http.StatusOK, e.do("GET", "/healthz", "", nil).Status)
	require.Equal(t, http.StatusOK, e.admin("GET", "/api/v1/templates", nil).Status)
}

// With MetricsElsewhere, /metrics is not on the API's handler (where it
// is then an unknown path), only on MetricsHandler's, which serves nothing
// else.
func TestMetricsElsewhere(t *testing.T) {
	for _, c := range []struct {
		name, token, send string
		status            int
	}{
		{"open", "", "", http.StatusOK},
		{"with a token", "metrics-token-77c2", "metrics-token-77c2", http.StatusOK},
		{"with a token not sent", "metrics-token-77c2", "", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *server.Config) { cfg.MetricsElsewhere, cfg.MetricsToken = true, c.token })
			r := e.do("GET", "/metrics", c.send, nil)
			require.Equal(t, http.StatusNotFound, r.Status, "not on the main listener")
			require.NotContains(t, string(r.Body), "# TYPE")

			ms := httptest.NewServer(e.s.MetricsHandler())
			t.Cleanup(ms.Close)
			get := func(path, token string) (int, string) {
				req, err := http.NewRequest("GET", ms.URL+path, nil)
				require.NoError(t, err)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				require.NoError(t, err)
				return res.StatusCode, string(body)
			}
			status, body := get("/metrics", c.send)
			require.Equal(t, c.status, status, body)
			if status == http.StatusOK {
				require.Contains(t, body, "# TYPE switchboard_")
			}
			status, _ = get("/api/v1/templates", adminToken)
			require.Equal(t, http.StatusNotFound, status, "the metrics address serves metrics only")
		})
	}
}
