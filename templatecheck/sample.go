package templatecheck

import (
	"encoding/json"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Sample values are realistic, so a contract's formats and patterns are
// put to the test: an E.164 number, ids from earlier answers, times,
// names and subjects with quotes in them. Every variable Switchboard
// provides (templates.KnownVariables) has one; a few are empty on
// purpose (the first page's cursor, no media, no error).
var sampleVars = engine.Vars{
	"Phone": "+14155550100", "RawPhone": "+14155550100", "CallerNumber": "+14155550100", "CalleeNumber": "+14155550199",
	"ContactNumber": "+14155550100", "BusinessNumber": "+14155550111",
	"CallerName": `Dana "DJ" O'Neil`, "CallerDisplayName": `Dana "DJ" O'Neil`, "CalleeName": "Lee Chen",
	"DisplayName": `Dana "DJ" O'Neil`, "FirstName": "Dana", "LastName": `O'Neil`, "Company": `Acme "West" Ltd`,
	"Email": "dana.oneil@example.com", "ExtensionEmail": "lee.chen@example.com",
	"ExtensionFirstName": "Lee", "ExtensionLastName": "Chen", "CrmId": "90210",
	"Call_From": "+14155550100", "Call_To": "1001", "Communication_Type": "Inbound",
	"Call_Status": "Completed", "Call_Log_Status": "Incoming Call", "CallDisposition": "ANSWERED",
	"Time": "2026-11-26T09:30:00Z", "StartTimeUnix": "1795685400", "EndTimeUnix": "1795685525",
	"CallDuration": "125", "Talk_Duration": "00:01:50", "Talk_Duration_Sec": "110",
	"RecordPath": "https://pbx.example.com/recordings/2026/11/26/call-4711.wav", "EnableCallRecording": "1",
	"ContactSyncType": "phone", "ContactId": "12345", "TicketId": "67890",
	"Subject": `Call from Dana "DJ" O'Neil`, "Description": "Inbound call, answered by Lee Chen (1 min 50 s).",
	"Page": "1", "Offset": "0", "PageSize": "100", "Cursor": "",
	"From": "+14155550100", "To": "+14155550199", "Text": `On its way & "arriving" today`,
	"MediaUrls": "[]", "MediaUrl": "", "NumberId": "106540352242922", "Challenge": "sampleChallengeSampleChallengeAb",
	"AccessToken": "sample-access-token", "SearchValue": `Dana "DJ" O'Neil`,
	"WebhookUrl": "https://switchboard.example.com/webhooks/channels/7f3a9c2e", "VerifyToken": "sample-verify-token",
	"MessageId": "msg-20261126-0001", "ReceivedAt": "2026-11-26T09:30:00Z", "Status": "delivered",
	"ErrorCode": "", "ErrorMessage": "",
	"ChatSessionId": "ses_2fYc9", "ChatChannel": `Support "SMS"`, "ChatChannelNumber": "+14155550199", "ChatAgent": "1001",
	"ChatStartTime": "2026-11-26 09:30:00", "ChatEndTime": "2026-11-26 09:41:12", "ChatStartTimeUnix": "1795685400",
	"ChatEndTimeUnix": "1795686072", "ChatMessageCount": "2",
	"ChatTranscript": "[2026-11-26 09:30:00] +14155550100: Is my order \"#4411\" on its way?\n[2026-11-26 09:41:12] agent 1001: Yes, today.",
	"ChatMessages":   `[{"direction":"in","text":"Is my order \"#4411\" on its way?","time":"2026-11-26 09:30:00"},{"direction":"out","author":"1001","text":"Yes, today.","time":"2026-11-26 09:41:12"}]`,
	"ChatPart":       "1", "ChatFinal": "1",
}

// SampleVars returns the sample variables for a template: the call and
// scenario variables above, and a value for each custom field (its
// default, or one fitting its name), with given winning over both.
func SampleVars(t *templates.Template, given engine.Vars) engine.Vars {
	out := engine.Vars{}
	for k, v := range sampleVars {
		out[k] = v
	}
	for _, f := range t.CustomFields() {
		if d := f.DefaultValue(); d != "" {
			out[f.Name] = d
			continue
		}
		out[f.Name] = sampleField(f.Name)
	}
	for k, v := range given {
		out[k] = v
	}
	return out
}

func sampleField(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "url") || strings.Contains(n, "endpoint"):
		return "https://example.com"
	case strings.Contains(n, "subdomain") || strings.Contains(n, "domain"):
		return "example"
	case strings.Contains(n, "email"):
		return "agent@example.com"
	default:
		return "sample-" + strings.ReplaceAll(n, "_", "-")
	}
}

// sampleBody is a JSON value that fits schema: its example when it has
// one, else each property, one element of each array, and values that fit
// each format, to depth 8 (recursive schemas end there).
func sampleBody(s *openapi3.SchemaRef) []byte {
	b, _ := json.Marshal(sampleOf(s, 0)) // plain values always marshal
	return b
}

func sampleOf(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 8 {
		return nil
	}
	s := ref.Value
	if s.Example != nil {
		return s.Example
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		if len(group) > 0 && s.Properties == nil {
			merged := map[string]any{}
			for _, sub := range group {
				v := sampleOf(sub, depth+1)
				m, ok := v.(map[string]any)
				if !ok {
					return v
				}
				for k, x := range m {
					merged[k] = x
				}
			}
			return merged
		}
	}
	switch {
	case s.Type.Is("array"):
		return []any{sampleOf(s.Items, depth+1)}
	case s.Type.Is("integer"):
		return 12345
	case s.Type.Is("number"):
		return 1.5
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		return sampleString(s.Format)
	}
	obj := map[string]any{}
	for name, p := range s.Properties {
		obj[name] = sampleOf(p, depth+1)
	}
	return obj
}

func sampleString(format string) string {
	switch format {
	case "date-time":
		return "2026-11-26T09:30:00Z"
	case "date":
		return "2026-11-26"
	case "email":
		return "dana.oneil@example.com"
	case "uri", "url":
		return "https://example.com/x"
	case "uuid":
		return "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	}
	return "sample"
}
