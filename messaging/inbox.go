package messaging

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/switchboard/switchboard/store"
)

// What an agent's inbox needs besides the sessions themselves: the rules
// of each session's channel that decide what can be written (its length
// limit, its reply window), the session's timeline, and the numbers the
// agent may start sessions from.

// View is a session's view with its channel's rules: the channel's name
// and kind, the text length it carries, and when a reply window closes.
func (s *Service) View(ctx context.Context, ses *store.Session) SessionView {
	return s.Views(ctx, []*store.Session{ses})[0]
}

// Views is View for a list, each channel resolved once. A channel that
// cannot be resolved (deleted, its template gone) leaves its sessions'
// views without the rules.
func (s *Service) Views(ctx context.Context, list []*store.Session) []SessionView {
	type rules struct {
		ok   bool
		name string
		kind string
		def  *Definition
	}
	seen := map[string]rules{}
	out := make([]SessionView, 0, len(list))
	for _, ses := range list {
		v := ViewSession(ses)
		r, done := seen[ses.ChannelID]
		if !done {
			if ch, res, err := s.channel(ctx, ses.ChannelID); err == nil {
				r = rules{ok: true, name: ch.Name, kind: res.def.Kind, def: res.def}
			}
			seen[ses.ChannelID] = r
		}
		if r.ok {
			v.ChannelName, v.Kind, v.MaxTextLength = r.name, r.kind, r.def.Rules.MaxTextLength
			if end, ok := replyWindowEnd(r.def, ses); ok {
				v.ReplyWindowEndsAt = end
			}
		}
		out = append(out, v)
	}
	return out
}

// SessionEvents is the timeline of a session the actor may see: created,
// transferred, taken over, closed.
func (s *Service) SessionEvents(ctx context.Context, a Actor, id string) ([]*store.SessionEvent, error) {
	ses, err := s.Session(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.store.Timeline(ctx, ses.ID)
}

// StartNumber is a number an agent may start sessions from.
type StartNumber struct {
	ChannelID     string `json:"channelId"`
	ChannelName   string `json:"channelName"`
	Number        string `json:"number"`
	MaxTextLength int    `json:"maxTextLength,omitempty"`
}

// StartNumbers lists the numbers the actor's extension may start sessions
// from: those that allow it, on channels whose agents may start sessions.
// None for a caller without an extension.
func (s *Service) StartNumbers(ctx context.Context, a Actor) ([]StartNumber, error) {
	out := []StartNumber{}
	if a.Extension == "" {
		return out, nil
	}
	chans, err := s.store.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	for _, ch := range chans {
		var mine []store.ChannelNumber
		for _, n := range ch.Numbers {
			if slices.Contains(n.AllowedExtensions, a.Extension) {
				mine = append(mine, n)
			}
		}
		if len(mine) == 0 {
			continue
		}
		res, err := s.resolve(ctx, ch)
		if errors.Is(err, store.ErrNotFound) {
			continue // being deleted
		}
		if err != nil {
			// One broken channel (a template that no longer compiles, a
			// secret that cannot be opened) must not take every other
			// number away from the agent.
			s.log.Warn("leaving a channel out of the numbers an agent may start from", slog.String("channel", ch.ID), slog.Any("err", err))
			continue
		}
		if !res.def.Rules.AgentInitiated {
			continue
		}
		for _, n := range mine {
			out = append(out, StartNumber{ChannelID: ch.ID, ChannelName: ch.Name, Number: n.Number, MaxTextLength: res.def.Rules.MaxTextLength})
		}
	}
	return out, nil
}

// replyWindowEnd is when a session's reply window closes, on a channel
// that has one: its length after the customer's last message; with no
// message from the customer, already (SendMessage refuses then). The view
// and SendMessage read it here alike.
func replyWindowEnd(def *Definition, ses *store.Session) (time.Time, bool) {
	w := def.Rules.ReplyWindow
	if w <= 0 {
		return time.Time{}, false
	}
	if ses.LastInboundAt.IsZero() {
		return ses.CreatedAt, true
	}
	return ses.LastInboundAt.Add(w), true
}
