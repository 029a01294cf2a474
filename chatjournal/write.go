package chatjournal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// Session event types of the timeline (store.SessionEvent.Type).
const (
	EventJournaled     = "journaled"
	EventJournalFailed = "journal_failed"
	EventJournalGaveUp = "journal_gave_up"
)

// write writes one journal and saves how it went. Only a failure to save
// is returned: the journal's own failure is recorded and retried.
func (s *Service) write(ctx context.Context, j *store.ChatJournal) error {
	now := s.cfg.Now()
	j.Attempts++
	j.UpdatedAt = now
	part := s.part(ctx, j)
	res, helpdesk, err := s.attempt(ctx, j, part)
	if res != nil {
		j.Trace, _ = json.Marshal(res.Trace) // exchanges always marshal
	}
	var ev *store.SessionEvent
	detail := map[string]string{"integration": j.IntegrationID, "part": strconv.Itoa(part), "attempt": strconv.Itoa(j.Attempts)}
	if helpdesk != "" {
		detail["helpdesk"] = helpdesk
	}
	var skip skipped
	switch {
	case errors.As(err, &skip):
		j.Status, j.LastError = store.JournalSkipped, skip.reason
		detail["reason"] = skip.reason
		ev = &store.SessionEvent{Type: EventJournaled, Actor: "system", Detail: detail, At: now}
	case err != nil:
		j.LastError = err.Error()
		detail["error"] = j.LastError
		if now.Sub(j.CreatedAt) >= s.cfg.GiveUpAfter {
			j.Status = store.JournalFailed
			ev = &store.SessionEvent{Type: EventJournalGaveUp, Actor: "system", Detail: detail, At: now}
		} else {
			j.NextAttemptAt = now.Add(backoff(s.cfg.RetryWait, j.Attempts))
			if j.Attempts == 1 {
				// The timeline says once that it is being retried; the
				// journal's record keeps each attempt's error.
				ev = &store.SessionEvent{Type: EventJournalFailed, Actor: "system", Detail: detail, At: now}
			}
		}
		s.log.Warn("chat journal failed", slog.String("session", j.SessionID), slog.String("integration", j.IntegrationID),
			slog.Int("attempt", j.Attempts), slog.String("err", j.LastError))
	default:
		j.Status, j.LastError = store.JournalSucceeded, ""
		if j.ContactID != "" {
			detail["contact"] = j.ContactID
		}
		if res != nil && res.Vars["TicketId"] != "" {
			detail["ticket"] = res.Vars["TicketId"]
		}
		ev = &store.SessionEvent{Type: EventJournaled, Actor: "system", Detail: detail, At: now}
	}
	return s.store.SaveChatJournal(ctx, j, ev)
}

// backoff doubles from wait to at most 10 minutes.
func backoff(wait time.Duration, attempt int) time.Duration {
	return min(wait<<min(attempt-1, 10), 10*time.Minute)
}

// skipped is a journal with nothing to send: the reason is kept.
type skipped struct{ reason string }

func (e skipped) Error() string { return e.reason }

// part numbers the journal among its integration's journals of the
// session: 1 for the first.
func (s *Service) part(ctx context.Context, j *store.ChatJournal) int {
	all, err := s.store.ChatJournals(ctx, j.SessionID)
	if err != nil {
		return 1
	}
	n := 0
	for _, o := range all {
		if o.IntegrationID == j.IntegrationID && o.UptoSeq <= j.UptoSeq {
			n++
		}
	}
	return max(n, 1)
}

// attempt finds (or creates) the customer's contact and runs ChatJournal.
// It also names the helpdesk (its template's name), for the timeline.
func (s *Service) attempt(ctx context.Context, j *store.ChatJournal, part int) (*engine.Result, string, error) {
	in, err := s.store.GetIntegration(ctx, j.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", skipped{"the integration was deleted"}
	}
	if err != nil {
		return nil, "", err
	}
	conn, err := s.rt.Conn(ctx, in)
	if err != nil {
		return nil, "", err
	}
	name := conn.Client.Template().Source.Name
	res, err := s.journal(ctx, j, in, conn, part)
	return res, name, err
}

// journal runs the contact lookup (or creation) and ChatJournal.
func (s *Service) journal(ctx context.Context, j *store.ChatJournal, in *store.Integration, conn *integrations.Conn, part int) (*engine.Result, error) {
	if conn.Client.Template().Scenario(templates.ScenarioChatJournal) == nil {
		return nil, skipped{"the integration's template has no ChatJournal scenario"}
	}
	vars, err := s.variables(ctx, j, conn, part)
	if err != nil {
		return nil, err
	}
	if j.ContactID == "" {
		res, err := s.findContact(ctx, j, conn.Client, conn.Settings, vars)
		if err != nil {
			s.rt.Observe(ctx, in, res, err)
			return res, err
		}
	}
	vars["ContactId"] = j.ContactID
	// Every request but GET carries the journal's id as its idempotency
	// key: a retry after a lost answer is not written twice where the
	// helpdesk honours it.
	res := conn.Client.Run(ctx, templates.ScenarioChatJournal, vars, engine.RunOptions{IdempotencyKey: "chat:" + j.ID})
	s.rt.Observe(ctx, in, res, res.Err)
	if res.Err != nil {
		return res, res.Err
	}
	if why := allSkipped(res); why != "" {
		return res, skipped{why}
	}
	return res, nil
}

// findContact looks the customer up by number and, when nobody is found
// and the settings say so, creates the contact. The contact is saved with
// the journal before it is written, so a retry does not create another.
func (s *Service) findContact(ctx context.Context, j *store.ChatJournal, c *engine.Client, st scenarios.Settings, vars engine.Vars) (*engine.Result, error) {
	t := c.Template()
	if t.Scenario(templates.ScenarioSyncContact) != nil {
		contacts, res := scenarios.LookupContacts(ctx, c, vars, nil)
		if res.Err != nil {
			return res, fmt.Errorf("looking the customer up: %w", res.Err)
		}
		if len(contacts) > 0 {
			j.ContactID = contacts[0].Values["ContactsId"]
		}
	}
	if j.ContactID == "" && st.ChatJournal != nil && st.ChatJournal.CreateContact {
		sc := t.Scenario(templates.ScenarioCreateContact)
		if sc == nil || len(sc.Requests) == 0 {
			return nil, errors.New("the settings ask to create the contact, but the template has no CreateNewContact scenario")
		}
		cv := engine.Vars{}
		for k, v := range vars {
			cv[k] = v
		}
		cv["DisplayName"], cv["ContactSyncType"] = vars["Phone"], sc.Requests[0].Name
		res := c.Run(ctx, templates.ScenarioCreateContact, cv, engine.RunOptions{Requests: []string{sc.Requests[0].Name},
			IdempotencyKey: "chat-contact:" + j.ID})
		if res.Err != nil {
			return res, fmt.Errorf("creating the customer's contact: %w", res.Err)
		}
		j.ContactID = res.Vars["ContactId"]
	}
	if j.ContactID == "" {
		return nil, nil
	}
	return nil, s.store.SaveChatJournal(ctx, j, nil)
}

// variables are the ChatJournal run's: the chat's (messages after the
// journal's FromSeq up to its UptoSeq), the agent's bound user, the
// scenario settings, and the subject and description.
func (s *Service) variables(ctx context.Context, j *store.ChatJournal, conn *integrations.Conn, part int) (engine.Vars, error) {
	c, st, texts := conn.Client, conn.Settings, conn.Texts
	ses, err := s.store.GetSession(ctx, j.SessionID)
	if err != nil {
		return nil, fmt.Errorf("reading the session: %w", err)
	}
	msgs, err := s.store.Messages(ctx, j.SessionID)
	if err != nil {
		return nil, fmt.Errorf("reading the session's messages: %w", err)
	}
	chat := scenarios.Chat{SessionID: ses.ID, ChannelNumber: ses.Number, Customer: ses.Customer, Agent: ses.Assignee,
		Part: part, Final: j.Final, Start: ses.CreatedAt, End: ses.LastMessageAt}
	if !ses.ClosedAt.IsZero() && j.Final {
		chat.End = ses.ClosedAt
	}
	if ch, err := s.store.GetChannel(ctx, ses.ChannelID); err == nil {
		chat.Channel = ch.Name
	}
	for _, m := range msgs {
		if m.Seq <= j.FromSeq || m.Seq > j.UptoSeq || deleted(m) {
			continue
		}
		if len(chat.Messages) == 0 && j.FromSeq > 0 {
			chat.Start = m.CreatedAt // a later part starts at its first message
		}
		chat.Messages = append(chat.Messages, scenarios.ChatMessage{Direction: m.Direction, Author: m.Author, Text: m.Text,
			Media: m.MediaURLs, At: m.CreatedAt})
		if !j.Final {
			chat.End = m.CreatedAt
		}
	}
	var ext scenarios.ExtensionInfo
	if e, err := s.store.GetExtension(ctx, ses.Assignee); err == nil {
		ext = scenarios.ExtensionInfo{Number: e.Number, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email}
	}
	vars := chat.Vars(ext, st.Numbers, s.cfg.TimeZone)
	vars["CrmId"] = j.CrmID
	for k, v := range st.ScenarioParameters[templates.ScenarioChatJournal] {
		vars[k] = v
	}
	sc := c.Template().Scenario(templates.ScenarioChatJournal)
	for _, t := range []struct {
		name          string
		set, fallback *engine.Text
	}{{"Subject", texts.ChatSubject, s.subject}, {"Description", texts.ChatDescription, s.description}} {
		text := t.set
		if text == nil && sc.Text(t.name) == nil {
			text = t.fallback // neither the settings nor the template say: Switchboard's
		}
		if text == nil {
			continue // the template's own renders
		}
		v, err := text.RenderLayers(c.Vars(), vars)
		if err != nil {
			return nil, fmt.Errorf("the chat journal's %s: %w", strings.ToLower(t.name), err)
		}
		vars[t.name] = v
	}
	return vars, nil
}

// allSkipped says why no request of the run was sent; "" when one was.
func allSkipped(res *engine.Result) string {
	if len(res.Trace) == 0 {
		return ""
	}
	var why []string
	for _, ex := range res.Trace {
		if !ex.Skipped {
			return ""
		}
		why = append(why, fmt.Sprintf("request %s was not sent: %s", ex.Request, ex.SkipReason))
	}
	return strings.Join(why, "; ")
}
