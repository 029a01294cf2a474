package messaging

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Inbound is one message a webhook brought.
type Inbound struct {
	ProviderID string    `json:"providerId"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	NumberID   string    `json:"numberId,omitempty"` // the provider's id of the number it came to (WhatsApp)
	Text       string    `json:"text"`
	MediaURLs  []string  `json:"mediaUrls"`
	ReceivedAt time.Time `json:"receivedAt,omitzero"` // zero when the provider did not say
	// MergeKey, when set, is what the parts of one message that come in
	// separate webhooks share (ReceiveMessage's MergeKey); AwaitsPart says
	// this one waits for the rest (MergeWait).
	MergeKey   string `json:"mergeKey,omitempty"`
	AwaitsPart bool   `json:"awaitsPart,omitempty"`
}

// Report is one delivery report a webhook brought.
type Report struct {
	ProviderID   string `json:"providerId"`
	Status       string `json:"status"` // sent, delivered, read or failed
	ProviderText string `json:"providerStatus"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// Parsed is what a webhook brought: messages, delivery reports, or
// neither (an event the channel does not use, acknowledged and dropped).
type Parsed struct {
	Messages []Inbound `json:"messages"`
	Reports  []Report  `json:"reports"`
	// Warnings say where a message was read with less than the template
	// asked for: its TextFormat or MediaUrlFormat failed, and the plain
	// outputs were kept.
	Warnings []string `json:"warnings,omitempty"`
}

// ErrNotChallenge means a GET to the webhook is not the provider's
// handshake, or not one for this channel.
var ErrNotChallenge = errors.New("not a webhook handshake for this channel")

// Handshake answers a provider's GET challenge (WhatsApp's hub.challenge):
// when the request carries the token the channel was given, the challenge
// is echoed.
func (d *Definition) Handshake(query url.Values, vars engine.Vars) (string, error) {
	w := d.Webhook
	if w.ChallengeParam == "" {
		return "", fmt.Errorf("%w: the template declares no handshake", ErrNotChallenge)
	}
	if w.ChallengeModeParam != "" && query.Get(w.ChallengeModeParam) != w.ChallengeMode {
		return "", fmt.Errorf("%w: %s is not %q", ErrNotChallenge, w.ChallengeModeParam, w.ChallengeMode)
	}
	token, err := w.ChallengeToken.Render(vars)
	if err != nil {
		return "", fmt.Errorf("rendering the handshake token: %w", err)
	}
	got := query.Get(w.ChallengeTokenParam)
	if token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return "", fmt.Errorf("%w: %s is missing or wrong", ErrNotChallenge, w.ChallengeTokenParam)
	}
	challenge := query.Get(w.ChallengeParam)
	if challenge == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrNotChallenge, w.ChallengeParam)
	}
	return challenge, nil
}

// Answer is what the provider gets for a webhook that was taken.
func (d *Definition) Answer(vars engine.Vars) (status int, contentType, body string) {
	w := d.Webhook
	if w.AnswerBody != nil {
		if b, err := w.AnswerBody.Render(vars); err == nil {
			body = b
		}
	}
	return w.AnswerStatus, w.AnswerContentType, body
}

// BodyJSON turns a webhook body into the JSON the template's paths read: a
// form body (or, for BodyType query, the URL's query, which the service
// passes as the body) becomes an object of its fields (a repeated field
// keeps its first value; Twilio numbers repeated ones: MediaUrl0 …).
func (d *Definition) BodyJSON(body []byte) (string, error) {
	if d.Webhook.BodyType != "form" && d.Webhook.BodyType != "query" {
		if !gjson.ValidBytes(body) {
			return "", errors.New("the webhook body is not JSON")
		}
		return string(body), nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", fmt.Errorf("the webhook's data are not a form: %w", err)
	}
	m := make(map[string]string, len(form))
	for k, v := range form {
		m[k] = v[0]
	}
	b, _ := json.Marshal(m) // strings always marshal
	return string(b), nil
}

// Parse reads a webhook's messages or delivery reports through the
// template's ReceiveMessage and DeliveryReport scenarios. Which one reads
// it is decided by their EventPath/EventValue; a scenario without them
// reads every webhook the other does not claim. vars are the channel's
// variables, for ReceiveMessage's TextFormat and MediaUrlFormat.
func (d *Definition) Parse(body []byte, vars engine.Vars) (Parsed, error) {
	doc, err := d.BodyJSON(body)
	if err != nil {
		return Parsed{}, err
	}
	t := d.Template
	switch {
	case d.report.defined && d.report.path != "" && d.report.matches(doc):
		return d.parseReports(doc)
	case d.receive.defined && (d.receive.path == "" || d.receive.matches(doc)):
		return d.parseMessages(doc, vars)
	case d.report.defined && d.report.path == "" && t.Scenario(templates.ScenarioReceiveMessage) == nil:
		return d.parseReports(doc)
	}
	return Parsed{Messages: []Inbound{}, Reports: []Report{}}, nil
}

func (f eventFilter) matches(doc string) bool {
	v := gjson.Get(doc, f.path)
	if !v.Exists() {
		return false
	}
	if len(f.values) == 0 {
		return v.String() != ""
	}
	for _, want := range f.values {
		if strings.EqualFold(v.String(), want) {
			return true
		}
	}
	return false
}

func (d *Definition) parseMessages(doc string, vars engine.Vars) (Parsed, error) {
	rows, err := d.Template.ReadBody(templates.ScenarioReceiveMessage, doc)
	if err != nil {
		return Parsed{}, err
	}
	out := Parsed{Messages: []Inbound{}, Reports: []Report{}}
	for _, row := range rows {
		m := Inbound{ProviderID: strings.TrimSpace(row["MessageId"]), From: strings.TrimSpace(row["From"]),
			To: strings.TrimSpace(row["To"]), NumberID: strings.TrimSpace(row["NumberId"]), Text: row["Text"], MediaURLs: []string{}}
		if m.ProviderID == "" || m.From == "" {
			continue // not a message (a status row of a mixed webhook)
		}
		if raw := row["MediaUrls"]; raw != "" {
			if json.Unmarshal([]byte(raw), &m.MediaURLs) != nil {
				m.MediaURLs = []string{raw}
			}
		}
		if u := strings.TrimSpace(row["MediaUrl"]); u != "" && len(m.MediaURLs) == 0 {
			m.MediaURLs = []string{u}
		}
		m.ReceivedAt = parseTime(row["ReceivedAt"])
		out.Warnings = append(out.Warnings, d.format.apply(&m, row, vars)...)
		out.Messages = append(out.Messages, m)
	}
	return out, nil
}

func (d *Definition) parseReports(doc string) (Parsed, error) {
	rows, err := d.Template.ReadBody(templates.ScenarioDeliveryReport, doc)
	if err != nil {
		return Parsed{}, err
	}
	out := Parsed{Messages: []Inbound{}, Reports: []Report{}}
	for _, row := range rows {
		r := Report{ProviderID: strings.TrimSpace(row["MessageId"]), ProviderText: strings.TrimSpace(row["Status"]),
			ErrorCode: strings.TrimSpace(row["ErrorCode"]), ErrorMessage: strings.TrimSpace(row["ErrorMessage"])}
		if r.ProviderID == "" || r.ProviderText == "" {
			continue
		}
		r.Status = d.status(r.ProviderText)
		out.Reports = append(out.Reports, r)
	}
	return out, nil
}

// status maps a provider's delivery status to Switchboard's: as the
// template's StatusMap says, or else as NormalizeStatus reads it.
func (d *Definition) status(provider string) string {
	if s, ok := d.Statuses[strings.ToLower(strings.TrimSpace(provider))]; ok {
		return s
	}
	return NormalizeStatus(provider)
}

// NormalizeStatus maps a provider's delivery status to Switchboard's:
// sent, delivered, read or failed. Unknown words count as sent: the
// provider has the message.
func NormalizeStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "delivered", "delivery_acknowledged", "deliveredtohandset", "delivrd":
		return "delivered"
	case "read", "seen":
		return "read"
	case "failed", "undelivered", "rejected", "expired", "delivery_failed", "sending_failed", "undeliv", "rejectd", "error":
		return "failed"
	}
	return "sent"
}

// parseTime reads a provider's time: RFC 3339 (with or without fraction or
// zone colon), or Unix seconds or milliseconds. Zero when it is neither.
func parseTime(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	if n := gjson.Parse(v); n.Type == gjson.Number {
		sec := n.Float()
		if sec > 1e12 {
			sec /= 1000
		}
		return time.Unix(0, int64(sec*1e9)).UTC()
	}
	return time.Time{}
}

// QueryData reports whether the template's webhooks bring their data in
// the URL's query (BodyType query), by GET or by POST, rather than in a
// body.
func (d *Definition) QueryData() bool { return d.Webhook.BodyType == "query" }
