package engine_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// The strings a channel template has the messaging side render — webhook
// secrets and answers, ExpectBody, TextFormat, MediaUrlFormat — are
// compiled when the template loads: a mistake in one rejects the template
// with its place and a suggestion, as in any other templated attribute,
// instead of surfacing when a channel connects.
func TestLoadReportsChannelTextErrors(t *testing.T) {
	t.Parallel()
	const file = "channel-texts.xml"
	tmpl, problems := engine.Load(file, readFile(t, "../templates/testdata/invalid/"+file), engine.Options{})
	require.Nil(t, tmpl)
	var got []string
	for _, p := range problems.Errors() {
		got = append(got, p.String())
	}
	require.Equal(t, []string{
		file + `:13:51 Scenario[AuthMethod]/Parameter[Secret]@Value: template: function "trimm" not defined (did you mean "trim"?)`,
		file + `:14:55 Scenario[AuthMethod]/Parameter[AnswerBody]@Value: template: unexpected EOF`,
		file + `:19:38 Scenario[VerifyChannel]/Parameter[ExpectBody]@Value: template: function "UrlEncod" not defined (did you mean "UrlEncode"?)`,
		file + `:34:38 Scenario[ReceiveMessage]/Parameter[TextFormat]@Value: template: function "nosuchfunc" not defined`,
		file + `:35:42 Scenario[ReceiveMessage]/Parameter[MediaUrlFormat]@Value: template: function "fromJsn" not defined (did you mean "fromJson"?) (line 3 of the value)`,
	}, got)
}

// Only a channel template's texts are the messaging side's: in a helpdesk
// template a scenario setting of the same name is no template, and is not
// compiled.
func TestChannelTextsOnlyInChannelTemplates(t *testing.T) {
	t.Parallel()
	src := `<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters><Parameter Father="Webhook" Name="Secret" Value="{{"/></Parameters></Scenario>
<Scenario Id="ReceiveMessage" Type="REST"><Parameters><Parameter Name="TextFormat" Value="{{nosuchfunc}}"/></Parameters></Scenario>
</Scenarios></Information>`
	_, problems := engine.Load("t.xml", []byte(src), engine.Options{})
	for _, p := range problems {
		require.False(t, strings.Contains(p.Message, "template:"), "%s", p)
	}
}
