package server_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// token makes an API token of a role (agents with their extension).
func (e *env) token(role, ext string) string {
	e.t.Helper()
	body := map[string]string{"role": role, "name": role + ext}
	if ext != "" {
		body["extension"] = ext
	}
	return e.expect(e.admin("POST", "/api/v1/tokens", body), 201)["token"].(string)
}

func (e *env) extensions(numbers ...string) {
	e.t.Helper()
	for _, n := range numbers {
		e.expect(e.admin("PUT", "/api/v1/extensions/"+n, map[string]string{"firstName": "Agent", "lastName": n, "email": n + "@acme.test"}), 200)
	}
}

// stream is an agent's (or admin's) /api/v1/stream, read in the background.
// Each event comes with "lastEventId": the SSE id a client holds after it
// (the event's id line, or the one before when it had none).
type stream struct {
	t      *testing.T
	events chan map[string]any
	ended  chan struct{} // closed when the server ends the stream
	close  func()        // ends the stream from the client's side, and waits for its reader
}

func (e *env) stream(token string) *stream {
	e.t.Helper()
	return e.streamFrom(token, nil)
}

// streamFrom opens a stream with the request's headers and query set by
// prepare (a Last-Event-ID, a lastEventId parameter).
func (e *env) streamFrom(token string, prepare func(*http.Request)) *stream {
	e.t.Helper()
	return e.streamAt(e.srv.URL, token, prepare)
}

// streamAt opens the stream at another base URL: a reverse proxy's.
func (e *env) streamAt(base, token string, prepare func(*http.Request)) *stream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if prepare != nil {
		prepare(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	require.Equal(e.t, 200, resp.StatusCode)
	require.Equal(e.t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &stream{t: e.t, events: make(chan map[string]any, 256), ended: make(chan struct{})}
	s.close = func() { cancel(); <-s.ended }
	go func() {
		defer close(s.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		lastID := ""
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				lastID = id
			}
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var m map[string]any
				if json.Unmarshal([]byte(data), &m) == nil {
					m["lastEventId"] = lastID
					select {
					case s.events <- m:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return s
}

// next waits for the next event of the type (others are skipped) whose
// data matches.
func (s *stream) next(typ string, match func(data map[string]any) bool) map[string]any {
	s.t.Helper()
	data, _ := s.nextEvent(typ, match)["data"].(map[string]any)
	return data
}

// nextEvent is next's whole event: its id, type and data.
func (s *stream) nextEvent(typ string, match func(data map[string]any) bool) map[string]any {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev["type"] != typ {
				continue
			}
			data, _ := ev["data"].(map[string]any)
			if match == nil || match(data) {
				return ev
			}
		case <-deadline:
			s.t.Fatalf("no %s event", typ)
			return nil
		}
	}
}

// none checks that no event of the type comes for a moment.
func (s *stream) none(typ string) {
	s.t.Helper()
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case ev := <-s.events:
			if ev["type"] == typ {
				s.t.Fatalf("unexpected %s event: %v", typ, ev)
			}
		case <-deadline:
			return
		}
	}
}

// providerCall is one request a fake provider received.
type providerCall struct {
	At     time.Time
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// fakeProvider is a provider's API: it records every request and answers
// by a handler the test can change.
type fakeProvider struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []providerCall
	answer func(w http.ResponseWriter, c providerCall, n int)
	n      int
}

func newFakeProvider(t *testing.T, answer func(w http.ResponseWriter, c providerCall, n int)) *fakeProvider {
	p := &fakeProvider{answer: answer}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := providerCall{At: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(b)}
		p.mu.Lock()
		p.calls = append(p.calls, c)
		p.n++
		n, answer := p.n, p.answer
		p.mu.Unlock()
		answer(w, c, n)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *fakeProvider) setAnswer(a func(w http.ResponseWriter, c providerCall, n int)) {
	p.mu.Lock()
	p.answer = a
	p.mu.Unlock()
}

// sent returns the requests to a path so far.
func (p *fakeProvider) sent(method, path string) []providerCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []providerCall
	for _, c := range p.calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// waitSent waits for n requests to a path.
func (p *fakeProvider) waitSent(t *testing.T, method, path string, n int) []providerCall {
	t.Helper()
	var got []providerCall
	require.Eventually(t, func() bool {
		got = p.sent(method, path)
		return len(got) >= n
	}, 15*time.Second, 10*time.Millisecond, "the provider got %d of %d %s %s", len(got), n, method, path)
	return got
}

// genericSMSProvider implements the generic SMS API: verify echoes the
// challenge for the right key, send answers data.id.
func genericSMSProvider(t *testing.T, apiKey string) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		if c.Header.Get("Authorization") != "Bearer "+apiKey {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"code":"10004","title":"Authentication failed","detail":"No key found matching the ID with the provided secret."}]}`)
			return
		}
		switch c.Path {
		case "/verify":
			fmt.Fprint(w, c.Query.Get("challenge"))
		case "/sendmessage":
			fmt.Fprintf(w, `{"data":{"id":"out-%d","to":[{"phone_number":%q,"status":"queued"}]}}`, n, gjson.Get(c.Body, "to").String())
		default:
			w.WriteHeader(404)
		}
	})
}

// genericInbound is a webhook of the generic SMS API for one message.
func genericInbound(id, from, to, text string) string {
	return fmt.Sprintf(`{"data":{"event_type":"message.received","id":"evt-%s","payload":{"id":%q,"from":{"phone_number":%q},`+
		`"to":[{"phone_number":%q}],"text":%q,"media":[],"received_at":"2026-11-22T10:00:00.000+00:00","record_type":"message"}}}`, id, id, from, to, text)
}

func hmacSHA256Hex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// post sends a provider's webhook with headers; form bodies when the
// content type says so.
func (e *env) webhook(u, contentType, body string, header ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	r, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer r.Body.Close()
	data, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, data, r.Header}
}

// messages returns a session's messages as the caller sees them.
func (e *env) messages(token, sessionID string) []any {
	e.t.Helper()
	return e.expect(e.do("GET", "/api/v1/sessions/"+sessionID+"/messages", token, nil), 200)["messages"].([]any)
}

// waitMessage waits until the session's message with the id has the
// status, and returns it.
func (e *env) waitMessage(token, sessionID, messageID, status string) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.Eventually(e.t, func() bool {
		for _, m := range e.messages(token, sessionID) {
			mm := m.(map[string]any)
			if mm["id"] == messageID {
				last = mm
				return mm["status"] == status
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "message %s never became %s (last %v)", messageID, status, last)
	return last
}
