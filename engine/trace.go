package engine

import (
	"context"
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

// traceLog collects the exchanges of one run, in order. A run sends its
// requests one after another, so it needs no lock.
type traceLog struct {
	exchanges []Exchange
}

func (l *traceLog) add(e Exchange) { l.exchanges = append(l.exchanges, e) }

// take hands over what was recorded once the run is over.
func (l *traceLog) take() []Exchange {
	out := l.exchanges
	l.exchanges = nil
	if out == nil {
		out = []Exchange{}
	}
	return out
}

// exchangeInfo travels in the request context down to the retry layer,
// which reads whether the request may be sent again and counts attempts,
// and to the limit layer, which paces each attempt (RunOptions.Pace) and
// sends it under the run's slot when it has one (RunOptions.Slot).
type exchangeInfo struct {
	idempotent bool
	pace       func(context.Context) error
	slot       *Slot
	attempts   atomic.Int32
}

type exchangeKey struct{}

func withExchange(ctx context.Context, info *exchangeInfo) context.Context {
	return context.WithValue(ctx, exchangeKey{}, info)
}

func exchangeFrom(ctx context.Context) *exchangeInfo {
	info, _ := ctx.Value(exchangeKey{}).(*exchangeInfo)
	return info
}

// Observation is what metrics see of one request: bounded labels only.
type Observation struct {
	Scenario string
	Request  string
	Status   int // 0: no answer
	Duration time.Duration
	Attempts int
}
