package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// yeastarFrame is an event as a Yeastar P-Series PBX sends it: msg is the
// event's JSON as a string (see the report examples of Yeastar's developer
// guide, e.g. (30011) Call State Changed and (30012) New CDR).
func yeastarFrame(t *testing.T, typ int, msg map[string]any) string {
	t.Helper()
	inner, err := json.Marshal(msg)
	require.NoError(t, err)
	outer, err := json.Marshal(map[string]any{"type": typ, "sn": "3631A2124XXX", "msg": string(inner)})
	require.NoError(t, err)
	return string(outer)
}

// Members of a 30011/30013 event.
func inboundLeg(from, status string) map[string]any {
	return map[string]any{"inbound": map[string]any{"from": from, "to": "5503301", "trunk_name": "SIP-Trunk",
		"channel_id": "PJSIP/SIP-Trunk-00000001", "member_status": status}}
}

func outboundLeg(to, status string) map[string]any {
	return map[string]any{"outbound": map[string]any{"from": "1001", "to": to, "trunk_name": "SIP-Trunk",
		"channel_id": "PJSIP/SIP-Trunk-00000002", "member_status": status}}
}

func extLeg(number, status string) map[string]any {
	return map[string]any{"extension": map[string]any{"number": number, "channel_id": "PJSIP/" + number + "-00000003", "member_status": status}}
}

func callState(callID string, members ...map[string]any) map[string]any {
	return map[string]any{"call_id": callID, "members": members}
}

// newCDR is a 30012 msg with every field the PBX sends.
func newCDR(callID, from, to, typ, status string, duration, talk int) map[string]any {
	return map[string]any{"call_id": callID, "time_start": "2026-11-21 10:00:00", "call_from": from, "call_to": to,
		"call_duration": duration, "talk_duration": talk, "src_trunk_name": "SIP-Trunk", "dst_trunk_name": "",
		"pin_code": "", "status": status, "type": typ, "recording": "", "did_number": "5503301", "did_name": "",
		"agent_ring_time": 0, "uid": "20261121100000" + callID}
}

// post sends a frame the way the PBX's webhook does: no Authorization
// header, the credential in the URL.
func postFrame(t *testing.T, e *env, url, body string) resp {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Yeastar P-Series") // whatever it is: not checked
	r, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer r.Body.Close()
	data, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return resp{r.StatusCode, data, r.Header}
}

// Real Yeastar P-Series event sequences — inbound answered, inbound
// missed, outbound, transfer and voicemail — sent to the webhook URL with
// its secret drive calls and their steps as the token route does; a wrong,
// rotated-away or deleted secret is a 404 and stores nothing.
func TestYeastarWebhookURLReplaysPBXSequences(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true,"alwaysQuery":true},
		"ticket":{"enabled":true,"when":"afterCall","callTypes":["inboundMissed"]}}`)

	created := e.expect(e.admin("POST", "/api/v1/pbx-webhooks", map[string]string{"name": "Head office P570"}), 201)
	url := created["url"].(string)
	require.True(t, strings.HasPrefix(url, e.srv.URL+"/api/v1/events/yeastar/whk_"), url)
	secret := strings.TrimPrefix(url, e.srv.URL+"/api/v1/events/yeastar/")
	require.GreaterOrEqual(t, len(secret), 40)
	// Listed without its secret.
	list := e.expect(e.admin("GET", "/api/v1/pbx-webhooks", nil), 200)
	require.Len(t, list["pbxWebhooks"], 1)
	require.NotContains(t, string(e.admin("GET", "/api/v1/pbx-webhooks", nil).Body), secret)
	require.Equal(t, "Head office P570", list["pbxWebhooks"].([]any)[0].(map[string]any)["name"])

	send := func(frames ...string) {
		t.Helper()
		for _, f := range frames {
			e.expect(postFrame(t, e, url, f), 202)
		}
	}
	const caller = "+14155550100"

	// Inbound, answered: ringing, answered, both legs hang up (BYE, which
	// is ignored), then the CDR.
	in := "1763719200.101"
	send(
		yeastarFrame(t, 30011, callState(in, inboundLeg(caller, "ALERT"), extLeg("1001", "RING"))),
		yeastarFrame(t, 30011, callState(in, inboundLeg(caller, "ANSWERED"), extLeg("1001", "ANSWER"))),
		yeastarFrame(t, 30011, callState(in, inboundLeg(caller, "BYE"), extLeg("1001", "BYE"))),
		yeastarFrame(t, 30012, newCDR(in, caller, "1001", "Inbound", "ANSWERED", 65, 58)),
	)
	got := e.waitRuns(in, map[string]string{"lookup": "succeeded"})
	call := got["call"].(map[string]any)
	require.Equal(t, "hangup", call["state"])
	require.Equal(t, "inbound", call["direction"])
	require.Equal(t, "1001", call["extension"])
	require.Equal(t, "ANSWERED", call["disposition"])
	require.Equal(t, "2026-11-21T10:01:05Z", call["endTime"], "time_start + call_duration, in the PBX's zone")

	// Inbound, missed: rings, the caller gives up, NO ANSWER: the ticket
	// for missed calls is made.
	missed := "1763719300.102"
	send(
		yeastarFrame(t, 30011, callState(missed, inboundLeg(caller, "ALERT"), extLeg("1001", "RING"))),
		yeastarFrame(t, 30011, callState(missed, inboundLeg(caller, "BYE"))),
		yeastarFrame(t, 30012, newCDR(missed, caller, "1001", "Inbound", "NO ANSWER", 20, 0)),
	)
	got = e.waitRuns(missed, map[string]string{"lookup": "succeeded", "createTicket": "succeeded"})
	require.Equal(t, "NO ANSWER", got["call"].(map[string]any)["disposition"])

	// Outbound: the extension hears ringback (ALERT) while the far end
	// rings, then the call is answered; the CDR names the caller as
	// "Name<extension>".
	out := "1763719400.103"
	send(
		yeastarFrame(t, 30011, callState(out, extLeg("1001", "ALERT"), outboundLeg("+14155550123", "RING"))),
		yeastarFrame(t, 30011, callState(out, extLeg("1001", "ANSWERED"), outboundLeg("+14155550123", "ANSWER"))),
		yeastarFrame(t, 30012, newCDR(out, "Dana Agent<1001>", "+14155550123", "Outbound", "ANSWERED", 30, 25)),
	)
	got = e.waitRuns(out, map[string]string{"lookup": "succeeded"})
	call = got["call"].(map[string]any)
	require.Equal(t, "outbound", call["direction"])
	require.Equal(t, "1001", call["extension"])
	require.Equal(t, "+14155550123", call["external"].(map[string]any)["number"])

	// Transfer: 1001 answers, then transfers the caller to 1002 (the
	// (30013) Call Transfer report, which Switchboard ignores: the call
	// states and the CDR carry what matters).
	xfer := "1763719500.104"
	send(
		yeastarFrame(t, 30011, callState(xfer, inboundLeg(caller, "ALERT"), extLeg("1001", "RING"))),
		yeastarFrame(t, 30011, callState(xfer, inboundLeg(caller, "ANSWERED"), extLeg("1001", "ANSWER"))),
	)
	ignored := e.expect(postFrame(t, e, url, yeastarFrame(t, 30013, callState(xfer, inboundLeg(caller, "ANSWERED"), extLeg("1001", "ANSWER")))), 202)
	require.Equal(t, "event type 30013", ignored["ignored"])
	send(
		yeastarFrame(t, 30011, callState(xfer, inboundLeg(caller, "ANSWERED"), extLeg("1002", "RING"))),
		yeastarFrame(t, 30011, callState(xfer, inboundLeg(caller, "ANSWERED"), extLeg("1002", "ANSWER"))),
		yeastarFrame(t, 30012, newCDR(xfer, caller, "1002", "Inbound", "ANSWERED", 90, 80)),
	)
	got = e.waitRuns(xfer, map[string]string{"lookup": "succeeded"})
	call = got["call"].(map[string]any)
	require.Equal(t, "hangup", call["state"])
	require.Equal(t, "ANSWERED", call["disposition"])

	// Voicemail: nobody answers, the caller leaves a message: a missed
	// call, so it gets the missed calls' ticket.
	vm := "1763719600.105"
	send(
		yeastarFrame(t, 30011, callState(vm, inboundLeg(caller, "ALERT"), extLeg("1001", "RING"))),
		yeastarFrame(t, 30011, callState(vm, inboundLeg(caller, "BYE"))),
		yeastarFrame(t, 30012, newCDR(vm, caller, "1001", "Inbound", "VOICEMAIL", 31, 11)),
	)
	got = e.waitRuns(vm, map[string]string{"lookup": "succeeded", "createTicket": "succeeded"})
	require.Equal(t, "VOICEMAIL", got["call"].(map[string]any)["disposition"])

	// The PBX's "send test message" (its body is not documented): any
	// JSON object without an event type passes and is dropped.
	require.Equal(t, "no event type: a test message?", e.expect(postFrame(t, e, url, `{"msg":"test"}`), 202)["ignored"])
	require.Equal(t, 400, postFrame(t, e, url, `{"type":30012,"msg":"{broken"}`).Status)

	// A wrong secret: 404, as for an unknown route, and nothing stored.
	stray := yeastarFrame(t, 30011, callState("stray.1", inboundLeg(caller, "ALERT"), extLeg("1001", "RING")))
	wrong := postFrame(t, e, e.srv.URL+"/api/v1/events/yeastar/whk_not-the-secret", stray)
	require.Equal(t, 404, wrong.Status)
	require.NotContains(t, string(wrong.Body), "not-the-secret", "the answer does not echo a secret")
	require.Equal(t, 404, e.admin("GET", "/api/v1/calls/stray.1", nil).Status)

	// Rotated: the old URL is a 404 at once, the new one works.
	id := created["id"].(string)
	rotated := e.expect(e.admin("POST", "/api/v1/pbx-webhooks/"+id+"/rotate", nil), 200)
	newURL := rotated["url"].(string)
	require.NotEqual(t, url, newURL)
	require.Equal(t, id, rotated["id"])
	require.Equal(t, 404, postFrame(t, e, url, stray).Status)
	require.Equal(t, 404, e.admin("GET", "/api/v1/calls/stray.1", nil).Status)
	e.expect(postFrame(t, e, newURL, stray), 202)
	e.expect(e.admin("GET", "/api/v1/calls/stray.1", nil), 200)
	require.Equal(t, 404, e.admin("POST", "/api/v1/pbx-webhooks/nope/rotate", nil).Status)

	// Deleted: 404.
	require.Equal(t, 204, e.admin("DELETE", "/api/v1/pbx-webhooks/"+id, nil).Status)
	require.Equal(t, 404, e.admin("DELETE", "/api/v1/pbx-webhooks/"+id, nil).Status)
	require.Equal(t, 404, postFrame(t, e, newURL, yeastarFrame(t, 30011, callState("stray.2", inboundLeg(caller, "ALERT"), extLeg("1001", "RING")))).Status)
	require.Equal(t, 404, e.admin("GET", "/api/v1/calls/stray.2", nil).Status)
	require.Empty(t, e.expect(e.admin("GET", "/api/v1/pbx-webhooks", nil), 200)["pbxWebhooks"])

	// The Authorization-header route keeps working.
	e.expect(e.admin("POST", "/api/v1/events/yeastar", yeastarFrame(t, 30011, callState("token.1", inboundLeg(caller, "ALERT"), extLeg("1001", "RING")))), 202)
}

// Managing webhook URLs is for admins; the URL is shown only when made.
func TestPBXWebhooksAreAdminOnly(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, 400, e.admin("POST", "/api/v1/pbx-webhooks", map[string]string{"name": " "}).Status)
	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "pbx"}), 201)["token"].(string)
	require.Equal(t, 403, e.do("POST", "/api/v1/pbx-webhooks", pbx, map[string]string{"name": "x"}).Status)
	require.Equal(t, 403, e.do("GET", "/api/v1/pbx-webhooks", pbx, nil).Status)
	require.Equal(t, 401, e.do("GET", "/api/v1/pbx-webhooks", "", nil).Status)
}

// The secret in a webhook URL never reaches a log line.
func TestPBXWebhookSecretIsNotLogged(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnvWithLog(t, logs)
	url := e.expect(e.admin("POST", "/api/v1/pbx-webhooks", map[string]string{"name": "P570"}), 201)["url"].(string)
	secret := url[strings.LastIndex(url, "/")+1:]
	// A body cut off on the way is logged with the path.
	body := yeastarFrame(t, 30012, newCDR("cut.1", "+14155550100", "1001", "Inbound", "ANSWERED", 5, 3))
	req, err := http.NewRequest("POST", url, io.MultiReader(strings.NewReader(body[:20]), failingReader{}))
	require.NoError(t, err)
	req.ContentLength = int64(len(body))
	if r, err := http.DefaultClient.Do(req); err == nil {
		r.Body.Close()
	}
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "cut off") }, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, logs.String(), `/api/v1/events/yeastar/***`)
	// Another method on the URL: 405, the path masked in the answer too.
	r := e.do("GET", strings.TrimPrefix(url, e.srv.URL), "", nil)
	require.Equal(t, 405, r.Status)
	require.NotContains(t, string(r.Body), secret)
	require.NotContains(t, logs.String(), secret, fmt.Sprintf("logs: %s", logs.String()))
}
