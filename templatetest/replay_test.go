package templatetest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templatetest"
)

const zendeskToken = "zd-secret-api-token-4711"

func example(t *testing.T, name string) []byte {
	t.Helper()
	data, err := examples.Templates.ReadFile(name)
	require.NoError(t, err)
	return data
}

func load(t *testing.T, name string, data []byte) *engine.Template {
	t.Helper()
	tmpl, problems := engine.Load(name, data, engine.Options{Location: time.UTC})
	require.NotNil(t, tmpl, "%v", problems)
	return tmpl
}

// zendesk is a local Zendesk that knows one end user with two phone
// identities.
func zendesk(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Request-Id", "req-"+r.URL.Path)
		switch r.URL.Path {
		case "/api/v2/search.json":
			_, _ = w.Write([]byte(`{"results":[{"id":512,"name":"Ann \"the caller\" Lee","email":"ann@acme.test","phone":"+14155550100"}],"count":1}`))
		case "/api/v2/users/512/identities.json":
			_, _ = w.Write([]byte(`{"identities":[{"type":"phone_number","value":"+14155550100"},{"type":"phone_number","value":"+14155550101"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// record runs a scenario of zendesk.xml against the local Zendesk and
// makes a fixture of it, as 'template run --record' does.
func record(t *testing.T, data []byte, base string) *templatetest.Fixture {
	t.Helper()
	tmpl := load(t, "zendesk.xml", data)
	in := templaterun.Input{Scenario: "SyncContactAuto", NoGlobalInfo: true,
		Fields: engine.Vars{"base_url": base, "email": "agent@acme.test", "api_token": zendeskToken},
		Vars:   engine.Vars{"Phone": "+1 415 555 0100"}}
	out, err := templaterun.Run(context.Background(), tmpl, in, templaterun.Env{})
	require.NoError(t, err)
	require.NoError(t, out.Err, out.Error)
	return templatetest.FromRun(tmpl, in, "", out)
}

// writeAndRead keeps a fixture on disk and reads it back, as an author's
// fixture is.
func writeAndRead(t *testing.T, f *templatetest.Fixture) (*templatetest.Fixture, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "SyncContactAuto.json")
	require.NoError(t, templatetest.Write(path, f))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	back, err := templatetest.Read(path)
	require.NoError(t, err)
	return back, string(raw)
}

func TestRecordedRunReplaysAndSecretsStayOut(t *testing.T) {
	data := example(t, "zendesk.xml")
	srv := zendesk(t)
	f, raw := writeAndRead(t, record(t, data, srv.URL))

	require.NotContains(t, raw, zendeskToken, "the API token is never written")
	require.NotContains(t, raw, base64.StdEncoding.EncodeToString([]byte("agent@acme.test/token:"+zendeskToken)))
	require.Equal(t, engine.Mask, f.Fields["api_token"])
	require.Len(t, f.Exchanges, 2, "the search, then the identities of the one user found")
	search := f.Exchanges[0]
	require.Equal(t, "GET", search.Method)
	require.Contains(t, search.URL, "/api/v2/search.json?query=")
	require.Equal(t, "Basic ****", search.Headers["Authorization"])
	require.NotContains(t, search.Headers, "User-Agent", "the transport's headers are not the template's")
	require.Equal(t, 200, search.Response.Status)
	require.Contains(t, raw, `"name": "Ann \"the caller\" Lee"`, "a JSON answer is kept as JSON, readable")
	require.Equal(t, "512", f.Want.Rows[0].Values["ContactsId"])
	require.Equal(t, "+14155550101", f.Want.Rows[0].Values["BusinessNumber2"])

	// The helpdesk is gone: the replay needs only the fixture.
	srv.Close()
	res, err := templatetest.Replay(context.Background(), "zendesk.xml", data, f)
	require.NoError(t, err)
	require.True(t, res.Passed, res.Diff)
	require.Empty(t, res.Notes)
}

func TestChangedTemplateShowsADiff(t *testing.T) {
	data := example(t, "zendesk.xml")
	f, _ := writeAndRead(t, record(t, data, zendesk(t).URL))

	// The author changes the search: role:user instead of role:end-user,
	// and reads the email from elsewhere.
	changed := strings.ReplaceAll(string(data), "role:end-user phone:", "role:user phone:")
	changed = strings.Replace(changed, `<Output Name="Email" Path="results.#.email"/>`, `<Output Name="Email" Path="results.#.mail"/>`, 1)
	require.NotEqual(t, string(data), changed)
	res, err := templatetest.Replay(context.Background(), "zendesk.xml", []byte(changed), f)
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Contains(t, res.Diff, "--- recorded\n+++ now\n")
	require.Contains(t, res.Diff, "-     query query=role:end-user phone:*14155550100\n+     query query=role:user phone:*14155550100\n",
		"the query shows decoded, one parameter a line")
	require.Contains(t, res.Diff, "-       Email=ann@acme.test\n", "the value no longer read")
	require.NotContains(t, res.Diff, "+       Email=", "an empty value is not written")

	// --update writes the template's requests now, with the answers kept.
	updated, err := templatetest.Replay(context.Background(), "zendesk.xml", []byte(changed), res.Now)
	require.NoError(t, err)
	require.True(t, updated.Passed, updated.Diff)
	require.Equal(t, f.Exchanges[0].Response, res.Now.Exchanges[0].Response)
}

func TestFixtureIsPlainAndEditable(t *testing.T) {
	data := example(t, "zendesk.xml")
	f, _ := writeAndRead(t, record(t, data, zendesk(t).URL))

	t.Run("a header dropped from the fixture is not checked", func(t *testing.T) {
		g := *f
		g.Exchanges = append([]templatetest.Exchange(nil), f.Exchanges...)
		g.Exchanges[0].Headers = map[string]string{"Accept": "application/json"}
		res, err := templatetest.Replay(context.Background(), "zendesk.xml", data, &g)
		require.NoError(t, err)
		require.True(t, res.Passed, res.Diff)

		g.Exchanges[0].Headers = map[string]string{"Accept": "application/xml", "X-Trace": "1"}
		res, err = templatetest.Replay(context.Background(), "zendesk.xml", data, &g)
		require.NoError(t, err)
		require.Contains(t, res.Diff, "-     header Accept: application/xml\n")
		require.Contains(t, res.Diff, "+     header X-Trace: (not sent)\n")
	})

	t.Run("an edited answer changes what is read", func(t *testing.T) {
		g := *f
		g.Exchanges = append([]templatetest.Exchange(nil), f.Exchanges...)
		resp := *f.Exchanges[0].Response
		resp.Body = `{"results":[],"count":0}`
		g.Exchanges[0].Response = &resp
		res, err := templatetest.Replay(context.Background(), "zendesk.xml", data, &g)
		require.NoError(t, err)
		require.False(t, res.Passed)
		require.Contains(t, res.Diff, "-2. GetIdentities: GET ", "no user, no identities asked for")
		require.Contains(t, res.Diff, "-       ContactsId=512\n")
	})

	t.Run("a request the recording has no answer for", func(t *testing.T) {
		g := *f
		g.Exchanges = f.Exchanges[:1]
		res, err := templatetest.Replay(context.Background(), "zendesk.xml", data, &g)
		require.NoError(t, err)
		require.False(t, res.Passed)
		require.Equal(t, []string{"1 request(s) had no recorded answer (the server answered 501)"}, res.Notes)
		require.Contains(t, res.Diff, "+2. GetIdentities: GET ")
	})
}

func TestReadPlacesBadJSONAtItsLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(path, []byte("{\n  \"scenario\": \"SyncContactAuto\",\n  \"exchanges\": [\n    {\"request\": 5}\n  ]\n}\n"), 0o644))
	_, err := templatetest.Read(path)
	require.ErrorContains(t, err, path+": line 4: ")

	require.NoError(t, os.WriteFile(path, []byte(`{"scenario":"SyncContactAuto","exchange":[]}`), 0o644))
	_, err = templatetest.Read(path)
	require.ErrorContains(t, err, `unknown field "exchange"`, "a misspelt key is refused, not ignored")

	require.NoError(t, os.WriteFile(path, []byte(`{"exchanges":[]}`), 0o644))
	_, err = templatetest.Read(path)
	require.ErrorContains(t, err, "no scenario")
}

func TestOAuth2RunReplaysWithAPlaceholderToken(t *testing.T) {
	data := example(t, "zohodesk.xml")
	tmpl := load(t, "zohodesk.xml", data)
	const token = "1000.real-access-token.abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "Zoho-oauthtoken "+token, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[{"id":"1892000000042001","firstName":"Ann","lastName":"Lee","email":"ann@acme.test","phone":"+14155550100"}]}`))
	}))
	defer srv.Close()
	in := templaterun.Input{Scenario: "SyncContactAuto", NoGlobalInfo: true, Token: token,
		Fields: engine.Vars{"base_url": srv.URL, "accounts_url": "https://accounts.zoho.com", "org_id": "60001234",
			"client_id": "1000.CLIENT", "client_secret": "zoho-client-secret"},
		Vars: engine.Vars{"Phone": "+14155550100"}}
	out, err := templaterun.Run(context.Background(), tmpl, in, templaterun.Env{})
	require.NoError(t, err)
	require.NoError(t, out.Err, out.Error)
	f, raw := writeAndRead(t, templatetest.FromRun(tmpl, in, "", out))
	require.NotContains(t, raw, token)
	require.NotContains(t, raw, "zoho-client-secret")
	require.Equal(t, engine.Mask, f.Token)
	require.Equal(t, "Zoho-oauthtoken ****", f.Exchanges[0].Headers["Authorization"])

	res, err := templatetest.Replay(context.Background(), "zohodesk.xml", data, f)
	require.NoError(t, err)
	require.True(t, res.Passed, res.Diff)
}

// twilioSignature signs a webhook as Twilio does: HMAC-SHA1 of the URL and
// the sorted form fields.
func twilioSignature(secret, u string, form url.Values) string {
	s := u
	for _, k := range sortedKeys(form) {
		s += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func sortedKeys(v url.Values) []string {
	var keys []string
	for k := range v {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func TestWebhookFixture(t *testing.T) {
	data := example(t, "twilio.xml")
	tmpl := load(t, "twilio.xml", data)
	const secret = "twilio-auth-token-0123456789abcdef"
	const hook = "https://switchboard.example.com/api/v1/webhooks/channels/7/inbound"
	form := url.Values{"MessageSid": {"SM0123"}, "From": {"+14155550100"}, "To": {"+14155550199"}, "Body": {`Hi, it's "Ann"`},
		"NumMedia": {"0"}, "AccountSid": {"AC0001"}}
	w := templaterun.Webhook{Scenario: "ReceiveMessage", Body: []byte(form.Encode()), URL: hook,
		Header: http.Header{"X-Twilio-Signature": {twilioSignature(secret, hook, form)}, "Content-Type": {"application/x-www-form-urlencoded"}},
		Fields: engine.Vars{"account_sid": "AC0001", "auth_token": secret}}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	read, err := templaterun.ReadWebhook(tmpl, w, now)
	require.NoError(t, err)
	require.Equal(t, "yes", read.Verified)
	f, raw := writeAndRead(t, templatetest.FromWebhook(tmpl, w, now, read))
	require.NotContains(t, raw, secret)
	require.Contains(t, raw, `"SM0123"`)

	t.Run("secret masked: the message is read again, the signature is not checked", func(t *testing.T) {
		res, err := templatetest.Replay(context.Background(), "twilio.xml", data, f)
		require.NoError(t, err)
		require.True(t, res.Passed, res.Diff)
		require.Equal(t, []string{"signature not checked: the fixture's auth_token is masked; put a test value in the fixture to check it"}, res.Notes)
	})
	t.Run("a test secret in the fixture: the signature is checked", func(t *testing.T) {
		g := *f
		g.Fields = map[string]string{"account_sid": "AC0001", "auth_token": secret}
		res, err := templatetest.Replay(context.Background(), "twilio.xml", data, &g)
		require.NoError(t, err)
		require.True(t, res.Passed, res.Diff)
		require.Empty(t, res.Notes)

		g.Fields = map[string]string{"account_sid": "AC0001", "auth_token": "another-test-secret"}
		res, err = templatetest.Replay(context.Background(), "twilio.xml", data, &g)
		require.NoError(t, err)
		require.False(t, res.Passed)
		require.Contains(t, res.Diff, "-signature: yes\n")
		require.Contains(t, res.Diff, "+signature: no\n+error: the webhook's signature does not verify")
	})
}

// A VerifyChannel run draws a random challenge that its request carries
// and its answer must echo. Recorded as it ran, the fixture did not hold
// the challenge, so its replay sent another one and failed: Pin draws it
// before the run, into the variables the fixture keeps.
func TestVerifyChannelChallengeIsReplayed(t *testing.T) {
	data := example(t, "sms_generic.xml")
	tmpl := load(t, "sms_generic.xml", data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.URL.Query().Get("challenge")))
	}))
	defer srv.Close()
	given := templaterun.Input{Scenario: "VerifyChannel", Vars: engine.Vars{"From": "+14155550199"},
		Fields: engine.Vars{"api_key": "sms-api-key", "secret": "sms-secret", "send_url": srv.URL + "/send", "verify_url": srv.URL + "/verify"}}

	in := templatetest.Pin(tmpl, given)
	require.Empty(t, given.Vars["Challenge"], "the input given is not changed")
	require.Len(t, in.Vars["Challenge"], 32)
	require.Equal(t, "+14155550199", in.Vars["From"])
	require.Equal(t, in, templatetest.Pin(tmpl, in), "a challenge given is kept")
	other := templaterun.Input{Scenario: "SendMessage", Vars: engine.Vars{"Text": "hi"}}
	require.Equal(t, other, templatetest.Pin(tmpl, other), "only VerifyChannel draws one")
	twilio := load(t, "twilio.xml", example(t, "twilio.xml"))
	verify := templaterun.Input{Scenario: "VerifyChannel", Vars: engine.Vars{"From": "+15017122661"}}
	require.Equal(t, verify, templatetest.Pin(twilio, verify), "a VerifyChannel that sends no challenge is recorded without one")

	out, err := templaterun.Run(context.Background(), tmpl, in, templaterun.Env{})
	require.NoError(t, err)
	require.Equal(t, "connected", out.ChannelOutcome.ChannelStatus, out.ChannelOutcome.StatusReason)
	f, _ := writeAndRead(t, templatetest.FromRun(tmpl, in, "", out))
	require.Equal(t, in.Vars["Challenge"], f.Vars["Challenge"])

	srv.Close()
	res, err := templatetest.Replay(context.Background(), "sms_generic.xml", data, f)
	require.NoError(t, err)
	require.True(t, res.Passed, res.Diff)

	// As it was recorded before: without the challenge, the replay sends
	// another one, which the recorded answer does not echo.
	g := *f
	g.Vars = map[string]string{"From": "+14155550199"}
	res, err = templatetest.Replay(context.Background(), "sms_generic.xml", data, &g)
	require.NoError(t, err)
	require.False(t, res.Passed)
}

// The fixture file indents the bodies it holds as JSON; read back they
// were served indented, so an error that quotes the answer's body (a
// failed request) no longer read as recorded and a failure's fixture
// never replayed from its file. A body reads back as it was sent.
func TestBodyReadsBackAsItWasSent(t *testing.T) {
	bodies := []string{
		`{"type":"unauthorized","description":"Authentication failed"}`,
		`[{"id":1},{"id":2}]`,
		"{\"code\": 21211, \"message\": \"The 'To' number is not valid.\"}", // spaces of its own
		"{\"ok\":true}\n",
		"<Response/>",
		"",
	}
	for _, body := range bodies {
		f := &templatetest.Fixture{Scenario: "SendMessage",
			Exchanges: []templatetest.Exchange{{Request: "send", Response: &templatetest.Response{Status: 401, Body: templatetest.Body(body)}}}}
		back, raw := writeAndRead(t, f)
		require.Equal(t, body, string(back.Exchanges[0].Response.Body), raw)
	}
	_, raw := writeAndRead(t, &templatetest.Fixture{Scenario: "SendMessage",
		Exchanges: []templatetest.Exchange{{Request: "send", Response: &templatetest.Response{Status: 200, Body: `{"id":"SM1","to":["+1"]}`}}}})
	require.Contains(t, raw, "\"id\": \"SM1\",\n", "a compact document is kept as JSON, readable")

	// An edited fixture's document is served compact.
	path := filepath.Join(t.TempDir(), "edited.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"scenario":"SendMessage","exchanges":[{"request":"send","response":{"status":200,"body":{
		"id": "SM1"
	}}}]}`), 0o644))
	f, err := templatetest.Read(path)
	require.NoError(t, err)
	require.Equal(t, `{"id":"SM1"}`, string(f.Exchanges[0].Response.Body))
}

// A failed send's fixture replays from its file: the error quotes the
// answer as it came.
func TestFailedRequestReplaysFromItsFile(t *testing.T) {
	data := example(t, "twilio.xml")
	tmpl := load(t, "twilio.xml", data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"code":21211,"message":"The 'To' number +1555 is not a valid phone number.","status":400}`))
	}))
	defer srv.Close()
	in := templaterun.Input{Scenario: "SendMessage", Fields: engine.Vars{"account_sid": "AC0001", "auth_token": "twilio-secret", "api_url": srv.URL},
		Vars: engine.Vars{"From": "+15017122661", "To": "+1555", "Text": "hi"}}
	out, err := templaterun.Run(context.Background(), tmpl, in, templaterun.Env{Client: engine.ClientConfig{Retry: engine.RetryPolicy{Max: -1}}})
	require.NoError(t, err)
	require.True(t, out.Failed())
	f, _ := writeAndRead(t, templatetest.FromRun(tmpl, in, "", out))
	require.Contains(t, f.Want.Error, `{"code":21211,`)
	srv.Close()
	res, err := templatetest.Replay(context.Background(), "twilio.xml", data, f)
	require.NoError(t, err)
	require.True(t, res.Passed, res.Diff)
}
