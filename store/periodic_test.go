package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

type slowDutyArgs struct{}

func (slowDutyArgs) Kind() string { return "test_slow_duty" }

// A duty still running when the queue stops is told to end at once: the
// stop does not wait for it (it waited out the grace period before).
func TestDutyEndsWhenTheQueueStops(t *testing.T) {
	s, err := store.OpenSQLite(context.Background(), t.TempDir(), sealer(t))
	require.NoError(t, err)
	defer s.Close()
	running, ended := make(chan struct{}), make(chan error, 1)
	qc := store.AddDuty(store.QueueConfig{}, slowDutyArgs{}, time.Hour, func(ctx context.Context) {
		close(running)
		<-ctx.Done() // a duty waiting on something slow
		ended <- ctx.Err()
	})
	q, err := store.OpenQueue(context.Background(), s, qc)
	require.NoError(t, err)
	require.NoError(t, q.Start(context.Background()))
	select {
	case <-running: // the leader inserts it at start
	case <-time.After(30 * time.Second):
		t.Fatal("the duty did not run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, q.Stop(ctx), "stopped without cutting anything off")
	require.ErrorIs(t, <-ended, context.Canceled)
}
