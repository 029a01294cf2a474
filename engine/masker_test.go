package engine_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func TestMasker(t *testing.T) {
	m := engine.NewMasker("hunter22", "abc") // "abc" is too short to replace everywhere
	require.Equal(t, "https://ann:****@x.test/p?api_key=****&q=abc", m.URL("https://ann:pw@x.test/p?q=abc&api_key=k1"))
	require.Equal(t, "https://x.test/p/****?q=****", m.URL("https://x.test/p/hunter22?q=hunter22"))
	require.Equal(t, "client_secret=****&grant_type=refresh_token&refresh_token=****",
		m.Body("grant_type=refresh_token&refresh_token=r1&client_secret=s1"))
	require.Equal(t, `{"token": "****", "nested":{"Password":"****"},"name":"abc"}`,
		m.Body(`{"token": "t\"x", "nested":{"Password":"p"},"name":"abc"}`))
	require.Equal(t, "plain text with **** inside", m.Body("plain text with hunter22 inside"))
	h := m.Headers(http.Header{"Authorization": {"Basic Zm9v"}, "X-Auth-Token": {"x"}, "Cookie": {"a=b"}, "Accept": {"hunter22/json"}})
	require.Equal(t, map[string]string{"Authorization": "Basic ****", "X-Auth-Token": "****", "Cookie": "****", "Accept": "****/json"}, h)
}

// BenchmarkMaskExchange masks what a run records of one exchange: the URL,
// the request and response headers and bodies, with the secrets of Basic
// auth and a password field, none of which appear (the usual case).
func BenchmarkMaskExchange(b *testing.B) {
	m := engine.NewMasker("zd-api-token-secret").With("agent@acme.test/token:zd-api-token-secret",
		"YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnpkLWFwaS10b2tlbi1zZWNyZXQ=")
	url := "https://acme.zendesk.com/api/v2/search.json?query=role%3Aend-user%20phone%3A%2A14155550100"
	reqHeaders := http.Header{"Authorization": {"Basic YWdlbnRAYWNtZS50ZXN0L3Rva2VuOnpkLWFwaS10b2tlbi1zZWNyZXQ="},
		"Accept": {"application/json"}, "Content-Type": {"application/json"}, "Idempotency-Key": {"call-1:int-1:journal:CallJournal"}}
	reqBody := `{"ticket":{"comment":{"body":"Inbound call from Ann Lee <+14155550100> to Bob Agent <1001>, answered, 00:01:30","public":false}}}`
	respHeaders := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Date": {"Sat, 21 Nov 2026 10:00:00 GMT"},
		"X-Request-Id": {"8f1c2a7e-5b3d-4c6f-9a2e-1d0b7c4e3f21"}, "Cache-Control": {"no-cache"}}
	respBody := `{"results":[{"id":17,"url":"https://acme.zendesk.com/api/v2/users/17.json","name":"Ann Lee","email":"ann@acme.test","created_at":"2025-01-02T10:00:00Z","time_zone":"Pacific Time (US & Canada)","phone":"+14155550100","shared_phone_number":false,"locale":"en-US","organization_id":null,"role":"end-user","verified":true,"tags":["vip"],"notes":"VIP","details":"","user_fields":{"plan":"gold"},"result_type":"user"}],"facets":null,"next_page":null,"previous_page":null,"count":1}`
	b.ReportAllocs()
	for b.Loop() {
		_ = m.URL(url)
		_ = m.Headers(reqHeaders)
		_ = m.Body(reqBody)
		_ = m.Headers(respHeaders)
		_ = m.Body(respBody)
	}
}

// derived lists the spellings of a secret that can reach a trace, computed
// here independently of the masker: URL-encoded, JSON-escaped, hex, and
// base64 of the secret and of a Basic credential holding it.
func derived(secret string) map[string]string {
	pair := "agent@acme.test:" + secret // as auth.Basic encodes it
	forms := map[string]string{
		"raw": secret, "query": url.QueryEscape(secret), "path": url.PathEscape(secret),
		"hex": hex.EncodeToString([]byte(secret)), "HEX": strings.ToUpper(hex.EncodeToString([]byte(secret))),
	}
	j, _ := json.Marshal(secret)
	forms["json"] = string(j[1 : len(j)-1])
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(secret)
	forms["json-no-html"] = strings.TrimSpace(buf.String())[1 : len(strings.TrimSpace(buf.String()))-1]
	for name, e := range map[string]*base64.Encoding{"std": base64.StdEncoding, "url": base64.URLEncoding,
		"rawstd": base64.RawStdEncoding, "rawurl": base64.RawURLEncoding} {
		forms["base64-"+name] = e.EncodeToString([]byte(secret))
		forms["basic-"+name] = e.EncodeToString([]byte(pair))
		forms["base64-"+name+"-in-url"] = url.QueryEscape(e.EncodeToString([]byte(secret)))
		forms["basic-"+name+"-in-url"] = url.QueryEscape(e.EncodeToString([]byte(pair)))
	}
	return forms
}

// A trace holds a secret in whatever form it took on the way: in the URL,
// headers, the request body, the answer and the error. None shows.
func TestTraceMasksDerivedFormsOfSecrets(t *testing.T) {
	const secret = `sk_live>?Qz~9/é&"!`
	forms := derived(secret)
	require.NotEqual(t, forms["base64-std"], forms["base64-url"], "the secret is chosen so that every form differs")
	require.NotEqual(t, forms["base64-std"], forms["base64-rawstd"])
	require.NotEqual(t, forms["query"], forms["path"])
	require.NotEqual(t, forms["json"], forms["json-no-html"])
	names := slices.Sorted(maps.Keys(forms))
	var all strings.Builder
	for _, n := range names {
		all.WriteString(n + "=" + forms[n] + "\n")
	}
	helpdesk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i, n := range names {
			w.Header().Set(fmt.Sprintf("X-Echo-%d", i), forms[n])
		}
		w.WriteHeader(http.StatusBadRequest) // the answer becomes the run's error, too
		fmt.Fprint(w, all.String())
	}))
	t.Cleanup(helpdesk.Close)

	// A text body, so that each form is sent as it is (a JSON body would
	// escape the forms holding quotes once more).
	var body strings.Builder
	for _, n := range names {
		fmt.Fprintf(&body, "%s: {{.%s}}\n", n, strings.ReplaceAll(n, "-", "_"))
	}
	et, problems := engine.Load("t.xml", []byte(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters><Parameter Father="CustomFieldList" Name="api_key" Editor="password"/></Parameters></Scenario>
<Scenario Id="GetGlobalInfo" Type="REST"><Requests>
  <Request Name="a" Method="POST" URLFormat="`+helpdesk.URL+`/p/{{.path}}/{{.hex}}?q={{.query}}&amp;b={{.basic_std_in_url}}&amp;c={{.base64_rawurl}}">
    <Parameters>
      <Parameter Type="Header" Name="X-Basic" Value="{{.basic_rawstd}}"/>
      <Parameter Type="Header" Name="X-Form" Value="{{.base64_std}}"/>
      <Parameter Type="Header" Name="Content-Type" Value="text/plain"/>
      <Parameter Type="Body" Name="Data" Value="`+html.EscapeString(body.String())+`"/>
    </Parameters>
  </Request>
</Requests></Scenario></Scenarios></Information>`), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	vars := engine.Vars{}
	for n, f := range forms {
		vars[strings.ReplaceAll(n, "-", "_")] = f
	}
	c := engine.NewClient(et, engine.ClientConfig{Vars: engine.Vars{"api_key": secret}})
	res := c.Run(context.Background(), "GetGlobalInfo", vars, engine.RunOptions{})
	var httpErr *engine.HTTPStatusError
	require.ErrorAs(t, res.Err, &httpErr, "the helpdesk answered 400")
	require.Len(t, res.Trace, 1)
	e := res.Trace[0]
	shown := []string{e.URL, e.RequestBody, e.ResponseBody, e.Error, res.Error}
	for _, h := range []map[string]string{e.RequestHeaders, e.ResponseHeaders} {
		for k, v := range h {
			shown = append(shown, k+": "+v)
		}
	}
	require.Contains(t, e.ResponseBody, "basic-std=", "the answer is in the trace, masked")
	require.Contains(t, e.RequestBody, "json: "+engine.Mask)
	require.Contains(t, e.RequestHeaders["X-Basic"], engine.Mask)
	for _, s := range shown {
		for _, n := range names {
			require.NotContains(t, s, forms[n], "the %s form of the secret shows", n)
		}
	}
}
