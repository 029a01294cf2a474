package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/server"
)

// sendLog collects the messaging senders' "message going out" records of
// one or more replicas: which message went out, and when, on the clock the
// senders keep the channel's rate by. That is what a channel's messages per
// second promise: when requests are handed to the network. The fake
// provider's receive times add the way there — here, an in-process server
// scheduled on a loaded machine, measured at over 100 ms — which no sender
// controls (paceOf's margin absorbs 8 ms of it for real providers).
type sendLog struct {
	mu    sync.Mutex
	sends []goingOut
}

// goingOut is one request of a message going out.
type goingOut struct {
	Message string
	Attempt int64
	At      time.Time
}

// into makes a replica log into l (a server.Config mutation).
func (l *sendLog) into(c *server.Config) { c.Logger = slog.New(sendLogHandler{l}) }

// wait returns the first n requests that went out, in the order they went.
func (l *sendLog) wait(t *testing.T, n int) []goingOut {
	t.Helper()
	var got []goingOut
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		got = append([]goingOut(nil), l.sends...)
		return len(got) >= n
	}, 15*time.Second, 10*time.Millisecond, "%d of %d messages went out", len(got), n)
	sort.SliceStable(got, func(i, j int) bool { return got[i].At.Before(got[j].At) })
	return got[:n]
}

// requireRate checks that no second holds more than mps of the requests:
// any mps+1 consecutive ones span at least a second.
func requireRate(t *testing.T, sends []goingOut, mps int) {
	t.Helper()
	for i := mps; i < len(sends); i++ {
		span := sends[i].At.Sub(sends[i-mps].At)
		require.GreaterOrEqual(t, span, time.Second, "messages %d to %d went out within %s: more than %d in a second", i-mps, i, span, mps)
	}
}

// requireSentInOrder checks that the requests that went out are, in order,
// the provider's calls with the texts given: each message once, in the
// order queued. Calls are matched by their Idempotency-Key.
func requireSentInOrder(t *testing.T, sends []goingOut, calls []providerCall, texts []string) {
	t.Helper()
	byMessage := map[string]string{}
	for _, c := range calls {
		id := strings.TrimSuffix(strings.TrimPrefix(c.Header.Get("Idempotency-Key"), "message:"), ":send")
		byMessage[id] = gjson.Get(c.Body, "text").String()
	}
	var got []string
	for _, s := range sends {
		require.EqualValues(t, 1, s.Attempt, "message %s", s.Message)
		got = append(got, byMessage[s.Message])
	}
	require.Equal(t, texts, got, "the messages went out in the order queued")
}

// numbered is prefix00, prefix01, … up to n.
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

// sendLogHandler is the slog.Handler behind a sendLog; it keeps only the
// senders' records.
type sendLogHandler struct{ l *sendLog }

func (sendLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h sendLogHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "message going out" {
		return nil
	}
	var g goingOut
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "message":
			g.Message = a.Value.String()
		case "attempt":
			g.Attempt = a.Value.Int64()
		case "at":
			g.At = a.Value.Time()
		}
		return true
	})
	h.l.mu.Lock()
	h.l.sends = append(h.l.sends, g)
	h.l.mu.Unlock()
	return nil
}

func (h sendLogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h sendLogHandler) WithGroup(string) slog.Handler      { return h }
