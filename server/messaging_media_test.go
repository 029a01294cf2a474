package server_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A WhatsApp picture reaches the agent as text plus a medium the agent can
// open: Switchboard asks the Graph API for the download link and streams
// it with the channel's token, which never leaves for another address.
func TestWhatsAppMediaReachTheAgent(t *testing.T) {
	e := newEnv(t)
	const mediaID, picture = "1013859600285441", "\xff\xd8\xff\xe0-a-jpeg"
	g := graphAPI(t)
	base := g.answer
	g.setAnswer(func(w http.ResponseWriter, c providerCall, n int) {
		if c.Header.Get("Authorization") != "Bearer "+waToken {
			base(w, c, n)
			return
		}
		switch c.Path {
		case "/v21.0/" + mediaID:
			fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":%q,"mime_type":"image/jpeg","sha256":"x","file_size":14,"id":%q}`, g.URL+"/lookaside/"+mediaID, mediaID)
		case "/lookaside/" + mediaID:
			w.Header().Set("Content-Type", "image/jpeg")
			fmt.Fprint(w, picture)
		default:
			base(w, c, n)
		}
	})
	e.extensions("1001", "1002")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_whatsapp_cloud", "name": "WhatsApp",
		"fields":  map[string]string{"access_token": waToken, "app_secret": waSecret, "graph_url": g.URL + "/v21.0"},
		"numbers": []map[string]any{{"number": waNumber, "numberId": waNumberID, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	agent, other := e.token("agent", "1001"), e.token("agent", "1002")
	st := e.stream(agent)
	msg := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},"contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],
"messages":[{"from":"16505551234","id":"wamid.pic1","timestamp":"%d","type":"image","image":{"caption":"the broken part","mime_type":"image/jpeg","sha256":"x","id":%q}}]},"field":"messages"}]}]}`,
		waNumberID, time.Now().Unix(), mediaID)
	require.Equal(t, 200, e.webhook(ch["webhookUrl"].(string), "application/json", msg, "X-Hub-Signature-256", "sha256="+hmacSHA256Hex(waSecret, msg)).Status)
	got := st.next("message.created", nil)
	require.Equal(t, "[Image] the broken part", got["text"])
	require.Equal(t, []any{g.URL + "/v21.0/" + mediaID}, got["mediaUrls"])
	sid, mid := got["sessionId"].(string), got["id"].(string)

	get := func(token, path string) (int, http.Header, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := client.Do(req)
		require.NoError(t, err)
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, r.Header, string(b)
	}
	path := "/api/v1/sessions/" + sid + "/messages/" + mid + "/media/0"
	status, h, body := get(agent, path)
	require.Equal(t, 200, status, body)
	require.Equal(t, picture, body)
	require.Equal(t, "image/jpeg", h.Get("Content-Type"))
	require.Equal(t, "inline", h.Get("Content-Disposition"))
	require.Contains(t, h.Get("Content-Security-Policy"), "sandbox")
	require.Len(t, g.sent("GET", "/lookaside/"+mediaID), 1)
	require.Equal(t, "Bearer "+waToken, g.sent("GET", "/lookaside/"+mediaID)[0].Header.Get("Authorization"))

	status, _, _ = get(other, path)
	require.Equal(t, 404, status, "another agent's session")
	status, _, _ = get(agent, "/api/v1/sessions/"+sid+"/messages/"+mid+"/media/1")
	require.Equal(t, 404, status)
	status, _, _ = get(agent, "/api/v1/sessions/"+sid+"/messages/nope/media/0")
	require.Equal(t, 404, status)

	// The agent's own message with a link of their choosing: the token
	// does not follow it.
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "see", "mediaUrls": []string{"https://attacker.example/x.jpg"}}), 202)
	mine := st.next("message.created", func(d map[string]any) bool { return d["text"] == "see" })
	status, _, _ = get(agent, "/api/v1/sessions/"+sid+"/messages/"+mine["id"].(string)+"/media/0")
	require.Equal(t, 404, status)
}
