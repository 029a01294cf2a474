package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/testpeers"
)

func oauthTemplate(t *testing.T, extra string, scenarios ...string) *engine.Template {
	return load(t, "oauth2", `<Parameter Name="AuthEndPoint" Value="{{.issuer}}/authorize"/>
<Parameter Name="TokenEndPoint" Value="{{.issuer}}/token"/>
<Parameter Name="Scope" Value="openid profile,email"/>
<Parameter Name="AdditionalQueryString" Value="prompt=consent&amp;access_type=offline"/>
<Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid" Value="invalid_token"/>
<Parameter Father="CustomFieldList" Name="issuer" Editor="string"/>
<Parameter Father="CustomFieldList" Name="client_id" Editor="string"/>
<Parameter Father="CustomFieldList" Name="client_secret" Editor="password"/>`+extra, scenarios...)
}

// authorize walks the code flow against the server: the authorize URL, the
// provider's redirect (followed by hand), and the code exchange.
func authorize(t *testing.T, o *auth.OAuth2, redirect string) (code string) {
	t.Helper()
	u, err := o.AuthorizeURL(redirect, "state-123")
	require.NoError(t, err)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "state-123", loc.Query().Get("state"))
	code = loc.Query().Get("code")
	require.NotEmpty(t, code)
	require.NoError(t, o.Exchange(context.Background(), code, redirect))
	return code
}

// The authorization-code flow, refresh before expiry, rotation and the
// token-invalid repair, against oauth2-mock-server.
func TestOAuth2AgainstARealServer(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t, "TOKEN_TTL=120")
	var apiCalls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if apiCalls.Add(1) == 1 { // the first token the API sees is "revoked"
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_token"}`)
			return
		}
		fmt.Fprint(w, `{"ok":"yes"}`)
	}))
	t.Cleanup(api.Close)
	tmpl := oauthTemplate(t, "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests>
<Request Name="me" Method="GET" URLFormat="`+api.URL+`/me?access_token={{.AccessToken}}"><Outputs><Output Name="Ok" Path="ok"/></Outputs></Request>
</Requests></Scenario>`)
	store := &auth.FileStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	clock := newClock()
	fields := engine.Vars{"issuer": mock.URL, "client_id": "switchboard-app", "client_secret": "app-secret-value"}
	o, err := auth.NewOAuth2(tmpl, fields, auth.Options{Store: store, Now: clock.Now})
	require.NoError(t, err)
	ctx := context.Background()

	_, err = o.Credentials(ctx)
	require.ErrorIs(t, err, auth.ErrNotConnected, "no token before the admin authorizes")

	// The authorize URL carries everything, the scope as written.
	u, err := o.AuthorizeURL("http://127.0.0.1:8976/callback", "s1")
	require.NoError(t, err)
	q := mustQuery(t, u)
	require.Equal(t, "code", q.Get("response_type"))
	require.Equal(t, "switchboard-app", q.Get("client_id"))
	require.Equal(t, "http://127.0.0.1:8976/callback", q.Get("redirect_uri"))
	require.Equal(t, "s1", q.Get("state"))
	require.Equal(t, "openid profile,email", q.Get("scope"))
	require.Equal(t, "consent", q.Get("prompt"))
	require.Equal(t, "offline", q.Get("access_type"))

	// Code → token, saved.
	redirect := "http://127.0.0.1:8976/callback"
	code := authorize(t, o, redirect)
	reqs := mock.TokenRequests(t, 1)
	require.Equal(t, "authorization_code", reqs[0].GrantType)
	require.Equal(t, code, reqs[0].Code)
	require.Equal(t, redirect, reqs[0].RedirectURI)
	saved, err := store.Load(ctx, "t")
	require.NoError(t, err)
	require.NotEmpty(t, saved.RefreshToken)
	require.Equal(t, reqs[0].RefreshTokenOut, saved.RefreshToken)
	first := creds(t, o).Vars["AccessToken"]
	require.Equal(t, saved.AccessToken, first)
	require.Len(t, strings.Split(first, "."), 3, "the mock issues JWTs")

	// Before expiry (120s, renewed 60s ahead) the token is kept …
	clock.Advance(59 * time.Second)
	require.Equal(t, first, creds(t, o).Vars["AccessToken"])
	// … then renewed with the refresh token; the rotated one is saved.
	// (The grants the mock saw tell what happened.)
	clock.Advance(2 * time.Second)
	creds(t, o)
	reqs = mock.TokenRequests(t, 2)
	require.Equal(t, "refresh_token", reqs[1].GrantType)
	require.Equal(t, saved.RefreshToken, reqs[1].RefreshTokenIn)
	saved2, err := store.Load(ctx, "t")
	require.NoError(t, err)
	require.Equal(t, reqs[1].RefreshTokenOut, saved2.RefreshToken, "the rotated refresh token is saved")
	require.NotEqual(t, saved.RefreshToken, saved2.RefreshToken)

	// The next renewal uses the rotated refresh token.
	clock.Advance(61 * time.Second)
	third := creds(t, o).Vars["AccessToken"]
	reqs = mock.TokenRequests(t, 3)
	require.Len(t, reqs, 3)
	require.Equal(t, saved2.RefreshToken, reqs[2].RefreshTokenIn)

	// A token the API calls invalid is repaired by one refresh and one resend.
	c := engine.NewClient(tmpl, engine.ClientConfig{Auth: o})
	res := c.Run(ctx, "GetGlobalInfo", nil, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "yes", res.Vars["Ok"])
	require.Len(t, res.Trace, 2)
	require.Equal(t, 401, res.Trace[0].Status)
	require.Equal(t, 200, res.Trace[1].Status)
	reqs = mock.TokenRequests(t, 4)
	require.Equal(t, "refresh_token", reqs[3].GrantType)
	for _, e := range res.Trace {
		require.Equal(t, "Bearer ****", e.RequestHeaders["Authorization"])
		require.NotContains(t, e.URL, third, "the token in the URL is masked")
		require.Contains(t, e.URL, "access_token=****")
	}

	// A new process finds the saved token.
	o2, err := auth.NewOAuth2(tmpl, fields, auth.Options{Store: store, Now: clock.Now})
	require.NoError(t, err)
	require.Equal(t, creds(t, o).Vars["AccessToken"], creds(t, o2).Vars["AccessToken"])
}

func TestOAuth2RefreshFailureIsExplained(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t, "TOKEN_TTL=120", "FAIL_REFRESH=1")
	clock := newClock()
	o, err := auth.NewOAuth2(oauthTemplate(t, ""), engine.Vars{"issuer": mock.URL, "client_id": "c"}, auth.Options{Now: clock.Now})
	require.NoError(t, err)
	authorize(t, o, "http://127.0.0.1:1/cb")
	clock.Advance(2 * time.Minute)
	_, err = o.Credentials(context.Background())
	var te *auth.TokenEndpointError
	require.ErrorAs(t, err, &te)
	require.Contains(t, err.Error(), "answered HTTP 400 Bad Request: invalid_grant: The refresh token has been revoked")
}

func TestOAuth2NoNeedRefreshAccessToken(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t, "TOKEN_TTL=120")
	clock := newClock()
	o, err := auth.NewOAuth2(oauthTemplate(t, `<Parameter Father="AuthOption" Name="NoNeedRefreshAccessToken" Value="1"/>`),
		engine.Vars{"issuer": mock.URL, "client_id": "c"}, auth.Options{Now: clock.Now})
	require.NoError(t, err)
	authorize(t, o, "http://127.0.0.1:1/cb")
	tok := creds(t, o)
	clock.Advance(time.Hour)
	require.Equal(t, tok.Vars["AccessToken"], creds(t, o).Vars["AccessToken"], "expired, but never renewed")
	require.ErrorIs(t, o.Refresh(context.Background(), tok), auth.ErrRefreshDisabled)
	require.Len(t, mock.TokenRequests(t, 1), 1)
}

// Token endpoints want the client credentials in different places.
func TestOAuth2ClientCredentialStyles(t *testing.T) {
	type seen struct {
		query, form url.Values
		user, pass  string
		basic       bool
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		user, pass, basic := r.BasicAuth()
		mu.Lock()
		got = append(got, seen{r.URL.Query(), form, user, pass, basic})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"a","token_type":"bearer","refresh_token":"r","expires_in":3600}`)
	}))
	t.Cleanup(srv.Close)
	fields := engine.Vars{"issuer": srv.URL, "client_id": "cid", "client_secret": "csecret"}
	last := func() seen {
		mu.Lock()
		defer mu.Unlock()
		return got[len(got)-1]
	}
	for _, tt := range []struct {
		name, extra string
		check       func(t *testing.T, s seen)
	}{
		{"header", `<Parameter Name="ClientAuthStyle" Value="header"/>`, func(t *testing.T, s seen) {
			require.True(t, s.basic)
			require.Equal(t, "cid", s.user)
			require.Equal(t, "csecret", s.pass)
			require.Empty(t, s.form.Get("client_secret"))
		}},
		{"body", `<Parameter Name="ClientAuthStyle" Value="body"/>`, func(t *testing.T, s seen) {
			require.False(t, s.basic)
			require.Equal(t, "cid", s.form.Get("client_id"))
			require.Equal(t, "csecret", s.form.Get("client_secret"))
		}},
		{"query", `<Parameter Name="ClientAuthStyle" Value="query"/>`, func(t *testing.T, s seen) {
			require.False(t, s.basic)
			require.Equal(t, "cid", s.query.Get("client_id"))
			require.Equal(t, "csecret", s.query.Get("client_secret"))
			require.Empty(t, s.form.Get("client_secret"))
		}},
		{"auto is header first", "", func(t *testing.T, s seen) {
			require.True(t, s.basic)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := auth.NewOAuth2(oauthTemplate(t, tt.extra), fields, auth.Options{})
			require.NoError(t, err)
			require.NoError(t, o.Exchange(context.Background(), "the-code", "http://127.0.0.1/cb"))
			s := last()
			require.Equal(t, "authorization_code", s.form.Get("grant_type"))
			require.Equal(t, "the-code", s.form.Get("code"))
			tt.check(t, s)
		})
	}
	t.Run("credentials already in the TokenEndPoint", func(t *testing.T) {
		tmpl := load(t, "oauth2", `<Parameter Name="AuthEndPoint" Value="https://x/auth?client_id={{.client_id}}"/>
<Parameter Name="TokenEndPoint" Value="`+srv.URL+`/token?client_id={{.client_id}}&amp;client_secret={{.client_secret}}"/>
<Parameter Father="CustomFieldList" Name="client_id"/><Parameter Father="CustomFieldList" Name="client_secret" Editor="password"/>`)
		o, err := auth.NewOAuth2(tmpl, fields, auth.Options{})
		require.NoError(t, err)
		require.NoError(t, o.Exchange(context.Background(), "c2", "http://127.0.0.1/cb"))
		s := last()
		require.Equal(t, "csecret", s.query.Get("client_secret"))
		require.False(t, s.basic, "sent only where the template put them")
		require.Empty(t, s.form.Get("client_secret"))
		u, err := o.AuthorizeURL("http://127.0.0.1/cb", "s")
		require.NoError(t, err)
		require.Equal(t, []string{"cid"}, mustQuery(t, u)["client_id"], "client_id is not added twice")
	})
}

type failingStore struct{ auth.MemoryStore }

func (*failingStore) Save(context.Context, string, *auth.Token) error { return errors.New("disk full") }

// A token that cannot be saved is not used: a rotated refresh token must
// never exist only in memory.
func TestOAuth2TokenIsSavedBeforeUse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"new","refresh_token":"rotated","expires_in":3600}`)
	}))
	t.Cleanup(srv.Close)
	store := &failingStore{}
	o, err := auth.NewOAuth2(oauthTemplate(t, ""), engine.Vars{"issuer": srv.URL, "client_id": "c"}, auth.Options{Store: store})
	require.NoError(t, err)
	err = o.Exchange(context.Background(), "code", "http://127.0.0.1/cb")
	require.ErrorContains(t, err, "disk full")
	_, err = o.Credentials(context.Background())
	require.ErrorIs(t, err, auth.ErrNotConnected)
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query()
}
