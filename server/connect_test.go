package server_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Connecting checks the connection for real: a closed port or wrong
// credentials give "failed" with the remote's answer, and a URL field
// without a scheme is refused naming the field.
func TestConnectChecksTheConnection(t *testing.T) {
	e := newEnv(t)

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(closed)}), 201)
	require.Equal(t, "failed", in["status"])
	require.Contains(t, in["statusReason"], "the connection check (UserAssociation) failed")
	require.Contains(t, in["statusReason"], "connection refused")

	// A URL without a scheme: 400 naming the field, nothing stored.
	r := e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields("mycompany.zendesk.com")})
	require.Equal(t, 400, r.Status, r.String())
	require.Contains(t, r.String(), `field \"base_url\" (`)
	require.Contains(t, r.String(), `needs a scheme, e.g. \"https://mycompany.zendesk.com\"`)
	require.Len(t, e.expect(e.admin("GET", "/api/v1/integrations", nil), 200)["integrations"], 1)

	// Wrong credentials: the helpdesk's own answer is the reason; fixing
	// them with PUT …/fields checks again and connects.
	d := newFakeZendesk(t)
	var checks atomic.Int32
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/users.json" {
			checks.Add(1)
		}
		user, pass, _ := r.BasicAuth()
		if user+":"+pass != "agent@acme.test/token:zd-secret-token-42" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"Couldn't authenticate you"}`)
			return
		}
		d.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(guard.Close)
	wrong := zendeskFields(guard.URL)
	wrong["api_token"] = "not-the-token"
	in = e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": wrong}), 201)
	require.Equal(t, "failed", in["status"])
	require.Contains(t, in["statusReason"], `HTTP 401 Unauthorized: {"error":"Couldn't authenticate you"}`)
	require.NotContains(t, in["statusReason"], "not-the-token")
	fixed := e.expect(e.admin("PUT", "/api/v1/integrations/"+in["id"].(string)+"/fields", map[string]any{"fields": zendeskFields(guard.URL)}), 200)
	require.Equal(t, "connected", fixed["status"], fixed)
	require.EqualValues(t, 2, checks.Load(), "each connect asked the helpdesk")
	r = e.admin("PUT", "/api/v1/integrations/"+in["id"].(string)+"/fields", map[string]any{"fields": zendeskFields("ftp://desk.test")})
	require.Equal(t, 400, r.Status, r.String())
	require.Contains(t, r.String(), "not an absolute http or https URL")
}

// An integration whose calls keep failing on authentication turns failed
// with the helpdesk's answer, its calls wait in the queue, and it is
// connected again once a call gets through.
func TestCallsFailingOnAuthenticationMarkTheIntegrationFailed(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	var refuse atomic.Bool
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"Couldn't authenticate you"}`)
			return
		}
		d.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(guard.Close)
	id := connectDesk(t, e, &callDesk{Server: guard}, `{"contactSync":{"enabled":true,"alwaysQuery":true}}`)

	refuse.Store(true)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("auth-1", "ringing", nil)), 202)
	var in map[string]any
	require.Eventually(t, func() bool {
		in = e.expect(e.admin("GET", "/api/v1/integrations/"+id, nil), 200)
		return in["status"] == "failed"
	}, 20*time.Second, 20*time.Millisecond)
	require.Contains(t, in["statusReason"], "calls fail to authenticate")
	require.Contains(t, in["statusReason"], "HTTP 401")

	// A call made while it is failed is kept, not dropped.
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("auth-2", "ringing", nil)), 202)
	refuse.Store(false)
	e.waitRuns("auth-1", map[string]string{"lookup": "succeeded"})
	e.waitRuns("auth-2", map[string]string{"lookup": "succeeded"})
	require.Equal(t, "connected", e.expect(e.admin("GET", "/api/v1/integrations/"+id, nil), 200)["status"])
}
