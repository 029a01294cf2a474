package server

import (
	"archive/zip"
	"encoding/csv"
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
// &number= &customer= &agent= (the extension a session is assigned to)
// &state= &from= &to= (sessions created in the
// period), &limit= &offset=. Removed sessions are part of the history.
func historyFilter(r *http.Request) (store.SessionFilter, error) {
	q := r.URL.Query()
	f := store.SessionFilter{ChannelID: q.Get("channelId"), Number: q.Get("number"), Customer: q.Get("customer"), Agent: q.Get("agent"),
		IncludeRemoved: true}
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
	list, err := s.msg.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	writeSessions(w, list)
	return nil
}

// sessionTimeline is a session's operations: created, transferred, taken
// over, closed.
func (s *Server) sessionTimeline(w http.ResponseWriter, r *http.Request) error {
	ses, events, err := s.msg.Timeline(r.Context(), r.PathValue("id"))
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
	ses, err := s.msg.HistorySession(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeMessages(w, r, ses.ID)
}

func (s *Server) deleteHistorySession(w http.ResponseWriter, r *http.Request) error {
	if err := s.msg.DeleteHistorySession(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteHistoryMessage removes a message from the history; what the system
// sent (keyword answers) stays.
func (s *Server) deleteHistoryMessage(w http.ResponseWriter, r *http.Request) error {
	if err := s.msg.DeleteHistoryMessage(r.Context(), r.PathValue("id")); err != nil {
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
	ex, err := s.msg.Export(r.Context(), f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chat-history-%s.zip"`, s.now().UTC().Format("20060102-150405")))
	zw := zip.NewWriter(w)
	// The sessions file is written after the messages, when each session's
	// count is known; both are small enough to keep in memory.
	now := s.now()
	chat, err := csvFile(zw, "Chat_Data_Record.csv", chatDataHeader, now)
	if err != nil {
		return err
	}
	for _, ses := range ex.Sessions {
		for _, m := range ex.Messages[ses.ID] {
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
	for _, ses := range ex.Sessions {
		if err := rec.Write([]string{ses.ID, csvTime(ses.CreatedAt), ex.ChannelNames[ses.ChannelID], ex.ChannelKinds[ses.ChannelID], ses.Number, ses.Customer,
			ex.QueueNames[ses.QueueID], ses.Assignee, ses.State, csvTime(ses.LastMessageAt), csvTime(ses.ClosedAt), fmt.Sprint(len(ex.Messages[ses.ID]))}); err != nil {
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
