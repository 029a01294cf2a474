package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// actor is the caller as the messaging service knows it.
func actor(r *http.Request) messaging.Actor {
	p := principalFrom(r.Context())
	return messaging.Actor{Admin: p.Role == store.RoleAdmin, Extension: p.Extension}
}

var sessionStates = []string{store.SessionOpen, store.SessionArchived, store.SessionClosed}

// listSessions lists what the caller may see: an agent its own sessions and
// those offered in its queues, an admin every one. ?state= takes a state or
// a comma-separated list (default: open and archived).
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.SessionFilter{States: []string{store.SessionOpen, store.SessionArchived}, ChannelID: q.Get("channelId")}
	if v := q.Get("state"); v != "" {
		f.States = nil
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if !slices.Contains(sessionStates, st) {
				return badRequest("state %q is not one of open, archived, closed", st)
			}
			f.States = append(f.States, st)
		}
	}
	if err := paging(r, &f); err != nil {
		return err
	}
	vis, err := s.msg.Visibility(r.Context(), actor(r))
	if err != nil {
		return err
	}
	f.Visible = vis
	list, err := s.msg.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeSessions(w, r, list)
	return nil
}

// writeSessions answers {"sessions": [...]}, each with its channel's
// rules.
func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, list []*store.Session) {
	writeJSON(w, 200, map[string]any{"sessions": s.msg.Views(r.Context(), list)})
}

// paging reads ?limit= (1 to 1000, default 100) and ?offset=.
func paging(r *http.Request, f *store.SessionFilter) error {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("limit %q: a whole number from 1 to 1000", v)
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("offset %q: a whole number from 0", v)
		}
		f.Offset = n
	}
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.msg.Session(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.msg.View(r.Context(), ses))
	return nil
}

func (s *Server) sessionMessages(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.msg.Session(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeMessages(w, r, ses.ID)
}

func (s *Server) writeMessages(w http.ResponseWriter, r *http.Request, sessionID string) error {
	list, err := s.msg.Messages(r.Context(), sessionID)
	if err != nil {
		return err
	}
	out := make([]messaging.MessageView, 0, len(list))
	for _, m := range list {
		out = append(out, messaging.ViewMessage(m))
	}
	writeJSON(w, 200, map[string]any{"messages": out})
	return nil
}

type messageBody struct {
	Text      string   `json:"text"`
	MediaURLs []string `json:"mediaUrls"`
}

// sendMessage queues the caller's message; 202: it is sent at the
// channel's rate, and its status comes on the stream.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	var b messageBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	m, err := s.msg.Send(r.Context(), actor(r), r.PathValue("id"), b.Text, b.MediaURLs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messaging.ViewMessage(m))
	return nil
}

// startSession opens a session an agent begins, SMS only, from a number
// the agent's extension is allowed to start sessions on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		ChannelID     string   `json:"channelId"`
		ChannelNumber string   `json:"channelNumber"`
		To            string   `json:"to"`
		Text          string   `json:"text"`
		MediaURLs     []string `json:"mediaUrls"`
	}
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	if strings.TrimSpace(b.ChannelNumber) == "" || strings.TrimSpace(b.To) == "" {
		return badRequest("channelNumber and to are required")
	}
	ses, m, err := s.msg.StartSession(r.Context(), actor(r), messaging.NewSession{ChannelID: b.ChannelID, Number: b.ChannelNumber,
		To: strings.TrimSpace(b.To), Text: b.Text, MediaURLs: b.MediaURLs})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"session": s.msg.View(r.Context(), ses), "message": messaging.ViewMessage(m)})
	return nil
}

func (s *Server) takeOver(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.msg.TakeOver(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.msg.View(r.Context(), ses))
	return nil
}

func (s *Server) transferSession(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		To messaging.Target `json:"to"`
	}
	if err := s.decodeJSON(w, r, &b); err != nil {
		return err
	}
	ses, err := s.msg.Transfer(r.Context(), actor(r), r.PathValue("id"), b.To)
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.msg.View(r.Context(), ses))
	return nil
}

// setSessionState is archive, unarchive and close.
func (s *Server) setSessionState(state string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ses, err := s.msg.SetState(r.Context(), actor(r), r.PathValue("id"), state)
		if err != nil {
			return err
		}
		writeJSON(w, 200, s.msg.View(r.Context(), ses))
		return nil
	}
}

func (s *Server) removeSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.msg.Remove(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionEvents is a session's timeline as its agents see it: created,
// transferred, taken over, closed.
func (s *Server) sessionEvents(w http.ResponseWriter, r *http.Request) error {
	events, err := s.msg.SessionEvents(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]messaging.EventView, 0, len(events))
	for _, e := range events {
		out = append(out, messaging.ViewEvent(e))
	}
	writeJSON(w, 200, map[string]any{"events": out})
	return nil
}

// startNumbers lists the numbers the caller's extension may start
// sessions from (agents cannot read the channels).
func (s *Server) startNumbers(w http.ResponseWriter, r *http.Request) error {
	list, err := s.msg.StartNumbers(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"numbers": list})
	return nil
}
