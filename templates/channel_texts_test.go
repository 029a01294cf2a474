package templates_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/templates"
)

// ChannelTexts lists what the messaging side renders: the templated
// Webhook parameters (the last of a name given twice, the one used) and
// the channel scenarios' templated settings; nothing else, and nothing
// for a template that is not a channel's.
func TestChannelTexts(t *testing.T) {
	src := channelTemplate(`
    <Parameter Father="Webhook" Name="Verification" Value="hmac-sha256"/>
    <Parameter Father="Webhook" Name="Secret" Value="{{.old}}"/>
    <Parameter Father="Webhook" Name="Secret" Value="{{.secret}}"/>
    <Parameter Father="Webhook" Name="AnswerBody" Value="ok"/>
    <Parameter Father="Channel" Name="MessagesPerSecond" Value="5"/>`, okSend+`
    <Scenario Id="VerifyChannel" Type="REST"><Parameters><Parameter Name="ExpectBody" Value="{{.Challenge}}"/></Parameters>
      <Requests><Request Name="v" Method="GET" URLFormat="https://x"/></Requests></Scenario>
    <Scenario Id="ReceiveMessage" Type="REST"><Parameters>
      <Parameter Name="EventPath" Value="type"/><Parameter Name="TextFormat" Value="{{.Text}}"/></Parameters>
      <Requests><Request Name="m"><Outputs><Output Name="MessageId" Path="id"/><Output Name="From" Path="from"/></Outputs></Request></Requests></Scenario>`)
	tmpl, problems := templates.Parse("c.xml", []byte(src))
	require.False(t, problems.HasErrors(), "%v", problems)
	var got []string
	for _, p := range tmpl.ChannelTexts() {
		got = append(got, p.Name+"="+p.Value)
	}
	require.Equal(t, []string{"Secret={{.secret}}", "AnswerBody=ok", "ExpectBody={{.Challenge}}", "TextFormat={{.Text}}"}, got)

	tmpl.Provider = "helpdesk"
	require.Empty(t, tmpl.ChannelTexts())
}
