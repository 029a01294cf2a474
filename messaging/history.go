package messaging

import (
	"context"
	"errors"

	"github.com/switchboard/switchboard/store"
)

// The history: every session, removed ones included, for admins to search,
// read, prune and export.

// HistorySession returns a session of the history, removed or not; a
// KindNotFound Problem when there is none.
func (s *Service) HistorySession(ctx context.Context, id string) (*store.Session, error) {
	ses, err := s.store.GetSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem(KindNotFound, "session %s not found", id)
	}
	return ses, err
}

// Sessions lists the sessions a filter finds.
func (s *Service) Sessions(ctx context.Context, f store.SessionFilter) ([]*store.Session, error) {
	return s.store.ListSessions(ctx, f)
}

// Messages lists a session's messages, oldest first.
func (s *Service) Messages(ctx context.Context, sessionID string) ([]*store.Message, error) {
	return s.store.Messages(ctx, sessionID)
}

// Timeline is a session's operations: created, transferred, taken over,
// closed.
func (s *Service) Timeline(ctx context.Context, id string) (*store.Session, []*store.SessionEvent, error) {
	ses, err := s.HistorySession(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	events, err := s.store.Timeline(ctx, ses.ID)
	return ses, events, err
}

// DeleteHistorySession deletes a session and its messages from the
// history.
func (s *Service) DeleteHistorySession(ctx context.Context, id string) error {
	err := s.store.DeleteSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return problem(KindNotFound, "session %s not found", id)
	}
	return err
}

// DeleteHistoryMessage deletes a message from the history; what the
// system sent (keyword answers) stays (KindSystemMessage).
func (s *Service) DeleteHistoryMessage(ctx context.Context, id string) error {
	err := s.store.DeleteMessage(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem(KindNotFound, "message %s not found", id)
	case errors.Is(err, store.ErrInUse):
		return problem(KindSystemMessage, "messages the system sent cannot be deleted")
	}
	return err
}

// Export is what a history export holds: the sessions a search found,
// each with its messages, and the names to show for their channels and
// queues.
type Export struct {
	Sessions []*store.Session
	Messages map[string][]*store.Message // by session id
	// ChannelNames and ChannelKinds (the template's name: SMS, WhatsApp …)
	// by channel id; sessions of deleted channels have neither.
	ChannelNames, ChannelKinds map[string]string
	QueueNames                 map[string]string // by queue id
}

// exportPage is how many sessions an export reads at a time.
const exportPage = 1000

// Export gathers every session the filter finds (its paging is ignored)
// with their messages.
func (s *Service) Export(ctx context.Context, f store.SessionFilter) (*Export, error) {
	out := &Export{Messages: map[string][]*store.Message{}, ChannelNames: map[string]string{}, ChannelKinds: map[string]string{},
		QueueNames: map[string]string{}}
	f.Limit, f.Offset = exportPage, 0
	for {
		page, err := s.store.ListSessions(ctx, f)
		if err != nil {
			return nil, err
		}
		out.Sessions = append(out.Sessions, page...)
		if len(page) < f.Limit {
			break
		}
		f.Offset += f.Limit
	}
	for _, ses := range out.Sessions {
		msgs, err := s.store.Messages(ctx, ses.ID)
		if err != nil {
			return nil, err
		}
		out.Messages[ses.ID] = msgs
	}
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	for _, ch := range chs {
		out.ChannelNames[ch.ID] = ch.Name
		if in, err := s.store.GetIntegration(ctx, ch.ID); err == nil {
			if c, err := s.templateOf(ctx, in); err == nil {
				out.ChannelKinds[ch.ID] = c.Source.Name
			}
		}
	}
	if qs, err := s.store.ListQueues(ctx); err == nil {
		for _, q := range qs {
			out.QueueNames[q.ID] = q.Name
		}
	}
	return out, nil
}
