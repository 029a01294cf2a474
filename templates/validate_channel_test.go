package templates_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/templates"
)

// channelTemplate builds a channel template with the AuthMethod
// parameters and scenarios given; send is a SendMessage scenario that is
// valid unless replaced.
func channelTemplate(authParams, scenarios string) string {
	return fmt.Sprintf(`<Information Provider="sms" Name="C" Key="c" AuthType="none">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH"><Parameters>%s</Parameters></Scenario>%s
  </Scenarios>
</Information>`, authParams, scenarios)
}

const (
	okSend    = `<Scenario Id="SendMessage" Type="REST"><Requests><Request Name="send" Method="POST" URLFormat="https://x"><Outputs><Output Name="MessageId" Path="id"/></Outputs></Request></Requests></Scenario>`
	okVerify  = `<Scenario Id="VerifyChannel" Type="REST"><Requests><Request Name="v" Method="GET" URLFormat="https://x"/></Requests></Scenario>`
	okReport  = `<Scenario Id="DeliveryReport" Type="REST"><Parameters><Parameter Name="EventPath" Value="status"/></Parameters><Requests><Request Name="r"><Outputs><Output Name="MessageId" Path="id"/><Output Name="Status" Path="status"/></Outputs></Request></Requests></Scenario>`
	okReceive = `<Scenario Id="ReceiveMessage" Type="REST"><Requests><Request Name="m"><Outputs><Output Name="MessageId" Path="id"/><Output Name="From" Path="from"/><Output Name="MediaUrls" Path="media.#.url" Type="list"/></Outputs></Request></Requests></Scenario>`
)

const (
	smppTransport = `<Parameter Father="Channel" Name="Transport" Value="smpp"/>`
	smppFields    = `<Parameter Father="CustomFieldList" Name="host"/><Parameter Father="CustomFieldList" Name="system_id"/><Parameter Father="CustomFieldList" Name="password" Editor="password"/>`
)

// manyFields declares n more custom fields.
func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `<Parameter Father="CustomFieldList" Name="f%d" Required="0"/>`, i)
	}
	return b.String()
}

func TestValidateChannelTemplates(t *testing.T) {
	require.Empty(t, validate(t, channelTemplate(`<Parameter Father="Webhook" Name="Verification" Value="none"/>`, okSend+okVerify+okReceive)))
	// An SMPP channel template needs no scenario besides AuthMethod.
	require.Empty(t, validate(t, channelTemplate(smppTransport+smppFields+manyFields(17), "")))

	cases := []struct {
		name, src string
		sev       templates.Severity
		want      string
	}{
		{"no SendMessage", channelTemplate("", okVerify+okReceive), templates.SeverityError, "needs a SendMessage scenario"},
		{"send without MessageId", channelTemplate("", strings.Replace(okSend, "MessageId", "Id", 1)+okVerify+okReceive),
			templates.SeverityError, "scenario SendMessage needs a request with an output named MessageId"},
		{"no ReceiveMessage", channelTemplate("", okSend+okVerify), templates.SeverityWarning, "cannot receive messages"},
		{"no VerifyChannel", channelTemplate("", okSend+okReceive), templates.SeverityWarning, "connection cannot be checked"},
		{"receive without From", channelTemplate("", okSend+okVerify+strings.Replace(okReceive, `Name="From"`, `Name="Sender"`, 1)),
			templates.SeverityError, "ReceiveMessage needs a request with an output named From"},
		{"webhook request with a URL", channelTemplate("", okSend+okVerify+strings.Replace(okReceive, `<Request Name="m">`, `<Request Name="m" URLFormat="https://x">`, 1)),
			templates.SeverityError, "reads the provider's webhook and sends nothing"},
		{"helpdesk scenario", channelTemplate("", okSend+okVerify+okReceive+`<Scenario Id="CallJournal" Type="REST"/>`),
			templates.SeverityError, `unknown scenario Id "CallJournal"`},
		{"unknown verification", channelTemplate(`<Parameter Father="Webhook" Name="Verification" Value="hmac-sha512"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `Verification "hmac-sha512" is not one of`},
		{"hmac without secret", channelTemplate(`<Parameter Father="Webhook" Name="Verification" Value="hmac-sha256"/><Parameter Father="Webhook" Name="SignatureHeader" Value="X-Sig"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "Verification hmac-sha256 needs the Webhook parameter Secret"},
		{"bad signature header", channelTemplate(`<Parameter Father="Webhook" Name="Verification" Value="hmac-sha256"/><Parameter Father="Webhook" Name="SignatureHeader" Value="X Sig"/><Parameter Father="Webhook" Name="Secret" Value="{{.s}}"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "not a valid HTTP header name"},
		{"incomplete handshake", channelTemplate(`<Parameter Father="Webhook" Name="ChallengeParam" Value="hub.challenge"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "ChallengeTokenParam is missing"},
		{"answer status", channelTemplate(`<Parameter Father="Webhook" Name="AnswerStatus" Value="302"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "must be a 2xx HTTP status"},
		{"body type", channelTemplate(`<Parameter Father="Webhook" Name="BodyType" Value="xml"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `BodyType "xml" is not "json", "form" (application/x-www-form-urlencoded) or "query"`},
		{"unknown webhook parameter", channelTemplate(`<Parameter Father="Webhook" Name="Secrett" Value="x"/>`, okSend+okVerify+okReceive),
			templates.SeverityWarning, `unknown Webhook parameter "Secrett" has no effect (did you mean "Secret"?)`},
		{"rate", channelTemplate(`<Parameter Father="Channel" Name="MessagesPerSecond" Value="0"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "MessagesPerSecond \"0\" must be a whole number from 1 to 1000"},
		{"flag", channelTemplate(`<Parameter Father="Channel" Name="AgentInitiated" Value="yes"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `AgentInitiated "yes" must be 0 or 1`},
		{"error path", channelTemplate(`<Parameter Father="Channel" Name="ErrorCodePath" Value="errors.0.(code"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "must follow '#'"},
		{"status map value", channelTemplate(`<Parameter Father="StatusMap" Name="message-delivered" Value="done"/>`, okSend+okVerify+okReceive+okReport),
			templates.SeverityError, `StatusMap message-delivered maps to "done", which is not one of`},
		{"status map name", channelTemplate(`<Parameter Father="StatusMap" Value="failed"/>`, okSend+okVerify+okReceive+okReport),
			templates.SeverityError, "a StatusMap parameter needs a Name"},
		{"status map twice", channelTemplate(`<Parameter Father="StatusMap" Name="DELIVRD" Value="delivered"/><Parameter Father="StatusMap" Name="delivrd" Value="failed"/>`, okSend+okVerify+okReceive+okReport),
			templates.SeverityWarning, "StatusMap delivrd is given twice (also at line 3; names are matched ignoring case)"},
		{"status map without reports", channelTemplate(`<Parameter Father="StatusMap" Name="message-delivered" Value="delivered"/>`, okSend+okVerify+okReceive),
			templates.SeverityWarning, "StatusMap has no effect: the template has no DeliveryReport scenario"},
		{"error kind", channelTemplate(`<Parameter Father="ErrorMap" Name="10001" Value="Invalid number." Type="fatal"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `ErrorMap Type "fatal" is not one of`},
		{"error without message", channelTemplate(`<Parameter Father="ErrorMap" Name="HTTP 401"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, "ErrorMap HTTP 401 needs a Value"},
		{"error status", channelTemplate(`<Parameter Father="ErrorMap" Name="HTTP 4xx" Value="x"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `must be followed by an HTTP status`},
		{"event value alone", channelTemplate("", okSend+okVerify+strings.Replace(okReceive, `<Requests>`, `<Parameters><Parameter Name="EventValue" Value="x"/></Parameters><Requests>`, 1)),
			templates.SeverityError, "EventValue needs an EventPath"},
		{"report never read", channelTemplate("", okSend+okVerify+okReceive+`<Scenario Id="DeliveryReport" Type="REST"><Requests><Request Name="r"><Outputs><Output Name="MessageId" Path="id"/><Output Name="Status" Path="s"/></Outputs></Request></Requests></Scenario>`),
			templates.SeverityWarning, "no report is ever read"},
		{"merge wait alone", channelTemplate("", okSend+okVerify+strings.Replace(okReceive, `<Requests>`, `<Parameters><Parameter Name="MergeWait" Value="1"/></Parameters><Requests>`, 1)),
			templates.SeverityError, "MergeWait needs a MergeKey"},
		{"merge window", channelTemplate("", okSend+okVerify+strings.Replace(okReceive, `<Requests>`, `<Parameters><Parameter Name="MergeKey" Value="{{.From}}"/><Parameter Name="MergeWindowSeconds" Value="600"/></Parameters><Requests>`, 1)),
			templates.SeverityError, "MergeWindowSeconds \"600\" must be a whole number of seconds from 1 to 60"},
		{"transport", channelTemplate(`<Parameter Father="Channel" Name="Transport" Value="smtp"/>`, okSend+okVerify+okReceive),
			templates.SeverityError, `Transport "smtp" is not one of "http", "smpp"`},
		{"smpp fields", channelTemplate(smppTransport+`<Parameter Father="CustomFieldList" Name="host"/>`, ""),
			templates.SeverityError, `a Transport="smpp" template needs a custom field named system_id`},
		{"smpp with requests", channelTemplate(smppTransport+smppFields, okSend),
			templates.SeverityWarning, `scenario SendMessage has no effect: a Transport="smpp" channel sends, receives and checks its bind over SMPP`},
		{"smpp with a webhook", channelTemplate(smppTransport+smppFields+`<Parameter Father="Webhook" Name="Verification" Value="none"/>`, ""),
			templates.SeverityWarning, `Webhook parameter Verification has no effect: a Transport="smpp" channel has no webhook`},
		{"smpp fields limit", channelTemplate(smppTransport+smppFields+manyFields(18), ""),
			templates.SeverityError, `the template has 21 custom fields; a Transport="smpp" template allows at most 20`},
		{"channel parameters in a helpdesk", minimal("none", `<Parameter Father="Webhook" Name="Verification" Value="none"/>`, ""),
			templates.SeverityWarning, "only has an effect in the AuthMethod scenario of a channel template"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := validate(t, tc.src)
			var msgs []string
			for _, p := range problems {
				if p.Severity == tc.sev && strings.Contains(p.Message, tc.want) {
					return
				}
				msgs = append(msgs, string(p.Severity)+": "+p.Message)
			}
			t.Fatalf("no %s containing %q among:\n%s", tc.sev, tc.want, strings.Join(msgs, "\n"))
		})
	}
}
