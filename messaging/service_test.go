package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// The service built on its own: a SQLite store, a fake of the integrations
// runtime, and a generic SMS provider on httptest.

const (
	deskNumber   = "+14155550100"
	deskCustomer = "+14155550123"
	deskAPIKey   = "key-ABC-123"
	deskSecret   = "whsec-0123456789"
)

// desk is a messaging service with the shipped SMS, WhatsApp and Zendesk
// templates, extensions 1001 and 1002, a queue of 1001, and a generic SMS
// provider that checks the API key, echoes verification challenges and
// takes messages.
type desk struct {
	t      *testing.T
	ctx    context.Context
	st     store.Store
	integ  *fakeIntegrations
	svc    *messaging.Service
	p      *provider
	queue  string
	events chan messaging.Event
	sent   chan string // the text of each message the provider takes
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(context.Background(), dir, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	ctx := context.Background()
	d := &desk{t: t, ctx: ctx, st: openStore(t), events: make(chan messaging.Event, 256), sent: make(chan string, 64)}
	d.p = newProvider(t, func(w http.ResponseWriter, r *http.Request, body string) {
		if r.Header.Get("Authorization") != "Bearer "+deskAPIKey {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"10004","title":"Authentication failed","detail":"No key found."}]}`)
			return
		}
		switch r.URL.Path {
		case "/verify":
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
		case "/sendmessage":
			d.sent <- gjson.Get(body, "text").String()
			fmt.Fprintf(w, `{"data":{"id":"out-%s","to":[{"phone_number":%q,"status":"queued"}]}}`,
				r.Header.Get("Idempotency-Key"), gjson.Get(body, "to").String())
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	now := time.Now()
	for id, file := range map[string]string{"tpl_sms": "sms_generic.xml", "tpl_wa": "whatsapp_cloud.xml", "tpl_zendesk": "zendesk.xml"} {
		data, err := fs.ReadFile(examples.Templates, file)
		require.NoError(t, err)
		key := strings.TrimSuffix(file, ".xml")
		require.NoError(t, d.st.CreateTemplate(ctx, &store.Template{ID: id, Key: key, Name: key, Provider: providerOf(file), Version: "1.0",
			BuiltIn: true, XML: data, CreatedAt: now, UpdatedAt: now}, 0))
	}
	for _, ext := range []string{"1001", "1002"} {
		require.NoError(t, d.st.PutExtension(ctx, store.Extension{Number: ext}))
	}
	d.queue = "que_sales"
	require.NoError(t, d.st.CreateQueue(ctx, &store.MessageQueue{ID: d.queue, Name: "Sales", Agents: []string{"1001"}, CreatedAt: now, UpdatedAt: now}))
	d.integ = newFakeIntegrations(d.st)
	var err error
	d.svc, err = messaging.New(messaging.Config{Store: d.st, Integrations: d.integ, PublicURL: "https://switchboard.test",
		Publish: func(_ context.Context, e messaging.Event) { d.events <- e },
		Owner:   "replica-test", Tuning: messaging.Tuning{PollInterval: 20 * time.Millisecond, VerifyInterval: -1}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, d.svc.Stop(context.Background())) })
	return d
}

func providerOf(file string) string {
	switch file {
	case "sms_generic.xml":
		return "sms"
	case "whatsapp_cloud.xml":
		return "messaging"
	}
	return "helpdesk"
}

// smsSpec is a valid generic SMS channel with one number routed to
// extension 1001, who may start sessions from it.
func (d *desk) smsSpec() messaging.ChannelSpec {
	return messaging.ChannelSpec{TemplateID: "tpl_sms", Name: "Main",
		Fields: map[string]string{"api_key": deskAPIKey, "secret": deskSecret, "send_url": d.p.URL + "/sendmessage", "verify_url": d.p.URL + "/verify"},
		Numbers: []messaging.NumberSpec{{Number: deskNumber, Destination: messaging.Target{Type: store.DestExtension, ID: "1001"},
			AllowedExtensions: []string{"1001"}}}}
}

func (d *desk) createSMS() *store.Channel {
	d.t.Helper()
	ch, err := d.svc.CreateChannel(d.ctx, d.smsSpec())
	require.NoError(d.t, err)
	return ch
}

// inbound delivers a signed generic SMS webhook from the customer.
func (d *desk) inbound(ch *store.Channel, id, text string, media ...string) (messaging.WebhookAnswer, error) {
	return d.inboundSigned(ch, deskSecret, id, text, media...)
}

// inboundSigned is inbound signed with a secret of the test's choosing.
func (d *desk) inboundSigned(ch *store.Channel, secret, id, text string, media ...string) (messaging.WebhookAnswer, error) {
	urls := "[]"
	if len(media) > 0 {
		urls = fmt.Sprintf(`[{"url":%q}]`, media[0])
	}
	body := fmt.Sprintf(`{"data":{"event_type":"message.received","id":"evt-%s","payload":{"id":%q,"from":{"phone_number":%q},`+
		`"to":[{"phone_number":%q}],"text":%q,"media":%s,"received_at":"2026-11-22T10:00:00.000+00:00","record_type":"message"}}}`,
		id, id, deskCustomer, deskNumber, text, urls)
	r := messaging.WebhookRequest{URL: d.svc.WebhookURL(ch), Body: []byte(body),
		Header: headers("Content-Type", "application/json", "X-Signature-256", "sha256="+hmacHex(secret, body))}
	return d.svc.HandleWebhook(d.ctx, ch.WebhookKey, r, strings.NewReader(body))
}

// event waits for the next event of the type, dropping others.
func (d *desk) event(typ string) messaging.Event {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-d.events:
			if e.Type == typ {
				return e
			}
		case <-deadline:
			d.t.Fatalf("no %s event", typ)
		}
	}
}

// sentText waits for the provider to take a message and returns its text.
func (d *desk) sentText() string {
	d.t.Helper()
	select {
	case text := <-d.sent:
		return text
	case <-time.After(10 * time.Second):
		d.t.Fatal("the provider got no message")
		return ""
	}
}

func problemOf(t *testing.T, err error, kind string) *messaging.Problem {
	t.Helper()
	var p *messaging.Problem
	require.True(t, errors.As(err, &p), "%v is not a Problem", err)
	require.Equal(t, kind, p.Kind, p.Message)
	return p
}

func (d *desk) channelCount() int {
	list, err := d.svc.Channels(d.ctx)
	require.NoError(d.t, err)
	return len(list)
}

// A channel is refused with every problem it has at once; a template that
// is missing or not a channel's, and fields the template does not have,
// are refused on their own; nothing refused is kept.
func TestCreateChannelChecksEverything(t *testing.T) {
	d := newDesk(t)
	spec := messaging.ChannelSpec{TemplateID: "tpl_sms", Name: " ", MessagesPerSecond: 500, AutoCloseDays: -1,
		Settings: []byte(`{"keywordReplys":{}}`),
		Numbers: []messaging.NumberSpec{
			{Number: "4155550100", Destination: messaging.Target{Type: store.DestExtension, ID: "1009"}},
			{Number: deskNumber, Destination: messaging.Target{Type: store.DestQueue, ID: "que_none"}, AllowedExtensions: []string{"1008"}},
			{Number: deskNumber, Destination: messaging.Target{Type: "group", ID: "x"}},
		}}
	_, err := d.svc.CreateChannel(d.ctx, spec)
	p := problemOf(t, err, messaging.KindInvalid)
	require.Equal(t, "the channel has problems", p.Message)
	require.Equal(t, []string{
		"name is required",
		"messagesPerSecond 500: this channel sends 1 to 100 messages per second",
		"autoCloseDays -1: 0 (never) or more days",
		`settings: json: unknown field "keywordReplys"`,
		"numbers[0].number: " + messaging.CheckE164("4155550100").Error(),
		`numbers[0].destination: no extension "1009" (add it with PUT /api/v1/extensions/{number})`,
		`numbers[1].destination: no queue "que_none"`,
		`numbers[1].allowedExtensions: no extension "1008"`,
		"numbers[2].number: " + deskNumber + " is given twice",
		`numbers[2].destination.type "group": "extension" or "queue"`,
	}, p.Details)

	spec = d.smsSpec()
	spec.Numbers = nil
	_, err = d.svc.CreateChannel(d.ctx, spec)
	require.Equal(t, []string{"numbers: a channel needs at least one number"}, problemOf(t, err, messaging.KindInvalid).Details)

	spec = d.smsSpec()
	spec.TemplateID = "tpl_none"
	_, err = d.svc.CreateChannel(d.ctx, spec)
	p = problemOf(t, err, messaging.KindInvalid)
	require.Equal(t, `templateId "tpl_none": no such template`, p.Message)
	require.Empty(t, p.Details)

	spec.TemplateID = "tpl_zendesk"
	_, err = d.svc.CreateChannel(d.ctx, spec)
	require.Contains(t, problemOf(t, err, messaging.KindInvalid).Message, "a channel needs a channel template")

	// WhatsApp only answers customers, and its requests need the
	// provider's id of each number.
	spec = d.smsSpec()
	spec.TemplateID, spec.Fields = "tpl_wa", map[string]string{"access_token": "t", "app_secret": "s", "graph_url": d.p.URL}
	_, err = d.svc.CreateChannel(d.ctx, spec)
	require.Equal(t, []string{
		"numbers[0].numberId: this channel's requests need the provider's id of the number",
		"numbers[0].allowedExtensions: WhatsApp (Cloud API) channels only answer customers; no extension can start sessions",
	}, problemOf(t, err, messaging.KindInvalid).Details)

	// Fields are the integrations runtime's to check: its error, as it is.
	spec = d.smsSpec()
	spec.Fields = map[string]string{"api_key": "k", "secrett": "s"}
	_, err = d.svc.CreateChannel(d.ctx, spec)
	var fe *integrations.FieldsError
	require.ErrorAs(t, err, &fe)
	require.Contains(t, fe.Problems, `unknown field "secrett" (did you mean "secret"?)`)
	require.Zero(t, d.channelCount(), "nothing refused is kept")

	// A good one: the template's rate, a webhook key and verify token of
	// its own, secrets apart, and its connection checked.
	ch := d.createSMS()
	require.Equal(t, 10, ch.MessagesPerSecond, "the template's rate by default")
	require.NotEmpty(t, ch.WebhookKey)
	require.NotEmpty(t, ch.VerifyToken)
	require.Equal(t, []store.ChannelNumber{{Number: deskNumber, DestType: store.DestExtension, DestID: "1001", AllowedExtensions: []string{"1001"}}}, ch.Numbers)
	info, err := d.svc.ChannelInfo(d.ctx, ch)
	require.NoError(t, err)
	require.Equal(t, messaging.StatusConnected, info.Integration.Status, info.Integration.StatusReason)
	require.Equal(t, map[string]string{"api_key": deskAPIKey, "secret": deskSecret}, info.Integration.Secrets)
	require.NotContains(t, info.Integration.Fields, "api_key")
	require.Equal(t, "sms", info.Def.Kind)
	require.True(t, info.Def.Rules.AgentInitiated)
	ids, err := d.svc.ChannelIDs(d.ctx)
	require.NoError(t, err)
	require.Equal(t, []string{ch.ID}, ids)
	isChannel, err := d.svc.IsChannel(d.ctx, ch.ID)
	require.NoError(t, err)
	require.True(t, isChannel)

	// Its number on a second channel: taken, naming the first.
	spec = d.smsSpec()
	spec.Name = "Second"
	_, err = d.svc.CreateChannel(d.ctx, spec)
	p = problemOf(t, err, messaging.KindNumberTaken)
	want := deskNumber + " is on channel Main (" + ch.ID + ")"
	require.Equal(t, []string{want}, p.Details)
	require.Equal(t, "a number belongs to one channel: "+want, p.Message)
	require.Equal(t, 1, d.channelCount())
}

// A customer's message opens a session routed to the number's extension,
// is stored once however often the provider delivers it, and is announced
// to the agent; a webhook that does not verify is refused.
func TestInboundWebhookOpensSession(t *testing.T) {
	d := newDesk(t)
	ch := d.createSMS()
	ans, err := d.inbound(ch, "in-1", "Hello", "https://media.example/1.png")
	require.NoError(t, err)
	require.Equal(t, 204, ans.Status)
	created := d.event(messaging.EventSessionCreated)
	require.Equal(t, []string{"1001"}, created.Extensions)
	ses := created.Data.(messaging.SessionView)
	require.Equal(t, deskCustomer, ses.Customer)
	require.Equal(t, deskNumber, ses.ChannelNumber)
	require.Equal(t, "1001", ses.Assignee)
	msg := d.event(messaging.EventMessageCreated).Data.(messaging.MessageView)
	require.Equal(t, "Hello", msg.Text)
	require.Equal(t, store.DirectionIn, msg.Direction)

	_, err = d.inbound(ch, "in-1", "Hello", "https://media.example/1.png")
	require.NoError(t, err, "a delivery again is acknowledged")
	list, err := d.st.Messages(d.ctx, ses.ID)
	require.NoError(t, err)
	require.Len(t, list, 1, "and stored once")

	// The agent may see it, and its media: a plain link on this channel.
	got, err := d.svc.Session(d.ctx, messaging.Actor{Extension: "1001"}, ses.ID)
	require.NoError(t, err)
	_, err = d.svc.Session(d.ctx, messaging.Actor{Extension: "1002"}, ses.ID)
	problemOf(t, err, messaging.KindNotFound)
	m, err := d.svc.OpenMedium(d.ctx, got, msg.ID, 0)
	require.NoError(t, err)
	require.Equal(t, "https://media.example/1.png", m.Link)
	_, err = d.svc.OpenMedium(d.ctx, got, msg.ID, 1)
	require.Equal(t, "medium 1 of message "+msg.ID+" (it has 1) not found", problemOf(t, err, messaging.KindNotFound).Message)

	body := `{"data":{}}`
	_, err = d.svc.HandleWebhook(d.ctx, ch.WebhookKey, messaging.WebhookRequest{URL: d.svc.WebhookURL(ch), Body: []byte(body),
		Header: headers("X-Signature-256", "sha256="+hmacHex("another secret", body))}, strings.NewReader(body))
	problemOf(t, err, messaging.KindBadSignature)
	_, err = d.svc.HandleWebhook(d.ctx, "no-such-key", messaging.WebhookRequest{}, strings.NewReader(body))
	problemOf(t, err, messaging.KindNotFound)
}

// What an agent sends, in a session the agent starts and in one a
// customer started, reaches the provider once the service runs, with the
// message's Idempotency-Key, and is marked sent.
func TestAgentMessagesReachTheProvider(t *testing.T) {
	d := newDesk(t)
	ch := d.createSMS()
	agent := messaging.Actor{Extension: "1001"}
	_, _, err := d.svc.StartSession(d.ctx, messaging.Actor{Extension: "1002"}, messaging.NewSession{Number: deskNumber, To: deskCustomer, Text: "Hi"})
	problemOf(t, err, messaging.KindForbidden)
	_, _, err = d.svc.StartSession(d.ctx, agent, messaging.NewSession{Number: deskNumber, To: "555", Text: "Hi"})
	problemOf(t, err, messaging.KindInvalid)
	ses, first, err := d.svc.StartSession(d.ctx, agent, messaging.NewSession{ChannelID: ch.ID, Number: deskNumber, To: deskCustomer,
		Text: "Your order shipped"})
	require.NoError(t, err)
	require.Equal(t, store.MessageQueued, first.Status)

	d.svc.Start(d.ctx)
	require.Equal(t, "Your order shipped", d.sentText())
	status := d.event(messaging.EventMessageStatus).Data.(messaging.MessageView)
	require.Equal(t, first.ID, status.ID)
	require.Equal(t, store.MessageSent, status.Status)
	require.Equal(t, "out-message:"+first.ID+":send", status.ProviderID, "sent with the message's Idempotency-Key")

	second, err := d.svc.Send(d.ctx, agent, ses.ID, "Anything else?", nil)
	require.NoError(t, err)
	require.Equal(t, "Anything else?", d.sentText())
	status = d.event(messaging.EventMessageStatus).Data.(messaging.MessageView)
	require.Equal(t, second.ID, status.ID)
	require.Equal(t, store.MessageSent, status.Status)

	_, err = d.svc.Send(d.ctx, agent, ses.ID, "", nil)
	problemOf(t, err, messaging.KindInvalid)
	_, err = d.svc.Send(d.ctx, messaging.Actor{Extension: "1002"}, ses.ID, "Hi", nil)
	problemOf(t, err, messaging.KindNotFound)
}

// STOP blocks messages to the customer from the number and is answered;
// START lifts it.
func TestStopKeyword(t *testing.T) {
	d := newDesk(t)
	ch := d.createSMS()
	d.svc.Start(d.ctx)
	_, err := d.inbound(ch, "in-stop", "STOP")
	require.NoError(t, err)
	require.Equal(t, messaging.DefaultOptOutReply, d.sentText(), "the opt-out is confirmed")
	out, err := d.st.OptedOut(d.ctx, ch.ID, deskNumber, deskCustomer)
	require.NoError(t, err)
	require.True(t, out)
	ses := d.event(messaging.EventSessionCreated).Data.(messaging.SessionView)

	agent := messaging.Actor{Extension: "1001"}
	_, err = d.svc.Send(d.ctx, agent, ses.ID, "One more offer", nil)
	require.Contains(t, problemOf(t, err, messaging.KindOptedOut).Message, "replied STOP")

	_, err = d.inbound(ch, "in-start", "START")
	require.NoError(t, err)
	d.sentText() // the opt-in's answer
	_, err = d.svc.Send(d.ctx, agent, ses.ID, "Welcome back", nil)
	require.NoError(t, err)
	require.Equal(t, "Welcome back", d.sentText())
}

// A channel is changed as it is created, keeping its secrets when they are
// left out and its template; deleted, its sessions close, its webhook is
// gone and the runtime forgets its integration.
func TestUpdateAndDeleteChannel(t *testing.T) {
	d := newDesk(t)
	ch := d.createSMS()

	spec := d.smsSpec()
	spec.Name, spec.MessagesPerSecond, spec.AutoCloseDays = " Main line ", 20, 3
	spec.Fields = map[string]string{"send_url": d.p.URL + "/sendmessage", "verify_url": d.p.URL + "/verify"}
	spec.Numbers[0].Destination = messaging.Target{Type: store.DestQueue, ID: d.queue}
	spec.TemplateID = ""
	got, err := d.svc.UpdateChannel(d.ctx, ch.ID, spec)
	require.NoError(t, err)
	require.Equal(t, "Main line", got.Name)
	require.Equal(t, 20, got.MessagesPerSecond)
	require.Equal(t, 3, got.AutoCloseDays)
	require.Equal(t, d.queue, got.Numbers[0].DestID)
	require.Equal(t, ch.WebhookKey, got.WebhookKey, "the webhook stays")
	info, err := d.svc.ChannelInfo(d.ctx, got)
	require.NoError(t, err)
	require.Equal(t, messaging.StatusConnected, info.Integration.Status, "the secrets left out kept their values: %s", info.Integration.StatusReason)
	require.Equal(t, deskAPIKey, info.Integration.Secrets["api_key"])

	spec.TemplateID = "tpl_wa"
	_, err = d.svc.UpdateChannel(d.ctx, ch.ID, spec)
	require.Equal(t, "templateId cannot change; create another channel for another provider", problemOf(t, err, messaging.KindInvalid).Message)
	spec.TemplateID, spec.MessagesPerSecond = "tpl_sms", 101
	_, err = d.svc.UpdateChannel(d.ctx, ch.ID, spec)
	require.Equal(t, []string{"messagesPerSecond 101: this channel sends 1 to 100 messages per second"}, problemOf(t, err, messaging.KindInvalid).Details)
	_, err = d.svc.UpdateChannel(d.ctx, "chn_none", spec)
	require.Equal(t, "channel chn_none not found", problemOf(t, err, messaging.KindNotFound).Message)

	_, err = d.inbound(got, "in-1", "Hello")
	require.NoError(t, err)
	ses := d.event(messaging.EventSessionCreated).Data.(messaging.SessionView)
	require.Equal(t, d.queue, ses.QueueID, "offered in the queue now")

	require.NoError(t, d.svc.DeleteChannel(d.ctx, ch.ID))
	closed, err := d.st.GetSession(d.ctx, ses.ID)
	require.NoError(t, err)
	require.Equal(t, store.SessionClosed, closed.State, "its sessions close and stay in the history")
	_, err = d.inbound(got, "in-2", "Anyone?")
	problemOf(t, err, messaging.KindNotFound)
	require.True(t, d.integ.wasForgotten(ch.ID))
	_, err = d.svc.Channel(d.ctx, ch.ID)
	problemOf(t, err, messaging.KindNotFound)
	require.Equal(t, "channel "+ch.ID+" not found", problemOf(t, d.svc.DeleteChannel(d.ctx, ch.ID), messaging.KindNotFound).Message)
}

// A channel is read once for the webhooks that come while it does not
// change; a change is seen by the very next webhook: a new secret, the
// template replaced, the channel deleted.
func TestWebhooksSeeChannelChangesAtOnce(t *testing.T) {
	d := newDesk(t)
	ch := d.createSMS()
	ans, err := d.inbound(ch, "in-1", "Hello")
	require.NoError(t, err)
	require.Equal(t, 204, ans.Status)

	spec := d.smsSpec()
	spec.TemplateID = ""
	spec.Fields["secret"] = "whsec-rotated"
	_, err = d.svc.UpdateChannel(d.ctx, ch.ID, spec)
	require.NoError(t, err)
	_, err = d.inbound(ch, "in-2", "Signed with the old secret")
	problemOf(t, err, messaging.KindBadSignature)
	ans, err = d.inboundSigned(ch, "whsec-rotated", "in-3", "Signed with the new one")
	require.NoError(t, err)
	require.Equal(t, 204, ans.Status)

	tpl, err := d.st.GetTemplate(d.ctx, "tpl_sms")
	require.NoError(t, err)
	tpl.XML = []byte(strings.Replace(string(tpl.XML), `Name="AnswerStatus" Value="204"`, `Name="AnswerStatus" Value="200"`, 1))
	require.NoError(t, d.st.ReplaceTemplate(d.ctx, tpl))
	ans, err = d.inboundSigned(ch, "whsec-rotated", "in-4", "After the template changed")
	require.NoError(t, err)
	require.Equal(t, 200, ans.Status, "answered as the replaced template says")

	require.NoError(t, d.svc.DeleteChannel(d.ctx, ch.ID))
	_, err = d.inboundSigned(ch, "whsec-rotated", "in-5", "To a deleted channel")
	problemOf(t, err, messaging.KindNotFound)
}
