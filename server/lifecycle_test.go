package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// stopServer calls Stop and returns its error; a Stop that never returns
// fails the test instead of hanging it.
func stopServer(t *testing.T, s *server.Server, ctx context.Context) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Stop(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return")
		return nil
	}
}

// heldSMSProvider is the generic SMS API whose sends are held until the
// test releases them; arrived gets each send as it comes in.
func heldSMSProvider(t *testing.T) (p *fakeProvider, arrived <-chan providerCall, release func()) {
	t.Helper()
	got := make(chan providerCall, 16)
	released := make(chan struct{})
	release = sync.OnceFunc(func() { close(released) })
	answer := genericSMSProvider(t, smsAPIKey).answer // the contract's answers
	p = newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		if c.Path == "/sendmessage" {
			got <- c
			<-released
		}
		answer(w, c, n)
	})
	t.Cleanup(release) // before the provider closes: it waits for its requests
	return p, got, release
}

func messageStatus(t *testing.T, e *env, sessionID, messageID string) string {
	t.Helper()
	ms, err := e.store.Messages(context.Background(), sessionID)
	require.NoError(t, err)
	for _, m := range ms {
		if m.ID == messageID {
			return m.Status
		}
	}
	t.Fatalf("no message %s", messageID)
	return ""
}

func nextCall(t *testing.T, arrived <-chan providerCall) providerCall {
	t.Helper()
	select {
	case c := <-arrived:
		return c
	case <-time.After(15 * time.Second):
		t.Fatal("the provider got no message")
		return providerCall{}
	}
}

// Start twice, then Stop: the second Start changes nothing and Stop ends
// everything (it used to wait forever for the first Start's work). Stop
// twice does nothing, and Start after Stop works again.
func TestServerStartTwiceThenStop(t *testing.T) {
	for name, open := range map[string]func(*testing.T, ...func(*server.Config)) *env{"sqlite": newEnv, "postgres": newEnvPostgres} {
		t.Run(name, func(t *testing.T) {
			e := open(t)
			p, arrived, release := heldSMSProvider(t)
			release()
			_, sid, agent := directSMS(t, e, p, 10)
			ctx := context.Background()
			require.NoError(t, e.s.Start(ctx), "started by newEnv, and again")
			require.NoError(t, stopServer(t, e.s, ctx))
			require.NoError(t, stopServer(t, e.s, ctx), "Stop twice")

			m := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "after a restart"}), 202)
			require.NoError(t, e.s.Start(ctx))
			require.Equal(t, "after a restart", gjson.Get(nextCall(t, arrived).Body, "text").String())
			require.Eventually(t, func() bool { return messageStatus(t, e, sid, m["id"].(string)) == store.MessageSent },
				10*time.Second, 10*time.Millisecond)
			require.NoError(t, stopServer(t, e.s, ctx))
		})
	}
}

// Stop without Start does nothing.
func TestServerStopWithoutStart(t *testing.T) {
	st, _ := openSQLite(t)
	s, err := server.New(context.Background(), server.Config{Store: st})
	require.NoError(t, err)
	require.NoError(t, stopServer(t, s, context.Background()))
}

// Stop returns once its context ends even while the provider holds a
// message: the send is cut off, the message stays "sending" for the next
// start, and nothing keeps running (goleak checks at the package's end).
func TestServerStopReturnsAtDeadlineMidSend(t *testing.T) {
	e := newEnv(t)
	p, arrived, release := heldSMSProvider(t)
	_, sid, agent := directSMS(t, e, p, 10)
	m := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "held"}), 202)
	first := nextCall(t, arrived)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := stopServer(t, e.s, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, store.MessageSending, messageStatus(t, e, sid, m["id"].(string)))

	release()
	require.NoError(t, e.s.Start(context.Background()))
	again := nextCall(t, arrived)
	require.Equal(t, first.Header.Get("Idempotency-Key"), again.Header.Get("Idempotency-Key"), "sent again with the same key")
	require.Eventually(t, func() bool { return messageStatus(t, e, sid, m["id"].(string)) == store.MessageSent },
		10*time.Second, 10*time.Millisecond)
}
