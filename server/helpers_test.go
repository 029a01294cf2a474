package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

const adminToken = "test-admin-token-5e1f"

type env struct {
	pgURL string // PostgreSQL only: the database with its schema
	t     *testing.T
	s     *server.Server
	srv   *httptest.Server
	store store.Store
	dir   string
}

// newEnv starts Switchboard on a fresh SQLite store behind a real HTTP
// server.
func newEnv(t *testing.T, mutate ...func(*server.Config)) *env {
	t.Helper()
	st, dir := openSQLite(t)
	return newEnvOn(t, st, dir, mutate...)
}

// openSQLite opens a fresh SQLite store in a temporary data directory,
// closed when the test ends.
func openSQLite(t *testing.T) (store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(context.Background(), dir, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st, dir
}

// newEnvPostgres is newEnv on PostgreSQL, in a schema of its own.
func newEnvPostgres(t *testing.T, mutate ...func(*server.Config)) *env {
	t.Helper()
	url := testpeers.PostgresSchema(t)
	sealer, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	st, err := store.OpenPostgres(context.Background(), url, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	e := newEnvOn(t, st, "", mutate...)
	e.pgURL = url
	return e
}

// newEnvOnSame starts a second replica on the database of a (PostgreSQL).
func newEnvOnSame(t *testing.T, a *env, mutate ...func(*server.Config)) *env {
	t.Helper()
	sealer, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	st, err := store.OpenPostgres(context.Background(), a.pgURL, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	e := newEnvOn(t, st, "", mutate...)
	e.pgURL = a.pgURL
	return e
}

func newEnvOn(t *testing.T, st store.Store, dir string, mutate ...func(*server.Config)) *env {
	e := &env{t: t, store: st, dir: dir}
	// The public URL is the test server's, known only once it listens.
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := server.Config{Store: st, AdminToken: adminToken, PublicURL: e.srv.URL, TimeZone: time.UTC,
		Queue: store.QueueConfig{PollInterval: 20 * time.Millisecond, RetryPolicy: fastRetry{}},
		// GetGlobalInfo runs at connect, tokens are renewed when used:
		// tests that want the periodic duties call them.
		Integrations: integrations.Tuning{Retry: engine.RetryPolicy{Max: 1, WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond},
			GlobalInfoInterval: -1, TokenRenewalInterval: -1},
		Messaging: messaging.Tuning{PollInterval: 50 * time.Millisecond, RetryWait: 50 * time.Millisecond, VerifyInterval: -1}}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := server.New(context.Background(), cfg)
	require.NoError(t, err)
	handler = s.Handler()
	e.s = s
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return e
}

type resp struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), string(r.Body))
	return m
}

// do sends a request with the token ("" for none). body may be a string
// (sent as is) or a value (sent as JSON).
func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		ct = "application/xml"
		if t := strings.TrimSpace(b); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			ct = "application/json"
		}
	case []byte:
		rd = bytes.NewReader(b)
		ct = "application/xml"
	default:
		j, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer r.Body.Close()
	data, err := io.ReadAll(r.Body)
	require.NoError(e.t, err)
	return resp{r.StatusCode, data, r.Header}
}

func (e *env) admin(method, path string, body any) resp { return e.do(method, path, adminToken, body) }

// expect checks the status and returns the JSON body.
func (e *env) expect(r resp, status int) map[string]any {
	e.t.Helper()
	require.Equal(e.t, status, r.Status, string(r.Body))
	if len(r.Body) == 0 || !json.Valid(r.Body) {
		return nil
	}
	return r.JSON(e.t)
}

// errCode returns the error code of an error answer.
func errCode(t *testing.T, r resp) string {
	t.Helper()
	e, ok := r.JSON(t)["error"].(map[string]any)
	require.True(t, ok, string(r.Body))
	return e["code"].(string)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// fakeZendesk answers the Zendesk example's requests and records paths.
type fakeZendesk struct {
	*httptest.Server
}

func newFakeZendesk(t *testing.T) *fakeZendesk {
	f := &fakeZendesk{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			w.WriteHeader(401)
			return
		}
		switch {
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/users/search.json":
			fmt.Fprint(w, `{"users":[{"id":18,"name":"Ann Other","email":"ann2@acme.test","phone":"+1999"}]}`)
		case strings.HasSuffix(r.URL.Path, "/identities.json"):
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+14155550100"},{"type":"phone_number","value":"+14155550101"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "GET":
			fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana Agent","email":"DANA@acme.test"},{"id":362,"name":"Eli","email":"eli@acme.test"}]}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func zendeskFields(base string) map[string]string {
	return map[string]string{"base_url": base, "email": "agent@acme.test", "api_token": "zd-secret-token-42"}
}

// closeStore stops the job queue, then closes the database under the
// running API.
func (e *env) closeStore() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(e.t, e.s.Stop(ctx))
	require.NoError(e.t, e.store.Close())
}

// fastRetry retries failed jobs at once, so tests do not wait out backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(20 * time.Millisecond) }
