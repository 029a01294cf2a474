package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/switchboard/switchboard/store"
)

// Each channel's queued messages are sent by one process at a time — the
// one holding the channel's sender lease — in order, at the channel's
// messages per second. One sender per channel makes the rate hold across
// replicas without coordinating every message through the database; the
// lease moves to another replica when its holder stops renewing it.

const outboxChannel = "switchboard_outbox" // notifications: a channel has new messages

// sender sends one channel's messages.
type sender struct {
	cancel context.CancelFunc
	wakeCh chan struct{}
	done   chan struct{}
}

// Start begins sending for the channels this process gets the lease of,
// closing idle sessions, and checking channels' connections.
func (s *Service) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.stop = cancel
	s.mu.Unlock()
	s.done.Add(2)
	go func() {
		defer s.done.Done()
		s.manage(ctx)
	}()
	go func() {
		defer s.done.Done()
		s.sweep(ctx)
	}()
	if n := s.cfg.Notifier; n != nil {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			n.Listen(ctx, outboxChannel, func() {}, func(payload []byte) { s.wakeLocal(string(payload)) })
		}()
	}
}

// Stop stops sending; messages being sent are finished first.
func (s *Service) Stop() {
	s.mu.Lock()
	stop := s.stop
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.done.Wait()
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
	if sd == nil {
		return
	}
	select {
	case sd.wakeCh <- struct{}{}:
	default: // already woken
	}
}

// manage keeps a sender running for each channel whose lease this process
// holds, and stops those it lost or whose channel is gone.
func (s *Service) manage(ctx context.Context) {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	defer s.stopSenders()
	checked := map[string]time.Time{} // when each channel's lease was last taken or tried
	for {
		s.manageOnce(ctx, checked)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// manageOnce looks at every channel: a new one's lease is tried at once;
// a lease is renewed, or tried again, a third of its time after the last
// time, so the database is not written for every channel at every poll.
func (s *Service) manageOnce(ctx context.Context, checked map[string]time.Time) {
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
			s.log.Warn("sender lease", slog.String("channel", ch.ID), slog.Any("err", err))
			held = false
		}
		s.mu.Lock()
		sd := s.senders[ch.ID]
		s.mu.Unlock()
		switch {
		case held && sd == nil:
			s.startSender(ctx, ch.ID)
		case !held && sd != nil:
			s.stopSender(ch.ID)
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
	s.mu.Unlock()
	for _, id := range gone {
		s.stopSender(id)
	}
}

func (s *Service) startSender(ctx context.Context, channelID string) {
	sctx, cancel := context.WithCancel(ctx)
	sd := &sender{cancel: cancel, wakeCh: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	s.senders[channelID] = sd
	s.mu.Unlock()
	go func() {
		defer close(sd.done)
		s.runSender(sctx, channelID, sd.wakeCh)
	}()
}

func (s *Service) stopSender(channelID string) {
	s.mu.Lock()
	sd := s.senders[channelID]
	delete(s.senders, channelID)
	s.mu.Unlock()
	if sd != nil {
		sd.cancel()
		<-sd.done
		// Another replica may take the channel now.
		_ = s.store.ReleaseLease(context.Background(), "msgsend:"+channelID, s.cfg.Owner)
	}
}

func (s *Service) stopSenders() {
	s.mu.Lock()
	var ids []string
	for id := range s.senders {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.stopSender(id)
	}
}

// runSender sends a channel's due messages in order. Each send starts when
// the channel's rate allows and a request slot is free (at most the
// template's MaxConcurrentRequest in flight), so the provider never gets
// more than messagesPerSecond requests in any second from this channel.
func (s *Service) runSender(ctx context.Context, channelID string, wake <-chan struct{}) {
	// A message left "sending" was cut off by a crash or a lost lease; it
	// is sent again (with the same Idempotency-Key).
	if n, err := s.store.RequeueSending(ctx, channelID, s.cfg.Now()); err != nil {
		s.log.Warn("requeueing messages cut off while sending", slog.String("channel", channelID), slog.Any("err", err))
	} else if n > 0 {
		s.log.Info("messages cut off while sending are queued again", slog.String("channel", channelID), slog.Int("count", n))
	}
	var limiter *rate.Limiter
	var slots *semaphore.Weighted
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
			s.idle(ctx, wake, poll.C)
			continue
		}
		pace := paceOf(ch.MessagesPerSecond)
		if limiter == nil {
			limiter = rate.NewLimiter(pace, 1)
			slots = semaphore.NewWeighted(int64(res.Def.Template.Source.MaxConcurrentRequest()))
		} else if limiter.Limit() != pace {
			limiter.SetLimit(pace)
		}
		due, err := s.store.DueOutbound(ctx, channelID, s.cfg.Now(), 100)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("due messages", slog.String("channel", channelID), slog.Any("err", err))
			}
			s.idle(ctx, wake, poll.C)
			continue
		}
		if len(due) == 0 {
			s.idle(ctx, wake, poll.C)
			continue
		}
		for _, m := range due {
			if err := slots.Acquire(ctx, 1); err != nil {
				return
			}
			m.Status, m.Attempts, m.UpdatedAt = store.MessageSending, m.Attempts+1, s.cfg.Now()
			if err := s.store.UpdateDelivery(ctx, m); err != nil {
				slots.Release(1)
				s.log.Warn("marking a message sending", slog.String("message", m.ID), slog.Any("err", err))
				break
			}
			// The rate's turn comes last, so that nothing but starting the
			// request lies between it and the provider.
			if err := limiter.Wait(ctx); err != nil {
				slots.Release(1)
				return // the message stays "sending"; the next sender sends it
			}
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				defer slots.Release(1)
				s.deliver(ch, res, m)
			}()
		}
	}
}

// paceOf is the limiter's rate for a channel's messages per second. Sends
// are spaced 5% wider than 1/mps, so that any mps+1 of them span 1.05 s:
// a delay of up to 50 ms on the way to the provider (scheduling, the
// network) cannot make it count one message too many in some second.
// Spaced exactly, the (mps+1)th send would be due at the very end of the
// first send's second, and any jitter would put it inside.
func paceOf(mps int) rate.Limit {
	return rate.Limit(float64(max(mps, 1)) / 1.05)
}

func (s *Service) idle(ctx context.Context, wake <-chan struct{}, poll <-chan time.Time) {
	select {
	case <-ctx.Done():
	case <-wake:
	case <-poll:
	}
}

// deliver sends one message and saves how it went. It finishes even when
// the sender is stopping: the request is out, and its outcome must be
// kept.
func (s *Service) deliver(ch *store.Channel, res *Resolved, m *store.Message) {
	ctx := context.Background()
	num, _ := channelNumber(ch, m.Number)
	out := Outgoing{From: m.Number, NumberID: num.NumberID, To: m.Customer, Text: m.Text, MediaURLs: m.MediaURLs, IdempotencyKey: "message:" + m.ID}
	id, _, fail := res.Def.Send(ctx, res.Client, out, s.WebhookURL(ch))
	now := s.cfg.Now()
	m.UpdatedAt = now
	switch {
	case fail == nil:
		m.Status, m.ProviderID, m.SentAt, m.Error, m.NextAttemptAt = store.MessageSent, id, now, "", time.Time{}
	case fail.Temporary() && m.Attempts < s.cfg.MaxAttempts:
		wait := min(s.cfg.RetryWait<<(m.Attempts-1), 5*time.Minute)
		m.Status, m.Error, m.NextAttemptAt = store.MessageQueued, fail.Message, now.Add(wait)
	default:
		m.Status, m.Error = store.MessageFailed, fail.Message
		if fail.Temporary() {
			m.Error = fmt.Sprintf("%s (gave up after %d attempts)", fail.Message, m.Attempts)
		}
	}
	if err := s.store.UpdateDelivery(ctx, m); err != nil {
		s.log.Error("saving a message's delivery", slog.String("message", m.ID), slog.Any("err", err))
		return
	}
	outcome := m.Status
	if outcome == store.MessageQueued {
		outcome = "retrying"
	}
	s.cfg.Count(ch.ID, "out", outcome)
	if fail != nil {
		s.log.Warn("message not sent", slog.String("channel", ch.ID), slog.String("message", m.ID),
			slog.String("kind", fail.Kind), slog.String("reason", fail.Message))
		if fail.Kind == "auth" {
			s.setStatus(ctx, ch.ID, StatusUnauthorized, fail.Message)
		}
	}
	if ses, err := s.store.GetSession(ctx, m.SessionID); err == nil {
		s.publish(ctx, EventMessageStatus, s.audience(ctx, ses), ViewMessage(m))
	}
	if m.Status == store.MessageQueued {
		// Wake the sender when the retry is due.
		time.AfterFunc(time.Until(m.NextAttemptAt), func() { s.wakeLocal(ch.ID) })
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
	if err := s.store.UpdateIntegration(ctx, in); err != nil {
		s.log.Warn("saving a channel's status", slog.String("channel", channelID), slog.Any("err", err))
	}
}

// Verify checks a channel's connection through each of its numbers and
// records the status: connected when every number answers as it should,
// else the first problem.
func (s *Service) Verify(ctx context.Context, ch *store.Channel) (status, reason string, err error) {
	res, err := s.cfg.Runtime.Resolve(ctx, ch)
	if err != nil {
		return "", "", err
	}
	status = StatusConnected
	numbers := ch.Numbers
	if len(numbers) == 0 {
		numbers = []store.ChannelNumber{{}}
	}
	for _, n := range numbers {
		st, why, _ := res.Def.Verify(ctx, res.Client, n.Number, n.NumberID)
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

// sweep closes idle sessions and checks channels' connections, on one
// replica at a time.
func (s *Service) sweep(ctx context.Context) {
	tick := time.NewTicker(s.cfg.SweepInterval)
	defer tick.Stop()
	lastVerify := s.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		held, err := s.store.TryLease(ctx, "msgsweep", s.cfg.Owner, s.cfg.Now(), 2*s.cfg.SweepInterval)
		if err != nil || !held {
			continue
		}
		s.CloseIdle(ctx)
		if s.cfg.VerifyInterval > 0 && s.cfg.Now().Sub(lastVerify) >= s.cfg.VerifyInterval {
			lastVerify = s.cfg.Now()
			chs, err := s.store.ListChannels(ctx)
			if err != nil {
				continue
			}
			for _, ch := range chs {
				if _, _, err := s.Verify(ctx, ch); err != nil && ctx.Err() == nil {
					s.log.Warn("checking a channel", slog.String("channel", ch.ID), slog.Any("err", err))
				}
			}
		}
	}
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
		res, err := s.cfg.Runtime.Resolve(ctx, ch)
		if err != nil {
			continue
		}
		idle := res.Def.Rules.AutoClose
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
			s.publish(ctx, EventSessionUpdated, s.audience(ctx, ses), ViewSession(ses))
		}
	}
}
