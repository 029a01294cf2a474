package messaging_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// Providers that answer 200 with an error (VoIP.ms's REST API answers
// {"status":"invalid_credentials"}): a code at ErrorCodePath that the
// ErrorMap names fails the send, and the channel's check, as it would in a
// 4xx answer; a code the map does not name is no failure.
func TestFailureInsideA2xxAnswer(t *testing.T) {
	const src = `<Information Provider="sms" Name="Query SMS" Key="query_sms" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Father="CustomFieldList" Name="api_url" Title="API"/>
  <Parameter Father="Channel" Name="ErrorCodePath" Value="status"/>
  <Parameter Father="ErrorMap" Name="invalid_credentials" Value="Authentication failed." Type="auth"/>
  <Parameter Father="ErrorMap" Name="limit_reached" Value="Sending limit reached; tried again later." Type="temporary"/>
  <Parameter Father="ErrorMap" Name="invalid_dst" Value="Invalid number."/>
</Parameters></Scenario>
<Scenario Id="VerifyChannel" Type="REST"><Requests>
  <Request Name="balance" Method="GET" URLFormat="{{.api_url}}/rest.php?method=getBalance"/>
</Requests></Scenario>
<Scenario Id="SendMessage" Type="REST"><Requests>
  <Request Name="send" Method="GET" URLFormat="{{.api_url}}/rest.php?method=sendSMS&amp;dst={{UrlEncode .To}}"><Outputs><Output Name="MessageId" Path="sms"/></Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`
	d := define(t, "query_sms.xml", src)
	var answer string
	p := newProvider(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer) // always 200
	})
	c := clientFor(t, d, engine.Vars{"api_url": p.URL})
	msg := messaging.Outgoing{From: "+15145550100", To: "+15145550123", Text: "hi"}

	answer = `{"status":"success","sms":"23"}`
	id, _, fail := d.Send(context.Background(), c, msg, "")
	require.Nil(t, fail)
	require.Equal(t, "23", id)

	for status, kind := range map[string]string{"invalid_credentials": "auth", "limit_reached": "temporary", "invalid_dst": "permanent"} {
		answer = `{"status":"` + status + `"}`
		_, _, fail = d.Send(context.Background(), c, msg, "")
		require.NotNil(t, fail, status)
		require.Equal(t, kind, fail.Kind, status)
		require.Equal(t, status, fail.Code)
		require.Equal(t, 200, fail.Status)
	}
	answer = `{"status":"invalid_dst"}`
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "Invalid number. (invalid_dst)", fail.Message)

	answer = `{"status":"something_new"}`
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "permanent", fail.Kind, "an unmapped word with no message id fails as an answer without one")
	require.Contains(t, fail.Message, "no message id")

	answer = `{"status":"invalid_credentials"}`
	st, reason, _ := d.Verify(context.Background(), c, "+15145550100", "")
	require.Equal(t, messaging.StatusUnauthorized, st)
	require.Equal(t, "Authentication failed. (invalid_credentials)", reason)
	answer = `{"status":"success","balance":{"current_balance":"12.34"}}`
	st, reason, _ = d.Verify(context.Background(), c, "+15145550100", "")
	require.Equal(t, messaging.StatusConnected, st, reason)
}
