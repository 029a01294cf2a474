package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// The agent of the bound extension gets the screen pop on its stream.
func TestScreenPopOnTheStream(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},"screenPop":{"trigger":"ringing"}}`)
	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"}), 201)["token"].(string)
	other := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1002", "name": "Eli"}), 201)["token"].(string)

	listen := func(token string) (<-chan map[string]any, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/stream", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		events := make(chan map[string]any, 4)
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var m map[string]any
					if json.Unmarshal([]byte(data), &m) == nil {
						events <- m
					}
				}
			}
		}()
		return events, cancel
	}
	mine, stop := listen(agent)
	defer stop()
	theirs, stop2 := listen(other)
	defer stop2()

	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("pop-1", "ringing", nil)), 202)
	select {
	case ev := <-mine:
		require.Equal(t, "screenPop", ev["type"])
		data := ev["data"].(map[string]any)
		require.Equal(t, d.URL+"/agent/users/17", data["url"])
		require.Equal(t, "pop-1", data["callId"])
		require.Equal(t, "Ann Lee", data["contactName"])
	case <-time.After(15 * time.Second):
		t.Fatal("no screen pop")
	}
	select {
	case ev := <-theirs:
		t.Fatalf("another extension's agent got %v", ev)
	default:
	}
	// The pop is sent once, however often the call's work runs.
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("pop-1", "answered", nil)), 202)
	e.waitRuns("pop-1", map[string]string{"lookup": "succeeded"})
	select {
	case ev := <-mine:
		t.Fatalf("a second pop: %v", ev)
	case <-time.After(300 * time.Millisecond):
	}
	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "p"}), 201)["token"].(string)
	require.Equal(t, 403, e.do("GET", "/api/v1/stream", pbx, nil).Status)

	// On request: the agent of the call's extension asks for the pop.
	pop := e.expect(e.do("GET", "/api/v1/calls/pop-1/popup", agent, nil), 200)
	require.Equal(t, d.URL+"/agent/users/17", pop["pops"].([]any)[0].(map[string]any)["url"])
	require.Equal(t, 403, e.do("GET", "/api/v1/calls/pop-1/popup", other, nil).Status, "another extension's call")
	require.Equal(t, 404, e.do("GET", "/api/v1/calls/nope/popup", agent, nil).Status)
}

func TestContactGroupAndCreation(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	id := connectDesk(t, e, d, `{"contactSync":{"enabled":true,"alwaysQuery":false},
		"contactCreation":{"enabled":true,"contactType":"contacts","mode":"auto","callTypes":["inbound"]}}`)

	// A found contact joins the group; the next call is answered from it.
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("g-1", "ringing", nil)), 202)
	e.waitRuns("g-1", map[string]string{"lookup": "succeeded", "createContact": "skipped"})
	group := e.expect(e.admin("GET", "/api/v1/integrations/"+id+"/contacts/group?number=%2B1%20415%20555%200100", nil), 200)
	require.Len(t, group["contacts"], 1)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("g-2", "ringing", nil)), 202)
	got := e.waitRuns("g-2", map[string]string{"lookup": "succeeded", "createContact": "skipped"})
	require.Equal(t, 1, d.count("GET /api/v2/search.json"), "the second call did not ask the helpdesk")
	require.Equal(t, "group", got["integrations"].(map[string]any)[id].(map[string]any)["ContactFrom"])
	require.Equal(t, 400, e.admin("GET", "/api/v1/integrations/"+id+"/contacts/group", nil).Status)

	// Manual creation by an agent.
	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "a"}), 201)["token"].(string)
	created := e.expect(e.do("POST", "/api/v1/integrations/"+id+"/contacts", agent,
		map[string]string{"contactType": "contacts", "firstName": "Cy", "lastName": "New", "number": "+15550001", "callId": "g-2"}), 201)
	require.Equal(t, "9001", created["contactId"])
	require.Contains(t, d.bodies["POST /api/v2/users.json"][0], `"name":"Cy New"`)
	require.Equal(t, 400, e.do("POST", "/api/v1/integrations/"+id+"/contacts", agent, map[string]string{"contactType": "leads", "number": "1"}).Status)
	require.Equal(t, 400, e.do("POST", "/api/v1/integrations/"+id+"/contacts", agent, map[string]string{"contactType": "contacts"}).Status)

	// An agent attaches contacts to calls of their own extension only, and
	// an unknown call is refused before anything reaches the helpdesk.
	other := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1002", "name": "b"}), 201)["token"].(string)
	r := e.do("POST", "/api/v1/integrations/"+id+"/contacts", other,
		map[string]string{"contactType": "contacts", "firstName": "Mal", "number": "+15550002", "callId": "g-2"})
	require.Equal(t, 403, r.Status, r.String())
	r = e.do("POST", "/api/v1/integrations/"+id+"/contacts", agent,
		map[string]string{"contactType": "contacts", "firstName": "Mal", "number": "+15550002", "callId": "no-such-call"})
	require.Equal(t, 404, r.Status, r.String())
	require.Len(t, d.bodies["POST /api/v2/users.json"], 1, "neither reached the helpdesk")
	link := e.expect(e.admin("GET", "/api/v1/calls/g-2", nil), 200)["integrations"].(map[string]any)[id].(map[string]any)
	require.Equal(t, "9001", link["ContactId"], "the call keeps its agent's contact")
}

func TestUnknownCallersAreCreated(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	id := connectDesk(t, e, d, `{"contactSync":{"enabled":true,"alwaysQuery":true},
		"contactCreation":{"enabled":true,"contactType":"contacts","mode":"auto","callTypes":["inbound"]}}`)
	// Move the integration to a desk that knows nobody.
	d2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/search.json":
			w.Write([]byte(`{"results":[]}`))
		case "/api/v2/users.json":
			if r.Method == "POST" {
				w.WriteHeader(201)
				w.Write([]byte(`{"user":{"id":555}}`))
				return
			}
			w.Write([]byte(`{"users":[{"id":361,"name":"Dana Agent","email":"dana@acme.test"}]}`))
		}
	}))
	t.Cleanup(d2.Close)
	e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/fields", map[string]any{"fields": map[string]string{"base_url": d2.URL, "email": "a@b.c"}}), 200)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("new-1", "ringing", nil)), 202)
	got := e.waitRuns("new-1", map[string]string{"lookup": "succeeded", "createContact": "succeeded"})
	link := got["integrations"].(map[string]any)[id].(map[string]any)
	require.Equal(t, "555", link["ContactId"])
	require.Equal(t, "0", link["ContactCount"])
}

func TestRecordingLinks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call-7.wav"), []byte("RIFF-fake-wave"), 0o600))
	// A link planted in the directory to a file outside it (the data
	// directory's key, say) is never served.
	outside := filepath.Join(t.TempDir(), "secret.key")
	require.NoError(t, os.WriteFile(outside, []byte("SECRET-KEY-BYTES"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "evil.wav")))
	pbx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Write([]byte("remote-wave:" + r.URL.Path))
	}))
	t.Cleanup(pbx.Close)
	var offset atomic.Int64 // the test's clock runs ahead by this much
	e := newEnv(t, func(c *server.Config) {
		c.RecordingsDir, c.SigningKey, c.RecordingTTL = dir, []byte("k"), time.Hour
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"ticket":{"enabled":true,"when":"beforeCall","callTypes":["inbound"]},"callJournal":{"enabled":true,"playRecording":true}}`)
	links := map[string]string{}
	for i, rec := range []string{"call-7.wav", pbx.URL + "/rec/7.wav", "evil.wav"} {
		callID := fmt.Sprint("rec-", i)
		for _, ev := range []string{"ringing", "hangup"} {
			e.expect(e.admin("POST", "/api/v1/events/calls", callEvent(callID, ev, map[string]any{"disposition": "ANSWERED", "recording": rec})), 202)
		}
		e.waitRuns(callID, map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"})
		bodies := d.bodies["PUT /api/v2/tickets/"+fmt.Sprint(4711+i)+".json"]
		var journal struct {
			Ticket struct {
				VoiceComment struct {
					RecordingURL string `json:"recording_url"`
				} `json:"voice_comment"`
			} `json:"ticket"`
		}
		require.NoError(t, json.Unmarshal([]byte(bodies[len(bodies)-1]), &journal))
		links[rec] = journal.Ticket.VoiceComment.RecordingURL
		require.True(t, strings.HasPrefix(links[rec], e.srv.URL+"/recordings/"), links[rec])
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get(links["call-7.wav"])
	require.Equal(t, 200, status)
	require.Equal(t, "RIFF-fake-wave", body, "served from the recordings directory")
	status, body = get(links[pbx.URL+"/rec/7.wav"])
	require.Equal(t, 200, status)
	require.Equal(t, "remote-wave:/rec/7.wav", body, "proxied from the PBX")
	status, body = get(links["evil.wav"])
	require.Equal(t, 404, status)
	require.NotContains(t, body, "SECRET-KEY-BYTES", "a symbolic link is not followed")

	// A changed link does not open, nor does an expired one.
	tampered := links["call-7.wav"][:len(links["call-7.wav"])-2] + "xx"
	status, _ = get(tampered)
	require.Equal(t, 403, status)
	offset.Store(int64(2 * time.Hour))
	status, _ = get(links["call-7.wav"])
	require.Equal(t, 403, status)
}
