package engine

import "github.com/switchboard/switchboard/templates"

// checkChannelTexts compiles the template strings of a channel template
// that the messaging side renders (templates.ChannelTexts: webhook
// secrets and answers, ExpectBody, TextFormat, MediaUrlFormat), so that a
// syntax error or an unknown function in one is reported when the template
// loads — by `template validate` and at upload, with file:line:col and the
// element path — and not first when a channel connects. The compiled texts
// are not kept: messaging.Define compiles its own, in UTC, once per
// channel.
func (c *compiler) checkChannelTexts(src *templates.Template) {
	for _, p := range src.ChannelTexts() {
		c.text(p.Node, "Value", p.Value)
	}
}
