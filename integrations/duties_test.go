package integrations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/store"
)

// The periodic duties run as River periodic jobs, inserted by the elected
// leader when it starts: a connected integration's GetGlobalInfo runs
// again (its outputs kept) and its token is renewed, without a call.
func TestDutiesRunOnTheLeader(t *testing.T) {
	var tokens atomic.Int32
	refreshed := make(chan string, 10)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			fmt.Fprintf(w, `{"access_token":"t-%d"}`, tokens.Add(1))
		case "/me":
			fmt.Fprint(w, `{"account":"Acme v2"}`)
			refreshed <- r.Header.Get("Authorization")
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(api.Close)
	f := newFixture(t, func(c *integrations.Config) {
		c.GlobalInfoInterval, c.TokenRenewalInterval = time.Hour, time.Hour
	})
	f.template(t, bearerDeskTemplate)
	in := f.integration(t, api.URL)
	in.Status, in.ConnectedAt = store.StatusConnected, time.Now()
	require.NoError(t, f.st.UpdateIntegration(t.Context(), in))

	q, err := store.OpenQueue(t.Context(), f.st, f.rt.AddJobs(store.QueueConfig{PollInterval: 20 * time.Millisecond}))
	require.NoError(t, err)
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, q.Stop(context.Background())) })

	select {
	case auth := <-refreshed:
		require.Equal(t, "Bearer t-1", auth)
	case <-time.After(30 * time.Second):
		t.Fatal("GetGlobalInfo never ran again")
	}
	require.Eventually(t, func() bool {
		got, err := f.st.GetIntegration(t.Context(), in.ID)
		return err == nil && got.GlobalVars["Account"] == "Acme v2"
	}, 30*time.Second, 10*time.Millisecond)
}

// RenewTokens gets the token of a connected integration that has none,
// and leaves a fresh one alone.
func TestRenewTokens(t *testing.T) {
	var tokens atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"access_token":"t-%d","expires_in":3600}`, tokens.Add(1))
	}))
	t.Cleanup(api.Close)
	f := newFixture(t)
	f.template(t, bearerDeskTemplate)
	in := f.integration(t, api.URL)
	in.Status = store.StatusConnected
	require.NoError(t, f.st.UpdateIntegration(t.Context(), in))
	f.rt.RenewTokens(t.Context())
	require.EqualValues(t, 1, tokens.Load())
	f.rt.RenewTokens(t.Context())
	require.EqualValues(t, 1, tokens.Load(), "a fresh token is not renewed")
}
