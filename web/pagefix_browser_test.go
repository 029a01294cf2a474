package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
	"github.com/switchboard/switchboard/web"
)

// pageAPI is a fake of the API behind the console's pages: the routes a
// test gives, and who is signed in.
type pageAPI struct {
	mux  *http.ServeMux
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string    // "METHOD path?query" of every API request, in order
	out  atomic.Bool // the person was signed out: /auth/me answers 401
}

func servePageAPI(t *testing.T, role, extension string) *pageAPI {
	t.Helper()
	c, err := web.New(web.Config{Role: func(*http.Request) string { return role }})
	require.NoError(t, err)
	a := &pageAPI{mux: http.NewServeMux()}
	for pattern, h := range c.Routes() {
		a.mux.Handle(pattern, h)
	}
	a.mux.HandleFunc("GET /api/v1/auth/me", func(w http.ResponseWriter, r *http.Request) {
		if a.out.Load() {
			pageAnswer(w, 401, map[string]any{"error": map[string]any{"code": "unauthorized", "message": "sign in"}})
			return
		}
		pageAnswer(w, 200, map[string]any{"user": map[string]any{"name": "ada", "role": role, "extension": extension}, "csrfToken": "csrf"})
	})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			a.mu.Lock()
			a.seen = append(a.seen, r.Method+" "+r.URL.RequestURI())
			a.mu.Unlock()
		}
		a.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// requests answers the API requests so far that begin with prefix.
func (a *pageAPI) requests(prefix string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, s := range a.seen {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func pageAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// pagePoll waits until the page's js is true.
func pagePoll(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
	require.NoError(t, err, js)
}

func pageEval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, js)
	return v
}

// pageSettled is JavaScript that waits until every fetch the page made
// since pageTrackFetch has been answered and its answer handled.
const pageTrackFetch = `(() => {
	window.__pending = [];
	const f = window.fetch;
	window.fetch = (...args) => {
		const p = f(...args);
		window.__pending.push(p.then((r) => r.clone().text()).catch(() => {}));
		return p;
	};
	return true;
})()`

const pageSettled = `(async () => {
	await Promise.all(window.__pending);
	for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
	return true;
})()`

// Arrowing through the template select asks for each template: a slow
// answer for a template passed by does not replace the form of the one
// chosen, so Connect sends the template chosen. And a sign-in address
// that would run script is not followed: the form says so.
func TestConnectFormFollowsTheChosenTemplate(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	releaseA := make(chan struct{})
	var askedA atomic.Bool
	var posted atomic.Value
	a.mux.HandleFunc("GET /api/v1/templates", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"templates": []any{
			map[string]any{"id": "t-a", "name": "Alpha desk", "provider": "alpha", "builtIn": true},
			map[string]any{"id": "t-b", "name": "Beta desk", "provider": "beta", "builtIn": true},
		}})
	})
	a.mux.HandleFunc("GET /api/v1/integrations", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"integrations": []any{}})
	})
	a.mux.HandleFunc("GET /api/v1/templates/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if id == "t-a" {
			askedA.Store(true)
			<-releaseA
		}
		pageAnswer(w, 200, map[string]any{"id": id, "name": map[string]string{"t-a": "Alpha desk", "t-b": "Beta desk"}[id], "authType": "oauth2",
			"fields": []any{map[string]any{"name": "field_" + strings.TrimPrefix(id, "t-"), "title": "Field of " + id}}})
	})
	a.mux.HandleFunc("POST /api/v1/integrations", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		posted.Store(body["templateId"])
		pageAnswer(w, 201, map[string]any{"id": "int_1", "templateId": body["templateId"], "status": "authorizing", "authorizeUrl": "javascript:alert(1)"})
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/integrations"),
		chromedp.WaitVisible(chromedp.CSS("#connect-form")),
	))
	pagePoll(t, ctx, `!!document.querySelector('#template option[value="t-b"]')`)
	pageEval[bool](t, ctx, pageTrackFetch)
	pageEval[bool](t, ctx, `(() => { const s = document.getElementById("template"); s.value = "t-a"; s.dispatchEvent(new Event("change")); return true; })()`)
	require.Eventually(t, askedA.Load, 10*time.Second, 10*time.Millisecond)
	pageEval[bool](t, ctx, `(() => { const s = document.getElementById("template"); s.value = "t-b"; s.dispatchEvent(new Event("change")); return true; })()`)
	pagePoll(t, ctx, `!!document.getElementById("field-field_b")`)
	close(releaseA)
	pageEval[bool](t, ctx, pageSettled)
	require.True(t, pageEval[bool](t, ctx, `!!document.getElementById("field-field_b") && !document.getElementById("field-field_a")`),
		"the late answer for Alpha does not replace Beta's form")
	require.Equal(t, "Sign in with Beta desk", pageEval[string](t, ctx, `document.getElementById("connect-submit").textContent`))

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#connect-submit"))))
	pagePoll(t, ctx, `!document.getElementById("connect-error").hidden`)
	require.Equal(t, "t-b", posted.Load())
	require.Contains(t, pageEval[string](t, ctx, `document.getElementById("connect-error").textContent`), "not a web address")
	require.Equal(t, a.srv.URL+"/integrations", pageEval[string](t, ctx, `location.href`), "the page stayed")
	browsertest.Screenshot(t, ctx, "connect-unsafe-sign-in")
}

// Switching the period quickly (30 days, then 24 hours) shows the 24
// hours' figures, however late the 30 days' answer comes. The channel's
// delete confirmation is its own box, not sb.confirmInline's.
func TestChannelStatsShowTheLastPeriodChosen(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	release := make(chan struct{})
	var asked30 atomic.Bool
	a.mux.HandleFunc("GET /api/v1/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"id": "chn_1", "name": "Main SMS", "templateId": "t-sms", "kind": "sms", "status": "connected",
			"webhookUrl": "https://sb.example.com/hook", "verifyToken": "vt", "messagesPerSecond": 1, "numbers": []any{},
			"createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"})
	})
	for _, p := range []string{"templates", "extensions", "queues"} {
		a.mux.HandleFunc("GET /api/v1/"+p, func(w http.ResponseWriter, r *http.Request) {
			pageAnswer(w, 200, map[string]any{p: []any{}})
		})
	}
	a.mux.HandleFunc("GET /api/v1/channels/{id}/stats", func(w http.ResponseWriter, r *http.Request) {
		from, _ := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		number := "+15550000024"
		if time.Since(from) > 20*24*time.Hour {
			asked30.Store(true)
			<-release
			number = "+15550000030"
		}
		pageAnswer(w, 200, map[string]any{"numbers": []any{map[string]any{"number": number, "sent": 1, "succeeded": 1, "failed": 0, "received": 0, "series": []any{}}}})
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/channels/chn_1"),
		chromedp.WaitVisible(chromedp.CSS(`#stats .number-stats`)),
	))
	pageEval[bool](t, ctx, pageTrackFetch)
	pageEval[bool](t, ctx, `(() => { const s = document.getElementById("range"); s.value = "30d"; s.dispatchEvent(new Event("change")); return true; })()`)
	require.Eventually(t, asked30.Load, 10*time.Second, 10*time.Millisecond)
	pageEval[bool](t, ctx, `(() => { const s = document.getElementById("range"); s.value = "24h"; s.dispatchEvent(new Event("change")); return true; })()`)
	pagePoll(t, ctx, `document.getElementById("stats-period").textContent.startsWith("Per hour")`)
	close(release)
	pageEval[bool](t, ctx, pageSettled)
	require.Equal(t, "+15550000024", pageEval[string](t, ctx, `document.querySelector("#stats .number-stats").dataset.number`))
	require.True(t, pageEval[bool](t, ctx, `document.getElementById("stats-period").textContent.startsWith("Per hour")`))

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#delete"))))
	require.Equal(t, "block", pageEval[string](t, ctx, `getComputedStyle(document.getElementById("delete-confirm")).display`),
		"sb.confirmInline's inline-flex is for its span only")
	browsertest.Screenshot(t, ctx, "channel-delete-confirm")
}

// The calls list pages, reloads and refreshes with the filter last
// applied, not with what is typed since; past the last page it says
// there are no more calls.
func TestCallsUseTheFilterApplied(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	a.mux.HandleFunc("GET /api/v1/calls", func(w http.ResponseWriter, r *http.Request) {
		list := []any{}
		if r.URL.Query().Get("offset") == "0" {
			for i := range 25 {
				list = append(list, map[string]any{"id": fmt.Sprintf("c-%d", i), "number": "+1415555010" + fmt.Sprint(i%10), "state": "hangup",
					"createdAt": "2026-01-01T00:00:00Z"})
			}
		}
		pageAnswer(w, 200, map[string]any{"calls": list})
	})
	a.mux.HandleFunc("GET /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": connected\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`#calls tr[data-call="c-24"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-number"), "4155"),
		chromedp.Click(chromedp.CSS("#calls-refresh")),
	))
	pagePoll(t, ctx, `!document.getElementById("calls-refresh").disabled`)
	calls := a.requests("GET /api/v1/calls")
	require.Len(t, calls, 2)
	require.NotContains(t, calls[1], "number=", "Refresh keeps the filter applied")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#calls-pager button:last-child`))))
	pagePoll(t, ctx, `!document.getElementById("calls-empty").hidden`)
	require.Equal(t, "No more calls.", pageEval[string](t, ctx, `document.getElementById("calls-empty").textContent`))
	calls = a.requests("GET /api/v1/calls")
	require.Contains(t, calls[len(calls)-1], "offset=25")
	require.NotContains(t, calls[len(calls)-1], "number=", "Next keeps the filter applied")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#calls-filter button[type=submit]`))))
	require.Eventually(t, func() bool {
		calls := a.requests("GET /api/v1/calls")
		return strings.Contains(calls[len(calls)-1], "number=4155") && strings.Contains(calls[len(calls)-1], "offset=0")
	}, 10*time.Second, 10*time.Millisecond, "Filter applies what is typed")
}

// A call's page polls while a step runs: a Retry asked stays disabled,
// saying so, however often the runs are shown again meanwhile.
func TestRetryStaysBusyWhileAsked(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	release := make(chan struct{})
	var gets, retries atomic.Int32
	runs := func() []any {
		return []any{
			map[string]any{"id": "r1", "step": "lookup", "status": "failed", "integrationId": "int_1", "scenario": "Lookup", "attempts": 1, "updatedAt": "2026-01-01T00:00:00Z", "lastError": "boom"},
			map[string]any{"id": "r2", "step": "journal", "status": "pending", "integrationId": "int_1", "scenario": "Journal", "attempts": 0, "updatedAt": "2026-01-01T00:00:00Z"},
		}
	}
	a.mux.HandleFunc("GET /api/v1/integrations", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"integrations": []any{}})
	})
	a.mux.HandleFunc("GET /api/v1/calls/{id}", func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		pageAnswer(w, 200, map[string]any{"call": map[string]any{"id": "c1", "state": "hangup", "external": map[string]any{"number": "+14155550100"}}, "runs": runs()})
	})
	a.mux.HandleFunc("GET /api/v1/runs", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"runs": runs()})
	})
	a.mux.HandleFunc("POST /api/v1/runs/{id}/retry", func(w http.ResponseWriter, r *http.Request) {
		retries.Add(1)
		<-release
		pageAnswer(w, 202, map[string]any{"id": "r1", "status": "retrying"})
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/calls/c1"),
		chromedp.WaitVisible(chromedp.CSS(`[data-run="r1"] .call-retry`)),
		chromedp.Click(chromedp.CSS(`[data-run="r1"] .call-retry`)),
	))
	require.Eventually(t, func() bool { return retries.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
	seen := gets.Load()
	require.Eventually(t, func() bool { return gets.Load() >= seen+2 }, 10*time.Second, 10*time.Millisecond, "the runs are shown again")
	pageEval[bool](t, ctx, `new Promise((r) => setTimeout(() => r(true), 0))`)
	state := pageEval[string](t, ctx, `(() => { const b = document.querySelector('[data-run="r1"] .call-retry'); return b.disabled + " " + b.textContent; })()`)
	require.Equal(t, "true Retrying…", state)
	close(release)
	pagePoll(t, ctx, `!document.querySelector('[data-run="r1"] .call-retry').disabled`)
	require.EqualValues(t, 1, retries.Load())
}

// Two files dropped at once, before the first is even read, upload once.
func TestTemplateDropUploadsOnce(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	var posts atomic.Int32
	a.mux.HandleFunc("GET /api/v1/templates", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"templates": []any{}})
	})
	a.mux.HandleFunc("POST /api/v1/templates", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		pageAnswer(w, 201, map[string]any{"id": "tpl_1", "name": "Mine", "key": "mine", "version": "1"})
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/templates"),
		chromedp.WaitVisible(chromedp.CSS("#drop-zone")),
	))
	pageEval[bool](t, ctx, `(() => {
		const zone = document.getElementById("drop-zone");
		for (let i = 0; i < 2; i++) {
			const dt = new DataTransfer();
			dt.items.add(new File(['<?xml version="1.0"?><Information Key="mine"/>'], "mine.xml", { type: "application/xml" }));
			zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
		}
		return true;
	})()`)
	pagePoll(t, ctx, `!document.getElementById("outcome").hidden`)
	require.EqualValues(t, 1, posts.Load())
}

// Revoking a token moves focus to the next token's Revoke, and to the
// list's heading when none is left, never to the page's body.
func TestRevokeKeepsFocusInTheList(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	var mu sync.Mutex
	tokens := []any{
		map[string]any{"id": "tok_1", "name": "PBX", "role": "pbx", "createdAt": "2026-01-02T00:00:00Z"},
		map[string]any{"id": "tok_2", "name": "Nightly", "role": "admin", "createdAt": "2026-01-01T00:00:00Z"},
	}
	a.mux.HandleFunc("GET /api/v1/tokens", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		pageAnswer(w, 200, map[string]any{"tokens": tokens})
	})
	a.mux.HandleFunc("DELETE /api/v1/tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-token="tok_2"] .revoke`)),
		chromedp.Click(chromedp.CSS(`tr[data-token="tok_1"] .revoke`)),
		chromedp.Click(chromedp.CSS(`tr[data-token="tok_1"] .confirm-yes`)),
	))
	pagePoll(t, ctx, `!document.querySelector('tr[data-token="tok_1"]')`)
	require.Equal(t, "tok_2", pageEval[string](t, ctx, `document.activeElement.closest("tr") ? document.activeElement.closest("tr").dataset.token : document.activeElement.tagName`))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr[data-token="tok_2"] .revoke`)),
		chromedp.Click(chromedp.CSS(`tr[data-token="tok_2"] .confirm-yes`)),
	))
	pagePoll(t, ctx, `!document.querySelector('tr[data-token="tok_2"]')`)
	require.Equal(t, "tokens-title", pageEval[string](t, ctx, `document.activeElement.id`))
	browsertest.Screenshot(t, ctx, "tokens-focus-after-revoke")
}

// An agent's screen pop shows the time of its event (a pop replayed after
// a reconnect shows when it happened); a resync reads the recent calls
// again.
func TestScreenPopShowsItsOwnTime(t *testing.T) {
	a := servePageAPI(t, web.RoleAgent, "1001")
	send := make(chan string, 2)
	var lists atomic.Int32
	a.mux.HandleFunc("GET /api/v1/calls", func(w http.ResponseWriter, r *http.Request) {
		lists.Add(1)
		pageAnswer(w, 200, map[string]any{"calls": []any{}})
	})
	a.mux.HandleFunc("GET /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": connected\n\n")
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case ev := <-send:
				fmt.Fprint(w, ev)
				w.(http.Flusher).Flush()
			}
		}
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
	))
	pagePoll(t, ctx, `document.getElementById("stream-state").textContent.startsWith("Live")`)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	id := fmt.Sprintf("%012x", at.UnixMilli()) + "0123456789abcdef"
	send <- "id: " + id + "\nevent: screenPop\ndata: " + `{"id":"` + id + `","type":"screenPop","data":{"callId":"c1","integrationId":"int_1","trigger":"ringing","number":"+14155550100","name":"Ann Lee","contactId":"17","url":"https://desk.example.com/17"}}` + "\n\n"
	pagePoll(t, ctx, `!!document.querySelector('.pop[data-call="c1"] time')`)
	require.Equal(t, "2026-03-04T05:06:07.000Z", pageEval[string](t, ctx, `document.querySelector('.pop[data-call="c1"] time').getAttribute("datetime")`))

	require.Eventually(t, func() bool { return lists.Load() >= 1 }, 10*time.Second, 10*time.Millisecond)
	before := lists.Load()
	send <- "event: resync\ndata: {\"type\":\"resync\",\"data\":{}}\n\n"
	require.Eventually(t, func() bool { return lists.Load() > before }, 10*time.Second, 10*time.Millisecond, "a resync reads the recent calls again")
}

// A helpdesk user bound to an extension the extensions list does not
// have shows that binding, and Bind keeps it.
func TestBoundExtensionNotListedIsShown(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	var bound atomic.Value
	a.mux.HandleFunc("GET /api/v1/integrations/{id}", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"id": "int_1", "templateId": "t-a", "status": "connected", "fields": map[string]any{}, "secretFields": []any{}})
	})
	a.mux.HandleFunc("GET /api/v1/templates/{id}", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"id": "t-a", "name": "Alpha desk", "key": "alpha", "version": "1", "builtIn": true, "fields": []any{}, "scenarios": []string{"UserAssociation"}})
	})
	a.mux.HandleFunc("GET /api/v1/integrations/{id}/users", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"users": []any{map[string]any{"id": "u1", "firstName": "Ann", "email": "ann@example.com", "extensions": []string{"1009"}}}})
	})
	a.mux.HandleFunc("GET /api/v1/extensions", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"extensions": []any{map[string]any{"number": "1001", "firstName": "Dana"}}})
	})
	a.mux.HandleFunc("PUT /api/v1/integrations/{id}/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Extensions []string `json:"extensions"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		bound.Store(strings.Join(body.Extensions, ","))
		pageAnswer(w, 200, map[string]any{"id": "u1", "extensions": body.Extensions})
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/integrations/int_1"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-user="u1"] select`)),
	))
	require.Equal(t, "1009", pageEval[string](t, ctx, `document.querySelector('tr[data-user="u1"] select').value`))
	require.Contains(t, pageEval[string](t, ctx, `(() => { const s = document.querySelector('tr[data-user="u1"] select'); return s.options[s.selectedIndex].textContent; })()`), "1009")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-user="u1"] button`))))
	require.Eventually(t, func() bool { return bound.Load() == "1009" }, 10*time.Second, 10*time.Millisecond)
}

// The admin's overview follows the stream as every page does: when the
// admin is signed out, the page says so and offers to sign in again.
func TestOverviewSaysWhenSignedOut(t *testing.T) {
	a := servePageAPI(t, web.RoleAdmin, "")
	outNow := make(chan struct{})
	zeros := make([]int, 24)
	a.mux.HandleFunc("GET /api/v1/overview", func(w http.ResponseWriter, r *http.Request) {
		pageAnswer(w, 200, map[string]any{"since": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339), "hours": 24,
			"calls": map[string]any{"total": 0, "byHour": zeros}, "messages": map[string]any{"total": 0, "received": 0, "sent": 0, "failed": 0, "byHour": zeros},
			"runs": map[string]any{"failed": 0, "pending": 0}, "backlog": map[string]any{"offers": 0, "jobs": 0, "outbound": 0}})
	})
	for _, p := range []string{"integrations", "channels", "templates"} {
		a.mux.HandleFunc("GET /api/v1/"+p, func(w http.ResponseWriter, r *http.Request) {
			pageAnswer(w, 200, map[string]any{p: []any{}})
		})
	}
	var streams atomic.Int32
	a.mux.HandleFunc("GET /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		if a.out.Load() {
			pageAnswer(w, 401, map[string]any{"error": map[string]any{"code": "unauthorized", "message": "sign in"}})
			return
		}
		streams.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": connected\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-outNow: // the session ended: the stream ends
		}
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
	))
	require.Eventually(t, func() bool { return streams.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
	a.out.Store(true)
	close(outNow)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#signed-out"))))
	require.Contains(t, pageEval[string](t, ctx, `document.querySelector("#signed-out a").getAttribute("href")`), "/login?next=")
}
