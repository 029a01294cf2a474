package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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
// Its stream sends a resync, or any event, when told to. A session's
// GETs, or replies, can be held back to make races happen in a given
// order.
type inboxAPI struct {
	lists  atomic.Int32 // GET /api/v1/sessions so far
	resync chan struct{}
	events chan string // raw events ("event: …\ndata: …") the stream sends

	streamOpen       atomic.Bool // the stream answered once
	listBeforeStream atomic.Bool // the list was read before the stream answered

	mu      sync.Mutex
	held    map[string]chan struct{} // session id → closed when its GETs may answer
	heldGot map[string]int           // session id → GETs of it held back so far
	replies []string                 // the sessions POST …/messages was called on
	hold    chan struct{}            // if set, POST …/messages waits until it is closed
}

// holdSession holds back the GETs of a session until the answer returned
// is called (once or more).
func (a *inboxAPI) holdSession(id string) (release func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := make(chan struct{})
	a.held[id] = c
	var once sync.Once
	return func() { once.Do(func() { close(c) }) }
}

func (a *inboxAPI) wait(id string) {
	a.mu.Lock()
	c := a.held[id]
	if c != nil {
		a.heldGot[id]++
	}
	a.mu.Unlock()
	if c != nil {
		<-c
	}
}

func (a *inboxAPI) heldGets(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.heldGot[id]
}

func (a *inboxAPI) sent() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.replies...)
}

func serveInbox(t *testing.T) (*httptest.Server, *inboxAPI) {
	t.Helper()
	c, err := web.New(web.Config{Role: func(*http.Request) string { return web.RoleAgent }})
	require.NoError(t, err)
	api := &inboxAPI{resync: make(chan struct{}, 1), events: make(chan string, 4),
		held: map[string]chan struct{}{}, heldGot: map[string]int{}}
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
		answer(w, 200, map[string]any{"user": map[string]any{"id": 7, "name": "ann", "role": "agent", "extension": "1001"}, "csrfToken": "csrf"})
	})
	mux.HandleFunc("GET /api/v1/queues", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"queues": []any{map[string]any{"id": "q1", "name": "Support", "agents": []string{"1001", "1002"}}}})
	})
	mux.HandleFunc("GET /api/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		api.lists.Add(1)
		if !api.streamOpen.Load() {
			api.listBeforeStream.Store(true)
		}
		answer(w, 200, map[string]any{"sessions": []any{sessions["ses-open"], sessions["ses-closed"], sessions["ses-sms"]}})
	})
	mux.HandleFunc("GET /api/v1/sessions/numbers", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, map[string]any{"numbers": []any{map[string]any{"channelId": "ch-sms", "channelName": "Main SMS", "number": "+14155550100", "maxTextLength": 10}}})
	})
	mux.HandleFunc("POST /api/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, 403, "forbidden", "extension 1001 may not start sessions from +14155550100")
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		api.wait(r.PathValue("id"))
		answer(w, 200, sessions[r.PathValue("id")])
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		api.wait(r.PathValue("id"))
		s := sessions[r.PathValue("id")]
		answer(w, 200, map[string]any{"messages": []any{map[string]any{"id": "m-" + s["id"].(string), "sessionId": s["id"], "direction": "in",
			"text": "Hello there", "mediaUrls": []string{"https://example.test/pic.jpg"}, "status": "received", "createdAt": s["lastInboundAt"]}}})
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		api.wait(r.PathValue("id"))
		answer(w, 200, map[string]any{"events": []any{}})
	})
	mux.HandleFunc("POST /api/v1/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.replies = append(api.replies, r.PathValue("id"))
		hold := api.hold
		api.mu.Unlock()
		if hold != nil {
			<-hold
		}
		switch r.PathValue("id") {
		case "ses-sms":
			refuse(w, 409, "opted_out", "+14155550123 replied STOP on +14155550100")
		default:
			refuse(w, 409, "outside_window", "the customer's last message is more than 24h0m0s old")
		}
	})
	// Closing and transferring answer the session as it is after.
	after := func(id string, change map[string]any) map[string]any {
		s := map[string]any{}
		for k, v := range sessions[id] {
			s[k] = v
		}
		for k, v := range change {
			s[k] = v
		}
		return s
	}
	mux.HandleFunc("POST /api/v1/sessions/{id}/close", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, after(r.PathValue("id"), map[string]any{"state": "closed"}))
	})
	mux.HandleFunc("POST /api/v1/sessions/{id}/transfer", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, after(r.PathValue("id"), map[string]any{"assignee": "1002"}))
	})
	mux.HandleFunc("GET /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		// Open before the browser can know it: once flushed, the page
		// may ask for the list before this goroutine runs again.
		api.streamOpen.Store(true)
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
			case ev := <-api.events:
				fmt.Fprint(w, ev+"\n\n")
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
		clickListed(`li[data-id="ses-open"] button`),
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
		clickListed(`li[data-id="ses-closed"] button`),
	))
	poll(`document.getElementById("conv-window").classList.contains("conv-refused") && document.getElementById("send").disabled`)
	require.Contains(t, text("#conv-window"), "24-hour reply window closed")
	browsertest.Screenshot(t, ctx, "inbox-window-closed")

	// Opted out: the refusal is a notice.
	require.NoError(t, chromedp.Do(ctx,
		clickListed(`li[data-id="ses-sms"] button`),
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

// The inbox's races, made to happen by holding answers back: the stream
// opens before the list is read; answers of a conversation chosen before
// another come last and are not shown (the reply goes to the one shown,
// each keeps its draft); Send stays disabled while a reply is on its way
// whatever else enables it, so Enter cannot send it twice; a customer's
// message is announced alone (the timeline is no live region); read marks
// are kept per account and pruned; focus goes to the heading when Close or
// a transfer takes away the control that had it.
func TestInboxRacesInTheBrowser(t *testing.T) {
	srv, api := serveInbox(t)
	ctx := browsertest.New(t)
	poll := func(js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
		require.NoError(t, err, js)
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return s
	}
	day := int64(24 * time.Hour / time.Millisecond)
	now := time.Now().UnixMilli()
	// Read marks of before they were per account, and another account's.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/api/v1/queues")))
	eval(fmt.Sprintf(`localStorage.setItem("sb.inbox.seen.ses-open", "%d");
		localStorage.setItem("sb.inbox.read.9.ses-old", "%d");
		localStorage.setItem("sb.inbox.read.9.ses-new", "%d"); ""`, now, now-40*day, now-day))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`#sessions li.session[data-id="ses-open"]`)),
	))
	require.False(t, api.listBeforeStream.Load(), "the list is read once the stream is open")
	poll(`document.getElementById("inbox-body").dataset.unread === "counted"`)
	require.Equal(t, "gone gone kept", eval(`["sb.inbox.seen.ses-open", "sb.inbox.read.9.ses-old", "sb.inbox.read.9.ses-new"].
		map((k) => localStorage.getItem(k) === null ? "gone" : "kept").join(" ")`))

	// Ann chooses the WhatsApp conversation, whose answers are slow, then
	// the SMS one and writes in it; the first answers come last.
	release := api.holdSession("ses-open")
	t.Cleanup(release)
	require.NoError(t, chromedp.Do(ctx, clickListed(`li[data-id="ses-open"] button`)))
	require.Eventually(t, func() bool { return api.heldGets("ses-open") == 3 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, chromedp.Do(ctx, clickListed(`li[data-id="ses-sms"] button`)))
	poll(`document.getElementById("conversation").dataset.session === "ses-sms" && document.getElementById("conv-customer").textContent === "+14155550123"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply-text"), "About your order")))
	release()
	poll(`document.getElementById("inbox-body").dataset.dropped === "1"`)
	require.Equal(t, "ses-sms +14155550123 About your order", eval(`[document.getElementById("conversation").dataset.session,
		document.getElementById("conv-customer").textContent, document.getElementById("reply-text").value].join(" ")`))
	browsertest.Screenshot(t, ctx, "inbox-race")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#conv-notice")),
	))
	require.Contains(t, eval(`document.getElementById("conv-notice").textContent`), "opted out", "the reply went to the conversation shown")
	require.Equal(t, []string{"ses-sms"}, api.sent())
	require.Equal(t, "sb.inbox.read.7.ses-sms", eval(`Object.keys(localStorage).filter((k) => k.startsWith("sb.inbox.read.7.")).join(" ")`))

	// Each conversation keeps its own draft. (chromedp's Enter also types
	// a line break after the page handled the key: values are trimmed.)
	require.NoError(t, chromedp.Do(ctx, clickListed(`li[data-id="ses-open"] button`)))
	poll(`document.getElementById("conversation").dataset.session === "ses-open" && document.getElementById("reply-text").value === ""`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), "Hi"),
		clickListed(`li[data-id="ses-sms"] button`),
	))
	poll(`document.getElementById("conversation").dataset.session === "ses-sms" && document.getElementById("reply-text").value.trim() === "About your order"`)

	// A transfer takes the form away: focus goes to the heading.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#show-transfer")),
		chromedp.WaitVisible(chromedp.CSS("#transfer-ext")),
		chromedp.SendKeys(chromedp.CSS("#transfer-ext"), "1002"),
		chromedp.Click(chromedp.CSS(`#transfer button[type=submit]`)),
	))
	poll(`document.getElementById("transfer").hidden && document.activeElement === document.getElementById("conv-customer")`)

	// A reply on its way: typing, or the window's tick, does not enable
	// Send again, and Enter does not send it twice.
	require.NoError(t, chromedp.Do(ctx, clickListed(`li[data-id="ses-open"] button`)))
	poll(`document.getElementById("conversation").dataset.session === "ses-open" && document.getElementById("reply-text").value.trim() === "Hi" && !document.getElementById("send").disabled`)
	hold := make(chan struct{})
	var unhold sync.Once
	t.Cleanup(func() { unhold.Do(func() { close(hold) }) }) // a failure lets the server stop
	api.mu.Lock()
	api.hold = hold
	api.mu.Unlock()
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply-text"), " there"+kb.Enter)))
	require.Eventually(t, func() bool { return len(api.sent()) == 2 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply-text"), "!")))
	require.Equal(t, "true", eval(`showWindow(); showHeader(); String(document.getElementById("send").disabled)`))
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#reply-text"), kb.Enter)))
	unhold.Do(func() { close(hold) })
	poll(`document.getElementById("conv-notice").textContent.includes("reply window is closed") && !document.getElementById("send").disabled`)
	require.Equal(t, []string{"ses-sms", "ses-open"}, api.sent(), "one reply sent")

	// The customer writes: announced alone; the timeline is no live region.
	require.Equal(t, "", eval(`document.getElementById("timeline").getAttribute("aria-live") || ""`))
	api.events <- `event: message.created` + "\n" + `data: {"type":"message.created","data":{"id":"m-2","sessionId":"ses-open","direction":"in","text":"Is it blue?","status":"received","createdAt":"` +
		time.Now().UTC().Format(time.RFC3339Nano) + `"}}`
	poll(`document.querySelector('#timeline .msg[data-id="m-2"]') !== null`)
	require.Equal(t, "New message from +16505551234: Is it blue?", eval(`document.getElementById("timeline-news").textContent`))

	// Closing hides Close: focus goes to the heading.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#close")),
		chromedp.WaitVisible(chromedp.CSS(".conv-actions .confirm-yes")),
		chromedp.Click(chromedp.CSS(".conv-actions .confirm-yes")),
	))
	poll(`document.getElementById("close").hidden && document.querySelector(".confirm") === null && document.activeElement === document.getElementById("conv-customer")`)
}

// clickListed clicks a button of the conversation list, found and clicked
// in one step: the list is drawn again whenever the stream or a reload
// says something, and a button found by one call and clicked by the next
// may be gone by then ("Could not find node with given id").
func clickListed(sel string) chromedp.Action[chromedp.Void] {
	js := `(() => { const b = document.querySelector(` + strconv.Quote(sel) + `); if (!b) return false; b.click(); return true; })()`
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
		return err
	})
}
