package templatetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
)

// Headers that say nothing about the template: the transport sets them,
// or they change with every answer. They are left out of fixtures.
var (
	noiseRequestHeaders  = []string{"User-Agent", "Content-Length", "Accept-Encoding", "Idempotency-Key"}
	noiseResponseHeaders = []string{"Date", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"}
)

// FromRun makes a fixture of a finished run of t: in is what was run, tz
// the time zone it ran in (empty: UTC), out what it gave. Exchanges come
// from the run's trace, which the engine has masked; secret fields and
// the token are recorded as ****.
func FromRun(t *engine.Template, in templaterun.Input, tz string, out *templaterun.Outcome) *Fixture {
	m := secretMasker(t, in.Fields, in.Token)
	f := &Fixture{
		Scenario: in.Scenario, Requests: in.Requests, Fields: maskedFields(t, in.Fields),
		Vars: maskedVars(in.Vars, m), NoGlobalInfo: in.NoGlobalInfo, Timezone: tz,
	}
	if usesToken(t, in, out.Trace) {
		f.Token = engine.Mask
	}
	for _, e := range out.Trace {
		f.Exchanges = append(f.Exchanges, fromExchange(e))
	}
	f.Want = wantOf(out, m)
	return f
}

// FromWebhook makes a fixture of a webhook read by t at now.
func FromWebhook(t *engine.Template, w templaterun.Webhook, now time.Time, res *templaterun.WebhookResult) *Fixture {
	m := secretMasker(t, w.Fields, "")
	f := &Fixture{Scenario: w.Scenario, Fields: maskedFields(t, w.Fields), Vars: maskedVars(w.Vars, m)}
	f.Webhook = &Webhook{Body: Body(w.Body), URL: w.URL, Now: now.UTC().Format(time.RFC3339)}
	if len(w.Header) > 0 {
		f.Webhook.Headers = map[string]string{}
		for k, vs := range w.Header {
			f.Webhook.Headers[k] = strings.Join(vs, ", ")
		}
	}
	f.Want = webhookWant(res)
	return f
}

func webhookWant(res *templaterun.WebhookResult) Want {
	w := Want{Verified: res.Verified, Error: res.Error, Warnings: res.Warnings}
	if len(res.Messages) > 0 {
		w.Messages, _ = json.Marshal(res.Messages)
	}
	if len(res.Reports) > 0 {
		w.Reports, _ = json.Marshal(res.Reports)
	}
	return w
}

func wantOf(out *templaterun.Outcome, m *engine.Masker) Want {
	w := Want{Rows: out.Rows, Vars: maskedVars(out.Vars, m), Error: m.String(out.Error), Warnings: out.Warnings}
	for i, r := range w.Rows {
		vals := make(map[string]string, len(r.Values))
		for k, v := range r.Values {
			vals[k] = m.String(v)
		}
		w.Rows[i].Values = vals
	}
	if out.ChannelOutcome != nil && *out.ChannelOutcome != (templaterun.ChannelOutcome{}) {
		w.Channel = out.ChannelOutcome
	}
	return w
}

func fromExchange(e engine.Exchange) Exchange {
	if e.Skipped {
		return Exchange{Request: e.Request, Method: e.Method, Skipped: true}
	}
	x := Exchange{Request: e.Request, Method: e.Method, URL: e.URL, Headers: without(e.RequestHeaders, noiseRequestHeaders),
		Body: Body(e.RequestBody)}
	switch {
	case e.Status != 0:
		x.Response = &Response{Status: e.Status, Headers: without(e.ResponseHeaders, noiseResponseHeaders), Body: Body(e.ResponseBody)}
	case e.Error != "":
		x.Response = &Response{Error: e.Error}
	}
	return x
}

func without(h map[string]string, drop []string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if !containsFold(drop, k) {
			out[http.CanonicalHeaderKey(k)] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// secretMasker masks the secret fields' values and the token wherever
// they show (variables, rows, errors).
func secretMasker(t *engine.Template, fields engine.Vars, token string) *engine.Masker {
	var secrets []string
	for _, name := range t.Source.SecretFields() {
		if v := fields[name]; v != "" && v != engine.Mask {
			secrets = append(secrets, v)
		}
	}
	if token != "" {
		secrets = append(secrets, token)
	}
	return engine.NewMasker(secrets...)
}

// maskedFields is the fields with each secret field's value as ****.
func maskedFields(t *engine.Template, fields engine.Vars) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	secret := t.Source.SecretFields()
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if v != "" && containsFold(secret, k) {
			v = engine.Mask
		}
		out[k] = v
	}
	return out
}

// usesToken reports whether the run authorized with an access token: one
// given, or one the template fetched (its requests carry it).
func usesToken(t *engine.Template, in templaterun.Input, trace []engine.Exchange) bool {
	switch t.Source.AuthType {
	case "oauth2":
		return true
	case "bearertoken":
		if in.Token != "" {
			return true
		}
		for _, e := range trace {
			if v := e.RequestHeaders["Authorization"]; strings.HasSuffix(v, " "+engine.Mask) && !strings.HasPrefix(v, "Basic ") {
				return true
			}
		}
	}
	return false
}
