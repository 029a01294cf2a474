package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/switchboard/switchboard/internal/configcheck"
)

// RetryPolicy says which failures are tried again and how long to wait.
// Zero values take the defaults noted on each field.
type RetryPolicy struct {
	// Max is the number of retries after the first attempt. Default 3;
	// a negative value disables retries.
	Max int
	// WaitMin and WaitMax bound the exponential backoff. Defaults 250ms
	// and 5s.
	WaitMin, WaitMax time.Duration
	// RetryAfterMax caps how long a server's Retry-After is honoured.
	// Default 30s.
	RetryAfterMax time.Duration
}

// Defaults of RetryPolicy.
const (
	DefaultRetryMax      = 3
	DefaultRetryWaitMin  = 250 * time.Millisecond
	DefaultRetryWaitMax  = 5 * time.Second
	DefaultRetryAfterMax = 30 * time.Second
)

// WithDefaults fills in the zero fields.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.Max == 0 {
		p.Max = DefaultRetryMax
	}
	if p.Max < 0 {
		p.Max = 0
	}
	if p.WaitMin == 0 {
		p.WaitMin = DefaultRetryWaitMin
	}
	if p.WaitMax == 0 {
		p.WaitMax = max(DefaultRetryWaitMax, p.WaitMin)
	}
	if p.RetryAfterMax == 0 {
		p.RetryAfterMax = DefaultRetryAfterMax
	}
	return p
}

// Validate names the first field that cannot work, the rule, and the fix.
func (p RetryPolicy) Validate() error {
	if err := configcheck.NotNegative("retry policy",
		configcheck.Duration{Name: "WaitMin", Value: p.WaitMin, Default: DefaultRetryWaitMin},
		configcheck.Duration{Name: "WaitMax", Value: p.WaitMax, Default: DefaultRetryWaitMax},
		configcheck.Duration{Name: "RetryAfterMax", Value: p.RetryAfterMax, Default: DefaultRetryAfterMax},
	); err != nil {
		return err
	}
	if p.WaitMax != 0 && p.WaitMax < p.WaitMin {
		return fmt.Errorf("retry policy: WaitMax %s is below WaitMin %s; raise WaitMax, or leave it 0", p.WaitMax, p.WaitMin)
	}
	return nil
}

// idempotent reports whether a request may be sent again after a failure
// that happened once the server could have acted on it.
func idempotent(method string, h http.Header) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return h.Get("Idempotency-Key") != ""
}

// isIdempotent reads idempotent's verdict from the request context, where
// the engine put it: retryablehttp's CheckRetry sees the context, not the
// request.
func isIdempotent(ctx context.Context) bool {
	info := exchangeFrom(ctx)
	return info != nil && info.idempotent
}

// checkRetry retries network errors, 429 and 5xx (but 501). A request that
// is not idempotent is re-sent after a network error only when the error
// shows it never reached the server (the connection could not be made):
// otherwise the server may have acted on it and a second copy could create
// a second ticket.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if !isIdempotent(ctx) && !neverSent(err) {
			return false, err
		}
		// DefaultRetryPolicy knows the errors that will not get better:
		// bad schemes, too many redirects, TLS certificate problems.
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// neverSent reports whether a transport error happened before any byte of
// the request could reach the server.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff waits exponentially longer with jitter, and honours Retry-After
// on 429 and 503 up to RetryAfterMax.
func (p RetryPolicy) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, p.RetryAfterMax)
		}
	}
	wait := lo << min(attempt, 30)
	if wait <= 0 || wait > hi {
		wait = hi
	}
	// Equal jitter: half fixed, half random, so waits stay spread out but
	// never collapse to zero.
	half := wait / 2
	return half + rand.N(half+1)
}

// retryAfter reads a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
