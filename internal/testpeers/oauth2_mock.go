// Package testpeers starts the real servers Switchboard's tests talk to:
// programs no one here wrote, installed from the npm registry by
// `make testdeps` into this folder's node_modules. Only tests use it; it must
// never be imported by code that ships, and every server it starts listens
// on 127.0.0.1 and stops with its test.
package testpeers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Dir is this folder, where package.json and node_modules are.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// requireInstalled skips outside CI when the npm packages are missing, and
// fails in CI, where `make test` must have installed them.
func requireInstalled(tb testing.TB, pkg string) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(Dir(), "node_modules", pkg)); err == nil {
		return
	}
	msg := pkg + " is not installed; run `make testdeps` (part of `make test`)"
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// TokenRequest is what the OAuth2 mock saw of one token request.
type TokenRequest struct {
	GrantType       string `json:"grant_type"`
	Code            string `json:"code"`
	RedirectURI     string `json:"redirect_uri"`
	RefreshTokenIn  string `json:"refresh_token_in"`
	RefreshTokenOut string `json:"refresh_token_out"`
	ClientIDInBody  string `json:"client_id_in_body"`
	BasicAuth       bool   `json:"basic_auth"`
	Status          int    `json:"status"`
}

// OAuth2Mock is a running oauth2-mock-server.
type OAuth2Mock struct {
	URL string // the issuer: /authorize and /token live under it

	mu       sync.Mutex
	requests []TokenRequest
	changed  chan struct{} // closed and replaced when a request is recorded
}

// TokenRequests waits until the mock has reported at least n token
// requests (its report can trail the HTTP answer by a moment) and returns
// all reported so far.
func (m *OAuth2Mock) TokenRequests(tb testing.TB, n int) []TokenRequest {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		m.mu.Lock()
		got, changed := append([]TokenRequest(nil), m.requests...), m.changed
		m.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			tb.Fatalf("oauth2 mock reported %d token requests, want %d: %+v", len(got), n, got)
		}
	}
}

// StartOAuth2Mock starts oauth2-mock-server on a free 127.0.0.1 port. env
// adds settings (TOKEN_TTL=seconds, FAIL_REFRESH=1). Like providers that
// rotate refresh tokens, it accepts each refresh token it issued once and
// answers invalid_grant to one already used. The server stops when the
// test ends.
func StartOAuth2Mock(tb testing.TB, env ...string) *OAuth2Mock {
	tb.Helper()
	requireInstalled(tb, "oauth2-mock-server")
	m := &OAuth2Mock{changed: make(chan struct{})}
	ready := make(chan string, 1)
	startNode(tb, []string{"oauth2-mock.mjs"}, env, func(raw []byte) {
		var line struct {
			URL   string        `json:"url"`
			Token *TokenRequest `json:"token"`
		}
		if json.Unmarshal(raw, &line) != nil {
			return
		}
		if line.URL != "" {
			ready <- line.URL
		}
		if line.Token != nil {
			m.mu.Lock()
			m.requests = append(m.requests, *line.Token)
			close(m.changed)
			m.changed = make(chan struct{})
			m.mu.Unlock()
		}
	})
	m.URL = waitURL(tb, "oauth2-mock-server", ready)
	return m
}
