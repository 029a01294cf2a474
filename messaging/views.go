package messaging

import (
	"time"

	"github.com/switchboard/switchboard/store"
)

// SessionView is a session as the API and the stream show it.
type SessionView struct {
	ID            string    `json:"id"`
	ChannelID     string    `json:"channelId"`
	ChannelNumber string    `json:"channelNumber"`
	Customer      string    `json:"customer"`
	State         string    `json:"state"`
	QueueID       string    `json:"queueId,omitempty"`
	Assignee      string    `json:"assignee,omitempty"`
	Offered       bool      `json:"offered"` // waiting in a queue for an agent to take it over
	Removed       bool      `json:"removed,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	LastMessageAt time.Time `json:"lastMessageAt"`
	LastInboundAt time.Time `json:"lastInboundAt,omitzero"`
	ClosedAt      time.Time `json:"closedAt,omitzero"`
	// What the session's channel allows (Service.View fills them in):
	// its name and kind (sms or messaging), the longest text it carries
	// (0: no limit) and, on channels that only answer within a time of the
	// customer's last message (WhatsApp's 24 hours), when that window
	// closes.
	ChannelName       string    `json:"channelName,omitempty"`
	Kind              string    `json:"kind,omitempty"`
	MaxTextLength     int       `json:"maxTextLength,omitempty"`
	ReplyWindowEndsAt time.Time `json:"replyWindowEndsAt,omitzero"`
}

// ViewSession is the view of a session.
func ViewSession(s *store.Session) SessionView {
	return SessionView{ID: s.ID, ChannelID: s.ChannelID, ChannelNumber: s.Number, Customer: s.Customer, State: s.State,
		QueueID: s.QueueID, Assignee: s.Assignee, Offered: s.Assignee == "" && s.QueueID != "" && s.State != store.SessionClosed,
		Removed: s.Removed, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, LastMessageAt: s.LastMessageAt,
		LastInboundAt: s.LastInboundAt, ClosedAt: s.ClosedAt}
}

// MessageView is a message as the API and the stream show it.
type MessageView struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"sessionId"`
	Direction  string    `json:"direction"` // in, out or system
	Author     string    `json:"author,omitempty"`
	Text       string    `json:"text"`
	MediaURLs  []string  `json:"mediaUrls"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	ProviderID string    `json:"providerId,omitempty"`
	Attempts   int       `json:"attempts"`
	CreatedAt  time.Time `json:"createdAt"`
	SentAt     time.Time `json:"sentAt,omitzero"`
}

// ViewMessage is the view of a message.
func ViewMessage(m *store.Message) MessageView {
	media := m.MediaURLs
	if media == nil {
		media = []string{}
	}
	return MessageView{ID: m.ID, SessionID: m.SessionID, Direction: m.Direction, Author: m.Author, Text: m.Text, MediaURLs: media,
		Status: m.Status, Error: m.Error, ProviderID: m.ProviderID, Attempts: m.Attempts, CreatedAt: m.CreatedAt, SentAt: m.SentAt}
}

// EventView is a timeline entry.
type EventView struct {
	Type   string            `json:"type"`
	Actor  string            `json:"actor"`
	Detail map[string]string `json:"detail"`
	At     time.Time         `json:"at"`
}

// ViewEvent is the view of a timeline entry.
func ViewEvent(e *store.SessionEvent) EventView {
	d := e.Detail
	if d == nil {
		d = map[string]string{}
	}
	return EventView{Type: e.Type, Actor: e.Actor, Detail: d, At: e.At}
}
