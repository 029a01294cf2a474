package store

import (
	"context"
	"errors"
	"time"
)

// ErrSessionClosed means a session was closed: nothing more is sent in it.
var ErrSessionClosed = errors.New("the session is closed")

// Channel is a messaging channel: a channel template connected as an
// integration (same id), with what its conversations need.
type Channel struct {
	ID                string
	WebhookKey        string // the unguessable part of its webhook URL
	Name              string
	MessagesPerSecond int
	AutoCloseDays     int    // 0: sessions stay open until closed
	VerifyToken       string // handed to providers for webhook handshakes; sealed at rest
	Settings          []byte // JSON: keyword replies and the like, checked by the service
	Numbers           []ChannelNumber
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Destination types of a channel number.
const (
	DestExtension = "extension"
	DestQueue     = "queue"
)

// ChannelNumber is a number of a channel and where its conversations go.
type ChannelNumber struct {
	Number            string // E.164
	NumberID          string // the provider's id of the number (WhatsApp)
	DestType          string // extension or queue
	DestID            string // the extension's number or the queue's id
	AllowedExtensions []string
}

// MessageQueue is a queue of agents (extensions) that sessions are offered
// to until one takes over.
type MessageQueue struct {
	ID        string
	Name      string
	Agents    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Session states.
const (
	SessionOpen     = "open"
	SessionArchived = "archived"
	SessionClosed   = "closed"
)

// Session is a conversation between a channel number and a customer.
type Session struct {
	ID        string
	ChannelID string
	Number    string
	Customer  string
	State     string
	// QueueID is the queue the session is offered in while Assignee is
	// empty; the queue it came from once taken over.
	QueueID       string
	Assignee      string // the extension that answers it
	Removed       bool   // removed from agents' lists; history keeps it
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastMessageAt time.Time
	LastInboundAt time.Time // the customer's last message; zero if none
	ClosedAt      time.Time
}

// Message directions.
const (
	DirectionIn     = "in"     // from the customer
	DirectionOut    = "out"    // from an agent
	DirectionSystem = "system" // automatic: keyword answers
)

// Message statuses.
const (
	MessageReceived  = "received"
	MessageQueued    = "queued"
	MessageSending   = "sending"
	MessageSent      = "sent"
	MessageDelivered = "delivered"
	MessageRead      = "read"
	MessageFailed    = "failed"
)

// Message is one message of a session.
type Message struct {
	ID            string
	Seq           int64 // order within the session and in the send queue
	SessionID     string
	ChannelID     string
	Number        string
	Customer      string
	Direction     string
	Author        string // the agent's extension for outbound messages
	Text          string
	MediaURLs     []string
	ProviderID    string
	Status        string
	Error         string
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	SentAt        time.Time
	UpdatedAt     time.Time
}

// Session event types: the operation timeline.
const (
	EventCreated     = "created"
	EventTransferred = "transferred"
	EventTakenOver   = "taken_over"
	EventClosed      = "closed"
)

// SessionEvent is one entry of a session's timeline.
type SessionEvent struct {
	ID        string
	SessionID string
	Type      string
	Actor     string            // the extension, or "system" / "customer"
	Detail    map[string]string // from, to, reason …
	At        time.Time
}

// Route is where a new session goes.
type Route struct {
	QueueID  string // offered to this queue's agents
	Assignee string // or answered by this extension
}

// Inbound is a customer's message to store.
type Inbound struct {
	ChannelID  string
	ProviderID string
	Number     string
	Customer   string
	Route      Route // for a new session
	Message    *Message
	Now        time.Time
}

// InboundResult is what storing an inbound message did.
type InboundResult struct {
	Duplicate bool // the provider delivered it before: nothing stored
	Created   bool // it opened a new session
	Session   *Session
	Message   *Message
}

// SessionFilter selects sessions. Zero fields select everything.
type SessionFilter struct {
	States    []string
	ChannelID string
	Number    string
	Customer  string
	// Agent selects the sessions assigned to this extension now.
	Agent string
	// Visible limits to what an agent sees: sessions assigned to the
	// extension, and unassigned sessions offered in its queues.
	Visible *Visibility
	// IncludeRemoved lists sessions removed from agents' lists (history).
	IncludeRemoved bool
	From, To       time.Time // created in [From, To)
	Limit, Offset  int       // Limit default 100
}

// Visibility is what an agent may see.
type Visibility struct {
	Extension string
	Queues    []string
}

// NumberStats counts a number's messages in a period.
type NumberStats struct {
	ChannelID string
	Number    string
	Sent      int // succeeded and failed
	Succeeded int // sent, delivered or read
	Failed    int
	Received  int
}

// NumberStatsBucket counts a number's messages in one bucket of a
// series: created in [Start, Start+step).
type NumberStatsBucket struct {
	NumberStats
	Start time.Time
}

// SessionChange changes a session under conditions, atomically, and adds a
// timeline event when Event is set.
type SessionChange struct {
	ID string
	// Conditions: the change applies only when they hold, else ErrConflict
	// (ErrSessionClosed when the session is closed and open states are
	// required).
	States         []string // the session's state is one of these
	UnassignedOnly bool     // nobody has taken it over yet
	// Changes.
	State    *string
	QueueID  *string
	Assignee *string
	Removed  *bool
	Now      time.Time
	Event    *SessionEvent
}

// MessagingStore keeps channels, queues, sessions and messages.
// DeadLetter is something a provider's webhook brought that Switchboard
// acknowledged but could deliver nowhere: a message to a number no channel
// has. Payload is the message as read (JSON).
type DeadLetter struct {
	ID        string
	ChannelID string
	Reason    string
	Payload   []byte
	CreatedAt time.Time
}

type MessagingStore interface {
	// AddDeadLetter keeps an undeliverable message for an administrator.
	AddDeadLetter(ctx context.Context, d DeadLetter) error
	// ListDeadLetters lists them, newest first; channelID "" lists all.
	ListDeadLetters(ctx context.Context, channelID string, limit int) ([]DeadLetter, error)
	// CreateChannel stores a channel and its integration in one go.
	CreateChannel(ctx context.Context, in *Integration, ch *Channel) error
	// UpdateChannel replaces a channel's settings and numbers.
	UpdateChannel(ctx context.Context, ch *Channel) error
	GetChannel(ctx context.Context, id string) (*Channel, error)
	ChannelByWebhookKey(ctx context.Context, key string) (*Channel, error)
	// ChannelStamp is a stamp of the channel with the webhook key: its id
	// and a digest of all that makes it up — its row and numbers, its
	// integration's template, fields, secrets and settings, and that
	// template's content. Whenever any of these changes, the stamp
	// changes, so what was read of them while the stamp was the same is
	// still true. One read of a few rows, where reading the channel and
	// what it needs takes several. ErrNotFound when no channel has the
	// key.
	ChannelStamp(ctx context.Context, key string) (string, error)
	ListChannels(ctx context.Context) ([]*Channel, error)
	// DeleteChannel removes a channel and its integration; its live
	// sessions are closed, the history kept.
	DeleteChannel(ctx context.Context, id string, now time.Time) error

	CreateQueue(ctx context.Context, q *MessageQueue) error
	UpdateQueue(ctx context.Context, q *MessageQueue) error
	GetQueue(ctx context.Context, id string) (*MessageQueue, error)
	ListQueues(ctx context.Context) ([]*MessageQueue, error)
	// DeleteQueue refuses with ErrInUse while a channel number routes to
	// the queue or sessions wait in it.
	DeleteQueue(ctx context.Context, id string) error

	// ReceiveInbound stores a customer's message: once per provider id, in
	// the customer's live session on the number or a new one.
	ReceiveInbound(ctx context.Context, in Inbound) (*InboundResult, error)
	// ReceiveInbounds stores several messages as ReceiveInbound would, in
	// one transaction, each customer's in their order (a customer's second
	// message joins the session the first opened): all are stored, or none
	// and the error. The results are in the messages' order.
	ReceiveInbounds(ctx context.Context, ins []Inbound) ([]*InboundResult, error)
	// InboundWriters is how many ReceiveInbounds are worth running at
	// once: 1 on SQLite, whose one connection runs transactions one after
	// the other (the messages arriving meanwhile are better stored
	// together), more on PostgreSQL, where transactions run side by side
	// and each waits for round trips to the server.
	InboundWriters() int
	// QueueOutbound stores a message to send in a session that is not
	// closed (an archived one opens again).
	QueueOutbound(ctx context.Context, m *Message) error
	// OpenSession stores a session an agent starts, with its first
	// message; ErrConflict when the customer has a live session on the
	// number (the existing one is returned).
	OpenSession(ctx context.Context, s *Session, first *Message, ev *SessionEvent) (*Session, error)
	// DueOutbound lists a channel's queued messages due by now, oldest
	// first.
	DueOutbound(ctx context.Context, channelID string, now time.Time, limit int) ([]*Message, error)
	// UpdateDelivery saves a message's status, provider id, error, attempts
	// and next attempt.
	UpdateDelivery(ctx context.Context, m *Message) error
	// ApplyReport sets the status a delivery report gives to the channel's
	// message with the provider id. A report never moves a message back
	// (read stays read when "delivered" arrives late).
	ApplyReport(ctx context.Context, channelID, providerID, status, errText string, now time.Time) (*Message, error)
	// RequeueSending makes messages left "sending" by a crash queued again.
	RequeueSending(ctx context.Context, channelID string, now time.Time) (int, error)

	GetSession(ctx context.Context, id string) (*Session, error)
	ListSessions(ctx context.Context, f SessionFilter) ([]*Session, error)
	ChangeSession(ctx context.Context, c SessionChange) (*Session, error)
	// CloseIdleSessions closes a channel's live sessions whose last message
	// is older than idleBefore, and returns them.
	CloseIdleSessions(ctx context.Context, channelID string, idleBefore, now time.Time) ([]*Session, error)
	// DeleteSession removes a session from the history with its messages
	// and timeline. The messages' content goes; they keep counting in the
	// numbers' figures.
	DeleteSession(ctx context.Context, id string) error

	Messages(ctx context.Context, sessionID string) ([]*Message, error)
	// DeleteMessage removes a message from the history (its content goes;
	// it keeps counting in its number's figures); system messages cannot be
	// deleted (ErrInUse).
	DeleteMessage(ctx context.Context, id string) error
	Timeline(ctx context.Context, sessionID string) ([]*SessionEvent, error)

	// NumberStats counts messages per number of a channel created in
	// [from, to) (zero: unbounded).
	NumberStats(ctx context.Context, channelID string, from, to time.Time) ([]NumberStats, error)
	// MessageCounts counts the period's messages of every channel hour by
	// hour and by outcome, the messages waiting to be sent and the offers
	// waiting for an agent, for an overview.
	MessageCounts(ctx context.Context, p Hours) (MessageCounts, error)
	// NumberStatsSeries counts them per number and per bucket of step
	// created in [from, to): bucket i starts at from + i*step. Only
	// buckets with messages are answered, by number then bucket.
	NumberStatsSeries(ctx context.Context, channelID string, from, to time.Time, step time.Duration) ([]NumberStatsBucket, error)

	// SetOptOut records that a customer opted out of (or back into)
	// messages from a number.
	SetOptOut(ctx context.Context, channelID, number, customer string, out bool, now time.Time) error
	OptedOut(ctx context.Context, channelID, number, customer string) (bool, error)
}
