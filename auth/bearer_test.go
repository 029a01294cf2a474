package auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
)

// tokenServer issues tokens tok-1, tok-2, … and records each request.
type tokenServer struct {
	*httptest.Server
	issued  atomic.Int32
	mu      sync.Mutex
	bodies  []string
	headers []http.Header
	answer  func(n int32) (int, string) // optional override
}

func newTokenServer(t *testing.T, answer func(n int32) (int, string)) *tokenServer {
	ts := &tokenServer{answer: answer}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		ts.bodies = append(ts.bodies, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		ts.headers = append(ts.headers, r.Header.Clone())
		ts.mu.Unlock()
		n := ts.issued.Add(1)
		if ts.answer != nil {
			status, body := ts.answer(n)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":3600}`, n)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func bearerTemplate(t *testing.T, ts *tokenServer, extra string) *engine.Template {
	return load(t, "bearertoken", `<Parameter Name="TokenEndPoint" Value="`+ts.URL+`/oauth/token?user={{.user}}"/>
<Parameter Name="TokenRequestBody" Value="{&quot;client_id&quot;:&quot;{{.user}}&quot;,&quot;client_secret&quot;:&quot;{{.pass}}&quot;}"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Api-Version" Value="2"/>
<Parameter Father="PopulateTemplateString" Type="Header" Name="X-Token" Value="{{.AccessToken}}"/>`+extra)
}

func TestBearerFetchesAtFirstUse(t *testing.T) {
	ts := newTokenServer(t, nil)
	a, err := auth.New(bearerTemplate(t, ts, ""), engine.Vars{"user": "ann", "pass": "pw-123456"}, auth.Options{})
	require.NoError(t, err)
	require.Zero(t, ts.issued.Load(), "nothing is fetched before it is needed")
	c := creds(t, a)
	require.Equal(t, "Bearer tok-1", c.Header.Get("Authorization"))
	require.Equal(t, "tok-1", c.Vars["AccessToken"])
	creds(t, a)
	require.EqualValues(t, 1, ts.issued.Load(), "a fresh token is reused")
	require.Equal(t, `POST /oauth/token?user=ann {"client_id":"ann","client_secret":"pw-123456"}`, ts.bodies[0])
	require.Equal(t, "application/json", ts.headers[0].Get("Content-Type"))
	require.Equal(t, "2", ts.headers[0].Get("X-Api-Version"), "template-wide headers go to the token endpoint too")
	require.Empty(t, ts.headers[0].Values("X-Token"), "but not those that need the token")
}

// A TokenEndPoint that renders empty for the fields given: no token is
// fetched, and no Authorization comes from the method.
func TestBearerWithoutTokenEndPoint(t *testing.T) {
	ts := newTokenServer(t, nil)
	tmpl := load(t, "bearertoken", `<Parameter Name="TokenEndPoint" Value="{{if not .api_user}}`+ts.URL+`/oauth/token{{end}}"/>`)
	a, err := auth.New(tmpl, engine.Vars{"api_user": "legacy"}, auth.Options{})
	require.NoError(t, err)
	c := creds(t, a)
	require.Empty(t, c.Header.Get("Authorization"))
	require.Zero(t, ts.issued.Load(), "no token asked for")

	a, err = auth.New(tmpl, engine.Vars{"api_user": ""}, auth.Options{})
	require.NoError(t, err)
	require.Equal(t, "Bearer tok-1", creds(t, a).Header.Get("Authorization"))
}

func TestBearerTokenLocations(t *testing.T) {
	for name, tt := range map[string]struct{ param, body, want string }{
		"access_token":      {"", `{"access_token":"A"}`, "A"},
		"token":             {"", `{"token":"B"}`, "B"},
		"data.access_token": {"", `{"data":{"access_token":"C"}}`, "C"},
		"AccessTokenPath":   {`<Parameter Name="AccessTokenPath" Value="result.jwt"/>`, `{"result":{"jwt":"D"},"access_token":"not this"}`, "D"},
	} {
		t.Run(name, func(t *testing.T) {
			ts := newTokenServer(t, func(int32) (int, string) { return 200, tt.body })
			a, err := auth.New(bearerTemplate(t, ts, tt.param), engine.Vars{"user": "u"}, auth.Options{})
			require.NoError(t, err)
			require.Equal(t, tt.want, creds(t, a).Vars["AccessToken"])
		})
	}
}

func TestBearerRefreshInterval(t *testing.T) {
	for _, tt := range []struct {
		param   string
		advance time.Duration
		fetches int32
	}{
		{"", 24 * time.Minute, 1},
		{"", 25 * time.Minute, 2}, // empty means 25 minutes
		{`<Parameter Name="TokenRefreshInterval" Value="5"/>`, 5 * time.Minute, 2},
		{`<Parameter Name="TokenRefreshInterval" Value="0"/>`, 58 * time.Minute, 1}, // 0: never by age (expires_in still counts)
	} {
		t.Run(fmt.Sprintf("%q+%s", tt.param, tt.advance), func(t *testing.T) {
			ts := newTokenServer(t, nil)
			clock := newClock()
			a, err := auth.New(bearerTemplate(t, ts, tt.param), engine.Vars{"user": "u"}, auth.Options{Now: clock.Now})
			require.NoError(t, err)
			creds(t, a)
			clock.Advance(tt.advance)
			creds(t, a)
			require.Equal(t, tt.fetches, ts.issued.Load())
		})
	}
}

func TestBearerRenewsBeforeExpiry(t *testing.T) {
	ts := newTokenServer(t, func(n int32) (int, string) { return 200, fmt.Sprintf(`{"access_token":"tok-%d","expires_in":300}`, n) })
	clock := newClock()
	a, err := auth.New(bearerTemplate(t, ts, `<Parameter Name="TokenRefreshInterval" Value="0"/>`), engine.Vars{"user": "u"},
		auth.Options{Now: clock.Now, RefreshBefore: time.Minute})
	require.NoError(t, err)
	require.Equal(t, "tok-1", creds(t, a).Vars["AccessToken"])
	clock.Advance(3*time.Minute + 59*time.Second)
	require.Equal(t, "tok-1", creds(t, a).Vars["AccessToken"])
	clock.Advance(time.Second) // one minute before expiry
	require.Equal(t, "tok-2", creds(t, a).Vars["AccessToken"])
}

func TestBearerFailureIsExplainedAndBacksOff(t *testing.T) {
	ts := newTokenServer(t, func(int32) (int, string) {
		return 401, `{"error":"invalid_client","error_description":"client secret pw-123456 is wrong"}`
	})
	clock := newClock()
	a, err := auth.New(bearerTemplate(t, ts, ""), engine.Vars{"user": "ann", "pass": "pw-123456"}, auth.Options{Now: clock.Now})
	require.NoError(t, err)
	_, err = a.Credentials(context.Background())
	var te *auth.TokenEndpointError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 401, te.Status)
	require.Contains(t, err.Error(), "HTTP 401 Unauthorized: invalid_client: client secret **** is wrong")
	require.NotContains(t, err.Error(), "pw-123456", "password fields are masked in token errors")

	// Within the backoff the endpoint is not asked again.
	_, err = a.Credentials(context.Background())
	require.ErrorContains(t, err, "not retried before")
	require.EqualValues(t, 1, ts.issued.Load())
	clock.Advance(time.Second)
	_, err = a.Credentials(context.Background())
	require.Error(t, err)
	require.EqualValues(t, 2, ts.issued.Load(), "after the backoff it tries again")
	clock.Advance(time.Second) // the second failure doubled the wait
	_, _ = a.Credentials(context.Background())
	require.EqualValues(t, 2, ts.issued.Load())
}

func TestBearerNonJSONAnswer(t *testing.T) {
	ts := newTokenServer(t, func(int32) (int, string) { return 200, "<html>login</html>" })
	a, err := auth.New(bearerTemplate(t, ts, ""), engine.Vars{"user": "u"}, auth.Options{})
	require.NoError(t, err)
	_, err = a.Credentials(context.Background())
	require.ErrorContains(t, err, "answer is not JSON")
}

// Many requests that find no token, an expired token, or the same rejected
// token cause one fetch; the rest wait for it and share it.
func TestBearerSingleRefresh(t *testing.T) {
	gate := make(chan struct{})
	ts := newTokenServer(t, func(n int32) (int, string) {
		<-gate
		return 200, fmt.Sprintf(`{"access_token":"tok-%d"}`, n)
	})
	clock := newClock()
	a, err := auth.New(bearerTemplate(t, ts, ""), engine.Vars{"user": "u"}, auth.Options{Now: clock.Now})
	require.NoError(t, err)
	const n = 50
	// concurrently runs f n times at once and returns the tokens they got.
	concurrently := func(f func() (engine.Credentials, error)) map[string]int {
		var wg sync.WaitGroup
		got := make(chan string, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := f()
				if err == nil {
					got <- c.Vars["AccessToken"]
				}
			}()
		}
		gate <- struct{}{} // let the one fetch through
		wg.Wait()
		close(got)
		seen := map[string]int{}
		for tok := range got {
			seen[tok]++
		}
		return seen
	}
	get := func() (engine.Credentials, error) { return a.Credentials(context.Background()) }

	require.Equal(t, map[string]int{"tok-1": n}, concurrently(get), "no token yet")
	require.EqualValues(t, 1, ts.issued.Load())

	clock.Advance(25 * time.Minute)
	require.Equal(t, map[string]int{"tok-2": n}, concurrently(get), "token too old")
	require.EqualValues(t, 2, ts.issued.Load())

	stale := creds(t, a)
	ref := a.(engine.Refresher)
	seen := concurrently(func() (engine.Credentials, error) {
		if err := ref.Refresh(context.Background(), stale); err != nil {
			return engine.Credentials{}, err
		}
		return a.Credentials(context.Background())
	})
	require.Equal(t, map[string]int{"tok-3": n}, seen, "token rejected by the API")
	require.EqualValues(t, 3, ts.issued.Load())
}

// Through the engine: every request of many concurrent runs is rejected
// with the template's TokenInvalid text until the token is renewed; one
// renewal repairs them all, and each request is sent again once.
func TestBearerTokenInvalidRepairedOnceThroughTheEngine(t *testing.T) {
	ts := newTokenServer(t, nil)
	const runs = 10 // the default MaxConcurrentRequest: all can be in flight at once
	var apiCalls, rejected atomic.Int32
	allRejected := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiCalls.Add(1)
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			// Hold every answer until all runs have sent tok-1, so all of
			// them meet the invalid token at once.
			if rejected.Add(1) == runs {
				close(allRejected)
			}
			<-allRejected
			w.WriteHeader(401)
			fmt.Fprint(w, `{"code":"TOKEN_EXPIRED"}`)
			return
		}
		fmt.Fprint(w, `{"id":"1"}`)
	}))
	t.Cleanup(api.Close)
	tmpl := load(t, "bearertoken", `<Parameter Name="TokenEndPoint" Value="`+ts.URL+`/token"/>
<Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid" Value="TOKEN_EXPIRED"/>`,
		`<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="GET" URLFormat="`+api.URL+`/a"><Outputs><Output Name="Id" Path="id"/></Outputs></Request></Requests></Scenario>`)
	a, err := auth.New(tmpl, engine.Vars{}, auth.Options{})
	require.NoError(t, err)
	creds(t, a) // tok-1 is now held; the API will reject it
	c := engine.NewClient(tmpl, engine.ClientConfig{Auth: a})
	var wg sync.WaitGroup
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{})
			require.NoError(t, res.Err)
			require.Equal(t, "1", res.Vars["Id"])
		}()
	}
	wg.Wait()
	require.EqualValues(t, 2, ts.issued.Load(), "tok-1 at the start, then exactly one renewal")
	require.EqualValues(t, 2*runs, apiCalls.Load(), "each run: one rejected request, one repaired")
}
