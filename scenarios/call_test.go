package scenarios_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCallVariables(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	ext := scenarios.CallContext{Extension: scenarios.ExtensionInfo{Number: "1001", FirstName: "Bob", LastName: "Agent", Email: "bob@x.test"},
		Location: shanghai, RecordURL: "https://sb.test/recordings/tok"}
	inbound := func(events ...scenarios.CallEvent) *scenarios.Call {
		c := &scenarios.Call{}
		for _, e := range events {
			e.CallID, e.Direction, e.Extension = "c1", scenarios.Inbound, "1001"
			e.External = scenarios.Party{Number: "+14155550100", Name: "Ann Lee"}
			c.Apply(e)
		}
		return c
	}
	t.Run("answered inbound", func(t *testing.T) {
		c := inbound(
			scenarios.CallEvent{Event: "ringing", StartTime: at("2026-11-21T10:00:00Z")},
			scenarios.CallEvent{Event: "answered", AnswerTime: at("2026-11-21T10:00:05Z")},
			scenarios.CallEvent{Event: "hangup", EndTime: at("2026-11-21T10:01:35Z"), Disposition: "ANSWERED", Recording: "20261121-c1.wav"},
		)
		v := c.Vars(ext)
		require.Equal(t, engine.Vars{
			"Phone": "+14155550100", "CallerNumber": "+14155550100", "CallerName": "Ann Lee", "CallerDisplayName": "Ann Lee",
			"CalleeNumber": "1001", "CalleeName": "Bob Agent", "Call_From": "Ann Lee <+14155550100>", "Call_To": "Bob Agent <1001>",
			"Communication_Type": "Inbound", "Call_Status": "Completed", "Call_Log_Status": "Incoming Call", "CallDisposition": "ANSWERED",
			"Time": "2026-11-21 18:00:00", "StartTimeUnix": "1795255200", "EndTimeUnix": "1795255295", "CallDuration": "95",
			"Talk_Duration": "00:01:30", "Talk_Duration_Sec": "90", "RecordPath": "https://sb.test/recordings/tok", "EnableCallRecording": "1",
			"ExtensionFirstName": "Bob", "ExtensionLastName": "Agent", "ExtensionEmail": "bob@x.test",
			"ContactNumber": "+14155550100", "BusinessNumber": "+14155550100",
		}, v)
	})
	t.Run("missed and voicemail", func(t *testing.T) {
		c := inbound(scenarios.CallEvent{Event: "ringing", StartTime: at("2026-11-21T10:00:00Z")},
			scenarios.CallEvent{Event: "hangup", EndTime: at("2026-11-21T10:00:20Z")})
		v := c.Vars(ext)
		require.Equal(t, "Missed", v["Call_Status"])
		require.Equal(t, "Missed Call", v["Call_Log_Status"])
		require.Equal(t, "MISSED", v["CallDisposition"])
		require.Equal(t, "00:00:00", v["Talk_Duration"])
		c.Apply(scenarios.CallEvent{Event: "hangup", Disposition: "voicemail"})
		require.Equal(t, "Voicemail", c.Vars(ext)["Call_Log_Status"])
		require.Equal(t, "VOICEMAIL", c.Vars(ext)["CallDisposition"])
	})
	t.Run("outbound", func(t *testing.T) {
		c := &scenarios.Call{}
		c.Apply(scenarios.CallEvent{CallID: "c2", Event: "ringing", Direction: "outbound", Extension: "1001", External: scenarios.Party{Number: "+4930123"}})
		c.Apply(scenarios.CallEvent{CallID: "c2", Event: "hangup", Disposition: "BUSY"})
		v := c.Vars(ext)
		require.Equal(t, "Bob Agent <1001>", v["Call_From"])
		require.Equal(t, "+4930123", v["Call_To"], "no name: the number alone")
		require.Equal(t, "Outbound", v["Communication_Type"])
		require.Equal(t, "Outgoing Call", v["Call_Log_Status"])
		require.Equal(t, "Missed", v["Call_Status"])
		require.Equal(t, "BUSY", v["CallDisposition"])
	})
	t.Run("events out of order never move the state back", func(t *testing.T) {
		c := inbound(scenarios.CallEvent{Event: "hangup", EndTime: at("2026-11-21T10:01:00Z")}, scenarios.CallEvent{Event: "ringing", StartTime: at("2026-11-21T10:00:00Z")})
		require.Equal(t, "hangup", c.State)
		require.Equal(t, "60", c.Vars(ext)["CallDuration"])
	})
	t.Run("a reported talk time wins", func(t *testing.T) {
		talk := 42
		c := inbound(scenarios.CallEvent{Event: "hangup", Disposition: "ANSWERED", TalkSeconds: &talk})
		require.Equal(t, "00:00:42", c.Vars(ext)["Talk_Duration"])
	})
}

func TestCallEventValidation(t *testing.T) {
	e := scenarios.CallEvent{Event: "ring", Direction: "in", Disposition: "LOST"}
	err := e.Validate()
	require.EqualError(t, err, `callId is required; event "ring" is not ringing, answered or hangup; direction "in" is not inbound or outbound; extension is required; external.number is required; disposition "LOST" is not one of ANSWERED, NO ANSWER, BUSY, VOICEMAIL, MISSED, FAILED`)
}

// An event without the time of its own moment gets the time it was
// received; times the PBX sends are kept, and a later CDR's win.
func TestStampGivesEventsTheirTime(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	given := at.Add(-time.Minute)
	ring := scenarios.CallEvent{CallID: "c", Event: scenarios.EventRinging}
	ring.Stamp(at)
	require.Equal(t, at, ring.StartTime)
	hang := scenarios.CallEvent{CallID: "c", Event: scenarios.EventHangup}
	hang.Stamp(at.Add(time.Minute))
	require.Equal(t, at.Add(time.Minute), hang.EndTime)
	require.True(t, hang.StartTime.IsZero(), "only the event's own moment")
	kept := scenarios.CallEvent{CallID: "c", Event: scenarios.EventHangup, EndTime: given}
	kept.Stamp(at)
	require.Equal(t, given, kept.EndTime)

	var c scenarios.Call
	c.Apply(ring)
	c.Apply(scenarios.CallEvent{CallID: "c", Event: scenarios.EventHangup, StartTime: given, EndTime: at})
	require.Equal(t, given, c.StartTime, "the CDR's start wins over the stamp")
}
