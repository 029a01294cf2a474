package scenarios_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/scenarios"
)

// A chat's variables: the transcript one line a message in the PBX's time
// zone, the messages as JSON, the customer's number as the helpdesk wants
// it with the stored one kept.
func TestChatVars(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	start := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	chat := scenarios.Chat{SessionID: "ses_1", Channel: "Support SMS", ChannelNumber: "+14155550199", Customer: "+441632960961",
		Agent: "1001", Part: 2, Final: true, Start: start, End: start.Add(90 * time.Second),
		Messages: []scenarios.ChatMessage{
			{Direction: "in", Text: `Where is "#4411"?`, At: start, Media: []string{"https://media.test/a.jpg"}},
			{Direction: "out", Author: "1001", Text: "Today.", At: start.Add(time.Minute)},
			{Direction: "system", Text: "Reply STOP to opt out.", At: start.Add(90 * time.Second)},
		}}
	v := chat.Vars(scenarios.ExtensionInfo{Number: "1001", FirstName: "Dana"}, &scenarios.NumberFormat{Format: "national"}, shanghai)

	require.Equal(t, "01632 960961", v["Phone"], "the helpdesk's format")
	require.Equal(t, "+441632960961", v["RawPhone"])
	require.Equal(t, "2026-11-26 09:30:00", v["ChatStartTime"], "in the PBX's time zone")
	require.Equal(t, "2026-11-26 09:31:30", v["ChatEndTime"])
	require.Equal(t, "1795656600", v["ChatStartTimeUnix"])
	require.Equal(t, "3", v["ChatMessageCount"])
	require.Equal(t, "2", v["ChatPart"])
	require.Equal(t, "1", v["ChatFinal"])
	require.Equal(t, "Dana", v["ExtensionFirstName"])
	require.Equal(t, "[2026-11-26 09:30:00] +441632960961: Where is \"#4411\"? https://media.test/a.jpg\n"+
		"[2026-11-26 09:31:00] agent 1001: Today.\n"+
		"[2026-11-26 09:31:30] automatic reply: Reply STOP to opt out.", v["ChatTranscript"])
	var msgs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(v["ChatMessages"]), &msgs))
	require.Equal(t, []map[string]any{
		{"direction": "in", "text": `Where is "#4411"?`, "media": []any{"https://media.test/a.jpg"}, "time": "2026-11-26 09:30:00"},
		{"direction": "out", "author": "1001", "text": "Today.", "time": "2026-11-26 09:31:00"},
		{"direction": "system", "text": "Reply STOP to opt out.", "time": "2026-11-26 09:31:30"},
	}, msgs)
}
