package messaging_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/templates"
)

// Every string Define compiles is one that loading the template already
// checked (templates.ChannelTexts), so that a template that loads without
// errors always connects: for each parameter a channel template can give,
// a broken template string in it makes Define fail exactly when the
// compiler reported it, at that parameter.
func TestDefineCompilesOnlyWhatLoadChecks(t *testing.T) {
	const broken = `{{.Message | nosuchfunc}}`
	type place struct{ scenario, father, name string }
	var places []place
	for _, name := range templates.WebhookParams {
		places = append(places, place{templates.ScenarioAuth, templates.FatherWebhook, name})
	}
	for _, name := range templates.ChannelParams {
		places = append(places, place{templates.ScenarioAuth, templates.FatherChannel, name})
	}
	// The scenario settings a channel's scenarios read.
	settings := []string{"ExpectBody", "TextFormat", "MediaUrlFormat", "EventPath", "EventValue"}
	for _, sc := range []string{templates.ScenarioVerifyChannel, templates.ScenarioSendMessage, templates.ScenarioReceiveMessage, templates.ScenarioDeliveryReport} {
		for _, name := range settings {
			places = append(places, place{sc, "", name})
		}
	}
	checked := 0
	for _, p := range places {
		t.Run(p.scenario+"/"+p.father+"/"+p.name, func(t *testing.T) {
			params := map[string]string{}
			params[p.scenario] = fmt.Sprintf(`<Parameter Father=%q Name=%q Value=%q/>`, p.father, p.name, broken)
			src, problems := templates.Parse("t.xml", []byte(channelTemplate(params)))
			require.False(t, problems.HasErrors(), "%v", problems)
			et, problems := engine.Compile(src, engine.Options{})
			reported := slices.ContainsFunc(problems.Errors(), func(pr templates.Problem) bool {
				return strings.HasSuffix(pr.Path, "Parameter["+p.name+"]@Value") && strings.Contains(pr.Message, "nosuchfunc")
			})
			_, err := messaging.Define(et)
			if err != nil {
				require.Contains(t, err.Error(), "nosuchfunc")
			}
			require.Equal(t, err != nil, reported, "Define: %v; problems at load: %v", err, problems)
			if reported {
				checked++
			}
		})
	}
	require.Equal(t, len(templates.WebhookTexts)+3, checked, "the Webhook texts, ExpectBody, TextFormat and MediaUrlFormat")
}

// channelTemplate is a small valid channel template; params holds extra
// Parameter elements per scenario.
func channelTemplate(params map[string]string) string {
	return `<Information Provider="sms" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Father="CustomFieldList" Name="secret" Editor="password"/>
  ` + params[templates.ScenarioAuth] + `
</Parameters></Scenario>
<Scenario Id="VerifyChannel" Type="REST"><Parameters>` + params[templates.ScenarioVerifyChannel] + `</Parameters><Requests>
  <Request Name="verify" Method="GET" URLFormat="https://sms.test/verify"/>
</Requests></Scenario>
<Scenario Id="SendMessage" Type="REST"><Parameters>` + params[templates.ScenarioSendMessage] + `</Parameters><Requests>
  <Request Name="send" Method="POST" URLFormat="https://sms.test/send"><Outputs><Output Name="MessageId" Path="id"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="ReceiveMessage" Type="REST"><Parameters>` + params[templates.ScenarioReceiveMessage] + `</Parameters><Requests>
  <Request Name="m"><Outputs><Output Name="MessageId" Path="id"/><Output Name="From" Path="from"/><Output Name="Message" Path="@this"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="DeliveryReport" Type="REST"><Parameters>` + params[templates.ScenarioDeliveryReport] + `</Parameters><Requests>
  <Request Name="r"><Outputs><Output Name="MessageId" Path="id"/><Output Name="Status" Path="status"/></Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`
}
