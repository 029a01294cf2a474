package main_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smsProvider is a slow generic-SMS-API provider that honours
// Idempotency-Key: a message sent twice with one key is one message.
type smsProvider struct {
	*httptest.Server
	mu       sync.Mutex
	messages map[string]string // by idempotency key: the text
	requests int
}

func newSMSProvider(t *testing.T) *smsProvider {
	p := &smsProvider{messages: map[string]string{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/verify" {
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
			return
		}
		time.Sleep(30 * time.Millisecond) // a provider that takes its time
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.requests++
		key := r.Header.Get("Idempotency-Key")
		p.messages[key] = string(body)
		fmt.Fprintf(w, `{"data":{"id":%q}}`, "p-"+key)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *smsProvider) count() (unique, requests int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.messages), p.requests
}

// Inbound messages acknowledged, and agents' messages accepted, survive a
// SIGKILL: after the restart every reply reaches the provider (once per
// message, by its Idempotency-Key), and redelivered webhooks are still
// recognised.
func TestMessagesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	bin := buildSwitchboard(t)
	data := filepath.Join(dir, "data")
	prov := newSMSProvider(t)

	p := startServe(t, bin, data)
	st, _ := p.call(t, "PUT", "/api/v1/extensions/1001", map[string]string{"email": "dana@acme.test"})
	require.Equal(t, 200, st)
	st, ch := p.call(t, "POST", "/api/v1/channels", map[string]any{"templateId": "builtin_sms_generic", "name": "SMS", "messagesPerSecond": 20,
		"fields":  map[string]string{"api_key": "k", "secret": "s3cret", "send_url": prov.URL + "/send", "verify_url": prov.URL + "/verify"},
		"numbers": []map[string]any{{"number": "+14155550100", "destination": map[string]string{"type": "extension", "id": "1001"}}}})
	require.Equal(t, 201, st, ch)
	hook := ch["webhookUrl"].(string) // on the first process's address
	st, tok := p.call(t, "POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"})
	require.Equal(t, 201, st)
	agent := tok["token"].(string)

	const customers = 20
	webhook := func(addr string, i int) int {
		body := fmt.Sprintf(`{"data":{"event_type":"message.received","payload":{"id":"in-%d","from":{"phone_number":"+1415555%04d"},"to":[{"phone_number":"+14155550100"}],"text":"hello %d"}}}`, i, 2000+i, i)
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write([]byte(body))
		u := strings.Replace(hook, p.addr, addr, 1)
		req, _ := http.NewRequest("POST", u, strings.NewReader(body))
		req.Header.Set("X-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range customers {
		require.Equal(t, 204, webhook(p.addr, i))
	}
	st, list := p.callAs(t, agent, "GET", "/api/v1/sessions", nil)
	require.Equal(t, 200, st)
	sessions := list["sessions"].([]any)
	require.Len(t, sessions, customers)
	for _, s := range sessions {
		for _, text := range []string{"first answer", "second answer"} {
			st, res := p.callAs(t, agent, "POST", "/api/v1/sessions/"+s.(map[string]any)["id"].(string)+"/messages", map[string]string{"text": text})
			require.Equal(t, 202, st, res)
		}
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
	unique, _ := prov.count()
	require.Less(t, unique, 2*customers, "the kill came while messages were still queued")

	p2 := startServe(t, bin, data)
	require.Eventually(t, func() bool {
		unique, _ := prov.count()
		return unique == 2*customers
	}, 60*time.Second, 100*time.Millisecond, "every accepted message reaches the provider after the restart")
	unique, requests := prov.count()
	t.Logf("%d messages, %d requests to the provider (a message in flight at the kill is sent again with its key)", unique, requests)

	// Redelivered webhooks are recognised after the restart.
	for i := range customers {
		require.Equal(t, 204, webhook(p2.addr, i))
	}
	st, list = p2.callAs(t, agent, "GET", "/api/v1/sessions", nil)
	require.Equal(t, 200, st)
	require.Len(t, list["sessions"].([]any), customers)
	for _, s := range list["sessions"].([]any) {
		st, msgs := p2.callAs(t, agent, "GET", "/api/v1/sessions/"+s.(map[string]any)["id"].(string)+"/messages", nil)
		require.Equal(t, 200, st)
		in := 0
		for _, m := range msgs["messages"].([]any) {
			mm := m.(map[string]any)
			if mm["direction"] == "in" {
				in++
			}
		}
		require.Equal(t, 1, in, "one inbound message per customer, however often it was delivered")
	}
}
