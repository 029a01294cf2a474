package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
	"github.com/switchboard/switchboard/web"
)

// inboxAPI is the part of the API the inbox reads, answering as the real
// one does for agent 1001: a WhatsApp session whose reply window is open,
// one whose window closed, and an SMS session whose customer opted out.
// Its stream sends a resync when told to.
type inboxAPI struct {
	lists  atomic.Int32 // GET /api/v1/sessions so far
	resync chan struct{}
}

func serveInbox(t *testing.T) (*httptest.Server, *inboxAPI) {
	t.Helper()
	c, err := web.New(web.Config{Role: func(*http.Request) string { return web.RoleAgent }})
	require.NoError(t, err)
	api := &inboxAPI{resync: make(chan struct{}, 1)}
	now := time.Now().UTC()
	iso := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	session := func(id, customer, kind, name string, window time.Duration) map[string]any {
		s := map[string]any{"id": id, "channelId": "ch-" + kind, "channelNumber": "+15550783881", "channelName": name, "kind": kind,
			"customer": customer, "state": "open", "assignee": "1001", "offered": false, "createdAt": iso(-30 * time.Hour),
			"updatedAt": iso(-time.Hour), "lastMessageAt": iso(window - 24*time.Hour), "lastInboundAt": iso(window - 24*time.Hour)}
		if kind == "messaging" {
			s["replyWindowEndsAt"] = iso(window)
			s["maxTextLength"] = 4096
		}
		return s
	}
	sessions := map[string]map[string]any{
		"ses-open":   session("ses-open", "+16505551234", "messaging", "WhatsApp", 5*time.Hour+30*time.Minute),
		"ses-closed": session("ses-closed", "+16505559876", "messaging", "WhatsApp", -2*time.Hour),
		"ses-sms":    session("ses-sms", "+14155550123", "sms", "Main SMS", -3*time.Hour),
	}
	answer := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	refuse := func(w http.ResponseWriter, status int, code, msg string) {
		answer(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
	}
	mux := http.NewServeMux()
	for pattern, h := range c.Routes() {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /api/v1/auth/me", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"user": map[string]any{"name": "ann", "role": "agent", "extension": "1001"}, "csrfToken": "csrf"})
	})
	mux.HandleFunc("GET /api/v1/queues", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"queues": []any{map[string]any{"id": "q1", "name": "Support", "agents": []string{"1001", "1002"}}}})
	})
	mux.HandleFunc("GET /api/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		api.lists.Add(1)
		answer(w, 200, map[string]any{"sessions": []any{sessions["ses-open"], sessions["ses-closed"], sessions["ses-sms"]}})
	})
	mux.HandleFunc("GET /api/v1/sessions/numbers", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"numbers": []any{map[string]any{"channelId": "ch-sms", "channelName": "Main SMS", "number": "+14155550100", "maxTextLength": 10}}})
	})
	mux.HandleFunc("POST /api/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, 403, "forbidden", "extension 1001 may not start sessions from +14155550100")
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, sessions[r.PathValue("id")])
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		s := sessions[r.PathValue("id")]
		answer(w, 200, map[string]any{"messages": []any{map[string]any{"id": "m-" + s["id"].(string), "sessionId": s["id"], "direction": "in",
			"text": "Hello there", "mediaUrls": []string{"https://example.test/pic.jpg"}, "status": "received", "createdAt": s["lastInboundAt"]}}})
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"events": []any{}})
	})
	mux.HandleFunc("POST /api/v1/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "ses-sms":
			refuse(w, 409, "opted_out", "+14155550123 replied STOP on +14155550100")
		default:
			refuse(w, 409, "outside_window", "the customer's last message is more than 24h0m0s old")
		}
	})
	mux.HandleFunc("GET /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": connected\n\n")
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-api.resync:
				fmt.Fprint(w, "event: resync\ndata: {\"type\":\"resync\",\"data\":{}}\n\n")
				w.(http.Flusher).Flush()
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, api
}

// The inbox's notices where the API refuses: the reply window's time left
// while it is open, its end (and no sending) once closed, an opted-out
// customer, an extension not allowed to start conversations; the media
// link of a customer's message; a resync reads the list again.
func TestInboxNoticesInTheBrowser(t *testing.T) {
	srv, api := serveInbox(t)
	ctx := browsertest.New(t)
	poll := func(js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
		require.NoError(t, err, js)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`#sessions li.session[data-id="ses-open"]`)),
	))
	poll(`document.querySelectorAll("#sessions li.session").length === 3`)

	// The window is open: the time left, and the channel's limit counted.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`li[data-id="ses-open"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#conv-window")),
	))
	window := text("#conv-window")
	require.Regexp(t, `^Reply window: 5 h (29|30) min left`, window)
	require.Contains(t, window, "24 hours")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".msg.in .msg-media").getAttribute("href")`))
	require.NoError(t, err)
	require.Equal(t, "/api/v1/sessions/ses-open/messages/m-ses-open/media/0", href)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply-text"), "Yes, in blue")))
	require.Equal(t, "12 / 4096", text("#reply-count"))
	browsertest.Screenshot(t, ctx, "inbox-window-open")

	// Closed: said so, and nothing can be sent.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`li[data-id="ses-closed"] button`)),
	))
	poll(`document.getElementById("conv-window").classList.contains("conv-refused") && document.getElementById("send").disabled`)
	require.Contains(t, text("#conv-window"), "24-hour reply window closed")
	browsertest.Screenshot(t, ctx, "inbox-window-closed")

	// Opted out: the refusal is a notice.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`li[data-id="ses-sms"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#reply-text")),
	))
	poll(`document.getElementById("conv-window").hidden && !document.getElementById("send").disabled`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), "Hello?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#conv-notice")),
	))
	require.Contains(t, text("#conv-notice"), "opted out (they replied STOP)")

	// Not allowed to start a conversation: said so; the limit counted.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-conversation")),
		chromedp.WaitVisible(chromedp.CSS("#new-to")),
	))
	poll(`document.querySelector("#new-from option") !== null`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#new-to"), "+14155550199"),
		chromedp.SendKeys(chromedp.CSS("#new-text"), "Hi there, friend"),
	))
	require.Equal(t, "16 / 10", text("#new-count"))
	poll(`document.getElementById("new-send").disabled`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#new-text"), strings.Repeat(kb.Backspace, 8)),
	))
	poll(`!document.getElementById("new-send").disabled`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-send")),
		chromedp.WaitVisible(chromedp.CSS("#new-notice")),
	))
	require.Contains(t, text("#new-notice"), "Not allowed: extension 1001 may not start sessions")

	// A resync reads the sessions again.
	before := api.lists.Load()
	api.resync <- struct{}{}
	require.Eventually(t, func() bool { return api.lists.Load() > before }, 10*time.Second, 20*time.Millisecond)
}
