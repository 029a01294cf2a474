package messaging_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/messaging"
)

// builtIn loads a shipped channel template and its definition.
func builtIn(t *testing.T, file string) *messaging.Definition {
	t.Helper()
	data, err := fs.ReadFile(examples.Templates, file)
	require.NoError(t, err)
	return define(t, file, string(data))
}

// define loads a channel template's source and its definition.
func define(t *testing.T, file, src string) *messaging.Definition {
	t.Helper()
	et, problems := engine.Load(file, []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	d, err := messaging.Define(et)
	require.NoError(t, err)
	return d
}

// clientFor is the engine client of a channel with the field values.
func clientFor(t *testing.T, d *messaging.Definition, fields engine.Vars) *engine.Client {
	t.Helper()
	authz, err := auth.New(d.Template, fields, auth.Options{})
	require.NoError(t, err)
	return engine.NewClient(d.Template, engine.ClientConfig{Vars: fields, Auth: authz,
		Retry: engine.RetryPolicy{Max: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
}

// seen is one request a fake provider received.
type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// provider is a fake provider API: each request is recorded and answered
// by the test's handler.
type provider struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newProvider(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body string)) *provider {
	p := &provider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.reqs = append(p.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		p.mu.Unlock()
		answer(w, r, string(b))
	}))
	t.Cleanup(p.Close)
	return p
}

// answering is a fake provider that answers every request with the
// status and body last given to answer.
type answering struct {
	*provider
	mu     sync.Mutex
	status int
	body   string
}

// newAnswering starts a fake provider whose answers have the content type.
func newAnswering(t *testing.T, contentType string) *answering {
	a := &answering{status: 200}
	a.provider = newProvider(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		a.mu.Lock()
		status, body := a.status, a.body
		a.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
	return a
}

// answer sets what the next requests are answered.
func (a *answering) answer(status int, body string) {
	a.mu.Lock()
	a.status, a.body = status, body
	a.mu.Unlock()
}

func (p *provider) take() []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.reqs
	p.reqs = nil
	return out
}

func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}
