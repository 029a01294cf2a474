package chatjournal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A failed journal waits RetryWait, then twice as long each time, never
// more than ten minutes.
func TestBackoff(t *testing.T) {
	wait := 5 * time.Second
	var got []time.Duration
	for attempt := 1; attempt <= 9; attempt++ {
		got = append(got, backoff(wait, attempt))
	}
	require.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 320 * time.Second, 10 * time.Minute, 10 * time.Minute}, got)
	require.Equal(t, 10*time.Minute, backoff(wait, 1000), "no overflow however many attempts")
}
