package messaging

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Outgoing is one message to send through a channel number.
type Outgoing struct {
	From      string   // the channel number, E.164
	NumberID  string   // the provider's id of that number (WhatsApp's phone number id)
	To        string   // the customer
	Text      string   //
	MediaURLs []string //
	// VerifyToken is the channel's verify token, for providers told per
	// message where to report delivery, at a URL that must prove itself.
	VerifyToken string
	// IdempotencyKey, when set, is sent as Idempotency-Key so a provider
	// that honours it ignores a copy sent again after a crash.
	IdempotencyKey string
	// Pace, when set, is waited for by each request right before it goes
	// out (engine.RunOptions.Pace): the channel's messages per second.
	Pace func(ctx context.Context) error
	// Slot, when set, is the request slot of the channel's client the
	// send goes out under (engine.RunOptions.Slot): the sender holds it
	// from before the message is marked sending to its answer.
	Slot *engine.Slot
}

// Vars are the variables of the SendMessage scenario for the message.
// webhookURL is the channel's webhook, for providers told per message
// where to report delivery (Twilio's StatusCallback); for a template that
// checks webhooks by a token in the URL it carries the token
// (Definition.WebhookURL).
func (m Outgoing) Vars(webhookURL string) engine.Vars {
	media := m.MediaURLs
	if media == nil {
		media = []string{}
	}
	list, _ := json.Marshal(media) // strings always marshal
	first := ""
	if len(media) > 0 {
		first = media[0]
	}
	return engine.Vars{"From": m.From, "NumberId": m.NumberID, "To": m.To, "Text": m.Text,
		"MediaUrls": string(list), "MediaUrl": first, "WebhookUrl": webhookURL, "VerifyToken": m.VerifyToken}
}

// CheckText refuses a message the channel cannot carry before it is
// queued: nothing to send, or longer than the channel allows.
func (d *Definition) CheckText(text string, media []string) error {
	if text == "" && len(media) == 0 {
		return fmt.Errorf("the message is empty: give a text or media URLs")
	}
	if len(media) > 0 && d.Transport == templates.TransportSMPP {
		return fmt.Errorf("this channel sends over SMPP, which carries text only: send the media's URLs in the text")
	}
	if n := utf8.RuneCountInString(text); d.Rules.MaxTextLength > 0 && n > d.Rules.MaxTextLength {
		return fmt.Errorf("the text has %d characters; this channel carries at most %d", n, d.Rules.MaxTextLength)
	}
	return nil
}

// Send runs SendMessage for one message. It returns the provider's message
// id, the run (its trace), and why it failed, if it did.
func (d *Definition) Send(ctx context.Context, c *engine.Client, m Outgoing, webhookURL string) (string, *engine.Result, *SendFailure) {
	res := c.Run(ctx, templates.ScenarioSendMessage, m.Vars(webhookURL), engine.RunOptions{IdempotencyKey: m.IdempotencyKey, Pace: m.Pace, Slot: m.Slot})
	if f := d.SendFailure(res); f != nil {
		return "", res, f
	}
	return res.Vars["MessageId"], res, nil
}

// Verify runs VerifyChannel for one of the channel's numbers with a fresh
// challenge and reads the channel's status from the answer.
func (d *Definition) Verify(ctx context.Context, c *engine.Client, number, numberID string) (status, reason string, res *engine.Result) {
	if d.Template.Scenario(templates.ScenarioVerifyChannel) == nil {
		return StatusUnverified, "the template has no VerifyChannel scenario", nil
	}
	vars := engine.Vars{"Challenge": NewChallenge(), "From": number, "NumberId": numberID}
	res = c.Run(ctx, templates.ScenarioVerifyChannel, vars, engine.RunOptions{})
	status, reason = d.ChannelStatus(res, vars)
	return status, reason, res
}

// NewChallenge returns a random challenge of 32 letters, like the one in
// the generic SMS API's example.
func NewChallenge() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}
