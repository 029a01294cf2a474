package scenarios

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// MaxChatJournalEvery bounds ChatJournalSettings.Every.
const MaxChatJournalEvery = 1000

// ChatJournalSettings say when a session's transcript is journaled.
type ChatJournalSettings struct {
	Enabled bool `json:"enabled"`
	// Every, when more than 0, journals a part of an open session every
	// that many messages; the rest is journaled when it closes.
	Every int `json:"every,omitempty"`
	// CreateContact creates the customer's contact (CreateNewContact,
	// its first contact type) when the lookup by number finds nobody.
	CreateContact bool   `json:"createContact"`
	Subject       string `json:"subject,omitempty"`
	Description   string `json:"description,omitempty"`
}

// ChatMessage is a message of a transcript.
type ChatMessage struct {
	Direction string    `json:"direction"` // in (customer), out (agent), system
	Author    string    `json:"author,omitempty"`
	Text      string    `json:"text"`
	Media     []string  `json:"media,omitempty"`
	At        time.Time `json:"-"`
	Time      string    `json:"time"` // At in the PBX time zone, as ChatStartTime
}

// Chat is the part of a messaging session a ChatJournal run writes.
type Chat struct {
	SessionID     string
	Channel       string // the channel's name
	ChannelNumber string // the business number the customer wrote to
	Customer      string // E.164
	Agent         string // the extension that answered
	Part          int    // 1, 2 … for journals every N messages
	Final         bool   // written when the session closed
	Start, End    time.Time
	Messages      []ChatMessage
}

const chatTimeLayout = "2006-01-02 15:04:05"

// Vars are the ChatJournal scenario's variables: the chat's, the agent's
// extension, and Phone as the helpdesk wants numbers written (f, nil:
// as stored); RawPhone keeps the customer's number as stored.
func (c *Chat) Vars(ext ExtensionInfo, f *NumberFormat, loc *time.Location) engine.Vars {
	if loc == nil {
		loc = time.Local
	}
	msgs := make([]ChatMessage, len(c.Messages))
	var b strings.Builder
	for i, m := range c.Messages {
		m.Time = m.At.In(loc).Format(chatTimeLayout)
		if m.Media == nil {
			m.Media = []string{}
		}
		msgs[i] = m
		fmt.Fprintf(&b, "[%s] %s: %s", m.Time, chatSpeaker(m, c.Customer), m.Text)
		for _, u := range m.Media {
			fmt.Fprintf(&b, " %s", u)
		}
		b.WriteByte('\n')
	}
	list, _ := json.Marshal(msgs) // strings and times always marshal
	phone := c.Customer
	if f != nil {
		phone = f.Apply(c.Customer)
	}
	v := engine.Vars{
		"Phone": phone, "RawPhone": c.Customer, "ContactNumber": phone, "BusinessNumber": phone,
		"ChatSessionId": c.SessionID, "ChatChannel": c.Channel, "ChatChannelNumber": c.ChannelNumber, "ChatAgent": c.Agent,
		"ChatStartTime": c.Start.In(loc).Format(chatTimeLayout), "ChatEndTime": c.End.In(loc).Format(chatTimeLayout),
		"ChatStartTimeUnix": strconv.FormatInt(c.Start.Unix(), 10), "ChatEndTimeUnix": strconv.FormatInt(c.End.Unix(), 10),
		"ChatMessageCount": strconv.Itoa(len(c.Messages)), "ChatTranscript": strings.TrimRight(b.String(), "\n"),
		"ChatMessages": string(list), "ChatPart": strconv.Itoa(max(c.Part, 1)), "ChatFinal": boolString(c.Final),
		"ExtensionFirstName": ext.FirstName, "ExtensionLastName": ext.LastName, "ExtensionEmail": ext.Email,
	}
	return v
}

// chatSpeaker names who wrote a message in the transcript.
func chatSpeaker(m ChatMessage, customer string) string {
	switch m.Direction {
	case "in":
		return customer
	case "out":
		if m.Author != "" {
			return "agent " + m.Author
		}
		return "agent"
	}
	return "automatic reply"
}

// DefaultChatSubject and DefaultChatDescription are the journal's texts
// when the settings give none.
const (
	DefaultChatSubject     = `{{.ChatChannel}} conversation with {{.Phone}}`
	DefaultChatDescription = `Conversation on {{.ChatChannel}} ({{.ChatChannelNumber}}) with {{.Phone}}, answered by extension {{.ChatAgent}}, from {{.ChatStartTime}} to {{.ChatEndTime}} ({{.ChatMessageCount}} messages):
{{.ChatTranscript}}`
)
