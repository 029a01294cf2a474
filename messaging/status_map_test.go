package messaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/messaging"
)

// A template's StatusMap says what its provider's delivery statuses mean,
// ignoring case; a status it does not name is read as before (the common
// words, and anything else as sent). The webhook here is in Bandwidth's
// shape: an array of events whose type is the status.
func TestStatusMap(t *testing.T) {
	const src = `<Information Provider="sms" Name="Array SMS" Key="array_sms" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Father="StatusMap" Name="message-sending" Value="sent"/>
  <Parameter Father="StatusMap" Name="Message-Delivered" Value="delivered"/>
  <Parameter Father="StatusMap" Name="message-failed" Value="failed"/>
  <Parameter Father="StatusMap" Name="delivered" Value="sent"/>
</Parameters></Scenario>
<Scenario Id="SendMessage" Type="REST"><Requests>
  <Request Name="send" Method="POST" URLFormat="https://sms.test/send"><Outputs><Output Name="MessageId" Path="id"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="ReceiveMessage" Type="REST"><Parameters><Parameter Name="EventPath" Value="0.type"/><Parameter Name="EventValue" Value="message-received"/></Parameters><Requests>
  <Request Name="m"><Outputs><Output Name="MessageId" Path="#.message.id"/><Output Name="From" Path="#.message.from"/><Output Name="Text" Path="#.message.text"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="DeliveryReport" Type="REST"><Parameters><Parameter Name="EventPath" Value="0.type"/><Parameter Name="EventValue" Value="message-sending|message-delivered|message-failed|delivered|undelivered|other"/></Parameters><Requests>
  <Request Name="r"><Outputs><Output Name="MessageId" Path="#.message.id"/><Output Name="Status" Path="#.type"/><Output Name="ErrorCode" Path="#.errorCode"/><Output Name="ErrorMessage" Path="#.description"/></Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`
	d := define(t, "array_sms.xml", src)

	parsed, err := d.Parse([]byte(`[
 {"type":"message-delivered","time":"2026-11-26T07:00:00.000Z","description":"ok","to":"+13125550001","message":{"id":"1589228074636lm4k2je7j7jklbn2","direction":"out","from":"+18445550001","text":""}},
 {"type":"message-failed","time":"2026-11-26T07:00:01.000Z","description":"forbidden to country","errorCode":4432,"to":"+13125550002","message":{"id":"1589228074636lm4k2je7j7jklbn3","direction":"out","from":"+18445550001","text":""}},
 {"type":"message-sending","time":"2026-11-26T07:00:02.000Z","description":"Message is sending to carrier","to":"+13125550003","message":{"id":"1589228074636lm4k2je7j7jklbn4","direction":"out","from":"+18445550001","text":""}}
]`), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Messages)
	require.Equal(t, []messaging.Report{
		{ProviderID: "1589228074636lm4k2je7j7jklbn2", Status: "delivered", ProviderText: "message-delivered", ErrorMessage: "ok"},
		{ProviderID: "1589228074636lm4k2je7j7jklbn3", Status: "failed", ProviderText: "message-failed", ErrorCode: "4432", ErrorMessage: "forbidden to country"},
		{ProviderID: "1589228074636lm4k2je7j7jklbn4", Status: "sent", ProviderText: "message-sending", ErrorMessage: "Message is sending to carrier"},
	}, parsed.Reports, "without the map, message-delivered and message-failed would both be sent")

	// The map overrides a common word; a word it does not name keeps its
	// common meaning.
	for status, want := range map[string]string{"delivered": "sent", "undelivered": "failed", "other": "sent"} {
		parsed, err = d.Parse([]byte(`[{"type":"`+status+`","message":{"id":"m1"}}]`), nil)
		require.NoError(t, err)
		require.Len(t, parsed.Reports, 1, status)
		require.Equal(t, want, parsed.Reports[0].Status, status)
	}
}
