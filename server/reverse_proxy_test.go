package server_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// Behind a reverse proxy (docs/reverse-proxy.md), with --public-url set to
// the proxy's address: the channel's webhook URL is the proxy's, a
// provider's webhook sent there is accepted, and the agent's stream
// opened through the proxy delivers the message at once, not when a
// buffer fills or the 25 s keep-alive comes.

// deliversThroughProxy sets up a generic SMS channel on e, opens an agent's
// stream at base (the proxy) and sends a customer's message to the
// channel's webhook URL.
func deliversThroughProxy(t *testing.T, e *env, base string) {
	t.Helper()
	p := genericSMSProvider(t, smsAPIKey)
	e.extensions("1001")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Main SMS",
		"fields":  map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}},
	}), 201)
	hook := ch["webhookUrl"].(string)
	require.True(t, strings.HasPrefix(hook, base+"/webhooks/channels/"), "the webhook URL %s starts with the public URL %s", hook, base)
	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"}), 201)["token"].(string)

	s := e.streamAt(base, agent, nil)
	defer s.close()
	body := genericInbound("p-1", "+14155550123", smsNumber, "Through the proxy")
	sent := time.Now()
	r := e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	require.Equal(t, 204, r.Status, string(r.Body))
	s.next("message.created", func(d map[string]any) bool { return d["text"] == "Through the proxy" })
	// The keep-alive comes every 25 s: an event held in a buffer until
	// then would arrive later than this.
	require.Less(t, time.Since(sent), 10*time.Second)
}

func TestStreamThroughHTTPUtilProxy(t *testing.T) {
	var upstream atomic.Pointer[url.URL]
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Transport: transport, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(upstream.Load())
		r.SetXForwarded()
	}})
	t.Cleanup(proxy.Close)
	e := newEnv(t, func(c *server.Config) { c.PublicURL = proxy.URL })
	u, err := url.Parse(e.srv.URL)
	require.NoError(t, err)
	upstream.Store(u)
	deliversThroughProxy(t, e, proxy.URL)
}

// The Caddyfile of docs/reverse-proxy.md, run by Caddy when it is
// installed (Debian: apt-get install caddy), with the site's address and
// the upstream replaced by the test's.
func TestStreamThroughDocumentedCaddyfile(t *testing.T) {
	caddy, err := exec.LookPath("caddy")
	if err != nil {
		t.Skip("caddy is not installed (Debian: apt-get install caddy)")
	}
	doc, err := os.ReadFile("../docs/reverse-proxy.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```caddyfile\n(.*?)```").FindSubmatch(doc)
	require.NotNil(t, m, "docs/reverse-proxy.md has a caddyfile block")
	caddyfile := string(m[1])
	require.Contains(t, caddyfile, "switchboard.example.com {")
	require.Contains(t, caddyfile, "reverse_proxy 127.0.0.1:8080")

	// A free port for Caddy: the public URL must be known before the
	// service starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	public := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	e := newEnv(t, func(c *server.Config) { c.PublicURL = public })

	upstream := strings.TrimPrefix(e.srv.URL, "http://")
	caddyfile = strings.Replace(caddyfile, "switchboard.example.com {", public+" {", 1)
	caddyfile = strings.Replace(caddyfile, "reverse_proxy 127.0.0.1:8080", "reverse_proxy "+upstream, 1)
	// No admin endpoint (tests run side by side), no certificates.
	caddyfile = "{\n\tadmin off\n\tauto_https off\n}\n\n" + caddyfile
	dir := t.TempDir()
	path := filepath.Join(dir, "Caddyfile")
	require.NoError(t, os.WriteFile(path, []byte(caddyfile), 0o600))
	cmd := exec.Command(caddy, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("caddy's log:\n%s", log.String())
		}
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	require.Eventually(t, func() bool {
		r, err := client.Get(public + "/healthz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == 200
	}, 20*time.Second, 50*time.Millisecond, "Caddy answers on %s", public)

	r, err := client.Get(public + "/metrics")
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, 404, r.StatusCode, "/metrics stays inside")

	deliversThroughProxy(t, e, public)
}
