package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/store"
)

// ChannelSettings are a channel's own choices, kept as JSON.
type ChannelSettings struct {
	KeywordReplies KeywordReplies `json:"keywordReplies"`
}

// ParseSettings reads a channel's settings; what does not parse is left at
// its defaults (the API checks settings before they are stored).
func ParseSettings(b []byte) ChannelSettings {
	var c ChannelSettings
	_ = json.Unmarshal(b, &c)
	return c
}

// Session returns a session the actor may see.
func (s *Service) Session(ctx context.Context, a Actor, id string) (*store.Session, error) {
	ses, err := s.store.GetSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem(KindNotFound, "no session %s", id)
	}
	if err != nil {
		return nil, err
	}
	if a.Admin {
		return ses, nil
	}
	if ses.Assignee == a.Extension && !ses.Removed {
		return ses, nil
	}
	if ses.Assignee == "" && ses.QueueID != "" && !ses.Removed {
		qs, err := s.queuesOf(ctx, a.Extension)
		if err != nil {
			return nil, err
		}
		if slices.Contains(qs, ses.QueueID) {
			return ses, nil
		}
	}
	// Not found rather than forbidden: an agent learns nothing of others'
	// conversations, not even that they exist.
	return nil, problem(KindNotFound, "no session %s", id)
}

// answerable checks that the actor answers the session: it was taken over
// by (or routed to) the agent. Admins answer any.
func answerable(a Actor, ses *store.Session) error {
	if a.Admin || ses.Assignee == a.Extension {
		return nil
	}
	if ses.Assignee == "" {
		return problem(KindConflict, "the session waits in a queue; take it over first")
	}
	return problem(KindForbidden, "extension %s answers this session", ses.Assignee)
}

func changeProblem(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrSessionClosed):
		return problem(KindClosed, "the session is closed; %s", what)
	case errors.Is(err, store.ErrConflict):
		return problem(KindConflict, "%v", err)
	case errors.Is(err, store.ErrNotFound):
		return problem(KindNotFound, "%v", err)
	}
	return err
}

// Send queues an agent's message in a session.
func (s *Service) Send(ctx context.Context, a Actor, sessionID, text string, media []string) (*store.Message, error) {
	ses, err := s.Session(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	if err := answerable(a, ses); err != nil {
		return nil, err
	}
	if ses.State == store.SessionClosed {
		return nil, problem(KindClosed, "the session is closed: nothing more is sent in it; the customer's next message opens a new one")
	}
	ch, res, err := s.channel(ctx, ses.ChannelID)
	if err != nil {
		return nil, err
	}
	m := &store.Message{ID: store.NewID("msg"), SessionID: ses.ID, ChannelID: ses.ChannelID, Number: ses.Number, Customer: ses.Customer,
		Direction: store.DirectionOut, Author: a.name(), Text: text, MediaURLs: clean(media), Status: store.MessageQueued}
	if err := s.mayMessage(ctx, ch, res, m); err != nil {
		return nil, err
	}
	if end, ok := replyWindowEnd(res.def, ses); ok && s.cfg.Now().After(end) {
		w := res.def.Rules.ReplyWindow
		return nil, problem(KindOutsideWindow, "the customer's last message is more than %s old; %s only allows replies within %s of it",
			w, kindName(res.def), w)
	}
	m.CreatedAt = s.cfg.Now()
	if err := s.store.QueueOutbound(ctx, m); err != nil {
		return nil, changeProblem(err, "nothing more is sent in it")
	}
	s.publish(ctx, EventMessageCreated, s.audience(ctx, ses), ViewMessage(m))
	s.wake(ctx, ch.ID)
	return m, nil
}

func kindName(d *Definition) string {
	return d.Template.Source.Name
}

func clean(media []string) []string {
	out := []string{}
	for _, u := range media {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// mayMessage checks what every outbound message needs: a text the channel
// carries, and a customer who has not opted out on the number.
func (s *Service) mayMessage(ctx context.Context, ch *store.Channel, res *resolved, m *store.Message) error {
	if err := res.def.CheckText(m.Text, m.MediaURLs); err != nil {
		return problem(KindInvalid, "%v", err)
	}
	for _, u := range m.MediaURLs {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return problem(KindInvalid, "media URL %q is not an http(s) URL the provider can fetch", u)
		}
	}
	if res.def.Rules.OptOutKeywords {
		out, err := s.store.OptedOut(ctx, ch.ID, m.Number, m.Customer)
		if err != nil {
			return err
		}
		if out {
			return problem(KindOptedOut, "%s replied STOP on %s: no message can be sent to them from this number until they reply START", m.Customer, m.Number)
		}
	}
	return nil
}

func (s *Service) channel(ctx context.Context, id string) (*store.Channel, *resolved, error) {
	ch, err := s.store.GetChannel(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, problem(KindConflict, "the session's channel was deleted")
	}
	if err != nil {
		return nil, nil, err
	}
	res, err := s.resolve(ctx, ch)
	return ch, res, err
}

// NewSession is a session an agent starts, with its first message.
type NewSession struct {
	// ChannelID chooses the channel when two hold Number; "": the one
	// that does.
	ChannelID string
	Number    string // the channel number it is sent from
	To        string // the customer, E.164
	Text      string
	MediaURLs []string
}

// StartSession opens a session an agent begins (SMS only), with its first
// message. The channel is the one holding the number.
func (s *Service) StartSession(ctx context.Context, a Actor, req NewSession) (*store.Session, *store.Message, error) {
	if a.Extension == "" {
		return nil, nil, problem(KindForbidden, "sessions are started by agents, from their extension")
	}
	to, text, media := req.To, req.Text, req.MediaURLs
	if err := CheckE164(to); err != nil {
		return nil, nil, problem(KindInvalid, "to: %v", err)
	}
	ch, num, err := s.numberOf(ctx, req.ChannelID, req.Number)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.resolve(ctx, ch)
	if err != nil {
		return nil, nil, err
	}
	if !res.def.Rules.AgentInitiated {
		return nil, nil, problem(KindForbidden, "%s channels only answer customers; agents cannot start sessions on %s", kindName(res.def), num.Number)
	}
	if !slices.Contains(num.AllowedExtensions, a.Extension) {
		return nil, nil, problem(KindForbidden, "extension %s may not start sessions from %s", a.Extension, num.Number)
	}
	m := &store.Message{ID: store.NewID("msg"), ChannelID: ch.ID, Number: num.Number, Customer: to, Direction: store.DirectionOut,
		Author: a.Extension, Text: text, MediaURLs: clean(media), Status: store.MessageQueued}
	if err := s.mayMessage(ctx, ch, res, m); err != nil {
		return nil, nil, err
	}
	now := s.cfg.Now()
	m.CreatedAt = now
	ses := &store.Session{ID: store.NewID("ses"), ChannelID: ch.ID, Number: num.Number, Customer: to, State: store.SessionOpen,
		Assignee: a.Extension, CreatedAt: now, UpdatedAt: now, LastMessageAt: now}
	got, err := s.store.OpenSession(ctx, ses, m, &store.SessionEvent{Type: store.EventCreated, Actor: a.Extension,
		Detail: map[string]string{"customer": to, "extension": a.Extension, "by": "agent"}, At: now})
	if errors.Is(err, store.ErrConflict) {
		if got != nil && got.Assignee == a.Extension {
			// The agent already talks with the customer: continue there.
			m, err := s.Send(ctx, a, got.ID, text, media)
			return got, m, err
		}
		who := "waits in a queue"
		if got != nil && got.Assignee != "" {
			who = "is answered by extension " + got.Assignee
		}
		return nil, nil, problem(KindConflict, "%s already has a session on %s, which %s", to, num.Number, who)
	}
	if err != nil {
		return nil, nil, err
	}
	s.publish(ctx, EventSessionCreated, []string{a.Extension}, s.View(ctx, got))
	s.publish(ctx, EventMessageCreated, []string{a.Extension}, ViewMessage(m))
	s.wake(ctx, ch.ID)
	return got, m, nil
}

// numberOf finds the channel holding a number.
func (s *Service) numberOf(ctx context.Context, channelID, number string) (*store.Channel, store.ChannelNumber, error) {
	var found []*store.Channel
	if channelID != "" {
		ch, err := s.store.GetChannel(ctx, channelID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, store.ChannelNumber{}, problem(KindNotFound, "no channel %s", channelID)
		}
		if err != nil {
			return nil, store.ChannelNumber{}, err
		}
		found = []*store.Channel{ch}
	} else {
		all, err := s.store.ListChannels(ctx)
		if err != nil {
			return nil, store.ChannelNumber{}, err
		}
		found = all
	}
	var hits []*store.Channel
	for _, ch := range found {
		if _, ok := channelNumber(ch, number); ok {
			hits = append(hits, ch)
		}
	}
	switch len(hits) {
	case 0:
		return nil, store.ChannelNumber{}, problem(KindNotFound, "no channel has the number %s", number)
	case 1:
		n, _ := channelNumber(hits[0], number)
		return hits[0], n, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return nil, store.ChannelNumber{}, problem(KindInvalid, "%s belongs to channels %s; say which with channelId", number, strings.Join(ids, ", "))
}

// TakeOver makes an agent of the queue the one who answers a session
// offered there. Of agents racing for it, one wins; the others get a
// conflict naming the winner.
func (s *Service) TakeOver(ctx context.Context, a Actor, id string) (*store.Session, error) {
	ses, err := s.Session(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if a.Extension == "" {
		return nil, problem(KindForbidden, "a session is taken over by an agent, from their extension")
	}
	if ses.Assignee != "" {
		return nil, problem(KindConflict, "extension %s has taken the session over", ses.Assignee)
	}
	before := s.audience(ctx, ses)
	ext := a.Extension
	got, err := s.store.ChangeSession(ctx, store.SessionChange{ID: id, States: []string{store.SessionOpen, store.SessionArchived},
		UnassignedOnly: true, Assignee: &ext, Now: s.cfg.Now(),
		Event: &store.SessionEvent{Type: store.EventTakenOver, Actor: ext, Detail: map[string]string{"queue": ses.QueueID}}})
	if err != nil {
		return nil, changeProblem(err, "it cannot be taken over")
	}
	// The queue's other agents learn it is gone from their offers.
	s.publish(ctx, EventSessionUpdated, before, s.View(ctx, got))
	return got, nil
}

// Target is where a session is transferred: an extension or a queue.
type Target struct {
	Type string `json:"type"` // extension or queue
	ID   string `json:"id"`
}

// Transfer hands a session, with its history, to another agent or to a
// queue (where it is offered again).
func (s *Service) Transfer(ctx context.Context, a Actor, id string, to Target) (*store.Session, error) {
	ses, err := s.Session(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := answerable(a, ses); err != nil {
		return nil, err
	}
	var assignee, queue string
	switch to.Type {
	case store.DestExtension:
		if strings.TrimSpace(to.ID) == "" {
			return nil, problem(KindInvalid, "to.id: the extension to transfer to is missing")
		}
		if _, err := s.store.GetExtension(ctx, to.ID); errors.Is(err, store.ErrNotFound) {
			return nil, problem(KindInvalid, "to.id: no extension %s", to.ID)
		} else if err != nil {
			return nil, err
		}
		assignee, queue = to.ID, ses.QueueID
	case store.DestQueue:
		if _, err := s.store.GetQueue(ctx, to.ID); errors.Is(err, store.ErrNotFound) {
			return nil, problem(KindInvalid, "to.id: no queue %s", to.ID)
		} else if err != nil {
			return nil, err
		}
		queue = to.ID
	default:
		return nil, problem(KindInvalid, "to.type %q is not \"extension\" or \"queue\"", to.Type)
	}
	before := s.audience(ctx, ses)
	got, err := s.store.ChangeSession(ctx, store.SessionChange{ID: id, States: []string{store.SessionOpen, store.SessionArchived},
		Assignee: &assignee, QueueID: &queue, Now: s.cfg.Now(),
		Event: &store.SessionEvent{Type: store.EventTransferred, Actor: a.name(),
			Detail: map[string]string{"from": describe(ses), "to": to.Type + ":" + to.ID}}})
	if err != nil {
		return nil, changeProblem(err, "it cannot be transferred")
	}
	s.publish(ctx, EventSessionUpdated, union(before, s.audience(ctx, got)), s.View(ctx, got))
	return got, nil
}

// describe is who holds a session, for the timeline.
func describe(ses *store.Session) string {
	if ses.Assignee != "" {
		return "extension:" + ses.Assignee
	}
	return "queue:" + ses.QueueID
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// SetState archives, unarchives or closes a session. Closing is final: the
// customer's next message opens a new session.
func (s *Service) SetState(ctx context.Context, a Actor, id, state string) (*store.Session, error) {
	ses, err := s.Session(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := answerable(a, ses); err != nil {
		return nil, err
	}
	c := store.SessionChange{ID: id, State: &state, Now: s.cfg.Now()}
	switch state {
	case store.SessionArchived:
		c.States = []string{store.SessionOpen}
	case store.SessionOpen:
		c.States = []string{store.SessionArchived}
	case store.SessionClosed:
		c.States = []string{store.SessionOpen, store.SessionArchived}
		c.Event = &store.SessionEvent{Type: store.EventClosed, Actor: a.name()}
	default:
		return nil, problem(KindInvalid, "unknown session state %q", state)
	}
	got, err := s.store.ChangeSession(ctx, c)
	if err != nil {
		return nil, changeProblem(err, fmt.Sprintf("it cannot be made %s", state))
	}
	s.publish(ctx, EventSessionUpdated, s.audience(ctx, got), s.View(ctx, got))
	return got, nil
}

// Remove takes a session off the agents' lists for good: it is closed if
// it was not, and stays in the history.
func (s *Service) Remove(ctx context.Context, a Actor, id string) error {
	ses, err := s.Session(ctx, a, id)
	if err != nil {
		return err
	}
	if err := answerable(a, ses); err != nil {
		return err
	}
	closed, removed := store.SessionClosed, true
	c := store.SessionChange{ID: id, State: &closed, Removed: &removed, Now: s.cfg.Now()}
	if ses.State != store.SessionClosed {
		c.Event = &store.SessionEvent{Type: store.EventClosed, Actor: a.name(), Detail: map[string]string{"reason": "removed"}}
	}
	got, err := s.store.ChangeSession(ctx, c)
	if err != nil {
		return changeProblem(err, "it cannot be removed")
	}
	s.publish(ctx, EventSessionUpdated, s.audience(ctx, got), s.View(ctx, got))
	return nil
}
