package templaterun

import (
	"bytes"
	"maps"
	"net/http"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/templates"
)

// Webhook is a webhook as the provider sent it, for the ReceiveMessage
// and DeliveryReport scenarios of channel templates.
type Webhook struct {
	Scenario string
	Body     []byte
	// Header holds the webhook's headers, to check its signature; none:
	// not checked.
	Header http.Header
	// URL is the webhook URL as configured at the provider (signatures
	// over the URL, e.g. Twilio's). Default: a placeholder.
	URL    string
	Fields engine.Vars
	Vars   engine.Vars
}

// WebhookResult is what reading a webhook gives.
type WebhookResult struct {
	Scenario string              `json:"scenario"`
	Verified string              `json:"verified"` // "yes", or why not
	Messages []messaging.Inbound `json:"messages"`
	Reports  []messaging.Report  `json:"reports"`
	Warnings []string            `json:"warnings,omitempty"`
	Error    string              `json:"error"`
}

// ReadsWebhook reports whether scenario of t reads a webhook rather than
// sending anything.
func ReadsWebhook(t *engine.Template, scenario string) bool {
	return t.Source.IsChannel() && templates.ReadsWebhook(scenario) && t.Scenario(scenario) != nil
}

// ReadWebhook checks a webhook's signature as the channel would and reads
// its messages or delivery reports, without sending anything. An
// *InputError when it cannot start; a signature that does not hold or a
// body that does not parse is the result's Error.
func ReadWebhook(t *engine.Template, w Webhook, now time.Time) (*WebhookResult, error) {
	if !ReadsWebhook(t, w.Scenario) {
		return nil, inputErr("%s is not a scenario of this template that reads a webhook", w.Scenario)
	}
	if err := CheckFields(t.Source, w.Fields); err != nil {
		return nil, err
	}
	d, err := messaging.Define(t)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	fields := withDefaults(t, w.Fields)
	maps.Copy(fields, w.Vars)
	res := &WebhookResult{Scenario: w.Scenario, Verified: "yes", Messages: []messaging.Inbound{}, Reports: []messaging.Report{}}
	switch {
	case d.Webhook.Verification == "none":
		res.Verified = "the template declares no verification"
	case len(w.Header) == 0 && w.URL == "":
		res.Verified = "not checked: no headers of the webhook were given"
	default:
		u := w.URL
		if u == "" {
			u = "https://switchboard.invalid/webhooks/channels/cli"
		}
		if err := d.VerifyWebhook(messaging.WebhookRequest{URL: u, Header: w.Header, Body: bytes.Clone(w.Body)}, fields, now); err != nil {
			res.Verified, res.Error = "no", err.Error()
		}
	}
	if res.Error == "" {
		parsed, err := d.Parse(w.Body, fields)
		if err != nil {
			res.Error = err.Error()
		} else {
			res.Messages, res.Reports, res.Warnings = parsed.Messages, parsed.Reports, parsed.Warnings
		}
	}
	return res, nil
}
