package accounts

import (
	"slices"
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (an account's login, a client
// address) over a sliding window. It is in-process: each replica counts
// its own, so behind a load balancer spreading sign-ins over n replicas an
// attacker gets up to n times the attempts. That is still a handful per
// quarter hour against passwords of ten characters or more.
type throttle struct {
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time // per key: the attempts that count, oldest first
	swept    time.Time
}

// sweepAbove is how many keys the throttle holds before it drops those
// whose failures have all passed.
const sweepAbove = 10_000

func newThrottle(window time.Duration) *throttle {
	return &throttle{window: window, failures: map[string][]time.Time{}}
}

// limit is a key and how many failures it may have in the window.
type limit struct {
	key string
	max int
}

// attempt is a sign-in under way: counted as a failure from its start, so
// that concurrent attempts cannot all slip under the limit; succeeded
// takes it back.
type attempt struct {
	t    *throttle
	at   time.Time
	keys []string
}

// begin starts an attempt, or refuses it with the time until the first of
// its keys may try again.
func (t *throttle) begin(now time.Time, limits ...limit) (*attempt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	var wait time.Duration
	for _, l := range limits {
		times := t.current(l.key, now)
		if len(times) >= l.max {
			wait = max(wait, times[len(times)-l.max].Add(t.window).Sub(now))
		}
	}
	if wait > 0 {
		return nil, &ThrottledError{RetryAfter: wait}
	}
	a := &attempt{t: t, at: now}
	for _, l := range limits {
		t.failures[l.key] = append(t.failures[l.key], now)
		a.keys = append(a.keys, l.key)
	}
	return a, nil
}

// current is key's failures still in the window at now, dropping the rest.
func (t *throttle) current(key string, now time.Time) []time.Time {
	times := t.failures[key]
	i := 0
	for i < len(times) && !times[i].Add(t.window).After(now) {
		i++
	}
	times = times[i:]
	if len(times) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = times
	}
	return times
}

// succeeded takes back the attempt, and forgets the earlier failures of
// the account (first key): its owner knows the password. The address
// keeps its count, or one valid account would reset it for any other.
func (a *attempt) succeeded() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, key := range a.keys {
		times := t.failures[key]
		if i == 0 {
			times = nil
		} else if j := slices.Index(times, a.at); j >= 0 {
			times = slices.Delete(times, j, j+1)
		}
		if len(times) == 0 {
			delete(t.failures, key)
		} else {
			t.failures[key] = times
		}
	}
}

// sweep drops the keys whose failures have all passed, once the map is
// large, at most once a window.
func (t *throttle) sweep(now time.Time) {
	if len(t.failures) <= sweepAbove || now.Sub(t.swept) < t.window {
		return
	}
	t.swept = now
	for key := range t.failures {
		t.current(key, now)
	}
}
