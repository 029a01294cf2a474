package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/engine"
)

// countingShared is a SharedLimiter that counts the slots it has out.
type countingShared struct{ held atomic.Int32 }

func (s *countingShared) Acquire(context.Context) (func(), error) {
	s.held.Add(1)
	return func() { s.held.Add(-1) }, nil
}

// RunOptions.Pace is waited for by every attempt of every request once it
// holds its request slots (its own process's and the shared one), and only
// then does the request go out: a caller spacing requests to a remote's
// rate has nothing but the network between its clock and the remote.
func TestPaceComesLastBeforeEachAttempt(t *testing.T) {
	var answered atomic.Int32
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		if answered.Add(1) == 1 {
			w.WriteHeader(503) // the first attempt is retried
			return
		}
		w.WriteHeader(204)
	})
	et := tmpl(t, `AuthType="none" MaxConcurrentRequest="1"`, "", globalInfo(
		`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"/><Request Name="b" Method="GET" URLFormat="`+srv.URL+`/b"/>`))
	limiter := semaphore.NewWeighted(1)
	shared := &countingShared{}
	c := engine.NewClient(et, engine.ClientConfig{Limiter: limiter, Shared: shared, Retry: fastRetry})
	var paced []string
	pace := func(ctx context.Context) error {
		require.False(t, limiter.TryAcquire(1), "the process's slot is held while pacing")
		require.EqualValues(t, 1, shared.held.Load(), "the shared slot is held while pacing")
		paced = append(paced, fmt.Sprintf("pace %d after %d sent", len(paced)+1, len(got())))
		return nil
	}
	res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Pace: pace})
	require.NoError(t, res.Err)
	require.Equal(t, []string{"pace 1 after 0 sent", "pace 2 after 1 sent", "pace 3 after 2 sent"}, paced,
		"a, its retry, then b: each paced before it went out")
	require.Len(t, got(), 3)
	require.EqualValues(t, 0, shared.held.Load())
	require.True(t, limiter.TryAcquire(1), "the slot is given back")
}

// A pace that gives up (the caller stops) ends the run without sending,
// and gives the slots back.
func TestPaceErrorSendsNothing(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	et := tmpl(t, "", "", globalInfo(`<Request Name="a" Method="POST" URLFormat="`+srv.URL+`/a"/>`))
	limiter := semaphore.NewWeighted(10)
	shared := &countingShared{}
	c := engine.NewClient(et, engine.ClientConfig{Limiter: limiter, Shared: shared, Retry: fastRetry})
	stopped := errors.New("the sender stopped")
	res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Pace: func(context.Context) error { return stopped }})
	require.ErrorIs(t, res.Err, stopped)
	require.ErrorContains(t, res.Err, "waiting for the request's turn")
	require.Empty(t, got())
	require.EqualValues(t, 0, shared.held.Load())
	require.True(t, limiter.TryAcquire(10), "every slot is given back")
}
