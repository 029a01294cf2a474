package chatjournal

import (
	"context"

	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// target is an integration that journals a session's agent's chats.
type target struct {
	binding  store.CallBinding
	settings scenarios.ChatJournalSettings
}

// queueDue stores the journals of the sessions that need one: each closed
// session's last part, and a part of each open session with enough
// messages for an integration that journals every N messages. A session
// whose agent no integration journals for is marked done with none.
func (s *Service) queueDue(ctx context.Context) error {
	every, err := s.smallestEvery(ctx)
	if err != nil {
		return err
	}
	cands, err := s.store.SessionsToJournal(ctx, every, s.cfg.Batch)
	if err != nil {
		return err
	}
	for _, c := range cands {
		if err := s.queueSession(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// smallestEvery is the smallest Every of the integrations that journal
// chats, 0 when none journals parts: open sessions are looked at only
// then.
func (s *Service) smallestEvery(ctx context.Context) (int, error) {
	list, err := s.store.ListIntegrations(ctx)
	if err != nil {
		return 0, err
	}
	least := 0
	for _, in := range list {
		cj := scenarios.ParseSettings(in.Settings).ChatJournal
		if cj != nil && cj.Enabled && cj.Every > 0 && (least == 0 || cj.Every < least) {
			least = cj.Every
		}
	}
	return least, nil
}

func (s *Service) queueSession(ctx context.Context, c store.JournalCandidate) error {
	ses := c.Session
	final := ses.State == store.SessionClosed
	targets, err := s.targets(ctx, ses.Assignee)
	if err != nil {
		return err
	}
	done, err := s.store.ChatJournals(ctx, ses.ID)
	if err != nil {
		return err
	}
	var msgs []*store.Message
	if len(targets) > 0 {
		if msgs, err = s.store.Messages(ctx, ses.ID); err != nil {
			return err
		}
	}
	now := s.cfg.Now()
	var js []*store.ChatJournal
	for _, t := range targets {
		from := lastJournaled(done, t.binding.IntegrationID)
		n := countAfter(msgs, from)
		switch {
		case n == 0:
			continue // nothing new since its last part
		case !final && (t.settings.Every == 0 || n < t.settings.Every):
			continue
		}
		js = append(js, &store.ChatJournal{ID: store.NewID("cjr"), SessionID: ses.ID, IntegrationID: t.binding.IntegrationID,
			FromSeq: from, UptoSeq: c.LastSeq, Final: final, CrmID: t.binding.UserID, Status: store.JournalPending,
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if !final && len(js) == 0 {
		return nil // no part due yet: the session stays as it is
	}
	return s.store.QueueChatJournals(ctx, ses.ID, c.LastSeq, final, js)
}

// targets are the integrations journaling chats bound to the agent's
// extension; none for a session nobody answered.
func (s *Service) targets(ctx context.Context, extension string) ([]target, error) {
	if extension == "" {
		return nil, nil
	}
	bindings, err := s.store.CallBindings(ctx, extension)
	if err != nil {
		return nil, err
	}
	var out []target
	for _, b := range bindings {
		in, err := s.store.GetIntegration(ctx, b.IntegrationID)
		if err != nil {
			return nil, err
		}
		if cj := scenarios.ParseSettings(in.Settings).ChatJournal; cj != nil && cj.Enabled {
			out = append(out, target{binding: b, settings: *cj})
		}
	}
	return out, nil
}

// lastJournaled is the last message an integration's journals of the
// session hold (0: none yet).
func lastJournaled(done []*store.ChatJournal, integrationID string) int64 {
	var last int64
	for _, j := range done {
		if j.IntegrationID == integrationID && j.UptoSeq > last {
			last = j.UptoSeq
		}
	}
	return last
}

// countAfter counts the messages after seq that still have content.
func countAfter(msgs []*store.Message, seq int64) int {
	n := 0
	for _, m := range msgs {
		if m.Seq > seq && !deleted(m) {
			n++
		}
	}
	return n
}

// deleted reports a message whose content was removed from the history.
func deleted(m *store.Message) bool { return m.Text == "" && len(m.MediaURLs) == 0 }
