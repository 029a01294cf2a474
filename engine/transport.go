package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/semaphore"
)

// newTransport builds the scenario client's chain of layers:
// trace → retry → concurrency limit → base transport. Authentication is not
// a layer: its header must sit between the template-wide and the request's
// own headers (DESIGN §2.2), so the engine sets it when building the
// request, and re-builds the request after a token refresh.
func newTransport(cfg ClientConfig) http.RoundTripper {
	base, limiter, policy, timeout := cfg.Transport, cfg.Limiter, cfg.Retry, cfg.Timeout
	rc := &retryablehttp.Client{
		// The per-attempt time limit is a context deadline set by the limit
		// layer rather than http.Client.Timeout, whose timer machinery cost
		// a quarter of the engine's overhead per request.
		HTTPClient: &http.Client{
			Transport: &limitTransport{next: base, sem: limiter, shared: cfg.Shared, waiting: cfg.Waiting, timeout: timeout},
		},
		Logger:       nil, // the trace records every exchange, masked; retryablehttp would log URLs unmasked
		RetryWaitMin: policy.WaitMin,
		RetryWaitMax: policy.WaitMax,
		RetryMax:     policy.Max,
		CheckRetry:   checkRetry,
		Backoff:      policy.backoff,
		ErrorHandler: func(resp *http.Response, err error, attempts int) (*http.Response, error) {
			if err != nil && isTimeout(err) {
				return resp, fmt.Errorf("no answer within the %s timeout, after %d attempt(s): %w", timeout, attempts, err)
			}
			if err != nil {
				return resp, fmt.Errorf("after %d attempt(s): %w", attempts, err)
			}
			return resp, nil // out of retries on a status: hand on the last answer
		},
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if info := exchangeFrom(req.Context()); info != nil {
				info.attempts.Store(int32(attempt + 1))
			}
		},
	}
	return &traceTransport{next: &retryablehttp.RoundTripper{Client: rc}, maxBody: cfg.MaxResponseBytes, now: time.Now, observe: cfg.Observe}
}

// isTimeout reports whether an attempt ran out of time: http.Client's
// Timeout shows either as a net.Error timeout or as the request context's
// deadline, depending on where the request was when it fired.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errAttemptTimeout) || (errors.As(err, &ne) && ne.Timeout())
}

// defaultBase is the shared base transport: pooled connections, proxies from
// the environment, sane dial and TLS timeouts.
var defaultBase = sync.OnceValue(func() http.RoundTripper { return PooledTransport() })

// PooledTransport is cleanhttp's pooled transport with room for as many
// idle connections per host as an integration may have requests in
// flight: with cleanhttp's default (GOMAXPROCS+1) every request beyond that
// dials a new connection.
func PooledTransport() *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	t.MaxIdleConnsPerHost = 128
	t.MaxIdleConns = 512
	return t
}

// limitTransport holds one slot of the integration's limiter from the moment
// a request is sent until its response body is closed, so at most
// MaxConcurrentRequest requests are in flight to one integration. Slots are
// taken per attempt: a request waiting out a retry backoff holds none.
type limitTransport struct {
	next    http.RoundTripper
	sem     *semaphore.Weighted
	shared  SharedLimiter   // optional: slots across processes
	waiting func(delta int) // optional: requests waiting for a slot
	timeout time.Duration   // per attempt, answer included
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.sem.TryAcquire(1) {
		if t.waiting != nil {
			t.waiting(1)
		}
		err := t.sem.Acquire(req.Context(), 1)
		if t.waiting != nil {
			t.waiting(-1)
		}
		if err != nil {
			return nil, fmt.Errorf("waiting for a free request slot: %w", err)
		}
	}
	release := func() { t.sem.Release(1) }
	if t.shared != nil {
		if t.waiting != nil {
			t.waiting(1)
		}
		releaseShared, err := t.shared.Acquire(req.Context())
		if t.waiting != nil {
			t.waiting(-1)
		}
		if err != nil {
			t.sem.Release(1)
			return nil, fmt.Errorf("waiting for a free request slot: %w", err)
		}
		release = func() { releaseShared(); t.sem.Release(1) }
	}
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.timeout, errAttemptTimeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		release()
		return nil, err
	}
	resp.Body = &releaseOnClose{ReadCloser: resp.Body, release: func() { cancel(); release() }}
	return resp, nil
}

// errAttemptTimeout is the cause of an attempt's context ending at the
// per-attempt time limit.
var errAttemptTimeout = errors.New("attempt timed out")

type releaseOnClose struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (r *releaseOnClose) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(r.release)
	return err
}

// readBody reads a whole response body, refusing more than limit bytes, and
// puts a fresh reader in its place.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	var body []byte
	if cl := resp.ContentLength; cl >= 0 && cl <= limit {
		// The length is known: read exactly that, in one allocation.
		body = make([]byte, cl)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, fmt.Errorf("reading the response: %w", err)
		}
	} else {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
			return nil, fmt.Errorf("reading the response: %w", err)
		}
		body = buf.Bytes()
	}
	resp.Body = &bodyBytes{Reader: bytes.NewReader(body), b: body}
	if int64(len(body)) > limit {
		return body[:limit], fmt.Errorf("response is larger than %d bytes", limit)
	}
	return body, nil
}

// bodyBytes is a response body already read; the engine takes the bytes
// without copying them again.
type bodyBytes struct {
	*bytes.Reader
	b []byte
}

func (*bodyBytes) Close() error { return nil }

// readAll returns a response body, taking the bytes the trace layer read
// when it is one.
func readAll(body io.Reader) ([]byte, error) {
	if bb, ok := body.(*bodyBytes); ok {
		return bb.b, nil
	}
	return io.ReadAll(body)
}
