package templates

// WebhookTexts are the Father="Webhook" parameters whose values are
// templates, rendered with the channel's fields when a webhook is checked
// or answered.
var WebhookTexts = []string{"Secret", "SignaturePrefix", "Username", "Password", "Token", "AnswerBody", "ChallengeToken"}

// ChannelScenarioTexts are, per scenario of a channel template, the
// scenario parameters whose values are templates: the answer
// VerifyChannel's check expects, and what a received message reads as.
var ChannelScenarioTexts = map[string][]string{
	ScenarioVerifyChannel:  {"ExpectBody"},
	ScenarioReceiveMessage: {"TextFormat", "MediaUrlFormat", "MergeKey", "MergeWait"},
}

// ChannelTexts returns the parameters of a channel template whose values
// are templates the messaging side renders (WebhookTexts and
// ChannelScenarioTexts), the one that counts of each — the last, when a
// name is given twice — and nil for a template that is not a channel's.
// The messaging side compiles them only when a channel connects; the
// compiler checks them when the template loads, so that a mistake in one
// is reported with its place like any other templated attribute.
func (t *Template) ChannelTexts() []*Parameter {
	if !t.IsChannel() {
		return nil
	}
	var out []*Parameter
	last := map[string]*Parameter{}
	for _, p := range t.AuthParameters(FatherWebhook) {
		last[p.Name] = p
	}
	for _, name := range WebhookTexts {
		if p := last[name]; p != nil {
			out = append(out, p)
		}
	}
	for _, s := range t.Scenarios {
		if t.Scenario(s.ID) != s {
			continue // a second scenario with the id: an error, and never run
		}
		for _, name := range ChannelScenarioTexts[s.ID] {
			if p := s.Param(name); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}
