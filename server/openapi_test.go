package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// The OpenAPI document is valid OpenAPI 3, and every API route the
// service serves is in it with its method (and nothing it does not serve).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/openapi.yaml", "", nil)
	require.Equal(t, 200, r.Status)
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[path] = append(documented[path], method)
		}
	}
	// Every documented operation is served: not a 404, not a 405.
	param := regexp.MustCompile(`\{[^}]+\}`)
	for path, methods := range documented {
		concrete := param.ReplaceAllString(path, "x")
		for _, m := range methods {
			status, msg := probe(t, e, m, concrete)
			require.NotEqual(t, http.StatusMethodNotAllowed, status, "%s %s is documented but not served", m, path)
			require.NotEqual(t, "no such API route: "+concrete, msg, "%s %s is documented but not served", m, path)
		}
	}
	// Every route the service registers is documented.
	for _, route := range e.s.Routes() {
		method, path, _ := strings.Cut(route, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		require.Contains(t, documented, path, "%s is served but not documented", route)
		require.True(t, slices.Contains(documented[path], method), "%s is served but not documented", route)
	}
}

// probe sends an admin request and returns its status and error message,
// without waiting for an answer that streams (the event stream).
func probe(t *testing.T, e *env, method, path string) (int, string) {
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer r.Body.Close()
	if r.Header.Get("Content-Type") != "application/json" {
		return r.StatusCode, ""
	}
	var body struct {
		Error struct{ Message string } `json:"error"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	return r.StatusCode, body.Error.Message
}
