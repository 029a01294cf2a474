package messaging

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Definition is what a channel template declares besides its requests:
// how webhooks are verified and answered, the channel's rules and what the
// provider's errors mean. It is made once per compiled template.
type Definition struct {
	Template *engine.Template
	// Kind is the template's Provider: "sms" or "messaging".
	Kind string
	// Transport is how the channel reaches its provider:
	// templates.TransportHTTP (the template's requests and webhooks) or
	// templates.TransportSMPP (a bind to the SMSC, smpp_channel.go).
	Transport string
	Webhook   Webhook
	Rules     Rules
	// Errors maps a provider error code, or "HTTP <status>", to what it
	// means.
	Errors map[string]ErrorDef
	// Statuses maps a provider's delivery status, lower-case, to sent,
	// delivered, read or failed (Father="StatusMap"); a status it does not
	// name is read by NormalizeStatus.
	Statuses         map[string]string
	ErrorCodePath    string // where a failed answer holds the provider's code
	ErrorMessagePath string // and its description

	expectBody *engine.Text // VerifyChannel's ExpectBody
	receive    eventFilter
	report     eventFilter
	format     messageFormat // ReceiveMessage's TextFormat and MediaUrlFormat
}

// Webhook says how the provider's webhooks are checked and answered.
type Webhook struct {
	Verification      string // one of templates.WebhookVerifications
	SignatureHeader   string
	SignaturePrefix   *engine.Text // before the signature, over the channel's fields (Telesign's "TSA {{.customer_id}}:")
	SignatureEncoding string       // hex or base64
	Secret            *engine.Text
	TimestampHeader   string
	MaxAge            time.Duration
	Username          *engine.Text
	Password          *engine.Text
	TokenParam        string
	Token             *engine.Text
	BodyType          string // json, form, or query (the data in the URL's query, by GET or POST)
	AnswerStatus      int
	AnswerBody        *engine.Text
	AnswerContentType string

	ChallengeParam      string
	ChallengeTokenParam string
	ChallengeToken      *engine.Text
	ChallengeModeParam  string
	ChallengeMode       string
}

// Rules are the channel type's rules.
type Rules struct {
	// MessagesPerSecond is the default sending rate; a channel may choose
	// another up to MaxMessagesPerSecond.
	MessagesPerSecond    int
	MaxMessagesPerSecond int
	// AgentInitiated allows agents to start sessions (SMS); WhatsApp only
	// answers customers.
	AgentInitiated bool
	// ReplyWindow, when set, refuses replies once the customer's last
	// message is older (WhatsApp: 24 hours).
	ReplyWindow time.Duration
	// AutoClose, when set, closes sessions idle that long whatever the
	// channel's own setting (WhatsApp: 24 hours).
	AutoClose time.Duration
	// OptOutKeywords honours STOP/START/HELP; KeywordReplies sends the
	// automatic answers (off when the provider sends its own).
	OptOutKeywords bool
	KeywordReplies bool
	// MaxTextLength refuses longer texts up front; 0: no limit.
	MaxTextLength int
}

// ErrorDef is what one provider error means.
type ErrorDef struct {
	Message string
	Kind    string // permanent, temporary or auth
}

// eventFilter picks the webhooks a scenario reads: those where the value
// at Path is one of Values ("" values: present and not empty).
type eventFilter struct {
	defined bool
	path    string
	values  []string
}

// Define reads a channel template's declarations. The template must have
// passed validation; an error here is a template string that does not
// compile.
func Define(t *engine.Template) (*Definition, error) {
	src := t.Source
	if !src.IsChannel() {
		return nil, fmt.Errorf("template %s is a %s template, not a channel (Provider sms or messaging)", src.Key, src.Provider)
	}
	d := &Definition{Template: t, Kind: src.Provider, Transport: src.Transport(), Errors: map[string]ErrorDef{}, Statuses: map[string]string{}}
	funcs := engine.FuncMap(time.UTC)
	var err error
	text := func(src string) *engine.Text {
		if err != nil || strings.TrimSpace(src) == "" {
			return nil
		}
		var tx *engine.Text
		tx, err = engine.CompileText(src, funcs)
		return tx
	}
	wh := param(src, templates.FatherWebhook)
	d.Webhook = Webhook{
		Verification:        strings.ToLower(or(wh["Verification"], "none")),
		SignatureHeader:     wh["SignatureHeader"],
		SignaturePrefix:     text(wh["SignaturePrefix"]),
		SignatureEncoding:   strings.ToLower(or(wh["SignatureEncoding"], "hex")),
		Secret:              text(wh["Secret"]),
		TimestampHeader:     wh["TimestampHeader"],
		MaxAge:              time.Duration(atoi(wh["MaxAgeSeconds"], 300)) * time.Second,
		Username:            text(wh["Username"]),
		Password:            text(wh["Password"]),
		TokenParam:          wh["TokenParam"],
		Token:               text(wh["Token"]),
		BodyType:            strings.ToLower(or(wh["BodyType"], "json")),
		AnswerStatus:        atoi(wh["AnswerStatus"], 200),
		AnswerBody:          text(wh["AnswerBody"]),
		AnswerContentType:   or(wh["AnswerContentType"], "text/plain; charset=utf-8"),
		ChallengeParam:      wh["ChallengeParam"],
		ChallengeTokenParam: wh["ChallengeTokenParam"],
		ChallengeToken:      text(wh["ChallengeToken"]),
		ChallengeModeParam:  wh["ChallengeModeParam"],
		ChallengeMode:       wh["ChallengeMode"],
	}
	if d.Webhook.Verification == "twilio" {
		d.Webhook.SignatureHeader = or(d.Webhook.SignatureHeader, "X-Twilio-Signature")
	}
	ch := param(src, templates.FatherChannel)
	sms := d.Kind == "sms"
	d.Rules = Rules{
		MessagesPerSecond:    atoi(ch["MessagesPerSecond"], 10),
		MaxMessagesPerSecond: atoi(ch["MaxMessagesPerSecond"], 100),
		AgentInitiated:       flag(ch["AgentInitiated"], sms),
		ReplyWindow:          time.Duration(atoi(ch["ReplyWindowHours"], 0)) * time.Hour,
		AutoClose:            time.Duration(atoi(ch["AutoCloseHours"], 0)) * time.Hour,
		OptOutKeywords:       flag(ch["OptOutKeywords"], sms),
		KeywordReplies:       flag(ch["KeywordReplies"], true),
		MaxTextLength:        atoi(ch["MaxTextLength"], 0),
	}
	d.Rules.MaxMessagesPerSecond = max(d.Rules.MaxMessagesPerSecond, d.Rules.MessagesPerSecond)
	d.ErrorCodePath = templates.NormalizePath(ch["ErrorCodePath"])
	d.ErrorMessagePath = templates.NormalizePath(ch["ErrorMessagePath"])
	for _, p := range src.AuthParameters(templates.FatherErrorMap) {
		d.Errors[strings.TrimSpace(p.Name)] = ErrorDef{Message: strings.TrimSpace(p.Value), Kind: strings.ToLower(or(p.Type, "permanent"))}
	}
	for _, p := range src.AuthParameters(templates.FatherStatusMap) {
		d.Statuses[strings.ToLower(strings.TrimSpace(p.Name))] = strings.ToLower(strings.TrimSpace(p.Value))
	}
	if s := src.Scenario(templates.ScenarioVerifyChannel); s != nil {
		d.expectBody = text(s.ParamValue("ExpectBody"))
	}
	d.receive = filterOf(src.Scenario(templates.ScenarioReceiveMessage))
	d.report = filterOf(src.Scenario(templates.ScenarioDeliveryReport))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", src.Key, err)
	}
	if d.format, err = compileFormat(src, funcs); err != nil {
		return nil, fmt.Errorf("template %s: %w", src.Key, err)
	}
	return d, nil
}

func filterOf(s *templates.Scenario) eventFilter {
	if s == nil {
		return eventFilter{}
	}
	f := eventFilter{defined: true, path: templates.NormalizePath(s.ParamValue("EventPath"))}
	for _, v := range strings.Split(s.ParamValue("EventValue"), "|") {
		if v = strings.TrimSpace(v); v != "" {
			f.values = append(f.values, v)
		}
	}
	return f
}

// param returns the AuthMethod parameters of a Father by name (the last
// one wins when a name is given twice).
func param(t *templates.Template, father string) map[string]string {
	out := map[string]string{}
	for _, p := range t.AuthParameters(father) {
		out[p.Name] = strings.TrimSpace(p.Value)
	}
	return out
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func atoi(v string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

func flag(v string, def bool) bool {
	switch strings.TrimSpace(v) {
	case "1":
		return true
	case "0":
		return false
	}
	return def
}
