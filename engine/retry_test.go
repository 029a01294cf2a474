package engine

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffHonoursRetryAfter(t *testing.T) {
	p := RetryPolicy{WaitMin: 100 * time.Millisecond, WaitMax: time.Second, RetryAfterMax: 10 * time.Second}.WithDefaults()
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	require.Equal(t, 3*time.Second, p.backoff(p.WaitMin, p.WaitMax, 0, resp(429, "3")), "seconds beyond WaitMax are honoured")
	require.Equal(t, 10*time.Second, p.backoff(p.WaitMin, p.WaitMax, 0, resp(503, "3600")), "capped at RetryAfterMax")
	date := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	d := p.backoff(p.WaitMin, p.WaitMax, 0, resp(429, date))
	require.True(t, d > 3*time.Second && d <= 5*time.Second, "an HTTP date is honoured: %s", d)

	// Without Retry-After (or on other statuses): exponential with jitter,
	// between half and all of min·2^attempt, never above WaitMax.
	for attempt, full := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		for range 20 {
			d := p.backoff(p.WaitMin, p.WaitMax, attempt, resp(500, "7"))
			require.GreaterOrEqual(t, d, full/2)
			require.LessOrEqual(t, d, full)
		}
	}
	require.LessOrEqual(t, p.backoff(p.WaitMin, p.WaitMax, 80, nil), p.WaitMax, "no overflow on many attempts")
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"0":                             0,
		"120":                           2 * time.Minute,
		"Sun, 22 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"Sun, 22 Nov 2026 09:00:00 GMT": 0,
	} {
		d, ok := retryAfter(v, now)
		require.True(t, ok, v)
		require.Equal(t, want, d, v)
	}
	for _, v := range []string{"", "-1", "soon"} {
		_, ok := retryAfter(v, now)
		require.False(t, ok, v)
	}
}

// A policy that cannot work is refused with the field, the rule and the
// fix, not quietly replaced by a default.
func TestRetryPolicyValidate(t *testing.T) {
	require.NoError(t, RetryPolicy{}.Validate())
	require.NoError(t, RetryPolicy{Max: -1}.Validate(), "a negative Max turns retries off")
	require.EqualError(t, RetryPolicy{WaitMin: -time.Second}.Validate(), "retry policy: WaitMin -1s is negative; give a positive duration, or 0 for 250ms")
	require.EqualError(t, RetryPolicy{WaitMin: time.Second, WaitMax: time.Millisecond}.Validate(), "retry policy: WaitMax 1ms is below WaitMin 1s; raise WaitMax, or leave it 0")
	require.EqualError(t, ClientConfig{Timeout: -time.Second}.Validate(), "client: Timeout -1s is negative; give a positive duration, or 0 for 30s")
	require.Equal(t, 10*time.Second, RetryPolicy{WaitMin: 10 * time.Second}.WithDefaults().WaitMax, "a defaulted WaitMax is never below WaitMin")
}
