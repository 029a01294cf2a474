package messaging

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
)

// Channel statuses, by the rules of the generic SMS API chapter: what the
// VerifyChannel request's answer says about the channel.
const (
	StatusConnected          = "connected"
	StatusUnauthorized       = "unauthorized"        // 401/403/404, or the challenge did not come back
	StatusServiceUnavailable = "service_unavailable" // 500
	StatusUnknown            = "unknown"             // another status, with an error body in the expected form
	StatusRequestFailed      = "request_failed"      // no answer, or another status without a readable error
	StatusUnverified         = "unverified"          // the template has no VerifyChannel scenario
)

// ChannelStatus reads a VerifyChannel run: its status and, when not
// connected, why. challenge is the value the request carried; the answer
// must echo it when the template says ExpectBody.
func (d *Definition) ChannelStatus(res *engine.Result, vars engine.Vars) (status, reason string) {
	last := lastExchange(res)
	if res.Err != nil {
		var he *engine.HTTPStatusError
		if !errors.As(res.Err, &he) {
			return StatusRequestFailed, "no answer from the provider: " + res.Error
		}
		body := he.Body
		if last != nil {
			body = last.ResponseBody
		}
		switch {
		case he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden || he.Status == http.StatusNotFound:
			return StatusUnauthorized, d.describe(he.Status, body)
		case he.Status == http.StatusInternalServerError:
			return StatusServiceUnavailable, d.describe(he.Status, body)
		case d.errorBody(body):
			return StatusUnknown, d.describe(he.Status, body)
		}
		return StatusRequestFailed, fmt.Sprintf("HTTP %d without an error in the expected form", he.Status)
	}
	if f := d.failureIn2xx(res); f != nil {
		if f.Kind == "auth" {
			return StatusUnauthorized, f.Message
		}
		return StatusUnknown, f.Message
	}
	if d.expectBody == nil || last == nil {
		return StatusConnected, ""
	}
	want, err := d.expectBody.Render(vars)
	if err != nil {
		return StatusRequestFailed, "rendering ExpectBody: " + err.Error()
	}
	got := strings.TrimSpace(last.ResponseBody)
	var s string
	if json.Unmarshal([]byte(got), &s) == nil { // the challenge as a JSON string
		got = s
	}
	if got != strings.TrimSpace(want) {
		return StatusUnauthorized, "the provider did not echo the challenge"
	}
	return StatusConnected, ""
}

func lastExchange(res *engine.Result) *engine.Exchange {
	for i := len(res.Trace) - 1; i >= 0; i-- {
		if !res.Trace[i].Skipped {
			return &res.Trace[i]
		}
	}
	return nil
}

// errorBody reports whether an answer holds an error in the form the
// template describes (ErrorCodePath), or the generic {"errors":[…]}.
func (d *Definition) errorBody(body string) bool {
	if !gjson.Valid(body) {
		return false
	}
	if d.ErrorCodePath != "" && gjson.Get(body, d.ErrorCodePath).Exists() {
		return true
	}
	return gjson.Get(body, "errors.0").Exists()
}

// providerError reads the provider's code and description from an answer.
func (d *Definition) providerError(body string) (code, detail string) {
	if !gjson.Valid(body) {
		return "", ""
	}
	if d.ErrorCodePath != "" {
		code = strings.TrimSpace(gjson.Get(body, d.ErrorCodePath).String())
	}
	if d.ErrorMessagePath != "" {
		detail = strings.TrimSpace(gjson.Get(body, d.ErrorMessagePath).String())
	}
	return code, detail
}

// describe is an agent-readable account of a failed answer: the mapped
// message for the provider's code (or the HTTP status), with the
// provider's own words.
func (d *Definition) describe(status int, body string) string {
	code, detail := d.providerError(body)
	msg := ""
	if def, ok := d.Errors[code]; ok && code != "" {
		msg = def.Message
	} else if def, ok := d.Errors[fmt.Sprintf("HTTP %d", status)]; ok {
		msg = def.Message
	} else {
		msg = fmt.Sprintf("the provider answered HTTP %d %s", status, http.StatusText(status))
	}
	switch {
	case code != "" && detail != "":
		msg += fmt.Sprintf(" (%s: %s)", code, detail)
	case code != "":
		msg += fmt.Sprintf(" (%s)", code)
	case detail != "":
		msg += fmt.Sprintf(" (%s)", detail)
	}
	return msg
}

// SendFailure is why a message was not sent, for the agent and for the
// outbound queue: temporary failures are tried again later.
type SendFailure struct {
	Kind    string // permanent, temporary or auth
	Message string
	Status  int    // the provider's HTTP status; 0 when it did not answer
	Code    string // the provider's error code, when it gave one
}

func (f *SendFailure) Error() string { return f.Message }

// Temporary reports whether sending again later may succeed.
func (f *SendFailure) Temporary() bool { return f.Kind == "temporary" }

// SendFailure classifies a SendMessage run that failed, or succeeded
// without the message id the provider must return.
func (d *Definition) SendFailure(res *engine.Result) *SendFailure {
	if res.Err == nil {
		if f := d.failureIn2xx(res); f != nil {
			return f
		}
		if strings.TrimSpace(res.Vars["MessageId"]) == "" {
			return &SendFailure{Kind: "permanent", Message: "sending failed: the provider's answer has no message id"}
		}
		return nil
	}
	var he *engine.HTTPStatusError
	if !errors.As(res.Err, &he) {
		if errors.Is(res.Err, engine.ErrInvalidJSONBody) || errors.Is(res.Err, engine.ErrRenderLimit) {
			return &SendFailure{Kind: "permanent", Message: "the message could not be put into the provider's format: " + res.Error}
		}
		return &SendFailure{Kind: "temporary", Message: "no answer from the provider: " + res.Error}
	}
	body := he.Body
	if last := lastExchange(res); last != nil {
		body = last.ResponseBody
	}
	f := &SendFailure{Status: he.Status, Message: d.describe(he.Status, body)}
	f.Code, _ = d.providerError(body)
	def, ok := d.Errors[f.Code]
	if !ok || f.Code == "" {
		def, ok = d.Errors[fmt.Sprintf("HTTP %d", he.Status)]
	}
	switch {
	case ok:
		f.Kind = def.Kind
	case he.Status == http.StatusTooManyRequests || he.Status >= 500:
		f.Kind = "temporary"
	case he.Status == http.StatusUnauthorized:
		f.Kind = "auth"
	default:
		f.Kind = "permanent"
	}
	return f
}

// failureIn2xx is the failure a provider reports inside a 2xx answer (some
// answer 200 with {"status":"invalid_credentials"}): a code at
// ErrorCodePath that the template's ErrorMap names. A code the map does
// not name is not a failure, since many answers carry a status word on
// success too.
func (d *Definition) failureIn2xx(res *engine.Result) *SendFailure {
	last := lastExchange(res)
	if last == nil || d.ErrorCodePath == "" {
		return nil
	}
	code, _ := d.providerError(last.ResponseBody)
	def, ok := d.Errors[code]
	if code == "" || !ok {
		return nil
	}
	return &SendFailure{Kind: def.Kind, Status: last.Status, Code: code, Message: d.describe(last.Status, last.ResponseBody)}
}
