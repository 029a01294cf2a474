package configcheck_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/configcheck"
)

func TestNotNegative(t *testing.T) {
	require.NoError(t, configcheck.NotNegative("x", configcheck.Duration{"A", 0, time.Second}, configcheck.Duration{"B", time.Minute, time.Second}))
	require.EqualError(t, configcheck.NotNegative("queue", configcheck.Duration{"A", 0, time.Second}, configcheck.Duration{"JobTimeout", -time.Minute, 2 * time.Minute}),
		"queue: JobTimeout -1m0s is negative; give a positive duration, or 0 for 2m0s")
	require.EqualError(t, configcheck.CountNotNegative("messaging", "MaxAttempts", -1, 5), "messaging: MaxAttempts -1 is negative; give a positive number, or 0 for 5")
	require.NoError(t, configcheck.CountNotNegative("messaging", "MaxAttempts", 0, 5))
}

func TestDefault(t *testing.T) {
	d, n, s := time.Duration(0), 7, ""
	configcheck.Default(&d, time.Second)
	configcheck.Default(&n, 5)
	configcheck.Default(&s, "x")
	require.Equal(t, time.Second, d)
	require.Equal(t, 7, n, "a value given stays")
	require.Equal(t, "x", s)
}
