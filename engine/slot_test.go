package engine_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/engine"
)

// A run given a slot its caller reserved sends every attempt under it —
// with MaxConcurrentRequest 1 it would otherwise wait forever for the slot
// its own caller holds — and gives nothing back itself: the slot is the
// caller's until Release, and while it is held other runs wait.
func TestRunUnderReservedSlot(t *testing.T) {
	var answered int
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		if answered++; answered == 1 {
			w.WriteHeader(503) // the first attempt is retried, under the same slot
			return
		}
		w.WriteHeader(204)
	})
	et := tmpl(t, `AuthType="none" MaxConcurrentRequest="1"`, "", globalInfo(
		`<Request Name="a" Method="GET" URLFormat="`+srv.URL+`/a"/><Request Name="b" Method="GET" URLFormat="`+srv.URL+`/b"/>`))
	limiter := semaphore.NewWeighted(1)
	shared := &countingShared{}
	c := engine.NewClient(et, engine.ClientConfig{Limiter: limiter, Shared: shared, Retry: fastRetry})

	slot, err := c.Reserve(context.Background())
	require.NoError(t, err)
	require.False(t, limiter.TryAcquire(1), "the reserved slot is the limiter's")
	pace := func(context.Context) error {
		require.EqualValues(t, 1, shared.held.Load(), "the shared slot is still taken per attempt")
		return nil
	}
	res := c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Slot: slot, Pace: pace})
	require.NoError(t, res.Err)
	require.Len(t, got(), 3, "a, its retry, then b")
	require.False(t, limiter.TryAcquire(1), "the run leaves the slot to its caller")
	require.EqualValues(t, 0, shared.held.Load())

	// Another run, without the slot, waits for it.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res = c.Run(ctx, "GetGlobalInfo", nil, engine.RunOptions{})
	require.ErrorIs(t, res.Err, context.DeadlineExceeded)
	require.Len(t, got(), 3, "nothing more went out without a slot")

	slot.Release()
	slot.Release() // a second Release does nothing
	require.True(t, limiter.TryAcquire(1), "Release gives the slot back, once")
	require.False(t, limiter.TryAcquire(1))
	limiter.Release(1)

	// A released slot, or one of another limiter, covers nothing: the run
	// takes its own slots again.
	other := engine.NewClient(et, engine.ClientConfig{Retry: fastRetry})
	foreign, err := other.Reserve(context.Background())
	require.NoError(t, err)
	defer foreign.Release()
	for _, s := range []*engine.Slot{slot, foreign} {
		res = c.Run(context.Background(), "GetGlobalInfo", nil, engine.RunOptions{Slot: s, Pace: func(context.Context) error {
			require.False(t, limiter.TryAcquire(1), "the attempt took its own slot")
			return nil
		}})
		require.NoError(t, res.Err)
		require.True(t, limiter.TryAcquire(1), "and gave it back")
		limiter.Release(1)
	}
}

// Reserve gives up when its context ends.
func TestReserveGivesUp(t *testing.T) {
	et := tmpl(t, `AuthType="none" MaxConcurrentRequest="1"`, "", globalInfo(`<Request Name="a" Method="GET" URLFormat="http://127.0.0.1:1/a"/>`))
	c := engine.NewClient(et, engine.ClientConfig{})
	held, err := c.Reserve(context.Background())
	require.NoError(t, err)
	defer held.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Reserve(ctx)
	require.ErrorIs(t, err, context.Canceled)
}
