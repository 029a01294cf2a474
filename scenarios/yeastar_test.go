package scenarios_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/scenarios"
)

var received = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func TestYeastarOfficialCDRSample(t *testing.T) {
	// The 30012 sample of the Yeastar developer guide (an internal call).
	body, err := os.ReadFile("testdata/yeastar-30012-official.json")
	require.NoError(t, err)
	_, err = scenarios.ParseYeastar(body, time.UTC, received)
	var ign *scenarios.ErrIgnored
	require.ErrorAs(t, err, &ign, "internal calls are not for helpdesks")
	require.Contains(t, ign.Reason, "Internal")
}

func TestYeastarCDR(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	// A real inbound VOICEMAIL frame; msg as a JSON string, empty values as "".
	body := `{"sn":"3651064E8358","type":30012,"msg":"{\"call_id\":\"1790197458.5215\",\"time_start\":\"2026-09-24 00:04:18\",\"call_from\":\"0111050596\",\"call_to\":\"1002\",\"call_duration\":11,\"talk_duration\":11,\"src_trunk_name\":\"Saf\",\"dst_trunk_name\":\"\",\"pin_code\":\"\",\"status\":\"VOICEMAIL\",\"type\":\"Inbound\",\"recording\":\"\",\"did_number\":\"\",\"did_name\":\"\",\"agent_ring_time\":0,\"uid\":\"2026092400041852EE8\"}"}`
	e, err := scenarios.ParseYeastar([]byte(body), shanghai, received)
	require.NoError(t, err)
	require.Equal(t, "1790197458.5215", e.CallID)
	require.Equal(t, "hangup", e.Event)
	require.Equal(t, "inbound", e.Direction)
	require.Equal(t, scenarios.Party{Number: "0111050596"}, e.External)
	require.Equal(t, "1002", e.Extension)
	require.Equal(t, "VOICEMAIL", e.Disposition)
	require.Equal(t, time.Date(2026, 9, 23, 16, 4, 18, 0, time.UTC), e.StartTime.UTC(), "time_start is PBX local time")
	require.Equal(t, 11, *e.TalkSeconds)

	// msg as an object, single-space empties, Name<number>, outbound, BUSY.
	obj := `{"type":30012,"sn":"x","msg":{"call_id":"1702285525.16","time_start":"2023-12-11 11:05:25","call_from":"Bob<703>","call_to":"0872858652","call_duration":0,"talk_duration":0,"status":"BUSY","type":"Outbound","recording":" "}}`
	e, err = scenarios.ParseYeastar([]byte(obj), time.UTC, received)
	require.NoError(t, err)
	require.Equal(t, "outbound", e.Direction)
	require.Equal(t, "703", e.Extension)
	require.Equal(t, "0872858652", e.External.Number)
	require.Empty(t, e.Recording)
	require.Equal(t, "BUSY", e.Disposition)
	require.True(t, e.AnswerTime.IsZero())
}

func TestYeastarCallState(t *testing.T) {
	ringing := `{"type":30011,"sn":"x","msg":"{\"call_id\":\"1725446451.243\",\"members\":[{\"inbound\":{\"from\":\"94424722\",\"to\":\"6402\",\"trunk_name\":\"stc\",\"member_status\":\"ALERT\"}},{\"extension\":{\"number\":\"1001\",\"member_status\":\"RING\"}}]}"}`
	e, err := scenarios.ParseYeastar([]byte(ringing), time.UTC, received)
	require.NoError(t, err)
	require.Equal(t, "ringing", e.Event)
	require.Equal(t, "inbound", e.Direction)
	require.Equal(t, "94424722", e.External.Number)
	require.Equal(t, "1001", e.Extension, "the extension leg wins over the trunk's dialled number")
	require.Equal(t, received, e.StartTime, "30011 has no time: the event is stamped on arrival")

	answered := `{"type":30011,"sn":"x","msg":"{\"call_id\":\"1650012665.266\",\"members\":[{\"extension\":{\"number\":\"1005\",\"member_status\":\"ANSWERED\"}},{\"outbound\":{\"from\":\"1005\",\"to\":\"+212661209845\",\"member_status\":\"ANSWER\"}}]}"}`
	e, err = scenarios.ParseYeastar([]byte(answered), time.UTC, received)
	require.NoError(t, err)
	require.Equal(t, "answered", e.Event)
	require.Equal(t, "outbound", e.Direction)
	require.Equal(t, "+212661209845", e.External.Number)

	bye := `{"type":30011,"sn":"x","msg":"{\"call_id\":\"1\",\"members\":[{\"extension\":{\"number\":\"700\",\"member_status\":\"BYE\"}}]}"}`
	_, err = scenarios.ParseYeastar([]byte(bye), time.UTC, received)
	var ign *scenarios.ErrIgnored
	require.True(t, errors.As(err, &ign))
}

func TestYeastarMalformed(t *testing.T) {
	for body, msg := range map[string]string{
		`{"type":30012}`:                       "no msg",
		`{"type":30012,"msg":"{not json"}`:     "30012 msg",
		`{"msg":"{}"}`:                         "no type",
		`[1,2]`:                                "not a Yeastar event",
		`{"type":30012,"msg":{"call_id":" "}}`: "call_id is empty",
		`{"type":30012,"msg":{"call_id":"1","type":"Inbound","time_start":"24/09/2026"}}`: "time_start",
		`{"type":30012,"msg":{"call_id":"1","type":"Inbound","status":"LOST"}}`:           `status "LOST"`,
	} {
		_, err := scenarios.ParseYeastar([]byte(body), time.UTC, received)
		require.ErrorContains(t, err, msg, body)
	}
	_, err := scenarios.ParseYeastar([]byte(`{"type":30008,"msg":"{}"}`), time.UTC, received)
	var ign *scenarios.ErrIgnored
	require.ErrorAs(t, err, &ign)
}
