package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging/smpp"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// Each channel's queued messages are sent by one process at a time — the
// one holding the channel's sender lease — in order, at the channel's
// messages per second. One sender per channel makes the rate hold across
// replicas without coordinating every message through the database; the
// lease moves to another replica when its holder stops renewing it, or
// hands it over when it stops.

const outboxChannel = "switchboard_outbox" // notifications: a channel has new messages

// handover is how long a stopping sender keeps its channel's lease: the
// sender taking the channel over sends its first message at least this
// long after the last one of the stopping sender went out, so no second
// holds messages of both, with 50 ms to spare for the way to the
// provider.
const handover = 1050 * time.Millisecond

// sender sends one channel's messages.
type sender struct {
	cancel context.CancelFunc
	wakeCh chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	retryAt time.Time // when the earliest retry is due (real clock); zero: none
}

func (sd *sender) wake() {
	select {
	case sd.wakeCh <- struct{}{}:
	default: // already woken
	}
}

// retryIn notes that a message is due again after d, and wakes the sender
// to set its timer for it. Only the earliest retry has a timer; later ones
// are found by the next look once it fired, or by the poll.
func (sd *sender) retryIn(d time.Duration) {
	at := time.Now().Add(d)
	sd.mu.Lock()
	if sd.retryAt.IsZero() || at.Before(sd.retryAt) {
		sd.retryAt = at
	}
	sd.mu.Unlock()
	sd.wake()
}

// wake tells the channel's sender, wherever it runs, that messages wait.
func (s *Service) wake(ctx context.Context, channelID string) {
	s.wakeLocal(channelID)
	if n := s.cfg.Notifier; n != nil {
		if err := n.Notify(ctx, outboxChannel, []byte(channelID)); err != nil {
			s.log.Warn("waking the channel's sender", slog.String("channel", channelID), slog.Any("err", err))
		}
	}
}

func (s *Service) wakeLocal(channelID string) {
	s.mu.Lock()
	sd := s.senders[channelID]
	s.mu.Unlock()
	if sd != nil {
		sd.wake()
	}
}

// manage keeps a sender running for each channel whose lease this process
// holds, and stops those it lost or whose channel is gone. Senders stop
// taking messages when ctx ends; sendCtx ends the requests in flight.
func (s *Service) manage(ctx, sendCtx context.Context) {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	defer s.stopSenders(sendCtx)
	checked := map[string]time.Time{} // when each channel's lease was last taken or tried
	for {
		s.manageOnce(ctx, sendCtx, checked)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// What becomes of a stopped sender's lease.
type leaseEnd int

const (
	leaseLost     leaseEnd = iota // another replica holds it: not ours to touch
	leaseReleased                 // the channel is gone
	leaseHanded                   // the service stops: kept for the handover time
)

// manageOnce looks at every channel: a new one's lease is tried at once;
// a lease is renewed, or tried again, a third of its time after the last
// time, so the database is not written for every channel at every poll.
func (s *Service) manageOnce(ctx, sendCtx context.Context, checked map[string]time.Time) {
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("listing channels to send for", slog.Any("err", err))
		}
		return
	}
	live := map[string]bool{}
	for _, ch := range chs {
		live[ch.ID] = true
		if last, ok := checked[ch.ID]; ok && time.Since(last) < s.cfg.LeaseTTL/3 {
			continue
		}
		checked[ch.ID] = time.Now()
		held, err := s.store.TryLease(ctx, "msgsend:"+ch.ID, s.cfg.Owner, s.cfg.Now(), s.cfg.LeaseTTL)
		if err != nil {
			if ctx.Err() != nil {
				return // stopping
			}
			s.log.Warn("sender lease", slog.String("channel", ch.ID), slog.Any("err", err))
			held = false
		}
		s.mu.Lock()
		sd := s.senders[ch.ID]
		s.mu.Unlock()
		switch {
		case held && sd == nil:
			s.startSender(ctx, sendCtx, ch.ID)
		case !held && sd != nil:
			s.stopSender(sendCtx, ch.ID, leaseLost)
		}
	}
	for id := range checked {
		if !live[id] {
			delete(checked, id)
		}
	}
	s.mu.Lock()
	var gone []string
	for id := range s.senders {
		if !live[id] {
			gone = append(gone, id)
		}
	}
	for id := range s.pacers {
		if !live[id] && s.senders[id] == nil {
			delete(s.pacers, id)
		}
	}
	s.mu.Unlock()
	for _, id := range gone {
		s.stopSender(sendCtx, id, leaseReleased)
	}
}

func (s *Service) startSender(ctx, sendCtx context.Context, channelID string) {
	sctx, cancel := context.WithCancel(ctx)
	sd := &sender{cancel: cancel, wakeCh: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	s.senders[channelID] = sd
	s.mu.Unlock()
	go func() {
		defer close(sd.done)
		s.runSender(sctx, sendCtx, channelID, sd)
	}()
}

// stopSender stops a channel's sender, waits for its messages in flight,
// and then lets the lease go as end says. ctx bounds the lease's update.
func (s *Service) stopSender(ctx context.Context, channelID string, end leaseEnd) {
	s.mu.Lock()
	sd := s.senders[channelID]
	delete(s.senders, channelID)
	s.mu.Unlock()
	if sd == nil {
		return
	}
	sd.cancel()
	<-sd.done
	key := "msgsend:" + channelID
	switch end {
	case leaseReleased:
		_ = s.store.ReleaseLease(ctx, key, s.cfg.Owner)
	case leaseHanded:
		// Another replica may take the channel once the handover time is
		// over; a failed update leaves the lease to expire.
		_, _ = s.store.TryLease(ctx, key, s.cfg.Owner, s.cfg.Now(), handover)
	}
}

func (s *Service) stopSenders(ctx context.Context) {
	s.mu.Lock()
	var ids []string
	for id := range s.senders {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { s.stopSender(ctx, id, leaseHanded) })
	}
	wg.Wait()
}

// pacerOf returns the channel's pacer. It outlives the channel's senders,
// so a sender started again in this process (the lease lost and taken
// back, the service restarted) keeps the pace of the one before.
func (s *Service) pacerOf(channelID string) *pacer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pacers[channelID]
	if p == nil {
		p = newPacer(time.Second)
		s.pacers[channelID] = p
	}
	return p
}

// runSender sends a channel's due messages in order: each goes out after
// the one before it, when the channel's pace allows (paceOf), with at most
// the template's MaxConcurrentRequest on their way or waiting for their
// answers. It takes no new message once ctx ends; sendCtx ends the
// requests in flight.
func (s *Service) runSender(ctx, sendCtx context.Context, channelID string, sd *sender) {
	// A message left "sending" was cut off by a crash, a lost lease or a
	// stop whose time ran out; it is sent again (with the same
	// Idempotency-Key).
	if n, err := s.store.RequeueSending(ctx, channelID, s.cfg.Now()); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("requeueing messages cut off while sending", slog.String("channel", channelID), slog.Any("err", err))
		}
	} else if n > 0 {
		s.log.Info("messages cut off while sending are queued again", slog.String("channel", channelID), slog.Int("count", n))
	}
	pace := s.pacerOf(channelID)
	var bind *binder // an SMPP channel's: bound while this sender runs
	defer func() {
		if bind != nil {
			bind.stop() // after the messages in flight (deferred later, run first)
		}
	}()
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	for ctx.Err() == nil {
		ch, res, err := s.channel(ctx, channelID)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("channel for sending", slog.String("channel", channelID), slog.Any("err", err))
			}
			s.idle(ctx, sd, poll.C)
			continue
		}
		var link *smpp.Link
		var setup *smppSetup
		if res.def.Transport == templates.TransportSMPP {
			// Messages wait, queued, while the channel is not bound.
			if bind, err = s.keepBound(ctx, bind, ch, res, sd); err != nil {
				s.idle(ctx, sd, poll.C)
				continue
			}
			if link, setup = bind.bound(); link == nil || !link.Bind().Sends() {
				s.idle(ctx, sd, poll.C)
				continue
			}
		}
		pace.setInterval(paceOf(ch.MessagesPerSecond))
		due, err := s.store.DueOutbound(ctx, channelID, s.cfg.Now(), 100)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("due messages", slog.String("channel", channelID), slog.Any("err", err))
			}
			s.idle(ctx, sd, poll.C)
			continue
		}
		if len(due) == 0 {
			s.idle(ctx, sd, poll.C)
			continue
		}
		for _, m := range due {
			if !s.dispatch(ctx, sendCtx, sd, &delivery{ch: ch, res: res, m: m, pace: pace, link: link, setup: setup}, &inFlight) {
				break
			}
		}
	}
}

// delivery is one message on its way out, and what sending it needs.
type delivery struct {
	ch     *store.Channel
	res    *resolved
	m      *store.Message
	pace   *pacer
	ticket uint64       // the message's place in the channel's order (pacer.take)
	slot   *engine.Slot // the integration's request slot the message holds
	link   *smpp.Link   // an SMPP channel's bind; nil: the template's requests
	setup  *smppSetup   // and the fields it was bound with
}

// dispatch starts sending one message: it waits for one of the
// integration's request slots (the template's MaxConcurrentRequest, the
// one limit every request to the integration goes through), takes the
// message's ticket (its place in the channel's order), marks it sending
// and hands it to a goroutine, which waits for its turn right before it
// goes out. Holding the slot from here to the answer keeps the messages
// marked "sending" to those that can be on their way, and since slots are
// taken in the order of the tickets, a message holding one only ever waits
// for earlier ones that hold theirs. It returns false when the sender
// should look again before going on.
func (s *Service) dispatch(ctx, sendCtx context.Context, sd *sender, d *delivery, inFlight *sync.WaitGroup) bool {
	slot, err := d.res.client.Reserve(ctx)
	if err != nil {
		return false
	}
	m := d.m
	m.Status, m.Attempts, m.UpdatedAt = store.MessageSending, m.Attempts+1, s.cfg.Now()
	if err := s.store.UpdateDelivery(ctx, m); err != nil {
		slot.Release()
		if ctx.Err() == nil {
			s.log.Warn("marking a message sending", slog.String("message", m.ID), slog.Any("err", err))
		}
		return false
	}
	d.slot, d.ticket = slot, d.pace.take()
	inFlight.Go(func() {
		defer slot.Release()
		if wait, retry := s.deliver(ctx, sendCtx, d); retry {
			sd.retryIn(wait)
		}
	})
	return true
}

// paceMargin is how much wider than 1/mps a channel's requests are
// spaced. Any mps+1 of them span at least (1 + paceMargin) s less the
// pacer's catchUp (2 ms), about 1.008 s: a delay on the way to the
// provider (the network, the provider's own scheduling) that varies by
// up to 8 ms cannot make it count one message too many in some second.
// The margin costs as much of the channel's rate, which is why it is not
// wider: a channel set to 100 messages a second sends 99 (with 5%, it
// sent 95). A provider that counts one too many anyway answers "too many
// requests", and the message is sent again shortly.
const paceMargin = 0.01

// paceOf is the spacing of a channel's requests for its messages per
// second.
func paceOf(mps int) time.Duration {
	return time.Duration(float64(time.Second) * (1 + paceMargin) / float64(max(mps, 1)))
}

// idle waits for something to send: a wake-up, the poll, or the earliest
// retry coming due.
func (s *Service) idle(ctx context.Context, sd *sender, poll <-chan time.Time) {
	sd.mu.Lock()
	at := sd.retryAt
	sd.mu.Unlock()
	var retry <-chan time.Time
	if !at.IsZero() {
		t := time.NewTimer(time.Until(at))
		defer t.Stop()
		retry = t.C
	}
	select {
	case <-ctx.Done():
	case <-sd.wakeCh:
	case <-poll:
	case <-retry:
		sd.mu.Lock()
		if sd.retryAt.Equal(at) {
			sd.retryAt = time.Time{}
		}
		sd.mu.Unlock()
	}
}

// deliver sends one message and saves how it went; it returns when a
// message to be tried again is due. A message whose request is out is
// seen through even when the sender stops (ctx), so its outcome is kept;
// one not yet out is queued again. When sendCtx ends (Stop ran out of
// time) nothing is saved: the message stays "sending" and the channel's
// next sender sends it again, with the same Idempotency-Key.
func (s *Service) deliver(ctx, sendCtx context.Context, d *delivery) (retryIn time.Duration, retry bool) {
	ch, res, m, pace, ticket := d.ch, d.res, d.m, d.pace, d.ticket
	out := make(chan struct{}) // closed when the message's first request goes out
	var once sync.Once
	turn := func(reqCtx context.Context) error {
		due, at, err := pace.wait(reqCtx, ctx, ticket)
		if err != nil {
			return err
		}
		once.Do(func() { close(out) })
		// at is the pace's own clock: the moment the spacing counts from;
		// due is when the pace allowed it (what its lateness counts from).
		s.log.Debug("message going out", slog.String("channel", ch.ID), slog.String("message", m.ID),
			slog.Int("attempt", m.Attempts), slog.Time("at", at), slog.Time("due", due))
		return nil
	}
	var id string
	var fail *SendFailure
	requeue := false
	if d.link != nil {
		id, fail, requeue = s.submitSMPP(sendCtx, d.link, d.setup, d, turn)
	} else {
		num, _ := channelNumber(ch, m.Number)
		msg := Outgoing{From: m.Number, NumberID: num.NumberID, To: m.Customer, Text: m.Text, MediaURLs: m.MediaURLs,
			VerifyToken: ch.VerifyToken, IdempotencyKey: "message:" + m.ID, Pace: turn, Slot: d.slot}
		id, _, fail = res.def.Send(sendCtx, res.client, msg, res.vars["WebhookUrl"])
		requeue = fail != nil && ctx.Err() != nil && !isClosed(out)
	}
	pace.done(ticket) // the messages after it need not wait for it any more
	if sendCtx.Err() != nil {
		return 0, false
	}
	now := s.cfg.Now()
	m.UpdatedAt = now
	if requeue {
		// The sender stopped before the message went out, or the SMPP
		// bind ended on its way: it waits, this attempt not counted, for
		// the channel's next sender or bind.
		m.Status, m.Attempts = store.MessageQueued, m.Attempts-1
		if err := s.store.UpdateDelivery(sendCtx, m); err != nil && sendCtx.Err() == nil {
			s.log.Error("queueing a message again", slog.String("message", m.ID), slog.Any("err", err))
		}
		return 0, false
	}
	switch {
	case fail == nil:
		m.Status, m.ProviderID, m.SentAt, m.Error, m.NextAttemptAt = store.MessageSent, id, now, "", time.Time{}
	case fail.Temporary() && m.Attempts < s.cfg.MaxAttempts:
		retryIn = min(s.cfg.RetryWait<<(m.Attempts-1), 5*time.Minute)
		m.Status, m.Error, m.NextAttemptAt = store.MessageQueued, fail.Message, now.Add(retryIn)
	default:
		m.Status, m.Error = store.MessageFailed, fail.Message
		if fail.Temporary() {
			m.Error = fmt.Sprintf("%s (gave up after %d attempts)", fail.Message, m.Attempts)
		}
		s.smppSent.Delete(m.ID) // a long message's parts that went out: never sent again
	}
	// Refused credentials mark the channel before the message's failure is
	// saved: whoever sees the message failed sees the channel's status
	// with it.
	if fail != nil && fail.Kind == "auth" {
		s.setStatus(sendCtx, ch.ID, StatusUnauthorized, fail.Message)
	}
	if err := s.store.UpdateDelivery(sendCtx, m); err != nil {
		if sendCtx.Err() == nil {
			s.log.Error("saving a message's delivery", slog.String("message", m.ID), slog.Any("err", err))
		}
		return 0, false
	}
	outcome := m.Status
	if outcome == store.MessageQueued {
		outcome = "retrying"
	}
	s.cfg.Count(ch.ID, "out", outcome)
	if fail != nil {
		s.log.Warn("message not sent", slog.String("channel", ch.ID), slog.String("message", m.ID),
			slog.String("kind", fail.Kind), slog.String("reason", fail.Message))
	}
	if ses, err := s.store.GetSession(sendCtx, m.SessionID); err == nil {
		s.publish(sendCtx, EventMessageStatus, s.audience(sendCtx, ses), ViewMessage(m))
	}
	return retryIn, m.Status == store.MessageQueued
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// setStatus records a channel's status on its integration.
func (s *Service) setStatus(ctx context.Context, channelID, status, reason string) {
	in, err := s.store.GetIntegration(ctx, channelID)
	if err != nil {
		return
	}
	if in.Status == status && in.StatusReason == reason {
		return
	}
	in.Status, in.StatusReason, in.UpdatedAt = status, reason, s.cfg.Now()
	if err := s.store.SetConnectionState(ctx, in.ID, in.ConnectionState()); err != nil {
		s.log.Warn("saving a channel's status", slog.String("channel", channelID), slog.Any("err", err))
	}
}

// Verify checks a channel's connection through each of its numbers and
// records the status: connected when every number answers as it should,
// else the first problem.
func (s *Service) Verify(ctx context.Context, ch *store.Channel) (status, reason string, err error) {
	return s.verify(ctx, ch, true)
}

// verify checks a channel's connection. An SMPP channel's is its bind:
// when probe is not set and this process does not bind it, its status is
// left to the replica that does.
func (s *Service) verify(ctx context.Context, ch *store.Channel, probe bool) (status, reason string, err error) {
	res, err := s.resolve(ctx, ch)
	if err != nil {
		return "", "", err
	}
	if res.def.Transport == templates.TransportSMPP {
		if status, reason = s.verifySMPP(ctx, ch, res, probe); status != "" {
			s.setStatus(ctx, ch.ID, status, reason)
		}
		return status, reason, nil
	}
	status = StatusConnected
	numbers := ch.Numbers
	if len(numbers) == 0 {
		numbers = []store.ChannelNumber{{}}
	}
	for _, n := range numbers {
		st, why, _ := res.def.Verify(ctx, res.client, n.Number, n.NumberID)
		if st != StatusConnected {
			status, reason = st, why
			if n.Number != "" {
				reason = n.Number + ": " + why
			}
			break
		}
	}
	s.setStatus(ctx, ch.ID, status, reason)
	return status, reason, nil
}

// CloseIdle closes, on every channel, the sessions idle for longer than the
// channel allows: its template's fixed time (WhatsApp: 24 hours) or its
// own number of days.
func (s *Service) CloseIdle(ctx context.Context) {
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		return
	}
	for _, ch := range chs {
		res, err := s.resolve(ctx, ch)
		if err != nil {
			continue
		}
		idle := res.def.Rules.AutoClose
		if idle == 0 && ch.AutoCloseDays > 0 {
			idle = time.Duration(ch.AutoCloseDays) * 24 * time.Hour
		}
		if idle == 0 {
			continue
		}
		now := s.cfg.Now()
		closed, err := s.store.CloseIdleSessions(ctx, ch.ID, now.Add(-idle), now)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				s.log.Warn("closing idle sessions", slog.String("channel", ch.ID), slog.Any("err", err))
			}
			continue
		}
		for _, ses := range closed {
			s.publish(ctx, EventSessionUpdated, s.audience(ctx, ses), s.View(ctx, ses))
		}
	}
}
