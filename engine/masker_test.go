package engine_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func TestMasker(t *testing.T) {
	m := engine.NewMasker("hunter22", "abc") // "abc" is too short to replace everywhere
	require.Equal(t, "https://ann:****@x.test/p?api_key=****&q=abc", m.URL("https://ann:pw@x.test/p?q=abc&api_key=k1"))
	require.Equal(t, "https://x.test/p/****?q=****", m.URL("https://x.test/p/hunter22?q=hunter22"))
	require.Equal(t, "client_secret=****&grant_type=refresh_token&refresh_token=****",
		m.Body("grant_type=refresh_token&refresh_token=r1&client_secret=s1"))
	require.Equal(t, `{"token": "****", "nested":{"Password":"****"},"name":"abc"}`,
		m.Body(`{"token": "t\"x", "nested":{"Password":"p"},"name":"abc"}`))
	require.Equal(t, "plain text with **** inside", m.Body("plain text with hunter22 inside"))
	h := m.Headers(http.Header{"Authorization": {"Basic Zm9v"}, "X-Auth-Token": {"x"}, "Cookie": {"a=b"}, "Accept": {"hunter22/json"}})
	require.Equal(t, map[string]string{"Authorization": "Basic ****", "X-Auth-Token": "****", "Cookie": "****", "Accept": "****/json"}, h)
}
