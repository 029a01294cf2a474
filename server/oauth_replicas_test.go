package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
)

// oauthDeskRevoking is the OAuth desk of oauth_test.go with a TokenErrorMap,
// so that the API's invalid_token answer makes Switchboard refresh.
var oauthDeskRevoking = strings.Replace(oauthTemplate, `<Parameter Father="CustomFieldList" Name="issuer"/>`,
	`<Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid" Value="invalid_token"/>
  <Parameter Father="CustomFieldList" Name="issuer"/>`, 1)

// revokingAPI is a helpdesk API that answers invalid_token to the access
// tokens it was told are revoked. While a gate is set, requests carrying a
// revoked token wait until gate.n of them have arrived, so that the
// replicas find the token invalid at the same moment.
type revokingAPI struct {
	*httptest.Server

	mu      sync.Mutex
	revoked map[string]bool
	gate    *gate
}

type gate struct {
	n       int
	arrived int
	open    chan struct{}
}

func newRevokingAPI(t *testing.T) *revokingAPI {
	a := &revokingAPI{revoked: map[string]bool{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		revoked, g := a.revoked[bearer], a.gate
		if revoked && g != nil {
			if g.arrived++; g.arrived == g.n {
				close(g.open)
			}
		}
		a.mu.Unlock()
		if revoked {
			if g != nil {
				select {
				case <-g.open:
				case <-r.Context().Done():
				}
			}
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_token"}`)
			return
		}
		fmt.Fprintf(w, `{"data":[{"id":"c1","auth":%q,"phone":"+1"}]}`, bearer)
	}))
	t.Cleanup(a.Close)
	return a
}

// revoke makes the API refuse token; the next n requests carrying it wait
// for each other (n = 0: no waiting).
func (a *revokingAPI) revoke(token string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked[token] = true
	a.gate = nil
	if n > 0 {
		a.gate = &gate{n: n, open: make(chan struct{})}
	}
}

// authorizeOAuthDesk connects the OAuth desk on e through the callback route
// and returns the integration's id.
func authorizeOAuthDesk(t *testing.T, e *env, mock *testpeers.OAuth2Mock, api string) string {
	t.Helper()
	tpl := e.expect(e.admin("POST", "/api/v1/templates", oauthDeskRevoking), 201)
	fields := map[string]string{"issuer": mock.URL, "api": api, "client_id": "sb-app", "client_secret": "sb-app-secret"}
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": fields}), 201)
	res, err := http.Get(in["authorizeUrl"].(string)) // the mock redirects the "browser" to the callback at once
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, string(page))
	return in["id"].(string)
}

// searchAuth runs a contact search and returns the access token the API
// saw, or an error (it may run outside the test goroutine).
func searchAuth(e *env, id string) (string, error) {
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/integrations/"+id+"/contacts/search?q=123", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("search answered %d: %s", res.StatusCode, body)
	}
	var out struct {
		Contacts []struct {
			Values map[string]string `json:"values"`
		} `json:"contacts"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Contacts) != 1 {
		return "", fmt.Errorf("search answered %s", body)
	}
	return out.Contacts[0].Values["FirstName"], nil
}

// Two replicas on one database find the access token invalid at the same
// moment. The provider rotates refresh tokens and refuses a used one, so
// only one replica may refresh: the other must take the token it saved
// instead of refreshing with the refresh token the first one spent.
func TestOAuth2RefreshAcrossReplicas(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t)
	a := newEnvPostgres(t)
	b := newEnvOnSame(t, a)
	api := newRevokingAPI(t)
	id := authorizeOAuthDesk(t, a, mock, api.URL)
	t0 := a.savedToken(t, id)

	// Both replicas hold the first token in memory.
	for _, e := range []*env{a, b} {
		got, err := searchAuth(e, id)
		require.NoError(t, err)
		require.Equal(t, t0.AccessToken, got)
	}

	// The API revokes it; both replicas' searches meet it at once.
	api.revoke(t0.AccessToken, 2)
	results := make(chan error, 2)
	tokens := make(chan string, 2)
	for _, e := range []*env{a, b} {
		go func() {
			got, err := searchAuth(e, id)
			tokens <- got
			results <- err
		}()
	}
	for range 2 {
		require.NoError(t, <-results)
	}
	t1 := a.savedToken(t, id)
	require.NotEqual(t, t0.AccessToken, t1.AccessToken)
	require.Equal(t, t1.AccessToken, <-tokens, "both replicas use the token one of them obtained")
	require.Equal(t, t1.AccessToken, <-tokens)

	// A later refresh, first on a then on b, still works: the refresh token
	// in the store is the live one, and b takes what a saved.
	api.revoke(t1.AccessToken, 0)
	got, err := searchAuth(a, id)
	require.NoError(t, err)
	t2 := a.savedToken(t, id)
	require.Equal(t, t2.AccessToken, got)
	got, err = searchAuth(b, id)
	require.NoError(t, err)
	require.Equal(t, t2.AccessToken, got)

	// The provider saw the code exchange and exactly one refresh for each
	// revocation, each with the refresh token the one before issued.
	reqs := mock.TokenRequests(t, 3)
	require.Len(t, reqs, 3, "%+v", reqs)
	require.Equal(t, "authorization_code", reqs[0].GrantType)
	for i, r := range reqs[1:] {
		require.Equal(t, "refresh_token", r.GrantType, "request %d", i+1)
		require.Equal(t, 200, r.Status, "request %d: %+v", i+1, r)
		require.Equal(t, reqs[i].RefreshTokenOut, r.RefreshTokenIn, "request %d", i+1)
	}
	require.Equal(t, reqs[1].RefreshTokenOut, t1.RefreshToken, "the rotated refresh token was saved")
	require.Equal(t, reqs[2].RefreshTokenOut, t2.RefreshToken)
}
