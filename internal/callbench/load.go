package callbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig is the load of one run.
type LoadConfig struct {
	Run     string // in the call ids, b-<run>-<i>
	Calls   int    // N: one hangup event per call
	Senders int    // C: events in flight at once
}

// LoadResult is what the senders saw.
type LoadResult struct {
	Start   time.Time       // just before the first event was sent
	LastAck time.Time       // when the last 202 arrived
	Acks    []time.Duration // each event's time to its 202, sorted
}

// Load posts cfg.Calls hangup events to the services from cfg.Senders
// senders, each event a whole answered inbound call to extension 1001
// (so it asks for the lookup, the ticket and the journal at once). Call i
// goes to targets[i % len(targets)]: replicas of one database take the
// events in turn, as behind a round-robin balancer. Every answer must be
// 202: the first that is not ends the load with an error.
func Load(ctx context.Context, targets []*Serve, cfg LoadConfig) (LoadResult, error) {
	if len(targets) == 0 {
		return LoadResult{}, errors.New("no service to send the events to")
	}
	client := newClient(cfg.Senders)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	acks := make([][]time.Duration, cfg.Senders)
	var wg sync.WaitGroup
	res := LoadResult{Start: time.Now()}
	for w := range cfg.Senders {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= cfg.Calls {
					return
				}
				took, err := targets[i%len(targets)].sendEvent(ctx, client, cfg.Run, i)
				if err != nil {
					cancel(err)
					return
				}
				acks[w] = append(acks[w], took)
			}
		})
	}
	wg.Wait()
	res.LastAck = time.Now()
	if err := context.Cause(ctx); err != nil {
		return res, err
	}
	for _, a := range acks {
		res.Acks = append(res.Acks, a...)
	}
	slices.Sort(res.Acks)
	return res, nil
}

// CallID is the id of a run's call i.
func CallID(run string, i int) string { return fmt.Sprintf("b-%s-%d", run, i) }

func (s *Serve) sendEvent(ctx context.Context, client *http.Client, run string, i int) (time.Duration, error) {
	body := fmt.Sprintf(`{"callId":%q,"event":"hangup","direction":"inbound","extension":"1001","external":{"number":%q},"disposition":"ANSWERED"}`,
		CallID(run, i), Number(i))
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+s.Addr+"/api/v1/events/calls", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("call #%d: %w", i, err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("call #%d: %d, want 202: %s", i, resp.StatusCode, answer)
	}
	return took, nil
}

// newClient keeps a connection per sender alive: the service allows 64
// connections per client address, and a new connection per request would
// measure the handshakes.
func newClient(senders int) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: senders, MaxIdleConnsPerHost: senders, IdleConnTimeout: time.Minute}}
}

// percentile is the nearest-rank percentile p (0–100) of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}
