package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// The messaging benchmarks measure what a customer's messages go
// through: providers' webhooks taken by the real HTTP server and stored,
// and agents' replies queued through the API and sent by the channel's
// sender to a provider. Run with:
//
//	go test -run '^$' -bench Webhooks -benchtime 5s ./server
//	SWITCHBOARD_BENCH_SEND_SECONDS=10 go test -run '^$' -bench Outbound ./server
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench 'Webhooks|Outbound' ./server

// benchServer is Switchboard on a store behind a real HTTP server, for
// benchmarks: the tests' env wants a *testing.T.
type benchServer struct {
	tb     testing.TB
	st     store.Store
	srv    *httptest.Server
	client *http.Client
}

func startBenchServer(tb testing.TB, st store.Store, logger *slog.Logger) *benchServer {
	tb.Helper()
	e := &benchServer{tb: tb, st: st, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	// The public URL is the server's, known only once it listens.
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	tb.Cleanup(e.srv.Close)
	s, err := server.New(context.Background(), server.Config{Store: st, AdminToken: adminToken, PublicURL: e.srv.URL,
		TimeZone: time.UTC, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	handler = s.Handler()
	if err := s.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return e
}

// call sends a JSON request to the API and returns the answer's body,
// failing the benchmark on another status than want.
func (e *benchServer) call(method, path, token string, body any, want int) gjson.Result {
	e.tb.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			e.tb.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.client.Do(req)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.tb.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return gjson.ParseBytes(b)
}

// webhook posts a generic SMS webhook signed with smsSecret and returns
// the status it was answered with.
func (e *benchServer) webhook(url, body string) (int, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// benchProvider is a generic SMS provider that answers at once: the
// channel's check, and sends, each recorded with when it arrived.
type benchProvider struct {
	*httptest.Server
	mu    sync.Mutex
	sends []benchSend
	want  int           // how many sends the benchmark waits for
	got   chan struct{} // closed when want sends have arrived
}

// benchSend is a send the provider received: the message (from its
// Idempotency-Key, "message:<id>:send") and when its handler began.
type benchSend struct {
	message string
	at      time.Time
}

func newBenchProvider(tb testing.TB) *benchProvider {
	p := &benchProvider{got: make(chan struct{})}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		switch r.URL.Path {
		case "/verify":
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
		case "/sendmessage":
			_, _ = io.Copy(io.Discard, r.Body)
			id := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Idempotency-Key"), "message:"), ":send")
			p.mu.Lock()
			p.sends = append(p.sends, benchSend{id, at})
			n := len(p.sends)
			if n == p.want {
				close(p.got)
			}
			p.mu.Unlock()
			fmt.Fprintf(w, `{"data":{"id":"out-%d"}}`, n)
		default:
			w.WriteHeader(404)
		}
	}))
	tb.Cleanup(p.Close)
	return p
}

func (p *benchProvider) received() []benchSend {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sends)
}

// benchChannel makes extensions 1001 and 1002, a queue of both, and a
// channel from the built-in generic SMS template at mps messages per
// second whose number smsNumber goes to the queue (route "queue") or to
// 1001 ("extension"). It returns the channel's id and webhook URL.
func (e *benchServer) benchChannel(p *benchProvider, mps int, route string) (id, webhookURL string) {
	e.tb.Helper()
	for _, ext := range []string{"1001", "1002"} {
		e.call("PUT", "/api/v1/extensions/"+ext, adminToken, map[string]string{"firstName": "Agent", "lastName": ext, "email": ext + "@acme.test"}, 200)
	}
	dest := map[string]string{"type": "extension", "id": "1001"}
	if route == "queue" {
		q := e.call("POST", "/api/v1/queues", adminToken, map[string]any{"name": "Support", "agents": []string{"1001", "1002"}}, 201)
		dest = map[string]string{"type": "queue", "id": q.Get("id").String()}
	}
	ch := e.call("POST", "/api/v1/channels", adminToken, map[string]any{
		"templateId": "builtin_sms_generic", "name": "Bench", "messagesPerSecond": mps,
		"fields":  map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": dest}},
	}, 201)
	return ch.Get("id").String(), ch.Get("webhookUrl").String()
}

// benchCustomer is the i-th of the customers that write in.
func benchCustomer(i int) string { return fmt.Sprintf("+1415556%04d", i) }

// benchWebhookCustomers is how many customers the webhooks come from:
// each has a session before the clock starts, so nearly every webhook
// joins a session, as most do.
const benchWebhookCustomers = 20

// Inbound webhooks answered per second. Each is a distinct message
// (its own provider id) from one of a few customers, to a number routed
// to a queue, posted by senders at once, each signed as the provider
// signs it and answered 204 — which promises it is stored. Afterwards
// every message must be stored exactly once. The queue's workers and the
// messaging service run as in production.
func benchWebhooks(b *testing.B, open func(b *testing.B) store.Store) {
	for _, senders := range []int{1, 16} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			st := open(b)
			e := startBenchServer(b, st, nil)
			p := newBenchProvider(b)
			chID, hook := e.benchChannel(p, 10, "queue")
			for c := range benchWebhookCustomers {
				id := fmt.Sprintf("warm-%d", c)
				if status, err := e.webhook(hook, genericInbound(id, benchCustomer(c), smsNumber, "hello")); err != nil || status != 204 {
					b.Fatalf("warming up: %d %v", status, err)
				}
			}
			var next atomic.Int64
			var failed atomic.Bool
			var wg sync.WaitGroup
			b.ResetTimer()
			for range senders {
				wg.Go(func() {
					for !failed.Load() {
						i := int(next.Add(1))
						if i > b.N {
							return
						}
						id := fmt.Sprintf("in-%d", i)
						status, err := e.webhook(hook, genericInbound(id, benchCustomer(i%benchWebhookCustomers), smsNumber, "message "+id))
						if err != nil || status != 204 {
							b.Errorf("webhook %s: %d %v", id, status, err)
							failed.Store(true)
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "webhooks/s")
			if !failed.Load() {
				requireStoredOnce(b, st, chID, b.N)
			}
		})
	}
}

// requireStoredOnce checks that the channel holds each inbound message of
// the benchmark exactly once: in-1 … in-n, besides the warm-up ones, each
// in its customer's one session.
func requireStoredOnce(b *testing.B, st store.Store, chID string, n int) {
	b.Helper()
	ctx := context.Background()
	sessions, err := st.ListSessions(ctx, store.SessionFilter{ChannelID: chID, Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	if len(sessions) != benchWebhookCustomers {
		b.Fatalf("%d sessions, want one per customer (%d)", len(sessions), benchWebhookCustomers)
	}
	seen := make([]int, n+1)
	for _, ses := range sessions {
		msgs, err := st.Messages(ctx, ses.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			num, ok := strings.CutPrefix(m.ProviderID, "in-")
			if !ok {
				continue // a warm-up message
			}
			i, err := strconv.Atoi(num)
			if err != nil || i < 1 || i > n {
				b.Fatalf("a message no webhook brought: %q", m.ProviderID)
			}
			if want := benchCustomer(i % benchWebhookCustomers); m.Customer != want || ses.Customer != want {
				b.Fatalf("message %s is in %s's session, want %s's", m.ProviderID, ses.Customer, want)
			}
			seen[i]++
		}
	}
	for i := 1; i <= n; i++ {
		if seen[i] != 1 {
			b.Fatalf("message in-%d is stored %d times", i, seen[i])
		}
	}
}

func BenchmarkWebhooksSQLite(b *testing.B) {
	benchWebhooks(b, openBenchSQLite)
}

func BenchmarkWebhooksPostgres(b *testing.B) {
	testpeers.PostgresSchema(b) // skips without PostgreSQL, before any sub-benchmark
	benchWebhooks(b, openBenchPostgres)
}

func openBenchSQLite(b *testing.B) store.Store {
	st, err := store.OpenSQLite(context.Background(), b.TempDir(), benchSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func openBenchPostgres(b *testing.B) store.Store {
	st, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(b), benchSealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// benchSendSeconds is how long the outbound benchmark sends for:
// SWITCHBOARD_BENCH_SEND_SECONDS, 60 by default.
func benchSendSeconds(b *testing.B) float64 {
	v := os.Getenv("SWITCHBOARD_BENCH_SEND_SECONDS")
	if v == "" {
		return 60
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || s <= 0 {
		b.Fatalf("SWITCHBOARD_BENCH_SEND_SECONDS=%q: a number of seconds above 0", v)
	}
	return s
}

// goingOutLog keeps the "message going out" records of the channel's
// sender: when the pace let each message's request go (at) and when it
// was due by the pace (due).
type goingOutLog struct {
	mu  sync.Mutex
	out map[string]goingOutAt // by message id
}

type goingOutAt struct{ at, due time.Time }

func (l *goingOutLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *goingOutLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "message going out" {
		return nil
	}
	var id string
	var g goingOutAt
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "message":
			id = a.Value.String()
		case "at":
			g.at = a.Value.Time()
		case "due":
			g.due = a.Value.Time()
		}
		return true
	})
	l.mu.Lock()
	l.out[id] = g
	l.mu.Unlock()
	return nil
}

func (l *goingOutLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *goingOutLog) WithGroup(string) slog.Handler      { return l }

// benchOutboundRate is the channel's configured messages per second.
const benchOutboundRate = 100

// One channel sending at its configured rate of 100 messages per second
// for SWITCHBOARD_BENCH_SEND_SECONDS (60 s by default) to a provider that
// answers at once. An agent queues every message through the API
// (POST /api/v1/sessions/{id}/messages, as the console does) before the
// clock is read: a backlog keeps the sender busy throughout, so what is
// measured is the sender's own pace, not how fast messages come in
// (queued at 100/s, any hiccup of the queuing side would show as the
// sender waiting for work). The sender starts with the first message, so
// the queuing of the rest overlaps the first seconds of sending, as when
// agents write while the channel sends.
//
// Reported:
//   - msgs/s: the rate at the provider, (n−1) / (last arrival − first);
//   - rate-err-%: how far it is from the configured rate;
//   - p50/p99-late-ms: each message's lateness, the moment the provider's
//     handler saw its send minus the moment the channel's pace made it due
//     (the pacer's "due": an interval after the request before it went,
//     or when the request reached the pace's gate if that was later). It
//     is the pace's own delay in letting it go (timers firing late) plus
//     the way from the gate to the provider (rendering, the HTTP
//     exchange, scheduling), and the first message, due when it came, is
//     counted too. Both clocks are this process's.
//
// Every message must reach the provider once, and go out in the order
// queued.
func benchOutbound(b *testing.B, open func(b *testing.B) store.Store) {
	seconds := benchSendSeconds(b)
	for range b.N {
		log := &goingOutLog{out: map[string]goingOutAt{}}
		st := open(b)
		e := startBenchServer(b, st, slog.New(log))
		p := newBenchProvider(b)
		_, hook := e.benchChannel(p, benchOutboundRate, "extension")
		if status, err := e.webhook(hook, genericInbound("first", customerNo, smsNumber, "Hello")); err != nil || status != 204 {
			b.Fatalf("the customer's first message: %d %v", status, err)
		}
		agent := e.call("POST", "/api/v1/tokens", adminToken, map[string]string{"role": "agent", "name": "agent", "extension": "1001"}, 201).Get("token").String()
		sid := e.call("GET", "/api/v1/sessions", agent, nil, 200).Get("sessions.0.id").String()
		n := int(seconds * benchOutboundRate)
		p.expect(n)
		queued := make([]string, n)
		for i := range n {
			queued[i] = e.call("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": fmt.Sprintf("reply %d", i)}, 202).Get("id").String()
		}
		sends := waitSends(b, p, time.Duration(seconds*float64(time.Second))+30*time.Second)
		reportPace(b, sends, queued, log)
	}
}

// expect sets how many sends waitSends waits for; before any arrives.
func (p *benchProvider) expect(n int) {
	p.mu.Lock()
	p.want = n
	p.mu.Unlock()
}

// waitSends waits for the provider to have received the sends expected.
func waitSends(b *testing.B, p *benchProvider, within time.Duration) []benchSend {
	b.Helper()
	select {
	case <-p.got:
		return p.received()
	case <-time.After(within):
		b.Fatalf("the provider received %d of %d messages", len(p.received()), p.want)
		return nil
	}
}

// reportPace checks that each queued message reached the provider once
// and went out (passed the pace's gate) in the order queued, and reports
// the rate and the lateness. Order is checked at the gate, where the
// sender keeps it: two requests on their way at once (one delayed on the
// way, the next sent on time) may reach the provider in either order.
func reportPace(b *testing.B, sends []benchSend, queued []string, log *goingOutLog) {
	b.Helper()
	times := map[string]int{}
	for _, s := range sends {
		times[s.message]++
	}
	for _, id := range queued {
		if times[id] != 1 {
			b.Fatalf("message %s reached the provider %d times", id, times[id])
		}
	}
	if len(sends) != len(queued) {
		b.Fatalf("the provider received %d sends for %d messages", len(sends), len(queued))
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for i, id := range queued {
		g, ok := log.out[id]
		if !ok || g.due.IsZero() {
			b.Fatalf("message %s went out without the pace's record", id)
		}
		if i > 0 && !g.at.After(log.out[queued[i-1]].at) {
			b.Fatalf("message %d (%s) went out before the one queued before it", i, id)
		}
	}
	late := make([]float64, 0, len(sends))
	for _, s := range sends {
		late = append(late, float64(s.at.Sub(log.out[s.message].due))/float64(time.Millisecond))
	}
	slices.Sort(late)
	slices.SortFunc(sends, func(x, y benchSend) int { return x.at.Compare(y.at) })
	span := sends[len(sends)-1].at.Sub(sends[0].at).Seconds()
	rate := float64(len(sends)-1) / span
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric((rate-benchOutboundRate)/benchOutboundRate*100, "rate-err-%")
	b.ReportMetric(late[len(late)/2], "p50-late-ms")
	b.ReportMetric(late[min(len(late)-1, len(late)*99/100)], "p99-late-ms")
	b.ReportMetric(late[len(late)-1], "max-late-ms")
}

func BenchmarkOutboundPaceSQLite(b *testing.B) {
	benchOutbound(b, openBenchSQLite)
}

func BenchmarkOutboundPacePostgres(b *testing.B) {
	testpeers.PostgresSchema(b)
	benchOutbound(b, openBenchPostgres)
}
