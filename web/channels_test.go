package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/web"
)

// A channel's page is an admin page like the channels list, with its
// scripts (its own and the channel form the two pages share) served from
// the binary.
func TestChannelPages(t *testing.T) {
	for _, tc := range []struct {
		role, path string
		status     int
	}{
		{"admin", "/channels/chn_1", 200},
		{"agent", "/channels/chn_1", 403},
		{"agent", "/channels", 403},
	} {
		c, err := web.New(web.Config{Role: func(*http.Request) string { return tc.role }})
		require.NoError(t, err)
		mux := http.NewServeMux()
		for pattern, h := range c.Routes() {
			mux.Handle(pattern, h)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		require.Equal(t, tc.status, rec.Code, "%s as %s", tc.path, tc.role)
		if tc.status == 200 {
			require.Contains(t, rec.Body.String(), `<script src="/static/channel.js" defer></script>`)
			// The shared form's script runs before the page's: a plain
			// script in the content, ahead of the deferred ones.
			require.Contains(t, rec.Body.String(), `<script src="/static/channel-form.js"></script>`)
			require.NotContains(t, rec.Body.String(), `channel-form.js" defer`)
		}
	}
	srv := serve(t)
	for _, f := range []string{"channel.js", "channel-form.js", "channels.js"} {
		res, body := get(t, srv.URL+"/static/"+f)
		require.Equal(t, 200, res.StatusCode, f)
		require.NotEmpty(t, body)
	}
}

// A channel's page is in the Channels section of the navigation.
func TestChannelPageInNavigation(t *testing.T) {
	srv := serve(t)
	_, body := get(t, srv.URL+"/channels/chn_1")
	require.Contains(t, body, `<a href="/channels" aria-current="page">Channels</a>`)
}
