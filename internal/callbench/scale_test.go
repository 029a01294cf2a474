package callbench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/callbench"
)

// One and two replicas of the real binary on one PostgreSQL schema share a
// low MaxConcurrentRequest: the desk never holds more than it at once,
// whichever replica sends, and every call is journaled exactly once (the
// run fails otherwise). It checks the harness and the shared limit, not
// speed.
func TestTinyScaleOutHoldsTheSharedLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	pg := os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL")
	if pg == "" {
		t.Skip("SWITCHBOARD_TEST_POSTGRES_URL is not set: replicas need PostgreSQL")
	}
	bin, err := callbench.Build(context.Background(), t.TempDir())
	require.NoError(t, err)
	const calls, limit = 60, 5
	var log bytes.Buffer
	rep, err := callbench.RunScale(context.Background(), callbench.Config{Bin: bin, Calls: calls, Senders: 4, Postgres: pg,
		Replicas: []int{1, 2}, MaxConcurrent: limit, DeskLatency: 20 * time.Millisecond, Log: &log, Timeout: 3 * time.Minute})
	require.NoError(t, err, log.String())

	require.Len(t, rep.Replicas, 2)
	for i, r := range rep.Replicas {
		require.Equal(t, i+1, r.Replicas)
		require.Equal(t, calls, r.Calls)
		require.Positive(t, r.DeskPeakInFlight)
		require.LessOrEqual(t, r.DeskPeakInFlight, limit, "%d replicas: never more than MaxConcurrentRequest in flight, across replicas", r.Replicas)
		// Each call's requests reached the desk; a request may come again
		// when a step is retried on a busy machine (RunScale itself fails
		// unless every call has exactly one ticket and one journal entry).
		for _, kind := range []string{"search", "identities", "ticket", "journal"} {
			require.GreaterOrEqual(t, r.DeskRequests[kind], calls, "%d replicas: %s requests", r.Replicas, kind)
		}
		require.Zero(t, r.DeskRequests["other"])
		require.Positive(t, r.CallsPerSec)
		require.Positive(t, r.PeakRSSBytes)
	}
	require.Equal(t, 1.0, rep.Replicas[0].SpeedUp)
	require.Positive(t, rep.Replicas[1].SpeedUp)

	var table strings.Builder
	require.NoError(t, rep.WriteMarkdown(&table))
	require.Contains(t, table.String(), "desk peak in flight (limit 5)")
	require.Contains(t, table.String(), "MaxConcurrentRequest=5 shared by the replicas")
	t.Log("\n" + table.String())
}
