package engine

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Exchange is one request of a run as it was sent and answered, with
// secrets masked. Requests that were skipped or failed before sending are
// recorded too, so a trace explains every request of the scenario.
type Exchange struct {
	Request         string            `json:"request"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	Status          int               `json:"status"`
	DurationMs      int64             `json:"durationMs"`
	Attempts        int               `json:"attempts"`
	RequestHeaders  map[string]string `json:"requestHeaders"`
	RequestBody     string            `json:"requestBody"`
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	ResponseBody    string            `json:"responseBody"`
	Error           string            `json:"error"`
	Skipped         bool              `json:"skipped,omitempty"`
	SkipReason      string            `json:"skipReason,omitempty"`
}

// Recorder collects the exchanges of one run. It is safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	exchanges []Exchange
}

// Add appends an exchange.
func (r *Recorder) Add(e Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, e)
	r.mu.Unlock()
}

// Exchanges returns what was recorded, in order.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// exchangeInfo travels in the request context from the engine down to the
// trace layer: what to call the request, where to record it, how to mask.
type exchangeInfo struct {
	name     string
	scenario string
	body     string // the body as sent, for the trace
	recorder *Recorder
	masker   *Masker
	attempts atomic.Int32
}

type exchangeKey struct{}

func withExchange(ctx context.Context, info *exchangeInfo) context.Context {
	return context.WithValue(ctx, exchangeKey{}, info)
}

func exchangeFrom(ctx context.Context) *exchangeInfo {
	info, _ := ctx.Value(exchangeKey{}).(*exchangeInfo)
	return info
}

// traceTransport records every request that passes through it, with the
// final response after retries, into the run's Recorder. The response body
// is read here (up to maxBody) and handed on as a fresh reader.
type traceTransport struct {
	next    http.RoundTripper
	maxBody int64
	now     func() time.Time
	observe func(Observation)
}

// Observation is what metrics see of one request: bounded labels only.
type Observation struct {
	Scenario string
	Request  string
	Status   int // 0: no answer
	Duration time.Duration
	Attempts int
}

func (t *traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	info := exchangeFrom(req.Context())
	if info == nil {
		return t.next.RoundTrip(req)
	}
	start := t.now()
	ex := Exchange{
		Request:        info.name,
		Method:         req.Method,
		URL:            info.masker.URL(req.URL.String()),
		RequestHeaders: info.masker.Headers(req.Header),
		RequestBody:    info.masker.Body(info.body),
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		var body []byte
		body, err = readBody(resp, t.maxBody)
		ex.Status = resp.StatusCode
		ex.ResponseHeaders = info.masker.Headers(resp.Header)
		ex.ResponseBody = info.masker.Body(string(body))
	}
	ex.DurationMs = t.now().Sub(start).Milliseconds()
	ex.Attempts = max(1, int(info.attempts.Load()))
	if err != nil {
		ex.Error = info.masker.String(err.Error())
	}
	info.recorder.Add(ex)
	if t.observe != nil {
		t.observe(Observation{Scenario: info.scenario, Request: info.name, Status: ex.Status,
			Duration: t.now().Sub(start), Attempts: ex.Attempts})
	}
	if err != nil {
		return nil, err // a RoundTripper returns a response or an error, never both
	}
	return resp, nil
}
