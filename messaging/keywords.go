package messaging

import (
	"strings"
	"unicode"
)

// Keyword is what a customer's message asks of the channel, when it is one
// of the compliance keywords of SMS (CTIA's and the usual aliases).
type Keyword string

// Keywords.
const (
	NoKeyword Keyword = ""
	OptOut    Keyword = "opt-out" // STOP and friends: no more messages to this customer on this number
	OptIn     Keyword = "opt-in"  // START: messages again
	Help      Keyword = "help"
)

var keywords = map[string]Keyword{
	"STOP": OptOut, "STOPALL": OptOut, "STOP ALL": OptOut, "UNSUBSCRIBE": OptOut, "CANCEL": OptOut,
	"END": OptOut, "QUIT": OptOut, "REVOKE": OptOut, "OPTOUT": OptOut, "OPT OUT": OptOut, "OPT-OUT": OptOut,
	"START": OptIn, "UNSTOP": OptIn, "YES": OptIn, "SUBSCRIBE": OptIn,
	"HELP": Help, "INFO": Help,
}

// ClassifyKeyword reports whether a message is a keyword: the whole text,
// in any case, with surrounding spaces and punctuation ("Stop.", " stop!")
// ignored. A sentence that merely contains the word is not one: "don't stop
// the delivery" is a message for an agent.
func ClassifyKeyword(text string) Keyword {
	t := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	t = strings.Join(strings.Fields(strings.ToUpper(t)), " ")
	return keywords[t]
}

// KeywordReplies are the automatic answers. Empty fields take the defaults.
type KeywordReplies struct {
	OptOut string `json:"optOut,omitempty"`
	OptIn  string `json:"optIn,omitempty"`
	Help   string `json:"help,omitempty"`
}

// Default automatic answers, after the usual carrier wording.
const (
	DefaultOptOutReply = "You have been unsubscribed and will get no more messages from this number. Reply START to subscribe again."
	DefaultOptInReply  = "You are subscribed again to messages from this number. Reply HELP for help, STOP to unsubscribe."
	DefaultHelpReply   = "Reply STOP to unsubscribe. Message and data rates may apply."
)

// Reply returns the answer to a keyword.
func (r KeywordReplies) Reply(k Keyword) string {
	switch k {
	case OptOut:
		return or(r.OptOut, DefaultOptOutReply)
	case OptIn:
		return or(r.OptIn, DefaultOptInReply)
	case Help:
		return or(r.Help, DefaultHelpReply)
	}
	return ""
}
