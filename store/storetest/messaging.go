package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// channel stores a channel (and its integration) with two numbers: one
// routed to extension 1001, one to queue q1.
func channel(t *testing.T, s store.Store, id string) *store.Channel {
	t.Helper()
	if _, err := s.GetTemplate(ctx, "tsms"); errors.Is(err, store.ErrNotFound) {
		tp := tmpl("tsms", "sms_"+id, false)
		tp.Provider = "sms"
		require.NoError(t, s.CreateTemplate(ctx, tp, 10))
	}
	in := integration(id)
	in.TemplateID = "tsms"
	ch := &store.Channel{ID: id, WebhookKey: "key-" + id, Name: "SMS " + id, MessagesPerSecond: 10, AutoCloseDays: 2,
		VerifyToken: "vt-" + id + "-secret", Settings: []byte(`{"keywordReplies":{"help":"Call us"}}`), CreatedAt: now(), UpdatedAt: now(),
		Numbers: []store.ChannelNumber{
			{Number: "+14155550100", DestType: store.DestExtension, DestID: "1001", AllowedExtensions: []string{"1001", "1002"}},
			{Number: "+14155550199", NumberID: "pn-199", DestType: store.DestQueue, DestID: "q1", AllowedExtensions: []string{}},
		}}
	require.NoError(t, s.CreateChannel(ctx, in, ch))
	return ch
}

func channels(t *testing.T, s store.Store) {
	ch := channel(t, s, "ch1")
	got, err := s.GetChannel(ctx, "ch1")
	require.NoError(t, err)
	require.Equal(t, ch, got)
	byKey, err := s.ChannelByWebhookKey(ctx, "key-ch1")
	require.NoError(t, err)
	require.Equal(t, ch, byKey)
	in, err := s.GetIntegration(ctx, "ch1")
	require.NoError(t, err, "the channel's integration is stored with it")
	require.Equal(t, "s3cret-token-value", in.Secrets["api_token"])

	// A taken webhook key is refused, and nothing is half-written.
	dup := integration("ch2")
	dup.TemplateID = "tsms"
	err = s.CreateChannel(ctx, dup, &store.Channel{ID: "ch2", WebhookKey: "key-ch1", Name: "x", MessagesPerSecond: 1, VerifyToken: "v", CreatedAt: now(), UpdatedAt: now()})
	require.ErrorIs(t, err, store.ErrConflict)
	_, err = s.GetIntegration(ctx, "ch2")
	require.ErrorIs(t, err, store.ErrNotFound, "the integration of a refused channel is not kept")

	ch.Name, ch.MessagesPerSecond, ch.UpdatedAt = "Renamed", 25, now().Add(time.Second)
	ch.Numbers = ch.Numbers[1:]
	ch.Numbers[0].AllowedExtensions = []string{"2001"}
	require.NoError(t, s.UpdateChannel(ctx, ch))
	got, err = s.GetChannel(ctx, "ch1")
	require.NoError(t, err)
	require.Equal(t, ch, got)
	ch.Numbers = append(ch.Numbers, ch.Numbers[0])
	require.ErrorIs(t, s.UpdateChannel(ctx, ch), store.ErrConflict, "a number given twice")

	// A number belongs to one channel: a second channel with it is
	// refused whole.
	taken := integration("ch4")
	taken.TemplateID = "tsms"
	err = s.CreateChannel(ctx, taken, &store.Channel{ID: "ch4", WebhookKey: "key-ch4", Name: "x", MessagesPerSecond: 1, VerifyToken: "v", CreatedAt: now(), UpdatedAt: now(),
		Numbers: []store.ChannelNumber{{Number: "+14155550199", DestType: store.DestExtension, DestID: "1001"}}})
	require.ErrorIs(t, err, store.ErrConflict)
	_, err = s.GetIntegration(ctx, "ch4")
	require.ErrorIs(t, err, store.ErrNotFound)
	ch.Numbers = ch.Numbers[:1]
	ch.Numbers[0].Number = "+14155550177" // ch1 lets go of +14155550199
	require.NoError(t, s.UpdateChannel(ctx, ch))

	channel(t, s, "ch3")
	list, err := s.ListChannels(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Len(t, list[1].Numbers, 2)

	// Deleting a channel closes its live sessions and keeps them.
	res, err := s.ReceiveInbound(ctx, inboundMsg("ch3", "+14155550100", "+15550001", "p-1", "hi", now()))
	require.NoError(t, err)
	require.NoError(t, s.DeleteChannel(ctx, "ch3", now()))
	_, err = s.GetChannel(ctx, "ch3")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetIntegration(ctx, "ch3")
	require.ErrorIs(t, err, store.ErrNotFound)
	ses, err := s.GetSession(ctx, res.Session.ID)
	require.NoError(t, err)
	require.Equal(t, store.SessionClosed, ses.State)
	require.ErrorIs(t, s.DeleteChannel(ctx, "ch3", now()), store.ErrNotFound)
}

func queues(t *testing.T, s store.Store) {
	q := &store.MessageQueue{ID: "q1", Name: "Support", Agents: []string{"1001", "1002"}, CreatedAt: now(), UpdatedAt: now()}
	require.NoError(t, s.CreateQueue(ctx, q))
	got, err := s.GetQueue(ctx, "q1")
	require.NoError(t, err)
	require.Equal(t, q, got)
	q.Agents, q.UpdatedAt = []string{"1003"}, now().Add(time.Second)
	require.NoError(t, s.UpdateQueue(ctx, q))
	list, err := s.ListQueues(ctx)
	require.NoError(t, err)
	require.Equal(t, []*store.MessageQueue{q}, list)

	channel(t, s, "chq") // routes +14155550199 to q1
	err = s.DeleteQueue(ctx, "q1")
	require.ErrorIs(t, err, store.ErrInUse)
	require.Contains(t, err.Error(), "+14155550199 route to the queue")
	ch, err := s.GetChannel(ctx, "chq")
	require.NoError(t, err)
	ch.Numbers = ch.Numbers[:1]
	require.NoError(t, s.UpdateChannel(ctx, ch))
	require.NoError(t, s.DeleteQueue(ctx, "q1"))
	require.ErrorIs(t, s.DeleteQueue(ctx, "q1"), store.ErrNotFound)
}

func inboundMsg(channelID, number, customer, providerID, text string, at time.Time) store.Inbound {
	route := store.Route{Assignee: "1001"}
	if number == "+14155550199" {
		route = store.Route{QueueID: "q1"}
	}
	return store.Inbound{ChannelID: channelID, ProviderID: providerID, Number: number, Customer: customer, Route: route, Now: at,
		Message: &store.Message{ID: store.NewID("msg"), Text: text, MediaURLs: []string{"https://m.test/1.png"}, CreatedAt: at}}
}

func inbound(t *testing.T, s store.Store) {
	channel(t, s, "ci")
	t0 := now()
	first, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550199", "+15551234", "prov-1", "Hello", t0))
	require.NoError(t, err)
	require.True(t, first.Created)
	require.Equal(t, "q1", first.Session.QueueID)
	require.Empty(t, first.Session.Assignee, "offered to the queue, nobody's yet")
	require.Equal(t, store.SessionOpen, first.Session.State)

	dup, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550199", "+15551234", "prov-1", "Hello", t0))
	require.NoError(t, err)
	require.True(t, dup.Duplicate, "the same provider id twice is stored once")

	second, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550199", "+15551234", "prov-2", "Anyone?", t0.Add(time.Second)))
	require.NoError(t, err)
	require.False(t, second.Created)
	require.Equal(t, first.Session.ID, second.Session.ID, "the customer's live session is joined")

	other, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550100", "+15551234", "prov-3", "Other number", t0))
	require.NoError(t, err)
	require.True(t, other.Created, "a session is per number and customer")
	require.Equal(t, "1001", other.Session.Assignee)

	msgs, err := s.Messages(ctx, first.Session.ID)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.Equal(t, []string{"Hello", "Anyone?"}, []string{msgs[0].Text, msgs[1].Text})
	require.Equal(t, store.DirectionIn, msgs[0].Direction)
	require.Equal(t, []string{"https://m.test/1.png"}, msgs[0].MediaURLs)
	require.Less(t, msgs[0].Seq, msgs[1].Seq)

	ses, err := s.GetSession(ctx, first.Session.ID)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Second), ses.LastInboundAt)

	// Archived: a customer's message opens it again. Closed: a new one.
	archived := store.SessionArchived
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: ses.ID, State: &archived, Now: now()})
	require.NoError(t, err)
	again, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550199", "+15551234", "prov-4", "Still there?", now()))
	require.NoError(t, err)
	require.Equal(t, ses.ID, again.Session.ID)
	require.Equal(t, store.SessionOpen, again.Session.State)
	closed := store.SessionClosed
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: ses.ID, State: &closed, Now: now(), Event: &store.SessionEvent{Type: store.EventClosed, Actor: "1001"}})
	require.NoError(t, err)
	fresh, err := s.ReceiveInbound(ctx, inboundMsg("ci", "+14155550199", "+15551234", "prov-5", "New question", now()))
	require.NoError(t, err)
	require.True(t, fresh.Created)
	require.NotEqual(t, ses.ID, fresh.Session.ID)

	tl, err := s.Timeline(ctx, ses.ID)
	require.NoError(t, err)
	require.Len(t, tl, 2)
	require.Equal(t, store.EventCreated, tl[0].Type)
	require.Equal(t, map[string]string{"customer": "+15551234", "queue": "q1"}, tl[0].Detail)
	require.Equal(t, store.EventClosed, tl[1].Type)
}

// inboundRace: the first messages of one customer arriving at once make
// one session between them, however they interleave.
func inboundRace(t *testing.T, s store.Store) {
	channel(t, s, "cr")
	var wg sync.WaitGroup
	sessions := make([]string, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() {
			res, err := s.ReceiveInbound(ctx, inboundMsg("cr", "+14155550100", "+15559999", fmt.Sprintf("race-%d", i), "hi", now()))
			errs[i] = err
			if err == nil {
				sessions[i] = res.Session.ID
			}
		})
	}
	wg.Wait()
	for i := range 8 {
		require.NoError(t, errs[i])
		require.Equal(t, sessions[0], sessions[i])
	}
	msgs, err := s.Messages(ctx, sessions[0])
	require.NoError(t, err)
	require.Len(t, msgs, 8)
}

// inboundBatch: messages stored together are stored as they would be one
// by one, in their order — a new customer's second message joins the
// session the first opened, a provider id given twice is stored once —
// and all or none of them are.
func inboundBatch(t *testing.T, s store.Store) {
	channel(t, s, "cb")
	t0 := now()
	res, err := s.ReceiveInbounds(ctx, []store.Inbound{
		inboundMsg("cb", "+14155550100", "+15550101", "b-1", "one", t0),
		inboundMsg("cb", "+14155550100", "+15550101", "b-2", "two", t0),
		inboundMsg("cb", "+14155550100", "+15550101", "b-1", "one again", t0),
		inboundMsg("cb", "+14155550199", "+15550102", "b-3", "to the queue", t0),
	})
	require.NoError(t, err)
	require.Len(t, res, 4)
	require.True(t, res[0].Created)
	require.False(t, res[1].Created || res[1].Duplicate)
	require.Equal(t, res[0].Session.ID, res[1].Session.ID, "the second message joins the session the first opened")
	require.True(t, res[2].Duplicate, "a provider id given twice is stored once")
	require.True(t, res[3].Created)
	require.Equal(t, "q1", res[3].Session.QueueID)
	msgs, err := s.Messages(ctx, res[0].Session.ID)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.Equal(t, []string{"one", "two"}, []string{msgs[0].Text, msgs[1].Text})
	require.Equal(t, res[1].Message, msgs[1])
	tl, err := s.Timeline(ctx, res[0].Session.ID)
	require.NoError(t, err)
	require.Len(t, tl, 1, "one session created")

	// A message the store refuses (its id is taken) fails the batch, and
	// the messages before it are not kept.
	taken := inboundMsg("cb", "+14155550100", "+15550101", "b-5", "taken id", t0)
	taken.Message.ID = msgs[0].ID
	_, err = s.ReceiveInbounds(ctx, []store.Inbound{inboundMsg("cb", "+14155550100", "+15550101", "b-4", "four", t0), taken})
	require.Error(t, err)
	again, err := s.ReceiveInbound(ctx, inboundMsg("cb", "+14155550100", "+15550101", "b-4", "four", t0))
	require.NoError(t, err)
	require.False(t, again.Duplicate, "b-4 was not kept with the batch that failed")
}

// inboundBatchesSideBySide: batches stored at once, each with the same
// customers in another order, neither fail nor wait for each other in a
// circle (PostgreSQL would break such a deadlock by failing one).
func inboundBatchesSideBySide(t *testing.T, s store.Store) {
	channel(t, s, "cs2")
	customers := []string{"+15550201", "+15550202", "+15550203", "+15550204"}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for w := range 8 {
		wg.Go(func() {
			var batch []store.Inbound
			for i := range customers {
				c := customers[(i+w)%len(customers)]
				if w%2 == 1 {
					c = customers[len(customers)-1-(i+w)%len(customers)]
				}
				batch = append(batch, inboundMsg("cs2", "+14155550100", c, fmt.Sprintf("side-%d-%d", w, i), "hi", now()))
			}
			_, errs[w] = s.ReceiveInbounds(ctx, batch)
		})
	}
	wg.Wait()
	for w, err := range errs {
		require.NoError(t, err, "batch %d", w)
	}
	for _, c := range customers {
		list, err := s.ListSessions(ctx, store.SessionFilter{ChannelID: "cs2", Customer: c})
		require.NoError(t, err)
		require.Len(t, list, 1, "one session for %s", c)
		msgs, err := s.Messages(ctx, list[0].ID)
		require.NoError(t, err)
		require.Len(t, msgs, 8, "a message from each batch")
	}
}

// channelStamp: a channel's stamp stays the same while nothing changes,
// and changes whenever the channel, its numbers, its integration or its
// template do — also within the same millisecond, as here, where every
// update keeps the times it was stored with.
func channelStamp(t *testing.T, s store.Store) {
	ch := channel(t, s, "cst")
	_, err := s.ChannelStamp(ctx, "key-none")
	require.ErrorIs(t, err, store.ErrNotFound)
	first, err := s.ChannelStamp(ctx, "key-cst")
	require.NoError(t, err)
	same, err := s.ChannelStamp(ctx, "key-cst")
	require.NoError(t, err)
	require.Equal(t, first, same, "nothing changed")
	seen := map[string]bool{first: true}
	changed := func(what string) {
		t.Helper()
		st, err := s.ChannelStamp(ctx, "key-cst")
		require.NoError(t, err)
		require.False(t, seen[st], "the stamp after %s is one seen before", what)
		seen[st] = true
	}
	ch.Numbers[0].DestID = "1002"
	require.NoError(t, s.UpdateChannel(ctx, ch))
	changed("a number routed elsewhere")
	ch.Settings = []byte(`{"keywordReplies":{"help":"Call us now"}}`)
	require.NoError(t, s.UpdateChannel(ctx, ch))
	changed("the channel's settings changed")

	in, err := s.GetIntegration(ctx, "cst")
	require.NoError(t, err)
	in.Secrets = map[string]string{"api_token": "rotated"}
	require.NoError(t, s.UpdateIntegration(ctx, in))
	changed("a secret changed")
	in.Fields = map[string]string{"base_url": "https://y.test"}
	require.NoError(t, s.UpdateIntegration(ctx, in))
	changed("a field changed")

	tp, err := s.GetTemplate(ctx, "tsms")
	require.NoError(t, err)
	tp.XML = []byte(`<Information Key="` + tp.Key + `" Version="2"/>`)
	require.NoError(t, s.ReplaceTemplate(ctx, tp))
	changed("its template replaced")

	require.NoError(t, s.DeleteChannel(ctx, "cst", now()))
	_, err = s.ChannelStamp(ctx, "key-cst")
	require.ErrorIs(t, err, store.ErrNotFound, "a deleted channel")
}

func outbound(t *testing.T, s store.Store) {
	channel(t, s, "co")
	res, err := s.ReceiveInbound(ctx, inboundMsg("co", "+14155550100", "+15552222", "in-1", "Hi", now()))
	require.NoError(t, err)
	t0 := now()
	for i := range 3 {
		m := &store.Message{ID: store.NewID("msg"), SessionID: res.Session.ID, ChannelID: "co", Number: "+14155550100", Customer: "+15552222",
			Direction: store.DirectionOut, Author: "1001", Text: fmt.Sprintf("reply %d", i), Status: store.MessageQueued, CreatedAt: t0}
		require.NoError(t, s.QueueOutbound(ctx, m))
	}
	due, err := s.DueOutbound(ctx, "co", t0, 10)
	require.NoError(t, err)
	require.Len(t, due, 3)
	require.Equal(t, "reply 0", due[0].Text, "oldest first")

	// Sent, then reported: forward only.
	m := due[0]
	m.Status, m.ProviderID, m.SentAt, m.Attempts, m.UpdatedAt = store.MessageSent, "prov-out-1", now(), 1, now()
	require.NoError(t, s.UpdateDelivery(ctx, m))
	got, err := s.ApplyReport(ctx, "co", "prov-out-1", store.MessageRead, "", now())
	require.NoError(t, err)
	require.Equal(t, store.MessageRead, got.Status)
	got, err = s.ApplyReport(ctx, "co", "prov-out-1", store.MessageDelivered, "", now())
	require.NoError(t, err)
	require.Equal(t, store.MessageRead, got.Status, "a late 'delivered' does not undo 'read'")
	_, err = s.ApplyReport(ctx, "co", "unknown", store.MessageDelivered, "", now())
	require.ErrorIs(t, err, store.ErrNotFound)

	// A temporary failure waits for its next attempt.
	m = due[1]
	m.Status, m.Attempts, m.Error, m.NextAttemptAt, m.UpdatedAt = store.MessageQueued, 1, "busy", t0.Add(time.Minute), now()
	require.NoError(t, s.UpdateDelivery(ctx, m))
	due, err = s.DueOutbound(ctx, "co", t0, 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, "reply 2", due[0].Text)

	// Left "sending" by a crash: queued again.
	due[0].Status, due[0].UpdatedAt = store.MessageSending, now()
	require.NoError(t, s.UpdateDelivery(ctx, due[0]))
	n, err := s.RequeueSending(ctx, "co", now())
	require.NoError(t, err)
	require.Equal(t, 1, n)

	stats, err := s.NumberStats(ctx, "co", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, []store.NumberStats{{ChannelID: "co", Number: "+14155550100", Sent: 1, Succeeded: 1, Failed: 0, Received: 1}}, stats)
	stats, err = s.NumberStats(ctx, "co", t0.Add(time.Hour), time.Time{})
	require.NoError(t, err)
	require.Empty(t, stats, "nothing in the period")

	// Nothing is sent in a closed session.
	closed := store.SessionClosed
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: res.Session.ID, State: &closed, Now: now()})
	require.NoError(t, err)
	err = s.QueueOutbound(ctx, &store.Message{ID: store.NewID("msg"), SessionID: res.Session.ID, ChannelID: "co", Direction: store.DirectionOut,
		Status: store.MessageQueued, CreatedAt: now()})
	require.ErrorIs(t, err, store.ErrSessionClosed)
	err = s.QueueOutbound(ctx, &store.Message{ID: store.NewID("msg"), SessionID: "ses_none", ChannelID: "co", Direction: store.DirectionOut,
		Status: store.MessageQueued, CreatedAt: now()})
	require.ErrorIs(t, err, store.ErrNotFound)

	// Agent-started sessions: one live session per number and customer.
	ses := &store.Session{ID: store.NewID("ses"), ChannelID: "co", Number: "+14155550100", Customer: "+15553333", State: store.SessionOpen,
		Assignee: "1002", CreatedAt: now(), UpdatedAt: now(), LastMessageAt: now()}
	first := &store.Message{ID: store.NewID("msg"), ChannelID: "co", Number: ses.Number, Customer: ses.Customer, Direction: store.DirectionOut,
		Author: "1002", Text: "Your appointment is tomorrow", Status: store.MessageQueued, CreatedAt: now()}
	opened, err := s.OpenSession(ctx, ses, first, &store.SessionEvent{Type: store.EventCreated, Actor: "1002", At: now()})
	require.NoError(t, err)
	require.Equal(t, ses.ID, opened.ID)
	again := *ses
	again.ID = store.NewID("ses")
	existing, err := s.OpenSession(ctx, &again, &store.Message{ID: store.NewID("msg"), CreatedAt: now()}, &store.SessionEvent{Type: store.EventCreated, At: now()})
	require.ErrorIs(t, err, store.ErrConflict)
	require.Equal(t, ses.ID, existing.ID)
}

func sessionChanges(t *testing.T, s store.Store) {
	channel(t, s, "cs")
	res, err := s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550199", "+15554444", "p1", "hi", now()))
	require.NoError(t, err)
	id := res.Session.ID

	// Take over: exactly one of many agents wins.
	var wg sync.WaitGroup
	exts := []string{"1001", "1002", "1003", "1004", "1005"}
	errs := make([]error, len(exts))
	for i, ext := range exts {
		wg.Go(func() {
			e := ext
			_, errs[i] = s.ChangeSession(ctx, store.SessionChange{ID: id, States: []string{store.SessionOpen, store.SessionArchived}, UnassignedOnly: true,
				Assignee: &e, Now: now(), Event: &store.SessionEvent{Type: store.EventTakenOver, Actor: e}})
		})
	}
	wg.Wait()
	var won []string
	for i, err := range errs {
		if err == nil {
			won = append(won, exts[i])
		} else {
			require.ErrorIs(t, err, store.ErrConflict)
		}
	}
	require.Len(t, won, 1)
	ses, err := s.GetSession(ctx, id)
	require.NoError(t, err)
	require.Equal(t, won[0], ses.Assignee)

	// Visibility: the assignee sees it; the queue's other agents no longer do.
	mine, err := s.ListSessions(ctx, store.SessionFilter{Visible: &store.Visibility{Extension: won[0], Queues: []string{"q1"}}})
	require.NoError(t, err)
	require.Len(t, mine, 1)
	other := "1009"
	theirs, err := s.ListSessions(ctx, store.SessionFilter{Visible: &store.Visibility{Extension: other, Queues: []string{"q1"}}})
	require.NoError(t, err)
	require.Empty(t, theirs)
	// The history's search by agent: the extension the session is assigned to.
	byAgent, err := s.ListSessions(ctx, store.SessionFilter{Agent: won[0]})
	require.NoError(t, err)
	require.Len(t, byAgent, 1)
	require.Equal(t, id, byAgent[0].ID)
	byAgent, err = s.ListSessions(ctx, store.SessionFilter{Agent: other})
	require.NoError(t, err)
	require.Empty(t, byAgent)

	// Transfer to a queue offers it again, history kept.
	empty, q := "", "q2"
	ses, err = s.ChangeSession(ctx, store.SessionChange{ID: id, States: []string{store.SessionOpen, store.SessionArchived}, Assignee: &empty, QueueID: &q,
		Now: now(), Event: &store.SessionEvent{Type: store.EventTransferred, Actor: won[0], Detail: map[string]string{"from": won[0], "to": "queue:q2"}}})
	require.NoError(t, err)
	require.Equal(t, "q2", ses.QueueID)
	offered, err := s.ListSessions(ctx, store.SessionFilter{Visible: &store.Visibility{Extension: "2001", Queues: []string{"q2"}}})
	require.NoError(t, err)
	require.Len(t, offered, 1)

	// Remove: closed and gone from agents' lists, kept in the history.
	closed, removed := store.SessionClosed, true
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: id, State: &closed, Removed: &removed, Now: now()})
	require.NoError(t, err)
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: id, States: []string{store.SessionOpen}, Now: now()})
	require.ErrorIs(t, err, store.ErrSessionClosed)
	list, err := s.ListSessions(ctx, store.SessionFilter{ChannelID: "cs"})
	require.NoError(t, err)
	require.Empty(t, list)
	list, err = s.ListSessions(ctx, store.SessionFilter{ChannelID: "cs", IncludeRemoved: true})
	require.NoError(t, err)
	require.Len(t, list, 1)
	tl, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	var types []string
	for _, ev := range tl {
		types = append(types, ev.Type)
	}
	require.Equal(t, []string{store.EventCreated, store.EventTakenOver, store.EventTransferred}, types)
	_, err = s.ChangeSession(ctx, store.SessionChange{ID: "ses_none", Now: now()})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func idleAndHistory(t *testing.T, s store.Store) {
	channel(t, s, "cd")
	old := now().Add(-72 * time.Hour)
	stale, err := s.ReceiveInbound(ctx, inboundMsg("cd", "+14155550100", "+15556666", "p-old", "old", old))
	require.NoError(t, err)
	recent, err := s.ReceiveInbound(ctx, inboundMsg("cd", "+14155550100", "+15557777", "p-new", "new", now()))
	require.NoError(t, err)
	closed, err := s.CloseIdleSessions(ctx, "cd", now().Add(-48*time.Hour), now())
	require.NoError(t, err)
	require.Len(t, closed, 1)
	require.Equal(t, stale.Session.ID, closed[0].ID)
	ses, err := s.GetSession(ctx, recent.Session.ID)
	require.NoError(t, err)
	require.Equal(t, store.SessionOpen, ses.State)
	tl, err := s.Timeline(ctx, stale.Session.ID)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"reason": "idle"}, tl[len(tl)-1].Detail)

	// History: time filters; delete a message, never a system one.
	list, err := s.ListSessions(ctx, store.SessionFilter{ChannelID: "cd", From: now().Add(-time.Hour)})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, recent.Session.ID, list[0].ID)
	sys := &store.Message{ID: store.NewID("msg"), SessionID: recent.Session.ID, ChannelID: "cd", Number: "+14155550100", Customer: "+15557777",
		Direction: store.DirectionSystem, Text: "Reply STOP to unsubscribe.", Status: store.MessageQueued, CreatedAt: now()}
	require.NoError(t, s.QueueOutbound(ctx, sys))
	require.ErrorIs(t, s.DeleteMessage(ctx, sys.ID), store.ErrInUse)
	require.NoError(t, s.DeleteMessage(ctx, recent.Message.ID))
	require.ErrorIs(t, s.DeleteMessage(ctx, recent.Message.ID), store.ErrNotFound)
	msgs, err := s.Messages(ctx, recent.Session.ID)
	require.NoError(t, err)
	require.Len(t, msgs, 1)

	stats, err := s.NumberStats(ctx, "cd", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.NoError(t, s.DeleteSession(ctx, recent.Session.ID))
	after, err := s.NumberStats(ctx, "cd", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, stats, after, "the numbers' figures count what was deleted from the history")
	require.ErrorIs(t, s.DeleteSession(ctx, recent.Session.ID), store.ErrNotFound)
	_, err = s.GetSession(ctx, recent.Session.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	msgs, err = s.Messages(ctx, recent.Session.ID)
	require.NoError(t, err)
	require.Empty(t, msgs)
	// Its provider id stays taken: a late redelivery is not stored again.
	dup, err := s.ReceiveInbound(ctx, inboundMsg("cd", "+14155550100", "+15557777", "p-new", "new", now()))
	require.NoError(t, err)
	require.True(t, dup.Duplicate)
}

func optOuts(t *testing.T, s store.Store) {
	out, err := s.OptedOut(ctx, "c", "+1", "+2")
	require.NoError(t, err)
	require.False(t, out)
	require.NoError(t, s.SetOptOut(ctx, "c", "+1", "+2", true, now()))
	require.NoError(t, s.SetOptOut(ctx, "c", "+1", "+2", true, now()), "twice is fine")
	out, err = s.OptedOut(ctx, "c", "+1", "+2")
	require.NoError(t, err)
	require.True(t, out)
	out, err = s.OptedOut(ctx, "c", "+9", "+2")
	require.NoError(t, err)
	require.False(t, out, "per number")
	require.NoError(t, s.SetOptOut(ctx, "c", "+1", "+2", false, now()))
	out, err = s.OptedOut(ctx, "c", "+1", "+2")
	require.NoError(t, err)
	require.False(t, out)
}

func deadLetters(t *testing.T, s store.Store) {
	t0 := now()
	for i, ch := range []string{"c1", "c2", "c1"} {
		require.NoError(t, s.AddDeadLetter(ctx, store.DeadLetter{ID: store.NewID("dl"), ChannelID: ch, Reason: "no number +1555",
			Payload: []byte(`{"to":"+1555","text":"hi"}`), CreatedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	all, err := s.ListDeadLetters(ctx, "", 0)
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, "c1", all[0].ChannelID, "newest first")
	require.Equal(t, t0.Add(2*time.Second), all[0].CreatedAt)
	require.JSONEq(t, `{"to":"+1555","text":"hi"}`, string(all[0].Payload))
	one, err := s.ListDeadLetters(ctx, "c2", 10)
	require.NoError(t, err)
	require.Len(t, one, 1)
	limited, err := s.ListDeadLetters(ctx, "", 2)
	require.NoError(t, err)
	require.Len(t, limited, 2)
}

// numberStatsSeries counts each number's messages per bucket: a bucket
// starts at from plus a multiple of the step, and only buckets with
// messages are answered.
func numberStatsSeries(t *testing.T, s store.Store) {
	channel(t, s, "cs")
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	res, err := s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550100", "+15553333", "in-s1", "Hi", t0.Add(5*time.Minute)))
	require.NoError(t, err)
	_, err = s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550100", "+15553333", "in-s2", "Again", t0.Add(2*time.Hour+59*time.Minute)))
	require.NoError(t, err)
	_, err = s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550199", "+15554444", "in-s3", "Queue", t0.Add(30*time.Minute)))
	require.NoError(t, err)
	for i, st := range []string{store.MessageDelivered, store.MessageFailed} {
		m := &store.Message{ID: store.NewID("msg"), SessionID: res.Session.ID, ChannelID: "cs", Number: "+14155550100", Customer: "+15553333",
			Direction: store.DirectionOut, Author: "1001", Text: "reply", Status: store.MessageQueued, CreatedAt: t0.Add(time.Duration(10+i) * time.Minute)}
		require.NoError(t, s.QueueOutbound(ctx, m))
		m.Status, m.Attempts, m.UpdatedAt = st, 1, now()
		require.NoError(t, s.UpdateDelivery(ctx, m))
	}
	// Before from and at to: not counted.
	_, err = s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550100", "+15553333", "in-s4", "Early", t0.Add(-time.Minute)))
	require.NoError(t, err)
	_, err = s.ReceiveInbound(ctx, inboundMsg("cs", "+14155550100", "+15553333", "in-s5", "Late", t0.Add(3*time.Hour)))
	require.NoError(t, err)

	series, err := s.NumberStatsSeries(ctx, "cs", t0, t0.Add(3*time.Hour), time.Hour)
	require.NoError(t, err)
	bucket := func(number string, start time.Time, sent, ok, failed, received int) store.NumberStatsBucket {
		return store.NumberStatsBucket{Start: start,
			NumberStats: store.NumberStats{ChannelID: "cs", Number: number, Sent: sent, Succeeded: ok, Failed: failed, Received: received}}
	}
	require.Equal(t, []store.NumberStatsBucket{
		bucket("+14155550100", t0, 2, 1, 1, 1),
		bucket("+14155550100", t0.Add(2*time.Hour), 0, 0, 0, 1),
		bucket("+14155550199", t0, 0, 0, 0, 1),
	}, series)

	// A step that does not divide the period: the last bucket is cut at to.
	series, err = s.NumberStatsSeries(ctx, "cs", t0.Add(20*time.Minute), t0.Add(3*time.Hour), 2*time.Hour)
	require.NoError(t, err)
	require.Equal(t, []store.NumberStatsBucket{
		bucket("+14155550100", t0.Add(2*time.Hour+20*time.Minute), 0, 0, 0, 1),
		bucket("+14155550199", t0.Add(20*time.Minute), 0, 0, 0, 1),
	}, series)
}
