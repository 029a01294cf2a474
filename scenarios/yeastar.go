package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Yeastar P-Series event types.
const (
	YeastarCallState = 30011
	YeastarNewCDR    = 30012
)

// YeastarEnvelope is a Yeastar P-Series event: {"type","sn","msg"}. msg is a
// JSON-encoded string on the wire and an object in the documentation's
// tables; both are read.
type YeastarEnvelope struct {
	Type int             `json:"type"`
	SN   string          `json:"sn"`
	Msg  json.RawMessage `json:"msg"`
}

// ErrIgnored marks events Switchboard has nothing to do with: internal
// calls, holds, other event types. They are accepted and dropped.
type ErrIgnored struct{ Reason string }

func (e *ErrIgnored) Error() string { return "ignored: " + e.Reason }

type yeastarLeg struct {
	Number       string `json:"number"`
	From         string `json:"from"`
	To           string `json:"to"`
	TrunkName    string `json:"trunk_name"`
	MemberStatus string `json:"member_status"`
}

type yeastarCallState struct {
	CallID  string `json:"call_id"`
	Members []struct {
		Extension *yeastarLeg `json:"extension"`
		Inbound   *yeastarLeg `json:"inbound"`
		Outbound  *yeastarLeg `json:"outbound"`
	} `json:"members"`
}

type yeastarCDR struct {
	CallID       string `json:"call_id"`
	TimeStart    string `json:"time_start"`
	CallFrom     string `json:"call_from"`
	CallTo       string `json:"call_to"`
	CallDuration int    `json:"call_duration"`
	TalkDuration int    `json:"talk_duration"`
	Status       string `json:"status"`
	Type         string `json:"type"`
	Recording    string `json:"recording"`
}

// ParseYeastar turns a Yeastar webhook into a call event. loc is the PBX's
// time zone: CDR times carry none. Events about nothing Switchboard acts on
// return an *ErrIgnored.
func ParseYeastar(body []byte, loc *time.Location, received time.Time) (*CallEvent, error) {
	var env YeastarEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("not a Yeastar event: %w", err)
	}
	msg := []byte(env.Msg)
	var s string
	if json.Unmarshal(env.Msg, &s) == nil {
		msg = []byte(s) // msg as a JSON-encoded string, as the PBX sends it
	}
	if len(msg) == 0 || string(msg) == "null" {
		return nil, fmt.Errorf("the Yeastar event has no msg")
	}
	switch env.Type {
	case YeastarCallState:
		var cs yeastarCallState
		if err := json.Unmarshal(msg, &cs); err != nil {
			return nil, fmt.Errorf("30011 msg: %w", err)
		}
		return callState(cs, received)
	case YeastarNewCDR:
		var cdr yeastarCDR
		if err := json.Unmarshal(msg, &cdr); err != nil {
			return nil, fmt.Errorf("30012 msg: %w", err)
		}
		return newCDR(cdr, loc)
	case 0:
		return nil, fmt.Errorf("the Yeastar event has no type")
	default:
		return nil, &ErrIgnored{Reason: fmt.Sprintf("event type %d", env.Type)}
	}
}

// clean trims a value; Yeastar writes a single space for empty.
func clean(s string) string { return strings.TrimSpace(s) }

// party reads "Name<number>" or a bare number.
func party(s string) Party {
	s = clean(s)
	if i := strings.LastIndex(s, "<"); i >= 0 && strings.HasSuffix(s, ">") {
		return Party{Name: clean(s[:i]), Number: clean(s[i+1 : len(s)-1])}
	}
	return Party{Number: s}
}

func callState(cs yeastarCallState, received time.Time) (*CallEvent, error) {
	e := &CallEvent{CallID: clean(cs.CallID)}
	if e.CallID == "" {
		return nil, fmt.Errorf("30011: call_id is empty")
	}
	statuses := map[string]bool{}
	for _, m := range cs.Members {
		switch {
		case m.Inbound != nil:
			e.Direction = Inbound
			e.External = party(m.Inbound.From)
			if e.Extension == "" {
				e.Extension = clean(m.Inbound.To)
			}
			statuses[clean(m.Inbound.MemberStatus)] = true
		case m.Outbound != nil:
			e.Direction = Outbound
			e.External = party(m.Outbound.To)
			if e.Extension == "" {
				e.Extension = clean(m.Outbound.From)
			}
			statuses[clean(m.Outbound.MemberStatus)] = true
		case m.Extension != nil:
			e.Extension = clean(m.Extension.Number) // the extension leg names the extension best
			statuses[clean(m.Extension.MemberStatus)] = true
		}
	}
	switch {
	case statuses["ANSWER"] || statuses["ANSWERED"]:
		e.Event, e.AnswerTime = EventAnswered, received
	case statuses["RING"] || statuses["ALERT"] || statuses["EARLYMEDIA"]:
		e.Event, e.StartTime = EventRinging, received
	default:
		// BYE and HOLD: the hangup comes with the CDR (30012), which has
		// the durations and the disposition.
		return nil, &ErrIgnored{Reason: "call state without ringing or answer"}
	}
	return e, nil
}

func newCDR(cdr yeastarCDR, loc *time.Location) (*CallEvent, error) {
	e := &CallEvent{CallID: clean(cdr.CallID), Event: EventHangup, Recording: clean(cdr.Recording)}
	if e.CallID == "" {
		return nil, fmt.Errorf("30012: call_id is empty")
	}
	from, to := party(cdr.CallFrom), party(cdr.CallTo)
	switch strings.ToLower(clean(cdr.Type)) {
	case "inbound":
		e.Direction, e.External, e.Extension = Inbound, from, to.Number
	case "outbound":
		e.Direction, e.External, e.Extension = Outbound, to, from.Number
	default:
		return nil, &ErrIgnored{Reason: fmt.Sprintf("%s call", clean(cdr.Type))}
	}
	if ts := clean(cdr.TimeStart); ts != "" {
		start, err := time.ParseInLocation("2006-01-02 15:04:05", ts, loc)
		if err != nil {
			return nil, fmt.Errorf("30012: time_start %q is not YYYY-MM-DD HH:MM:SS", ts)
		}
		e.StartTime = start
		e.EndTime = start.Add(time.Duration(cdr.CallDuration) * time.Second)
		if cdr.TalkDuration > 0 {
			e.AnswerTime = e.EndTime.Add(-time.Duration(cdr.TalkDuration) * time.Second)
		}
	}
	talk := cdr.TalkDuration
	e.TalkSeconds = &talk
	switch status := strings.ToUpper(clean(cdr.Status)); status {
	case "ANSWERED", "ANSWERD":
		e.Disposition = "ANSWERED"
	case "NO ANSWER", "BUSY", "VOICEMAIL", "FAILED":
		e.Disposition = status
	case "ABANDONED":
		e.Disposition = "NO ANSWER"
	case "":
	default:
		return nil, fmt.Errorf("30012: status %q is not ANSWERED, NO ANSWER, BUSY, VOICEMAIL or FAILED", cdr.Status)
	}
	return e, nil
}
