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
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/semaphore"
)

// newRetryClient builds the scenario client's layers: retry → concurrency
// limit → base transport. Tracing is not a layer: the engine records each
// exchange around the retry client's Do, with the rendered request and the
// answer it already holds (a RoundTripper layer cost a request clone, a
// context value and a second pass over the answer per request).
// Authentication is not a layer either: its header must sit between the
// template-wide and the request's own headers (DESIGN §2.2), so the engine
// sets it when building the request, and re-builds the request after a
// token refresh.
func newRetryClient(cfg ClientConfig) *retryablehttp.Client {
	base, limiter, policy, timeout := cfg.Transport, cfg.Limiter, cfg.Retry, cfg.Timeout
	return &retryablehttp.Client{
		// The per-attempt time limit is a context deadline set by the limit
		// layer rather than http.Client.Timeout, whose timer machinery cost
		// a quarter of the engine's overhead per request. limitTransport
		// has no CloseIdleConnections on purpose: retryablehttp calls it
		// after every failed request, and the base transport's idle
		// connections are shared by every integration.
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
// taken per attempt: a request waiting out a retry backoff holds none. A
// run whose caller holds a slot for it (Client.Reserve) sends its attempts
// under that one instead.
type limitTransport struct {
	next    http.RoundTripper
	sem     *semaphore.Weighted
	shared  SharedLimiter   // optional: slots across processes
	waiting func(delta int) // optional: requests waiting for a slot
	timeout time.Duration   // per attempt, answer included
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	info := exchangeFrom(req.Context())
	// sem is the slot this attempt takes and gives back; none when it goes
	// out under a slot its run holds (RunOptions.Slot).
	var sem *semaphore.Weighted
	if info == nil || !info.slot.covers(t.sem) {
		sem = t.sem
		if err := t.acquire(req.Context()); err != nil {
			return nil, err
		}
	}
	var releaseShared func()
	if t.shared != nil {
		if t.waiting != nil {
			t.waiting(1)
		}
		var err error
		releaseShared, err = t.shared.Acquire(req.Context())
		if t.waiting != nil {
			t.waiting(-1)
		}
		if err != nil {
			if sem != nil {
				sem.Release(1)
			}
			return nil, fmt.Errorf("waiting for a free request slot: %w", err)
		}
	}
	// The run's pace comes after the slots, whose wait (a database round
	// trip or more across replicas) would otherwise lie between the pace
	// and the remote, and before the attempt's time limit starts.
	if info != nil && info.pace != nil {
		if err := info.pace(req.Context()); err != nil {
			if sem != nil {
				sem.Release(1)
			}
			if releaseShared != nil {
				releaseShared()
			}
			return nil, fmt.Errorf("waiting for the request's turn: %w", err)
		}
	}
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.timeout, errAttemptTimeout)
	slot := &heldSlot{sem: sem, shared: releaseShared, cancel: cancel}
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		slot.release()
		return nil, err
	}
	slot.ReadCloser = resp.Body
	resp.Body = slot
	return resp, nil
}

// acquire takes one slot of the process's limiter, counting the wait.
func (t *limitTransport) acquire(ctx context.Context) error {
	return acquireSlot(ctx, t.sem, t.waiting)
}

// acquireSlot takes one slot of sem, telling waiting (when set) of a wait.
func acquireSlot(ctx context.Context, sem *semaphore.Weighted, waiting func(delta int)) error {
	if sem.TryAcquire(1) {
		return nil
	}
	if waiting != nil {
		waiting(1)
	}
	err := sem.Acquire(ctx, 1)
	if waiting != nil {
		waiting(-1)
	}
	if err != nil {
		return fmt.Errorf("waiting for a free request slot: %w", err)
	}
	return nil
}

// errAttemptTimeout is the cause of an attempt's context ending at the
// per-attempt time limit.
var errAttemptTimeout = errors.New("attempt timed out")

// heldSlot is the response body of an attempt holding a request slot: it
// gives the slot back, and ends the attempt's context, when closed. One
// object rather than closures, as it is made on every request.
type heldSlot struct {
	io.ReadCloser
	sem      *semaphore.Weighted // nil when the run's own slot covered the attempt
	shared   func()              // nil without shared slots
	cancel   context.CancelFunc
	released atomic.Bool
}

func (s *heldSlot) Close() error {
	err := s.ReadCloser.Close()
	s.release()
	return err
}

func (s *heldSlot) release() {
	if s.released.Swap(true) {
		return
	}
	s.cancel()
	if s.shared != nil {
		s.shared()
	}
	if s.sem != nil {
		s.sem.Release(1)
	}
}

// readBody reads a whole response body, refusing more than limit bytes.
// The answer is returned as a string: the trace and the output extraction
// both read it as one, and converting once spares a copy per output.
func readBody(resp *http.Response, limit int64) (string, error) {
	defer resp.Body.Close()
	if cl := resp.ContentLength; cl >= 0 && cl <= limit {
		// The length is known: read exactly that.
		b := make([]byte, cl)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return "", fmt.Errorf("reading the response: %w", err)
		}
		return string(b), nil
	}
	// Unknown length (chunked, or gzip the transport undid): a buffer that
	// grows as it reads, copied once into the string.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return "", fmt.Errorf("reading the response: %w", err)
	}
	body := buf.String()
	if int64(len(body)) > limit {
		return body[:limit], fmt.Errorf("response is larger than %d bytes", limit)
	}
	return body, nil
}
