package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
	"github.com/switchboard/switchboard/web"
)

// serveAgentConsole serves the console as agent 1001 sees it, with the
// few API answers the calls page reads; stream answers the event stream.
func serveAgentConsole(t *testing.T, stream http.HandlerFunc) *httptest.Server {
	t.Helper()
	c, err := web.New(web.Config{Role: func(*http.Request) string { return web.RoleAgent }})
	require.NoError(t, err)
	mux := http.NewServeMux()
	for pattern, h := range c.Routes() {
		mux.Handle(pattern, h)
	}
	answer := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	mux.Handle("GET /api/v1/auth/me", answer(map[string]any{"csrfToken": "t",
		"user": map[string]any{"id": "u1", "name": "Dana", "role": "agent", "extension": "1001"}}))
	mux.Handle("GET /api/v1/calls", answer(map[string]any{"calls": []any{}}))
	mux.Handle("GET /api/v1/stream", stream)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// When the browser gives up on the stream (an answer that is not a
// stream: a proxy's 502 while the service is redeployed), the page opens
// it again by itself, and the screen pops come through again.
func TestStreamReopensAfterTheBrowserGaveUp(t *testing.T) {
	var tries atomic.Int32
	srv := serveAgentConsole(t, func(w http.ResponseWriter, r *http.Request) {
		if tries.Add(1) == 1 {
			http.Error(w, "bad gateway", http.StatusBadGateway) // EventSource does not retry this
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		pop, _ := json.Marshal(map[string]any{"type": "screenPop", "data": map[string]any{"callId": "c-9", "number": "+14155550100",
			"contactName": "Ann Lee", "trigger": "ringing"}})
		fmt.Fprintf(w, "id: 1\nevent: screenPop\ndata: %s\n\n", pop)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.pop[data-call="c-9"]`)),
	))
	require.GreaterOrEqual(t, tries.Load(), int32(2))
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#stream-state")))
	require.NoError(t, err)
	require.Contains(t, state, "Live")
}

// After signing in, the page goes back where the person was sent from,
// and never off-site, however the address is spelt.
func TestSignInGoesBackOnlyToThisConsole(t *testing.T) {
	srv := serve(t)
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login")))
	for next, want := range map[string]string{
		"/calls?state=ringing":    "/calls?state=ringing",
		"/\t/evil.example/":       "/",
		"/\n/evil.example/":       "/",
		"/\r\\evil.example/":      "/",
		"//evil.example/":         "/",
		"/\\evil.example/":        "/",
		"https://evil.example/":   "/",
		"javascript:alert(1)":     "/",
		"/history/ses-1#messages": "/history/ses-1#messages",
		" /%2F/evil.example":      "/%2F/evil.example",
		"http:/\\/evil.example/x": "/",
		"/%09/evil.example/":      "/%09/evil.example/",
		"":                        "/",
		"/inbox?x=" + url.QueryEscape("https://evil.example"): "/inbox?x=https%3A%2F%2Fevil.example",
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`history.replaceState(null, "", "/login?next=" + encodeURIComponent(`+jsString(next)+`)); nextPage()`))
		require.NoError(t, err)
		require.Equal(t, want, got, "next=%q", next)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
