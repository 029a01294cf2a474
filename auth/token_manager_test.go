package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/testpeers"
)

// bothAtOnce runs f for each authorizer at the same time and returns their
// errors.
func bothAtOnce(as []engine.Authorizer, f func(a engine.Authorizer) error) []error {
	errs := make([]error, len(as))
	var wg sync.WaitGroup
	for i, a := range as {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(a)
		}()
	}
	wg.Wait()
	return errs
}

// Two holders of one token — two replicas, here two authorizers on one
// shared store — both find it rejected, then both find it expired. The
// provider rotates refresh tokens and refuses a spent one, so each time
// only one may refresh; the other uses the token it saved.
func TestOAuth2HoldersOfOneTokenRefreshOnce(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t, "TOKEN_TTL=120")
	store := &auth.MemoryStore{}
	clock := newClock()
	fields := engine.Vars{"issuer": mock.URL, "client_id": "c"}
	var holders []engine.Authorizer
	for range 2 {
		o, err := auth.NewOAuth2(oauthTemplate(t, ""), fields, auth.Options{Store: store, Now: clock.Now})
		require.NoError(t, err)
		holders = append(holders, o)
	}
	authorize(t, holders[0].(*auth.OAuth2), "http://127.0.0.1:1/cb")
	t0 := creds(t, holders[0])
	require.Equal(t, t0.Vars["AccessToken"], creds(t, holders[1]).Vars["AccessToken"], "both hold the first token")

	// The API rejects it.
	for _, err := range bothAtOnce(holders, func(a engine.Authorizer) error {
		return a.(engine.Refresher).Refresh(context.Background(), t0)
	}) {
		require.NoError(t, err)
	}
	t1 := creds(t, holders[0])
	require.NotEqual(t, t0.Vars["AccessToken"], t1.Vars["AccessToken"])
	require.Equal(t, t1.Vars["AccessToken"], creds(t, holders[1]).Vars["AccessToken"])

	// It expires.
	clock.Advance(2 * time.Minute)
	for _, err := range bothAtOnce(holders, func(a engine.Authorizer) error {
		_, err := a.Credentials(context.Background())
		return err
	}) {
		require.NoError(t, err)
	}
	t2 := creds(t, holders[1])
	require.NotEqual(t, t1.Vars["AccessToken"], t2.Vars["AccessToken"])
	require.Equal(t, t2.Vars["AccessToken"], creds(t, holders[0]).Vars["AccessToken"])

	// A third renewal is the one after those two: none was refused.
	require.NoError(t, holders[0].(engine.Refresher).Refresh(context.Background(), t2))
	reqs := mock.TokenRequests(t, 4)
	require.Len(t, reqs, 4, "the code exchange and one refresh each time: %+v", reqs)
	for i, r := range reqs[1:] {
		require.Equal(t, 200, r.Status, "refresh %d: %+v", i+1, r)
		require.Equal(t, reqs[i].RefreshTokenOut, r.RefreshTokenIn, "refresh %d uses the refresh token the one before issued", i+1)
	}
}

// Bearer tokens renewed by age: a holder whose token is old takes the one
// another holder just fetched instead of fetching its own.
func TestBearerHoldersOfOneTokenFetchOnce(t *testing.T) {
	ts := newTokenServer(t, nil)
	store := &auth.MemoryStore{}
	clock := newClock()
	var holders []engine.Authorizer
	for range 2 {
		a, err := auth.New(bearerTemplate(t, ts, `<Parameter Name="TokenRefreshInterval" Value="5"/>`),
			engine.Vars{"user": "u"}, auth.Options{Store: store, Key: "k", Now: clock.Now})
		require.NoError(t, err)
		holders = append(holders, a)
	}
	require.Equal(t, "tok-1", creds(t, holders[0]).Vars["AccessToken"])
	require.Equal(t, "tok-1", creds(t, holders[1]).Vars["AccessToken"], "the second holder finds the saved token")

	clock.Advance(5 * time.Minute)
	for _, err := range bothAtOnce(holders, func(a engine.Authorizer) error {
		_, err := a.Credentials(context.Background())
		return err
	}) {
		require.NoError(t, err)
	}
	require.EqualValues(t, 2, ts.issued.Load(), "one fetch for both")
	require.Equal(t, "tok-2", creds(t, holders[0]).Vars["AccessToken"])
	require.Equal(t, "tok-2", creds(t, holders[1]).Vars["AccessToken"])
}

// With NoNeedRefreshAccessToken=1 a rejected token cannot be refreshed, but
// a token saved since — the integration authorized again, through another
// replica — is taken up.
func TestOAuth2NoRefreshTakesUpANewAuthorization(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t)
	store := &auth.MemoryStore{}
	tmpl := oauthTemplate(t, `<Parameter Father="AuthOption" Name="NoNeedRefreshAccessToken" Value="1"/>`)
	fields := engine.Vars{"issuer": mock.URL, "client_id": "c"}
	here, err := auth.NewOAuth2(tmpl, fields, auth.Options{Store: store})
	require.NoError(t, err)
	there, err := auth.NewOAuth2(tmpl, fields, auth.Options{Store: store})
	require.NoError(t, err)
	authorize(t, there, "http://127.0.0.1:1/cb")
	old := creds(t, here)

	require.ErrorIs(t, here.Refresh(context.Background(), old), auth.ErrRefreshDisabled, "nothing newer saved")
	authorize(t, there, "http://127.0.0.1:1/cb")
	require.NoError(t, here.Refresh(context.Background(), old))
	require.Equal(t, creds(t, there).Vars["AccessToken"], creds(t, here).Vars["AccessToken"])
	require.NotEqual(t, old.Vars["AccessToken"], creds(t, here).Vars["AccessToken"])
	require.Len(t, mock.TokenRequests(t, 2), 2, "no refresh, two authorizations")
}
