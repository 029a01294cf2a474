package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Call event kinds.
const (
	EventRinging  = "ringing"
	EventAnswered = "answered"
	EventHangup   = "hangup"
)

// Directions.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// Party is one end of a call outside the PBX.
type Party struct {
	Number string `json:"number"`
	Name   string `json:"name,omitempty"`
}

// CallEvent is one event of a call, in Switchboard's own form (Yeastar
// webhooks are converted to it).
type CallEvent struct {
	CallID      string    `json:"callId"`
	Event       string    `json:"event"`     // ringing, answered or hangup
	Direction   string    `json:"direction"` // inbound or outbound
	Extension   string    `json:"extension"`
	External    Party     `json:"external"`
	StartTime   time.Time `json:"startTime,omitzero"`
	AnswerTime  time.Time `json:"answerTime,omitzero"`
	EndTime     time.Time `json:"endTime,omitzero"`
	Disposition string    `json:"disposition,omitempty"` // ANSWERED, NO ANSWER, BUSY, VOICEMAIL (hangup)
	Recording   string    `json:"recording,omitempty"`   // file name or URL of the recording (hangup)
	// TalkSeconds, when the PBX reports it (CDR), wins over AnswerTime→EndTime.
	TalkSeconds *int `json:"talkSeconds,omitempty"`
}

// Stamp gives an event the time it was received as the time of its own
// moment — the start of a ringing call, the answer, the end of a hangup —
// when the PBX did not say: journals need a start or an end, and when
// Switchboard heard of it is within moments of the truth. A time the PBX
// sends later (a CDR) still wins.
func (e *CallEvent) Stamp(received time.Time) {
	switch e.Event {
	case EventRinging:
		if e.StartTime.IsZero() {
			e.StartTime = received
		}
	case EventAnswered:
		if e.AnswerTime.IsZero() && e.StartTime.IsZero() {
			e.AnswerTime = received
		}
	case EventHangup:
		if e.EndTime.IsZero() {
			e.EndTime = received
		}
	}
}

var dispositions = []string{"ANSWERED", "NO ANSWER", "BUSY", "VOICEMAIL", "MISSED", "FAILED"}

// Validate says what is wrong with an event, for a 400.
func (e *CallEvent) Validate() error {
	var p []string
	if strings.TrimSpace(e.CallID) == "" {
		p = append(p, "callId is required")
	}
	switch e.Event {
	case EventRinging, EventAnswered, EventHangup:
	default:
		p = append(p, fmt.Sprintf("event %q is not ringing, answered or hangup", e.Event))
	}
	if e.Direction != Inbound && e.Direction != Outbound {
		p = append(p, fmt.Sprintf("direction %q is not inbound or outbound", e.Direction))
	}
	if strings.TrimSpace(e.Extension) == "" {
		p = append(p, "extension is required")
	}
	if strings.TrimSpace(e.External.Number) == "" {
		p = append(p, "external.number is required")
	}
	if e.Disposition != "" && !slices.Contains(dispositions, strings.ToUpper(e.Disposition)) {
		p = append(p, fmt.Sprintf("disposition %q is not one of %s", e.Disposition, strings.Join(dispositions, ", ")))
	}
	if len(p) > 0 {
		return fmt.Errorf("%s", strings.Join(p, "; "))
	}
	return nil
}

// Call is what Switchboard knows of a call after its events so far.
type Call struct {
	ID          string    `json:"id"`
	Direction   string    `json:"direction"`
	Extension   string    `json:"extension"`
	External    Party     `json:"external"`
	State       string    `json:"state"` // the last event: ringing, answered or hangup
	StartTime   time.Time `json:"startTime,omitzero"`
	AnswerTime  time.Time `json:"answerTime,omitzero"`
	EndTime     time.Time `json:"endTime,omitzero"`
	Disposition string    `json:"disposition,omitempty"`
	Recording   string    `json:"recording,omitempty"`
	TalkSeconds *int      `json:"talkSeconds,omitempty"`
	// Unrouted says why no integration works on the call (no helpdesk
	// user is bound to its extension, say), when none does.
	Unrouted string `json:"unrouted,omitempty"`
}

var stateOrder = map[string]int{EventRinging: 1, EventAnswered: 2, EventHangup: 3}

// Apply merges an event into the call. Events may arrive out of order or
// twice: the state only moves forward, and a value already known is kept
// unless the event brings a new one.
func (c *Call) Apply(e CallEvent) {
	if c.ID == "" {
		c.ID = e.CallID
	}
	if stateOrder[e.Event] > stateOrder[c.State] {
		c.State = e.Event
	}
	set := func(dst *string, v string) {
		if strings.TrimSpace(v) != "" {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&c.Direction, e.Direction)
	set(&c.Extension, e.Extension)
	set(&c.External.Number, e.External.Number)
	set(&c.External.Name, e.External.Name)
	set(&c.Disposition, strings.ToUpper(e.Disposition))
	set(&c.Recording, e.Recording)
	setTime := func(dst *time.Time, v time.Time) {
		if !v.IsZero() {
			*dst = v
		}
	}
	setTime(&c.StartTime, e.StartTime)
	setTime(&c.AnswerTime, e.AnswerTime)
	setTime(&c.EndTime, e.EndTime)
	if e.Event == EventAnswered && c.AnswerTime.IsZero() && !e.StartTime.IsZero() {
		c.AnswerTime = e.StartTime
	}
	if e.TalkSeconds != nil {
		c.TalkSeconds = e.TalkSeconds
	}
}

// Answered reports whether the call was answered.
func (c *Call) Answered() bool {
	if c.Disposition != "" {
		return c.Disposition == "ANSWERED"
	}
	return !c.AnswerTime.IsZero() || c.State == EventAnswered
}

// Extension is the PBX extension of the call.
type ExtensionInfo struct {
	Number, FirstName, LastName, Email string
}

// CallContext is what the call's variables depend on besides the call.
type CallContext struct {
	Extension  ExtensionInfo
	Location   *time.Location // the PBX time zone; default UTC
	TimeFormat string         // Go layout for {{.Time}}; default "2006-01-02 15:04:05"
	RecordURL  string         // the Switchboard URL of the recording, when playback is on
}

// FormatNumbers writes the external party's number in vars as f says:
// Phone, ContactNumber, BusinessNumber and whichever of CallerNumber and
// CalleeNumber is theirs. RawPhone keeps it as the PBX gave it.
func (c *Call) FormatNumbers(vars engine.Vars, f *NumberFormat) {
	raw := c.External.Number
	vars["RawPhone"] = raw
	if f == nil || raw == "" {
		return
	}
	n := f.Apply(raw)
	for _, k := range []string{"Phone", "ContactNumber", "BusinessNumber", "CallerNumber", "CalleeNumber"} {
		if vars[k] == raw {
			vars[k] = n
		}
	}
}

// Vars computes the call variables of DESIGN §4 (names as in the Yeastar
// tables).
func (c *Call) Vars(cc CallContext) engine.Vars {
	loc := cc.Location
	if loc == nil {
		loc = time.UTC
	}
	layout := cc.TimeFormat
	if layout == "" {
		layout = "2006-01-02 15:04:05"
	}
	extName := strings.TrimSpace(cc.Extension.FirstName + " " + cc.Extension.LastName)
	ext := Party{Number: c.Extension, Name: extName}
	caller, callee := c.External, ext
	if c.Direction == Outbound {
		caller, callee = ext, c.External
	}
	v := engine.Vars{
		"Phone":               c.External.Number,
		"CallerNumber":        caller.Number,
		"CallerName":          caller.Name,
		"CallerDisplayName":   firstNonEmpty(caller.Name, caller.Number),
		"CalleeNumber":        callee.Number,
		"CalleeName":          callee.Name,
		"Call_From":           partyString(caller),
		"Call_To":             partyString(callee),
		"Communication_Type":  map[string]string{Inbound: "Inbound", Outbound: "Outbound"}[c.Direction],
		"ExtensionFirstName":  cc.Extension.FirstName,
		"ExtensionLastName":   cc.Extension.LastName,
		"ExtensionEmail":      cc.Extension.Email,
		"ContactNumber":       c.External.Number,
		"BusinessNumber":      c.External.Number,
		"RecordPath":          cc.RecordURL,
		"EnableCallRecording": boolString(c.Recording != ""),
	}
	if c.Answered() {
		v["Call_Status"] = "Completed"
	} else {
		v["Call_Status"] = "Missed"
	}
	v["Call_Log_Status"] = c.logStatus()
	v["CallDisposition"] = c.disposition()
	if !c.StartTime.IsZero() {
		v["Time"] = c.StartTime.In(loc).Format(layout)
		v["StartTimeUnix"] = strconv.FormatInt(c.StartTime.Unix(), 10)
	}
	if !c.EndTime.IsZero() {
		v["EndTimeUnix"] = strconv.FormatInt(c.EndTime.Unix(), 10)
		if !c.StartTime.IsZero() {
			v["CallDuration"] = strconv.FormatInt(int64(c.EndTime.Sub(c.StartTime).Seconds()), 10)
		}
	}
	talk := c.talkSeconds()
	v["Talk_Duration_Sec"] = strconv.Itoa(talk)
	v["Talk_Duration"] = fmt.Sprintf("%02d:%02d:%02d", talk/3600, talk%3600/60, talk%60)
	return v
}

func (c *Call) talkSeconds() int {
	if c.TalkSeconds != nil {
		return max(0, *c.TalkSeconds)
	}
	if c.AnswerTime.IsZero() || c.EndTime.IsZero() || !c.Answered() {
		return 0
	}
	return max(0, int(c.EndTime.Sub(c.AnswerTime).Seconds()))
}

func (c *Call) logStatus() string {
	switch {
	case c.Direction == Outbound:
		return "Outgoing Call"
	case c.Disposition == "VOICEMAIL":
		return "Voicemail"
	case c.Answered():
		return "Incoming Call"
	default:
		return "Missed Call"
	}
}

func (c *Call) disposition() string {
	switch {
	case c.Disposition != "":
		return c.Disposition
	case c.Answered():
		return "ANSWERED"
	case c.State == EventHangup && c.Direction == Inbound:
		return "MISSED"
	case c.State == EventHangup:
		return "NO ANSWER"
	}
	return ""
}

// partyString is "Name <number>", or the number alone.
func partyString(p Party) string {
	if p.Name == "" || p.Name == p.Number {
		return p.Number
	}
	return p.Name + " <" + p.Number + ">"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
