package messaging_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// outbox is one generic SMS channel on SQLite with a messaging service
// whose provider holds every message until the test lets it answer.
type outbox struct {
	t       *testing.T
	st      store.Store
	integ   *fakeIntegrations
	svc     *messaging.Service
	session string
	arrived chan string // the Idempotency-Key of each message the provider gets
	release func()      // lets the provider answer, now and from then on
}

const (
	outboxChannel  = "chn_outbox"
	outboxNumber   = "+14155550100"
	outboxCustomer = "+14155550123"
)

// newOutbox makes the channel, with at most one request in flight (the
// template's MaxConcurrentRequest), so a second message waits for the
// first one's answer. mutate changes the service's config.
func newOutbox(t *testing.T, mutate ...func(*messaging.Config)) *outbox {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(ctx, dir, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })

	o := &outbox{t: t, st: st, integ: newFakeIntegrations(st), arrived: make(chan string, 16)}
	o.integ.waiting = make(chan int, 16)
	released := make(chan struct{})
	o.release = sync.OnceFunc(func() { close(released) })
	p := newProvider(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.URL.Path != "/sendmessage" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		o.arrived <- r.Header.Get("Idempotency-Key")
		select {
		case <-released:
			fmt.Fprint(w, `{"data":{"id":"out-1","to":[{"phone_number":"`+outboxCustomer+`","status":"queued"}]}}`)
		case <-r.Context().Done(): // the sender cut the request off
		}
	})
	t.Cleanup(o.release) // before the provider closes: it waits for its requests

	data, err := fs.ReadFile(examples.Templates, "sms_generic.xml")
	require.NoError(t, err)
	data = bytes.Replace(data, []byte(`MaxConcurrentRequest="10"`), []byte(`MaxConcurrentRequest="1"`), 1)
	now := time.Now()
	require.NoError(t, st.CreateTemplate(ctx, &store.Template{ID: "tpl_sms", Key: "sms_generic_one", Name: "SMS", Provider: "sms",
		Version: "1.0", BuiltIn: true, XML: data, CreatedAt: now, UpdatedAt: now}, 0))
	require.NoError(t, st.CreateChannel(ctx,
		&store.Integration{ID: outboxChannel, TemplateID: "tpl_sms", Status: messaging.StatusConnected,
			Fields:  map[string]string{"send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
			Secrets: map[string]string{"api_key": "key-ABC-123", "secret": "whsec-0123456789"}, Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now},
		&store.Channel{ID: outboxChannel, WebhookKey: "outbox-key", Name: "Outbox", MessagesPerSecond: 50, VerifyToken: "verify",
			Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now, Numbers: []store.ChannelNumber{{Number: outboxNumber,
				DestType: store.DestExtension, DestID: "1001", AllowedExtensions: []string{"1001"}}}}))

	cfg := messaging.Config{Store: st, Integrations: o.integ, Owner: "replica-test",
		Tuning: messaging.Tuning{PollInterval: 20 * time.Millisecond, VerifyInterval: -1}}
	for _, m := range mutate {
		m(&cfg)
	}
	o.svc, err = messaging.New(cfg)
	require.NoError(t, err)
	// Whatever a test leaves running is stopped before the database closes.
	t.Cleanup(func() { require.NoError(t, o.svc.Stop(context.Background())) })
	return o
}

// send queues a message from extension 1001 to the customer.
func (o *outbox) send(text string) *store.Message {
	o.t.Helper()
	a := messaging.Actor{Extension: "1001"}
	if o.session == "" {
		ses, m, err := o.svc.StartSession(context.Background(), a, messaging.NewSession{ChannelID: outboxChannel, Number: outboxNumber,
			To: outboxCustomer, Text: text})
		require.NoError(o.t, err)
		o.session = ses.ID
		return m
	}
	m, err := o.svc.Send(context.Background(), a, o.session, text, nil)
	require.NoError(o.t, err)
	return m
}

// message reads a message back from the store.
func (o *outbox) message(id string) *store.Message {
	o.t.Helper()
	ms, err := o.st.Messages(context.Background(), o.session)
	require.NoError(o.t, err)
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	o.t.Fatalf("no message %s", id)
	return nil
}

func (o *outbox) waitStatus(id, status string) {
	o.t.Helper()
	require.Eventually(o.t, func() bool { return o.message(id).Status == status }, 10*time.Second, 5*time.Millisecond,
		"message %s never became %s", id, status)
}

// next is the Idempotency-Key of the next message the provider gets.
func (o *outbox) next() string {
	o.t.Helper()
	select {
	case key := <-o.arrived:
		return key
	case <-time.After(10 * time.Second):
		o.t.Fatal("the provider got no message")
		return ""
	}
}

// stop calls Stop and returns its error; a Stop that never returns fails
// the test instead of hanging it.
func stop(t *testing.T, svc *messaging.Service, ctx context.Context) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- svc.Stop(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return")
		return nil
	}
}

// Start twice, then Stop: the second Start changes nothing, and Stop ends
// everything the first one started (it used to wait forever for it).
func TestServiceStartTwiceThenStop(t *testing.T) {
	o := newOutbox(t)
	o.release()
	o.svc.Start(context.Background())
	o.svc.Start(context.Background())
	m := o.send("hello")
	require.Equal(t, "message:"+m.ID+":send", o.next())
	o.waitStatus(m.ID, store.MessageSent)
	require.NoError(t, stop(t, o.svc, context.Background()))
}

// Stop without Start and Stop twice do nothing; Start after Stop sends
// again.
func TestServiceStopWithoutStartAndTwice(t *testing.T) {
	o := newOutbox(t)
	o.release()
	require.NoError(t, stop(t, o.svc, context.Background()), "Stop without Start")
	o.svc.Start(context.Background())
	require.NoError(t, stop(t, o.svc, context.Background()))
	require.NoError(t, stop(t, o.svc, context.Background()), "Stop twice")

	m := o.send("queued while stopped")
	o.svc.Start(context.Background())
	require.Equal(t, "message:"+m.ID+":send", o.next(), "started again, it sends")
	o.waitStatus(m.ID, store.MessageSent)
}

// Stop waits for a message the provider is answering and keeps its
// outcome; a message that has not gone out when Stop is called stays
// queued, not counted as an attempt, for the next start.
func TestServiceStopFinishesSendsInFlight(t *testing.T) {
	o := newOutbox(t)
	o.svc.Start(context.Background())
	first := o.send("first")
	second := o.send("second") // waits for the first's request slot
	require.Equal(t, "message:"+first.ID+":send", o.next())

	ended := messaging.WorkEnded(o.svc)
	stopped := make(chan error, 1)
	go func() { stopped <- o.svc.Stop(context.Background()) }()
	<-ended
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a message was out", err)
	default:
	}
	o.release()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return")
	}
	require.Equal(t, store.MessageSent, o.message(first.ID).Status, "the message in flight was seen through")
	got := o.message(second.ID)
	require.Equal(t, store.MessageQueued, got.Status, "nothing new goes out once Stop is called")
	require.Equal(t, 0, got.Attempts)
	require.Empty(t, o.arrived, "the provider got only the first message")

	o.svc.Start(context.Background())
	require.Equal(t, "message:"+second.ID+":send", o.next())
	o.waitStatus(second.ID, store.MessageSent)
}

// Stop returns once its context ends even while the provider holds a
// message: the request is cut off, the message stays "sending", and the
// next start sends it again with the same Idempotency-Key.
func TestServiceStopReturnsAtDeadlineMidSend(t *testing.T) {
	o := newOutbox(t)
	o.svc.Start(context.Background())
	m := o.send("held")
	key := o.next()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := stop(t, o.svc, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "cut off")
	require.Equal(t, store.MessageSending, o.message(m.ID).Status)

	o.release()
	o.svc.Start(context.Background())
	require.Equal(t, key, o.next(), "sent again with the same key")
	o.waitStatus(m.ID, store.MessageSent)
	require.Equal(t, 2, o.message(m.ID).Attempts)
}

// A stopping sender keeps its channel's lease for a second more (and 5%):
// the replica taking the channel over cannot send its first message in the
// same second as the stopping one's last, so the rate holds across the
// handover. Before, the lease was released at once.
func TestStoppedSenderHandsOverAfterASecond(t *testing.T) {
	stoppedAt := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) // the service's clock stands still
	o := newOutbox(t, func(c *messaging.Config) { c.Now = func() time.Time { return stoppedAt } })
	o.release()
	o.svc.Start(context.Background())
	m := o.send("last before the handover")
	o.next()
	o.waitStatus(m.ID, store.MessageSent)
	require.NoError(t, stop(t, o.svc, context.Background()))

	ctx := context.Background()
	key := "msgsend:" + outboxChannel
	held, err := o.st.TryLease(ctx, key, "replica-next", stoppedAt.Add(time.Second), 30*time.Second)
	require.NoError(t, err)
	require.False(t, held, "within the handover second the channel is still the stopped sender's")
	held, err = o.st.TryLease(ctx, key, "replica-next", stoppedAt.Add(1100*time.Millisecond), 30*time.Second)
	require.NoError(t, err)
	require.True(t, held, "then another replica takes it")
}

// The sender's bound is the integration's own limit, the one every request
// to it goes through: while another request holds the integration's one
// slot, a queued message is not marked sending; it goes once the slot is
// free.
func TestSenderWaitsForTheIntegrationsSlot(t *testing.T) {
	o := newOutbox(t)
	o.release()
	ctx := context.Background()
	in, err := o.st.GetIntegration(ctx, outboxChannel)
	require.NoError(t, err)
	client, err := o.integ.Client(ctx, in)
	require.NoError(t, err)
	held, err := client.Reserve(ctx) // another request to the integration
	require.NoError(t, err)
	o.svc.Start(ctx)
	m := o.send("waits for the slot")
	select {
	case delta := <-o.integ.waiting:
		require.Equal(t, 1, delta, "the sender waits for the integration's slot")
	case <-time.After(10 * time.Second):
		t.Fatal("the sender never waited for the integration's slot")
	}
	require.Equal(t, store.MessageQueued, o.message(m.ID).Status, "and has not marked the message sending")
	require.Equal(t, 0, o.message(m.ID).Attempts)
	held.Release()
	require.Equal(t, "message:"+m.ID+":send", o.next())
	o.waitStatus(m.ID, store.MessageSent)
}
