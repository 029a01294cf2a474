// Package examples_test runs the shipped templates against local servers that
// answer the way the real helpdesks document.
package examples_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
)

// callVars are the variables of one answered inbound call, as the service
// would provide them.
func callVars() engine.Vars {
	return engine.Vars{
		"Phone": "+14155550100", "CallerNumber": "+14155550100", "CallerName": "Ann Lee",
		"CallerDisplayName": "Ann Lee", "CalleeNumber": "1001", "CalleeName": "Bob Agent",
		"Call_From": "Ann Lee <+14155550100>", "Call_To": "Bob Agent <1001>",
		"Communication_Type": "Inbound", "Call_Status": "Completed", "Call_Log_Status": "Incoming Call",
		"CallDisposition": "ANSWERED", "Time": "2026-11-21 10:00:00", "StartTimeUnix": "1795255200",
		"EndTimeUnix": "1795255295", "CallDuration": "95", "Talk_Duration": "00:01:30", "Talk_Duration_Sec": "90",
		"RecordPath": "https://switchboard.test/recordings/tok123", "EnableCallRecording": "1",
		"ExtensionFirstName": "Bob", "ExtensionLastName": "Agent", "ExtensionEmail": "bob@acme.test",
		"CrmId": "361", "FirstName": "Ann", "LastName": `Lee "the caller"`, "DisplayName": "Ann Lee",
		"BusinessNumber": "+14155550100", "ContactNumber": "+14155550100", "SearchValue": "Ann",
	}
}

type received struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

type reply struct {
	status int
	body   string
}

// helpdesk is a local server that answers "METHOD /path" routes with canned
// documented answers and records every request.
type helpdesk struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	miss []string
}

func newHelpdesk(t *testing.T, routes map[string]reply) *helpdesk {
	t.Helper()
	h := &helpdesk{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, received{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		h.mu.Unlock()
		rep, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			h.mu.Lock()
			h.miss = append(h.miss, r.Method+" "+r.URL.Path)
			h.mu.Unlock()
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"no route"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		fmt.Fprint(w, rep.body)
	}))
	t.Cleanup(func() {
		h.Close()
		h.mu.Lock()
		defer h.mu.Unlock()
		require.Empty(t, h.miss, "requests to paths the helpdesk does not have")
	})
	return h
}

// take returns and forgets what the helpdesk received so far.
func (h *helpdesk) take() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.got
	h.got = nil
	return got
}

// client loads an example and connects it to the local helpdesk the way the
// service would: the base URL field points at it.
func client(t *testing.T, file string, fields engine.Vars, token string) *engine.Client {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	tmpl, problems := engine.Load(file, data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	authz, err := auth.New(tmpl, fields, auth.Options{Token: token})
	require.NoError(t, err)
	return engine.NewClient(tmpl, engine.ClientConfig{Auth: authz, Vars: fields,
		Retry: engine.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}})
}

func run(t *testing.T, c *engine.Client, scenario string, vars engine.Vars, requests ...string) *engine.Result {
	t.Helper()
	res := c.Run(context.Background(), scenario, vars, engine.RunOptions{Requests: requests})
	require.NoError(t, res.Err, "%s: %s", scenario, res.Error)
	return res
}

// describeRequests renders received requests for golden files: the server's
// address is replaced and headers are sorted.
func describeRequests(base string, got []received) string {
	var b strings.Builder
	for _, r := range got {
		fmt.Fprintf(&b, "%s %s", r.Method, r.Path)
		if r.Query != "" {
			fmt.Fprintf(&b, "?%s", r.Query)
		}
		b.WriteByte('\n')
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			if k == "Accept-Encoding" || k == "User-Agent" || k == "Content-Length" {
				continue
			}
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&b, "  %s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		if r.Body != "" {
			fmt.Fprintf(&b, "  body: %s\n", strings.ReplaceAll(r.Body, base, "{{base}}"))
		}
	}
	return b.String()
}

func queryValue(t *testing.T, rawQuery, key string) string {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	return q.Get(key)
}

// connected loads an example with its fields the way the service connects
// an integration: GetGlobalInfo runs first, and what it read joins the
// fields as variables every later run sees.
func connected(t *testing.T, file string, fields engine.Vars) *engine.Client {
	t.Helper()
	vars := maps.Clone(fields)
	info := run(t, client(t, file, vars, ""), "GetGlobalInfo", nil)
	maps.Copy(vars, info.Vars)
	return client(t, file, vars, "")
}

// withFields is defaults with fields set over them, as a new map.
func withFields(defaults, fields engine.Vars) engine.Vars {
	out := maps.Clone(defaults)
	maps.Copy(out, fields)
	return out
}

// jsonAPI is what every request to a JSON API carries: the headers in
// want (the credential, Accept, a version), and, for the methods that send
// a body (POST unless bodyMethods says), a JSON body with its content type
// (application/json unless contentType says).
type jsonAPI struct {
	want        map[string]string
	contentType string
	bodyMethods []string
}

// check holds every request received to the API's headers and bodies.
func (a jsonAPI) check(t *testing.T, got []received) {
	t.Helper()
	contentType := a.contentType
	if contentType == "" {
		contentType = "application/json"
	}
	methods := a.bodyMethods
	if methods == nil {
		methods = []string{http.MethodPost}
	}
	names := slices.Sorted(maps.Keys(a.want))
	for _, r := range got {
		for _, name := range names {
			require.Equal(t, a.want[name], r.Header.Get(name), "%s %s: %s", r.Method, r.Path, name)
		}
		if slices.Contains(methods, r.Method) {
			require.Equal(t, contentType, r.Header.Get("Content-Type"), "%s %s", r.Method, r.Path)
			require.True(t, json.Valid([]byte(r.Body)), "%s %s: %s", r.Method, r.Path, r.Body)
		}
	}
}

// takeOne returns, and forgets, what the helpdesk received so far, which
// must be one request with this method and path.
func (h *helpdesk) takeOne(t *testing.T, method, path string) []received {
	t.Helper()
	got := h.take()
	require.Len(t, got, 1, "one request: %s %s", method, path)
	require.Equal(t, method, got[0].Method)
	require.Equal(t, path, got[0].Path)
	return got
}
