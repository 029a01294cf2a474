package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// raw sends a body as is with the given Content-Type ("" for none).
func (e *env) raw(method, path, contentType, body string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	r, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer r.Body.Close()
	data, err := io.ReadAll(r.Body)
	require.NoError(e.t, err)
	return resp{r.StatusCode, data, r.Header}
}

// Malformed requests are refused with what was wrong: data after the JSON
// value, a body that is not declared JSON, a wrong method, a file that is
// not XML. Nothing is stored for any of them.
func TestMalformedRequestsAreRefusedClearly(t *testing.T) {
	e := newEnv(t)
	ev := `{"callId":"c-1","event":"ringing","direction":"inbound","extension":"1001","external":{"number":"+14155550100"}}`

	// Two concatenated events are not one.
	r := e.raw("POST", "/api/v1/events/calls", "application/json", ev+ev)
	require.Equal(t, 400, r.Status, r.String())
	require.Contains(t, r.String(), "more after its JSON value")
	require.Equal(t, 404, e.admin("GET", "/api/v1/calls/c-1", nil).Status, "nothing was accepted")
	r = e.raw("POST", "/api/v1/events/calls", "application/json", ev+" garbage")
	require.Equal(t, 400, r.Status, r.String())
	r = e.raw("POST", "/api/v1/events/calls", "application/json", "")
	require.Equal(t, 400, r.Status)
	require.Contains(t, r.String(), "the body is empty")
	require.Equal(t, 202, e.raw("POST", "/api/v1/events/calls", "application/json", ev+"\n").Status, "white space after it is fine")
	require.Equal(t, 202, e.raw("POST", "/api/v1/events/calls", "", strings.Replace(ev, "c-1", "c-2", 1)).Status, "no Content-Type is taken as JSON")

	// Other content types: 415 naming the expected one.
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"} {
		r = e.raw("POST", "/api/v1/events/calls", ct, ev)
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status, ct)
		require.Contains(t, r.String(), "Content-Type: application/json", ct)
		r = e.raw("PUT", "/api/v1/extensions/1001", ct, `{"firstName":"Dana"}`)
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status, ct)
		r = e.raw("POST", "/api/v1/events/yeastar", ct, `{"type":30008,"sn":"x","msg":"{}"}`)
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status, ct)
	}
	require.Equal(t, 202, e.raw("POST", "/api/v1/events/calls", "application/json; charset=utf-8", strings.Replace(ev, "c-1", "c-3", 1)).Status)

	// A wrong method: 405 with Allow, as JSON.
	r = e.raw("DELETE", "/api/v1/templates", "", "")
	require.Equal(t, http.StatusMethodNotAllowed, r.Status, r.String())
	require.Equal(t, "GET, POST", r.Header.Get("Allow"))
	require.Equal(t, "method_not_allowed", errCode(t, r))
	r = e.raw("POST", "/api/v1/calls/c-1", "", "")
	require.Equal(t, http.StatusMethodNotAllowed, r.Status)
	require.Equal(t, "GET", r.Header.Get("Allow"))
	require.Equal(t, 404, e.raw("GET", "/api/v1/nothing-here", "", "").Status)

	// A file that is not XML says so.
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	r = e.raw("POST", "/api/v1/templates", "application/xml", png)
	require.Equal(t, 400, r.Status, r.String())
	require.Contains(t, r.String(), "not an XML template (it looks like a PNG image)")
	require.NotContains(t, r.String(), "&amp;")
	r = e.raw("POST", "/api/v1/templates", "application/json", `{"Information":{}}`)
	require.Equal(t, 400, r.Status, r.String())
	require.Contains(t, r.String(), "JSON")
}

// An upload cut off half-way is the client's trouble: a 400 at most,
// logged below ERROR.
func TestCutOffUploadIsNotAnError(t *testing.T) {
	var logs syncBuffer
	e := newEnvWithLog(t, &logs)
	xml, err := os.ReadFile(filepath.Join("..", "examples", "zendesk.xml"))
	require.NoError(t, err)
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/templates", io.MultiReader(bytes.NewReader(xml[:len(xml)/2]), failingReader{}))
	require.NoError(t, err)
	req.ContentLength = int64(len(xml))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/xml")
	if r, err := http.DefaultClient.Do(req); err == nil {
		r.Body.Close()
	}
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "cut off") }, 10*time.Second, 10*time.Millisecond)
	require.NotContains(t, logs.String(), `"level":"ERROR"`)
	require.Contains(t, logs.String(), `"level":"INFO"`)
}

// syncBuffer is a bytes.Buffer for a logger written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnvWithLog is newEnv logging JSON into logs.
func newEnvWithLog(t *testing.T, logs *syncBuffer) *env {
	return newEnv(t, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }
