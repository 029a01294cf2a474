package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/server"
)

// Validation as the workbench types: every problem at its line:column,
// errors and warnings both, and what the XML declares even while it has
// errors; nothing is saved.
func TestValidateTemplate(t *testing.T) {
	e := newEnv(t)
	zendesk := string(readFile(t, "../examples/zendesk.xml"))

	ok := e.expect(e.admin("POST", "/api/v1/templates/validate", zendesk), 200)
	require.Equal(t, true, ok["valid"])
	require.Equal(t, "zendesk", ok["id"])
	require.Equal(t, "Zendesk", ok["name"])
	require.Equal(t, "helpdesk", ok["kind"])
	require.Contains(t, ok["scenarios"], "SyncContactAuto")
	require.NotContains(t, ok["scenarios"], "AuthMethod")
	require.Contains(t, ok["fields"], map[string]any{"name": "api_token", "label": "API token", "type": "password",
		"secret": true, "required": true, "options": []any{}})

	// A broken scenario: an unknown function in a URL, a bad Method.
	broken := strings.Replace(zendesk, `{{UrlEncode .SearchValue}}`, `{{UrlEncodeX .SearchValue}}`, 1)
	broken = strings.Replace(broken, `Name="contacts" Method="GET"`, `Name="contacts" Method="FETCH"`, 1)
	bad := e.expect(e.admin("POST", "/api/v1/templates/validate", broken), 200)
	require.Equal(t, false, bad["valid"])
	require.Contains(t, bad["scenarios"], "SyncContactAuto", "the scenarios are still listed")
	require.NotEmpty(t, bad["fields"])
	problems := bad["problems"].([]any)
	lines := map[float64]bool{}
	for _, p := range problems {
		pm := p.(map[string]any)
		require.NotZero(t, pm["column"], pm)
		if pm["severity"] == "error" {
			lines[pm["line"].(float64)] = true
		}
	}
	require.True(t, lines[35], "the bad Method at line 35: %v", problems)
	require.True(t, lines[55], "the unknown function at line 55: %v", problems)

	// Not XML at all: still an answer with a place.
	notXML := e.expect(e.admin("POST", "/api/v1/templates/validate", "<Information><Scenarios>"), 200)
	require.Equal(t, false, notXML["valid"])
	require.NotEmpty(t, notXML["problems"])
	require.NotZero(t, notXML["problems"].([]any)[0].(map[string]any)["line"])

	// Nothing was saved (the built-in templates alone); agents may not use it.
	list := e.expect(e.admin("GET", "/api/v1/templates", nil), 200)["templates"].([]any)
	builtIns, err := fs.Glob(examples.Templates, "*.xml")
	require.NoError(t, err)
	require.Len(t, list, len(builtIns))
	for _, tm := range list {
		require.Equal(t, true, tm.(map[string]any)["builtIn"], tm.(map[string]any)["id"])
	}
	require.Equal(t, 401, e.do("POST", "/api/v1/templates/validate", "", zendesk).Status)
}

// A run from the workbench is the CLI's: GetGlobalInfo-less Zendesk's
// SyncContactAuto against a desk, every exchange with the credentials
// masked, the rows with their pop-up URL.
func TestRunTemplate(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	zendesk := string(readFile(t, "../examples/zendesk.xml"))
	fields := zendeskFields(desk.URL)

	out := e.expect(e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": zendesk, "scenario": "SyncContactAuto",
		"fields": fields, "vars": map[string]string{"Phone": "+1 415 555 0100"}}), 200)
	require.Equal(t, "", out["error"], out)
	require.Equal(t, "SyncContactAuto", out["scenario"])
	rows := out["rows"].([]any)
	require.NotEmpty(t, rows)
	require.Equal(t, desk.URL+"/agent/users/17", rows[0].(map[string]any)["contactUrl"])
	trace := out["trace"].([]any)
	require.NotEmpty(t, trace)
	first := trace[0].(map[string]any)
	require.Equal(t, "GET", first["method"])
	require.EqualValues(t, 200, first["status"])
	require.Equal(t, "Basic ****", first["requestHeaders"].(map[string]any)["Authorization"])
	raw := string(e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": zendesk, "scenario": "SyncContactAuto",
		"fields": fields, "vars": map[string]string{"Phone": "+14155550100"}}).Body)
	require.NotContains(t, raw, "zd-secret-token-42")
	require.NotContains(t, raw, base64.StdEncoding.EncodeToString([]byte("agent@acme.test/token:zd-secret-token-42")))
	require.Contains(t, raw, "****")

	// A failing scenario is an answer, not an error.
	failed := e.expect(e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": zendesk, "scenario": "SearchContact",
		"fields": zendeskFields(desk.URL + "/nowhere"), "vars": map[string]string{"SearchValue": "ann"}}), 200)
	require.NotEmpty(t, failed["error"])
	require.NotContains(t, failed["error"], "zd-secret-token-42")

	// What cannot run says why.
	for _, tt := range []struct {
		body map[string]any
		code string
		msg  string
	}{
		{map[string]any{"xml": zendesk, "scenario": "SyncContact"}, "cannot_run", `no runnable scenario`},
		{map[string]any{"xml": zendesk, "scenario": "SyncContactAuto", "fields": map[string]string{"api_tokn": "x"}}, "cannot_run", `did you mean`},
		{map[string]any{"xml": "<Information/>", "scenario": "SyncContactAuto"}, "invalid_template", ""},
	} {
		r := e.admin("POST", "/api/v1/templates/run", tt.body)
		require.Equal(t, 400, r.Status, r.String())
		require.Equal(t, tt.code, errCode(t, r))
		require.Contains(t, r.String(), tt.msg)
	}

	// The integrations' outbound rules hold: no link-local address.
	meta := e.expect(e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": zendesk, "scenario": "SyncContactAuto",
		"fields": zendeskFields("http://169.254.169.254"), "vars": map[string]string{"Phone": "+14155550100"}}), 200)
	require.Contains(t, meta["error"], "address refused")
}

// A channel's webhook, read from the workbench as `template run --webhook`
// reads it: the signature checked, the messages parsed, nothing sent.
func TestRunTemplateReadsAWebhook(t *testing.T) {
	e := newEnv(t)
	sms := string(readFile(t, "../examples/sms_generic.xml"))
	body := `{"data":{"event_type":"message.received","payload":{"id":"in-1","from":{"phone_number":"+8618012121223"},"to":[{"phone_number":"+8618012121222"}],"text":"Hello","media":[],"received_at":"2026-11-22T10:00:00.000+08:00"}}}`
	mac := hmac.New(sha256.New, []byte("s3cr3t"))
	mac.Write([]byte(body))
	fields := map[string]string{"api_key": "k-1", "secret": "s3cr3t", "send_url": "https://sms.test/send", "verify_url": "https://sms.test/verify"}
	run := func(body string) map[string]any {
		return e.expect(e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": sms, "scenario": "ReceiveMessage", "fields": fields,
			"webhook": map[string]any{"body": body, "headers": map[string]string{"X-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}}}), 200)
	}
	ok := run(body)
	require.Equal(t, "yes", ok["verified"], ok)
	require.Equal(t, "Hello", ok["messages"].([]any)[0].(map[string]any)["text"])
	tampered := run(strings.Replace(body, "Hello", "Hullo", 1))
	require.Equal(t, "no", tampered["verified"])
	require.Contains(t, tampered["error"], "does not match the body")

	r := e.admin("POST", "/api/v1/templates/run", map[string]any{"xml": sms, "scenario": "ReceiveMessage", "fields": fields})
	require.Equal(t, 400, r.Status)
	require.Contains(t, r.String(), "give its body")
}

// A run that takes longer than the server lets an answer be written (a
// slow API, retries) still gets its answer.
func TestRunTemplateOutlastsTheWriteTimeout(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"results":[]}`)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	addr := hardened(t, e, server.HTTPConfig{WriteTimeout: 500 * time.Millisecond})
	go func() {
		// Answer once the write timeout has long passed.
		time.Sleep(1500 * time.Millisecond)
		release <- struct{}{}
	}()
	body, err := json.Marshal(map[string]any{"xml": string(readFile(t, "../examples/zendesk.xml")), "scenario": "SyncContactAuto",
		"fields": zendeskFields(slow.URL), "vars": map[string]string{"Phone": "+14155550100"}})
	require.NoError(t, err)
	req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/templates/run", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "the answer was cut off")
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	var out map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	require.Equal(t, "SyncContactAuto", out["scenario"])
}
