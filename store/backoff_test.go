package store_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// A young job never waits longer than the cap, whatever its attempt, so
// work queued during an outage runs again soon after the remote recovers;
// older jobs wait longer, and the jitter spreads jobs that failed together.
func TestBackoffIsCappedByAge(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		age      time.Duration
		attempt  int
		min, max time.Duration
	}{
		{"first retry", time.Second, 1, 500 * time.Millisecond, time.Second},
		{"doubling", 10 * time.Second, 3, 2 * time.Second, 4 * time.Second},
		{"capped after an outage of a minute", time.Minute, 12, 4 * time.Second, 8 * time.Second},
		{"capped at any attempt while young", 9 * time.Minute, 1000, 4 * time.Second, 8 * time.Second},
		{"a job failing for long waits longer", 30 * time.Minute, 40, 30 * time.Second, time.Minute},
		{"and longer still after an hour", 5 * time.Hour, 100, 150 * time.Second, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []float64{0, 0.5, 0.999999} {
				b := store.Backoff{Now: func() time.Time { return now }, Rand: func() float64 { return r }}.WithDefaults()
				wait := b.NextRetry(&rivertype.JobRow{Attempt: tc.attempt, CreatedAt: now.Add(-tc.age)}).Sub(now)
				require.GreaterOrEqual(t, wait, tc.min, "jitter %v", r)
				require.LessOrEqual(t, wait, tc.max, "jitter %v", r)
			}
		})
	}
}

// Jobs that failed together are spread over the upper half of the wait.
func TestBackoffJitterSpreads(t *testing.T) {
	b := store.Backoff{}.WithDefaults()
	seen := map[time.Duration]bool{}
	for range 100 {
		w := b.Wait(20, time.Minute)
		require.GreaterOrEqual(t, w, 4*time.Second)
		require.LessOrEqual(t, w, 8*time.Second)
		seen[w.Round(100*time.Millisecond)] = true
	}
	require.Greater(t, len(seen), 5, "waits spread out")
}

// The queue's default policy is this one, and failing work is given up
// after a day.
func TestQueueDefaults(t *testing.T) {
	c := store.QueueConfig{}.WithDefaults()
	require.IsType(t, store.Backoff{}, c.RetryPolicy)
	require.Equal(t, 24*time.Hour, c.GiveUpAfter)
}

// A negative wait is refused with the field and the fix, not replaced by
// the default; the queue checks its policy when it is a Backoff.
func TestBackoffValidate(t *testing.T) {
	require.NoError(t, store.Backoff{}.Validate())
	require.EqualError(t, store.Backoff{Cap: -time.Second}.Validate(), "backoff: Cap -1s is negative; give a positive duration, or 0 for 8s")
	require.EqualError(t, store.QueueConfig{RetryPolicy: store.Backoff{Base: -1}}.Validate(), "backoff: Base -1ns is negative; give a positive duration, or 0 for 1s")
	require.Equal(t, store.DefaultBackoffLongerCap, store.Backoff{}.WithDefaults().LongerCap)
}
