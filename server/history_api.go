package server

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// historyFilter reads the history's search conditions: ?channelId=
// &number= &customer= &state= &from= &to= (sessions created in the
// period), &limit= &offset=. Removed sessions are part of the history.
func historyFilter(r *http.Request) (store.SessionFilter, error) {
	q := r.URL.Query()
	f := store.SessionFilter{ChannelID: q.Get("channelId"), Number: q.Get("number"), Customer: q.Get("customer"), IncludeRemoved: true}
	if v := q.Get("state"); v != "" {
		if !slices.Contains(sessionStates, v) {
			return f, badRequest("state %q is not one of open, archived, closed", v)
		}
		f.States = []string{v}
	}
	from, to, err := period(r)
	if err != nil {
		return f, err
	}
	f.From, f.To = from, to
	return f, paging(r, &f)
}

func (s *Server) historySessions(w http.ResponseWriter, r *http.Request) error {
	f, err := historyFilter(r)
	if err != nil {
		return err
	}
	list, err := s.store.ListSessions(r.Context(), f)
	if err != nil {
		return err
	}
	writeSessions(w, list)
	return nil
}

func (s *Server) historySession(ctx context.Context, id string) (*store.Session, error) {
	ses, err := s.store.GetSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("session " + id)
	}
	return ses, err
}

// sessionTimeline is a session's operations: created, transferred, taken
// over, closed.
func (s *Server) sessionTimeline(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.historySession(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	events, err := s.store.Timeline(r.Context(), ses.ID)
	if err != nil {
		return err
	}
	out := make([]messaging.EventView, 0, len(events))
	for _, e := range events {
		out = append(out, messaging.ViewEvent(e))
	}
	writeJSON(w, 200, map[string]any{"session": messaging.ViewSession(ses), "timeline": out})
	return nil
}

func (s *Server) historyMessages(w http.ResponseWriter, r *http.Request) error {
	ses, err := s.historySession(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeMessages(w, r, ses.ID)
}

func (s *Server) deleteHistorySession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.DeleteSession(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("session " + id)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteHistoryMessage removes a message from the history; what the system
// sent (keyword answers) stays.
func (s *Server) deleteHistoryMessage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.store.DeleteMessage(r.Context(), id); err != nil {
		switch {
		case errors.Is(err, store.ErrNotFound):
			return notFound("message " + id)
		case errors.Is(err, store.ErrInUse):
			return errorf(http.StatusConflict, "system_message", "messages the system sent cannot be deleted")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Columns of the export's two files.
var (
	sessionRecordHeader = []string{"Session ID", "Created At", "Channel", "Channel Type", "Channel Number", "Customer",
		"Queue", "Agent", "State", "Last Message At", "Closed At", "Messages"}
	chatDataHeader = []string{"Session ID", "Message ID", "Time", "Direction", "Sender", "Recipient", "Text", "Media URLs",
		"Status", "Error"}
)

// exportHistory answers a zip of Session_Record.csv (one line per session
// of the search) and Chat_Data_Record.csv (every message of those
// sessions), UTF-8 with a byte-order mark so spreadsheet programs read
// names in any script right.
func (s *Server) exportHistory(w http.ResponseWriter, r *http.Request) error {
	f, err := historyFilter(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// Everything the search finds, page by page.
	var sessions []*store.Session
	f.Limit = 1000
	for {
		page, err := s.store.ListSessions(ctx, f)
		if err != nil {
			return err
		}
		sessions = append(sessions, page...)
		if len(page) < f.Limit {
			break
		}
		f.Offset += f.Limit
	}
	names, kinds, err := s.channelNames(ctx)
	if err != nil {
		return err
	}
	queues := map[string]string{}
	if qs, err := s.store.ListQueues(ctx); err == nil {
		for _, q := range qs {
			queues[q.ID] = q.Name
		}
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chat-history-%s.zip"`, s.now().UTC().Format("20060102-150405")))
	zw := zip.NewWriter(w)
	// The sessions file is written after the messages, when each session's
	// count is known; both are small enough to keep in memory.
	counts := map[string]int{}
	now := s.now()
	chat, err := csvFile(zw, "Chat_Data_Record.csv", chatDataHeader, now)
	if err != nil {
		return err
	}
	for _, ses := range sessions {
		msgs, err := s.store.Messages(ctx, ses.ID)
		if err != nil {
			return err
		}
		counts[ses.ID] = len(msgs)
		for _, m := range msgs {
			from, to := m.Customer, m.Number
			switch m.Direction {
			case store.DirectionOut:
				from, to = "Extension "+m.Author, m.Customer
			case store.DirectionSystem:
				from, to = "System", m.Customer
			}
			if err := chat.Write([]string{ses.ID, m.ID, csvTime(m.CreatedAt), m.Direction, from, to, m.Text,
				strings.Join(m.MediaURLs, " "), m.Status, m.Error}); err != nil {
				return err
			}
		}
	}
	chat.Flush()
	if err := chat.Error(); err != nil {
		return err
	}
	rec, err := csvFile(zw, "Session_Record.csv", sessionRecordHeader, now)
	if err != nil {
		return err
	}
	for _, ses := range sessions {
		if err := rec.Write([]string{ses.ID, csvTime(ses.CreatedAt), names[ses.ChannelID], kinds[ses.ChannelID], ses.Number, ses.Customer,
			queues[ses.QueueID], ses.Assignee, ses.State, csvTime(ses.LastMessageAt), csvTime(ses.ClosedAt), fmt.Sprint(counts[ses.ID])}); err != nil {
			return err
		}
	}
	rec.Flush()
	if err := rec.Error(); err != nil {
		return err
	}
	return zw.Close()
}

func csvFile(zw *zip.Writer, name string, header []string, now time.Time) (*csv.Writer, error) {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(f, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(f)
	return cw, cw.Write(header)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// channelNames maps channel ids to names and types (SMS, WhatsApp …);
// sessions of deleted channels show their id alone.
func (s *Server) channelNames(ctx context.Context) (names, kinds map[string]string, err error) {
	list, err := s.store.ListChannels(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, kinds = map[string]string{}, map[string]string{}
	for _, ch := range list {
		names[ch.ID] = ch.Name
		if in, err := s.store.GetIntegration(ctx, ch.ID); err == nil {
			if c, err := s.integ.TemplateOf(ctx, in); err == nil {
				kinds[ch.ID] = c.Source.Name
			}
		}
	}
	return names, kinds, nil
}
