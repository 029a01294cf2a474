package templates

import (
	"slices"
	"strconv"
	"strings"
)

// Channel templates (Provider sms or messaging) declare, in AuthMethod,
// how the provider's webhooks are verified and answered (Father="Webhook"),
// the channel's rules (Father="Channel") and what provider errors mean
// (Father="ErrorMap"). DESIGN §5; docs/templates/channels.md lists every
// parameter.

// WebhookVerifications are the ways a webhook can prove it comes from the
// provider.
var WebhookVerifications = []string{
	"none",        // nothing to check (a test provider; the path's key is the only secret)
	"hmac-sha256", // HMAC-SHA256 of the raw body in a header (generic SMS API, WhatsApp)
	"hmac-sha1",   // HMAC-SHA1 of the raw body in a header
	"twilio",      // HMAC-SHA1 over the URL and the sorted form fields, base64 (X-Twilio-Signature)
	"ed25519",     // Ed25519 over timestamp|body with the provider's public key (Telnyx)
	"basic",       // HTTP Basic credentials the provider was given
	"token",       // a secret token in a query parameter of the webhook URL
}

// WebhookParams are the Father="Webhook" parameters; WebhookTexts says
// which of them are templates.
var WebhookParams = []string{"Verification", "SignatureHeader", "SignaturePrefix", "SignatureEncoding", "Secret",
	"TimestampHeader", "MaxAgeSeconds", "Username", "Password", "TokenParam", "Token", "BodyType",
	"AnswerStatus", "AnswerBody", "AnswerContentType",
	"ChallengeParam", "ChallengeTokenParam", "ChallengeToken", "ChallengeModeParam", "ChallengeMode"}

// ChannelParams are the Father="Channel" parameters.
var ChannelParams = []string{"MessagesPerSecond", "MaxMessagesPerSecond", "AgentInitiated", "ReplyWindowHours",
	"AutoCloseHours", "OptOutKeywords", "KeywordReplies", "MaxTextLength", "ErrorCodePath", "ErrorMessagePath", "Transport"}

// Transports are how a channel reaches its provider: by the template's
// HTTP requests, or over SMPP to the customer's own SMSC, which Switchboard
// speaks itself (messaging/smpp) with the template's fields.
var Transports = []string{TransportHTTP, TransportSMPP}

// Transport values.
const (
	TransportHTTP = "http"
	TransportSMPP = "smpp"
)

// SMPPFields are the custom fields an SMPP channel template must declare:
// the transport reads them by these names.
var SMPPFields = []string{"host", "system_id", "password"}

// ErrorKinds say what a mapped provider error means for the message: tried
// again later (temporary), failed (permanent), or failed because the
// credentials are wrong (auth, which also marks the channel unauthorized).
var ErrorKinds = []string{"permanent", "temporary", "auth"}

// MessageStatuses are what a StatusMap may map a provider's delivery
// status to.
var MessageStatuses = []string{"sent", "delivered", "read", "failed"}

// needs lists, per verification, the Webhook parameters it cannot do
// without.
var verificationNeeds = map[string][]string{
	"hmac-sha256": {"SignatureHeader", "Secret"},
	"hmac-sha1":   {"SignatureHeader", "Secret"},
	"twilio":      {"Secret"},
	"ed25519":     {"SignatureHeader", "TimestampHeader", "Secret"},
	"basic":       {"Username", "Password"},
	"token":       {"TokenParam", "Token"},
}

func (c *checker) channel(seen map[string]*Scenario) {
	t := c.t
	if as := seen[ScenarioAuth]; as != nil {
		c.webhookParams(as)
		c.channelParams(as)
		c.errorMap(as)
		c.statusMap(as)
	}
	if t.Transport() == TransportSMPP {
		c.smppChannel(seen)
		return
	}
	send := seen[ScenarioSendMessage]
	if send == nil {
		if sn := t.Root.Child("Scenarios"); sn != nil {
			c.errorf(sn, "", "a channel template needs a SendMessage scenario: agents' replies are sent through it")
		}
	} else {
		c.needOutputs(send, "MessageId")
	}
	if recv := seen[ScenarioReceiveMessage]; recv != nil {
		c.needOutputs(recv, "MessageId", "From")
		c.eventFilter(recv)
		c.mergeParams(recv)
	} else if sn := t.Root.Child("Scenarios"); sn != nil {
		c.warnf(sn, "", "the template has no ReceiveMessage scenario, so the channel cannot receive messages")
	}
	if dr := seen[ScenarioDeliveryReport]; dr != nil {
		c.needOutputs(dr, "MessageId", "Status")
		c.eventFilter(dr)
		if seen[ScenarioReceiveMessage] != nil && dr.Param("EventPath") == nil {
			c.warnf(dr.Node, "", "DeliveryReport has no EventPath, so every webhook goes to ReceiveMessage and no report is ever read; give the path that only delivery reports have")
		}
	}
	if fm := seen[ScenarioFetchMedia]; fm != nil {
		c.needOutputs(fm, "DownloadUrl")
	}
	if seen[ScenarioVerifyChannel] == nil {
		if sn := t.Root.Child("Scenarios"); sn != nil {
			c.warnf(sn, "", "the template has no VerifyChannel scenario, so the channel's connection cannot be checked")
		}
	}
}

// smppChannel checks a template whose channel speaks SMPP: the transport
// sends and receives, so HTTP scenarios and webhook settings would never
// be used, and the fields it reads must be there.
func (c *checker) smppChannel(seen map[string]*Scenario) {
	for _, id := range []string{ScenarioSendMessage, ScenarioReceiveMessage, ScenarioDeliveryReport, ScenarioVerifyChannel, ScenarioFetchMedia} {
		if s := seen[id]; s != nil {
			c.warnf(s.Node, "Id", "scenario %s has no effect: a Transport=\"smpp\" channel sends, receives and checks its bind over SMPP", id)
		}
	}
	if as := seen[ScenarioAuth]; as != nil {
		for _, p := range as.ParamsByFather(FatherWebhook) {
			c.warnf(p.Node, "Father", "Webhook parameter %s has no effect: a Transport=\"smpp\" channel has no webhook", p.Name)
		}
	}
	have := map[string]bool{}
	for _, f := range c.t.CustomFields() {
		have[f.Name] = true
	}
	for _, name := range SMPPFields {
		if !have[name] {
			c.errorf(c.t.Root, "", "a Transport=\"smpp\" template needs a custom field named %s (it needs %s)", name, strings.Join(SMPPFields, ", "))
		}
	}
}

// mergeParams checks the settings that join a message coming in parts
// (MergeKey, MergeWait, MergeWindowSeconds): the wait and the window mean
// nothing without the key the parts share.
func (c *checker) mergeParams(s *Scenario) {
	key := s.Param("MergeKey")
	for _, name := range []string{"MergeWait", "MergeWindowSeconds"} {
		if p := s.Param(name); p != nil && key == nil {
			c.errorf(p.Node, "Name", "%s needs a MergeKey: the template, over the message's outputs, that the parts of one message share", name)
		}
	}
	if p := s.Param("MergeWindowSeconds"); p != nil {
		if n, ok := parseUint(p.Value); !ok || n < 1 || n > 60 {
			c.errorf(p.Node, "Value", "MergeWindowSeconds %q must be a whole number of seconds from 1 to 60 (a provider waits that long for its webhook's answer)", p.Value)
		}
	}
}

// needOutputs checks that one of the scenario's requests yields each name.
func (c *checker) needOutputs(s *Scenario, names ...string) {
	for _, name := range names {
		found := false
		for _, r := range s.Requests {
			if r.Output(name) != nil {
				found = true
			}
		}
		if !found {
			c.errorf(s.Node, "", "scenario %s needs a request with an output named %s", s.ID, name)
		}
	}
}

// eventFilter checks EventPath/EventValue, which tell the webhooks a
// scenario reads from the others the provider sends to the same URL.
func (c *checker) eventFilter(s *Scenario) {
	p := s.Param("EventPath")
	if p == nil {
		if s.Param("EventValue") != nil {
			c.errorf(s.Param("EventValue").Node, "Name", "EventValue needs an EventPath: the JSON path of the value to compare")
		}
		return
	}
	if strings.TrimSpace(p.Value) == "" {
		c.errorf(p.Node, "Value", "EventPath is empty")
	} else if err := CheckPath(NormalizePath(p.Value)); err != nil {
		c.errorf(p.Node, "Value", "%v", err)
	}
}

func (c *checker) webhookParams(s *Scenario) {
	given := map[string]*Parameter{}
	for _, p := range s.ParamsByFather(FatherWebhook) {
		if !slices.Contains(WebhookParams, p.Name) {
			c.warnf(p.Node, "Name", "unknown Webhook parameter %q has no effect%s", p.Name, DidYouMean(p.Name, WebhookParams))
			continue
		}
		given[p.Name] = p
	}
	method := "none"
	if p := given["Verification"]; p != nil {
		method = strings.ToLower(strings.TrimSpace(p.Value))
		if !slices.Contains(WebhookVerifications, method) {
			c.errorf(p.Node, "Value", "Verification %q is not one of %s%s", p.Value, oneOf(WebhookVerifications), DidYouMean(p.Value, WebhookVerifications))
			return
		}
	}
	for _, need := range verificationNeeds[method] {
		if p := given[need]; p == nil || strings.TrimSpace(p.Value) == "" {
			c.errorf(given["Verification"].Node, "Value", "Verification %s needs the Webhook parameter %s", method, need)
		}
	}
	if p := given["SignatureHeader"]; p != nil && !headerPattern.MatchString(p.Value) {
		c.errorf(p.Node, "Value", "SignatureHeader %q is not a valid HTTP header name", p.Value)
	}
	if p := given["TimestampHeader"]; p != nil && !headerPattern.MatchString(p.Value) {
		c.errorf(p.Node, "Value", "TimestampHeader %q is not a valid HTTP header name", p.Value)
	}
	if p := given["SignatureEncoding"]; p != nil && !slices.Contains([]string{"hex", "base64"}, strings.ToLower(p.Value)) {
		c.errorf(p.Node, "Value", "SignatureEncoding %q is not \"hex\" or \"base64\"", p.Value)
	}
	if p := given["BodyType"]; p != nil && !slices.Contains([]string{"json", "form", "query"}, strings.ToLower(p.Value)) {
		c.errorf(p.Node, "Value", "BodyType %q is not \"json\", \"form\" (application/x-www-form-urlencoded) or \"query\" (the data in the URL's query, by GET or POST)", p.Value)
	}
	if p := given["AnswerStatus"]; p != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err != nil || n < 200 || n > 299 {
			c.errorf(p.Node, "Value", "AnswerStatus %q must be a 2xx HTTP status", p.Value)
		}
	}
	if p := given["MaxAgeSeconds"]; p != nil {
		if _, ok := parseUint(p.Value); !ok {
			c.errorf(p.Node, "Value", "MaxAgeSeconds %q must be a whole number of seconds", p.Value)
		}
	}
	// A handshake names the query parameter to echo and, to know the
	// request is the provider's, the one carrying the token it was given.
	if given["ChallengeParam"] != nil || given["ChallengeTokenParam"] != nil || given["ChallengeToken"] != nil {
		for _, need := range []string{"ChallengeParam", "ChallengeTokenParam", "ChallengeToken"} {
			if p := given[need]; p == nil || strings.TrimSpace(p.Value) == "" {
				n := s.Node
				for _, other := range []string{"ChallengeParam", "ChallengeTokenParam", "ChallengeToken"} {
					if given[other] != nil {
						n = given[other].Node
						break
					}
				}
				c.errorf(n, "", "a webhook handshake needs the Webhook parameters ChallengeParam, ChallengeTokenParam and ChallengeToken; %s is missing", need)
			}
		}
	}
	if (given["ChallengeModeParam"] == nil) != (given["ChallengeMode"] == nil) {
		p := given["ChallengeModeParam"]
		if p == nil {
			p = given["ChallengeMode"]
		}
		c.errorf(p.Node, "Name", "ChallengeModeParam and ChallengeMode go together: the query parameter and the value it must have")
	}
}

func (c *checker) channelParams(s *Scenario) {
	for _, p := range s.ParamsByFather(FatherChannel) {
		v := strings.TrimSpace(p.Value)
		switch p.Name {
		case "MessagesPerSecond", "MaxMessagesPerSecond":
			if n, ok := parseUint(v); !ok || n < 1 || n > 1000 {
				c.errorf(p.Node, "Value", "%s %q must be a whole number from 1 to 1000", p.Name, p.Value)
			}
		case "ReplyWindowHours", "AutoCloseHours", "MaxTextLength":
			if _, ok := parseUint(v); !ok {
				c.errorf(p.Node, "Value", "%s %q must be a whole number (0 = none)", p.Name, p.Value)
			}
		case "AgentInitiated", "OptOutKeywords", "KeywordReplies":
			if v != "0" && v != "1" {
				c.errorf(p.Node, "Value", "%s %q must be 0 or 1", p.Name, p.Value)
			}
		case "ErrorCodePath", "ErrorMessagePath":
			if err := CheckPath(NormalizePath(v)); err != nil {
				c.errorf(p.Node, "Value", "%v", err)
			}
		case "Transport":
			if !slices.Contains(Transports, strings.ToLower(v)) {
				c.errorf(p.Node, "Value", "Transport %q is not one of %s%s", p.Value, oneOf(Transports), DidYouMean(v, Transports))
			}
		default:
			c.warnf(p.Node, "Name", "unknown Channel parameter %q has no effect%s", p.Name, DidYouMean(p.Name, ChannelParams))
		}
	}
}

func (c *checker) errorMap(s *Scenario) {
	seen := map[string]*Parameter{}
	for _, p := range s.ParamsByFather(FatherErrorMap) {
		name := strings.TrimSpace(p.Name)
		if name == "" {
			c.errorf(p.Node, "", "an ErrorMap parameter needs a Name: the provider's error code, or \"HTTP <status>\"")
			continue
		}
		if status, ok := strings.CutPrefix(name, "HTTP "); ok {
			if n, err := strconv.Atoi(status); err != nil || n < 100 || n > 599 {
				c.errorf(p.Node, "Name", "ErrorMap name %q: \"HTTP \" must be followed by an HTTP status", name)
			}
		}
		if prev := seen[name]; prev != nil {
			c.warnf(p.Node, "Name", "ErrorMap %s is given twice (also at line %d); the last one wins", name, prev.Node.Pos.Line)
		}
		seen[name] = p
		if strings.TrimSpace(p.Value) == "" {
			c.errorf(p.Node, "Value", "ErrorMap %s needs a Value: the message agents see", name)
		}
		if p.Type != "" && !slices.Contains(ErrorKinds, strings.ToLower(p.Type)) {
			c.errorf(p.Node, "Type", "ErrorMap Type %q is not one of %s", p.Type, oneOf(ErrorKinds))
		}
	}
}

// statusMap checks the provider's delivery statuses a template maps
// (Father="StatusMap"): each a status word or code of the provider as
// Name, one of MessageStatuses as Value.
func (c *checker) statusMap(s *Scenario) {
	seen := map[string]*Parameter{}
	params := s.ParamsByFather(FatherStatusMap)
	for _, p := range params {
		name := strings.ToLower(strings.TrimSpace(p.Name))
		if name == "" {
			c.errorf(p.Node, "", "a StatusMap parameter needs a Name: the provider's delivery status as DeliveryReport's Status output reads it")
			continue
		}
		if prev := seen[name]; prev != nil {
			c.warnf(p.Node, "Name", "StatusMap %s is given twice (also at line %d; names are matched ignoring case); the last one wins", p.Name, prev.Node.Pos.Line)
		}
		seen[name] = p
		if v := strings.ToLower(strings.TrimSpace(p.Value)); !slices.Contains(MessageStatuses, v) {
			c.errorf(p.Node, "Value", "StatusMap %s maps to %q, which is not one of %s", p.Name, p.Value, oneOf(MessageStatuses))
		}
	}
	if len(params) > 0 && c.t.Scenario(ScenarioDeliveryReport) == nil && c.t.Transport() != TransportSMPP {
		c.warnf(params[0].Node, "Father", "StatusMap has no effect: the template has no DeliveryReport scenario")
	}
}
