package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// WebhookAnswer is what a provider gets back for its webhook.
type WebhookAnswer struct {
	Status      int
	ContentType string
	Body        string
}

// hookEntry is what a webhook URL's channel was read as (the channel and
// its definition, client and variables) under the channel's stamp. It is
// shared by the webhooks that come while the stamp stays the same: read
// only.
type hookEntry struct {
	stamp string
	ch    *store.Channel
	res   *resolved
}

// channelByKey finds the channel a webhook URL names. Reading a channel
// and what it needs (its numbers, its integration, its template) takes
// several reads of the store, and on SQLite every read waits for the one
// connection that also stores the messages; every webhook of a channel
// would read the same. So the channel is read once per stamp
// (store.ChannelStamp, one read, which changes whenever any of it does),
// and a webhook that finds the stamp unchanged uses what was read under
// it: the same as reading it all again, also when another replica made
// the change. Webhooks arriving together share one read of the stamp.
func (s *Service) channelByKey(ctx context.Context, key string) (*store.Channel, *resolved, error) {
	stamp, err := s.stamps.get(ctx, key, func(ctx context.Context) (string, error) { return s.store.ChannelStamp(ctx, key) })
	if errors.Is(err, store.ErrNotFound) {
		s.hooks.Delete(key)
		return nil, nil, problem(KindNotFound, "no channel has this webhook URL")
	}
	if err != nil {
		return nil, nil, err
	}
	if e, ok := s.hooks.Load(key); ok && e.(hookEntry).stamp == stamp {
		return e.(hookEntry).ch, e.(hookEntry).res, nil
	}
	ch, err := s.store.ChannelByWebhookKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, problem(KindNotFound, "no channel has this webhook URL")
	}
	if err != nil {
		return nil, nil, err
	}
	res, err := s.resolve(ctx, ch)
	if err != nil {
		return nil, nil, err
	}
	// Read after the stamp, the channel is as new as the stamp or newer:
	// a change in between makes the next webhook read it again.
	s.hooks.Store(key, hookEntry{stamp: stamp, ch: ch, res: res})
	return ch, res, nil
}

// TakesGet reports whether a channel's webhooks come by GET with their
// data in the URL's query (BodyType query), so that a GET to its webhook
// is a webhook (HandleWebhook) rather than a handshake.
func (s *Service) TakesGet(ctx context.Context, key string) (bool, error) {
	_, res, err := s.channelByKey(ctx, key)
	if err != nil {
		return false, err
	}
	return res.def.QueryData() && res.def.Webhook.ChallengeParam == "", nil
}

// Handshake answers a provider's GET to the webhook (WhatsApp's
// hub.challenge) with the challenge, when it carries the channel's token.
func (s *Service) Handshake(ctx context.Context, key string, query url.Values) (string, error) {
	ch, res, err := s.channelByKey(ctx, key)
	if err != nil {
		return "", err
	}
	challenge, err := res.def.Handshake(query, res.vars)
	if errors.Is(err, ErrNotChallenge) {
		s.log.Warn("webhook handshake refused", slog.String("channel", ch.ID), slog.String("reason", err.Error()))
		return "", problem(KindNotChallenge, "%v", err)
	}
	return challenge, err
}

// HandleWebhook takes a provider's webhook: it checks the signature over
// the raw body, stores each message it brings (once per provider id, in
// the customer's session) and applies its delivery reports, all before the
// answer, so an acknowledged message is never lost.
//
// The body is read from body only once the key names a channel, so a
// stranger's upload to a made-up URL costs a lookup, not a read.
func (s *Service) HandleWebhook(ctx context.Context, key string, r WebhookRequest, body io.Reader) (WebhookAnswer, error) {
	ch, res, err := s.channelByKey(ctx, key)
	if err != nil {
		return WebhookAnswer{}, err
	}
	if res.def.Transport == templates.TransportSMPP {
		return WebhookAnswer{}, problem(KindNotFound, "no channel has this webhook URL")
	}
	if r.Body, err = io.ReadAll(body); err != nil {
		return WebhookAnswer{}, fmt.Errorf("reading the webhook: %w", err)
	}
	if res.def.QueryData() {
		// The data are the URL's query (VoIP.ms's SMS URL callback); the
		// body, if any, is not read as data.
		u, err := url.Parse(r.URL)
		if err != nil {
			return WebhookAnswer{}, problem(KindInvalid, "the webhook's URL cannot be read: %v", err)
		}
		r.Body = []byte(u.RawQuery)
	}
	if err := res.def.VerifyWebhook(r, res.vars, s.cfg.Now()); err != nil {
		s.log.Warn("webhook refused", slog.String("channel", ch.ID), slog.String("reason", err.Error()))
		s.cfg.Count(ch.ID, "webhook", "bad_signature")
		if errors.Is(err, ErrBadSignature) {
			return WebhookAnswer{}, problem(KindBadSignature, "%v", err)
		}
		return WebhookAnswer{}, err
	}
	parsed, err := res.def.Parse(r.Body, res.vars)
	if err != nil {
		s.cfg.Count(ch.ID, "webhook", "unreadable")
		return WebhookAnswer{}, problem(KindInvalid, "the webhook cannot be read: %v", err)
	}
	for _, w := range parsed.Warnings {
		s.log.Warn("webhook message read with its plain outputs", slog.String("channel", ch.ID), slog.String("reason", w))
	}
	s.cfg.Count(ch.ID, "webhook", "accepted")
	for _, m := range parsed.Messages {
		if err := s.receiveWhole(ctx, ch, res, m); err != nil {
			return WebhookAnswer{}, err
		}
	}
	for _, rep := range parsed.Reports {
		if err := s.report(ctx, ch, rep); err != nil {
			return WebhookAnswer{}, err
		}
	}
	status, ct, answer := res.def.Answer(res.vars)
	return WebhookAnswer{Status: status, ContentType: ct, Body: answer}, nil
}

// receiveWhole receives a webhook's message, or, when it is a part of one
// that comes in several webhooks, the message its parts make: it returns
// once that is stored (assemble.go).
func (s *Service) receiveWhole(ctx context.Context, ch *store.Channel, res *resolved, m Inbound) error {
	if m.MergeKey == "" {
		return s.receive(ctx, ch, res, m)
	}
	key := "webhook\x00" + ch.ID + "\x00" + m.MergeKey
	if !m.AwaitsPart && !s.parts.pending(key) {
		return s.receive(ctx, ch, res, m)
	}
	// A part that waits opens the message (of two parts: itself and the
	// next with its key); any other part with the key completes it.
	n := 2
	if m.AwaitsPart {
		n = 1
	}
	return s.parts.join(ctx, m, part{key: key, n: n, want: 2, window: res.def.format.window, merge: mergeWebhookParts,
		keep: func(ctx context.Context, whole Inbound) error { return s.receive(ctx, ch, res, whole) },
		held: func() { s.cfg.Count(ch.ID, "in", "held") }})
}

// receive stores one inbound message and does what it asks: keywords.
func (s *Service) receive(ctx context.Context, ch *store.Channel, res *resolved, in Inbound) error {
	num, ok := s.numberFor(ch, in)
	if !ok {
		// Acknowledged (the provider would only send it again) but kept
		// where an administrator finds it, and counted.
		to := in.To
		if to == "" {
			to = in.NumberID
		}
		reason := fmt.Sprintf("the channel has no number %q", to)
		s.log.Warn("inbound message for a number the channel does not have; kept as a dead letter",
			slog.String("channel", ch.ID), slog.String("to", in.To), slog.String("numberId", in.NumberID))
		s.cfg.Count(ch.ID, "in", "unknown_number")
		payload, _ := json.Marshal(in) // plain values always marshal
		if err := s.store.AddDeadLetter(ctx, store.DeadLetter{ID: store.NewID("dl"), ChannelID: ch.ID, Reason: reason,
			Payload: payload, CreatedAt: s.cfg.Now()}); err != nil {
			return fmt.Errorf("keeping a message for an unknown number: %w", err)
		}
		return nil
	}
	now := s.cfg.Now()
	customer := NormalizeAddress(in.From)
	result, err := s.receiveInbound(ctx, store.Inbound{ChannelID: ch.ID, ProviderID: in.ProviderID, Number: num.Number,
		Customer: customer, Route: routeOf(num), Now: now,
		Message: &store.Message{ID: store.NewID("msg"), Text: in.Text, MediaURLs: in.MediaURLs, CreatedAt: now}})
	if err != nil {
		return fmt.Errorf("storing the inbound message: %w", err)
	}
	if result.Duplicate {
		s.cfg.Count(ch.ID, "in", "duplicate")
		return nil // delivered before: stored then
	}
	s.cfg.Count(ch.ID, "in", store.MessageReceived)
	to := s.audience(ctx, result.Session)
	if result.Created {
		s.publish(ctx, EventSessionCreated, to, s.View(ctx, result.Session))
	}
	s.publish(ctx, EventMessageCreated, to, ViewMessage(result.Message))
	if res.def.Rules.OptOutKeywords {
		return s.keyword(ctx, ch, res, result.Session, ClassifyKeyword(in.Text))
	}
	return nil
}

// numberFor is the channel number a message came to: by the provider's id
// of the number when it gives one, else by the number itself; a channel
// with one number takes what does not say.
func (s *Service) numberFor(ch *store.Channel, in Inbound) (store.ChannelNumber, bool) {
	if in.NumberID != "" {
		for _, n := range ch.Numbers {
			if n.NumberID != "" && n.NumberID == in.NumberID {
				return n, true
			}
		}
	}
	if n, ok := channelNumber(ch, in.To); ok {
		return n, true
	}
	if in.To == "" && in.NumberID == "" && len(ch.Numbers) == 1 {
		return ch.Numbers[0], true
	}
	return store.ChannelNumber{}, false
}

// keyword acts on a compliance keyword: STOP blocks further messages to
// the customer on the number, START lifts that, HELP gets its answer. The
// answers are system messages (they cannot be deleted).
func (s *Service) keyword(ctx context.Context, ch *store.Channel, res *resolved, ses *store.Session, k Keyword) error {
	if k == NoKeyword {
		return nil
	}
	now := s.cfg.Now()
	switch k {
	case OptOut:
		if err := s.store.SetOptOut(ctx, ch.ID, ses.Number, ses.Customer, true, now); err != nil {
			return err
		}
	case OptIn:
		out, err := s.store.OptedOut(ctx, ch.ID, ses.Number, ses.Customer)
		if err != nil || !out {
			return err // START from a customer who never stopped is a message, no more
		}
		if err := s.store.SetOptOut(ctx, ch.ID, ses.Number, ses.Customer, false, now); err != nil {
			return err
		}
	}
	if !res.def.Rules.KeywordReplies {
		return nil
	}
	m := &store.Message{ID: store.NewID("msg"), SessionID: ses.ID, ChannelID: ch.ID, Number: ses.Number, Customer: ses.Customer,
		Direction: store.DirectionSystem, Text: ParseSettings(ch.Settings).KeywordReplies.Reply(k), MediaURLs: []string{}, Status: store.MessageQueued, CreatedAt: now}
	if err := s.store.QueueOutbound(ctx, m); err != nil {
		return err
	}
	s.publish(ctx, EventMessageCreated, s.audience(ctx, ses), ViewMessage(m))
	s.wake(ctx, ch.ID)
	return nil
}

// report applies a delivery report. A provider quick to report can do so
// before the sender has saved the message's provider id, so an unknown id
// is looked for again for a moment.
func (s *Service) report(ctx context.Context, ch *store.Channel, rep Report) error {
	status := map[string]string{"sent": store.MessageSent, "delivered": store.MessageDelivered, "read": store.MessageRead, "failed": store.MessageFailed}[rep.Status]
	errText := rep.ErrorMessage
	if rep.ErrorCode != "" {
		errText = fmt.Sprintf("the provider reports %s (%s)", rep.ProviderText, rep.ErrorCode)
		if rep.ErrorMessage != "" {
			errText = fmt.Sprintf("the provider reports %s (%s: %s)", rep.ProviderText, rep.ErrorCode, rep.ErrorMessage)
		}
	}
	for attempt := 0; ; attempt++ {
		m, err := s.store.ApplyReport(ctx, ch.ID, rep.ProviderID, status, errText, s.cfg.Now())
		if errors.Is(err, store.ErrNotFound) && attempt < 5 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if errors.Is(err, store.ErrNotFound) {
			s.log.Info("delivery report for an unknown message; dropped", slog.String("channel", ch.ID), slog.String("providerId", rep.ProviderID))
			return nil
		}
		if err != nil {
			return err
		}
		if ses, err := s.store.GetSession(ctx, m.SessionID); err == nil {
			s.publish(ctx, EventMessageStatus, s.audience(ctx, ses), ViewMessage(m))
		}
		return nil
	}
}
