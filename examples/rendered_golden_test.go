package examples_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/golden"
)

// exampleSetups says how each example is connected in tests.
var exampleSetups = map[string]struct {
	fields func(base string) engine.Vars
	token  string
}{
	"zendesk.xml": {fields: func(base string) engine.Vars {
		return engine.Vars{"base_url": base, "email": "agent@acme.test", "api_token": "zd-api-token-secret"}
	}},
	"freshdesk.xml": {fields: func(base string) engine.Vars {
		return engine.Vars{"base_url": base, "api_key": "fd-api-key-secret"}
	}},
	"zohodesk.xml": {fields: func(base string) engine.Vars {
		return engine.Vars{"base_url": base, "accounts_url": base + "/accounts", "org_id": "60001234",
			"client_id": "1000.CLIENT", "client_secret": "zoho-client-secret"}
	}, token: "zoho-access-token"},
}

// Template + variables → the requests it sends, for every scenario of every
// example, against a server that answers every request with {}.
func TestRenderedRequestsGolden(t *testing.T) {
	for file, setup := range exampleSetups {
		t.Run(file, func(t *testing.T) {
			var mu sync.Mutex
			var got []received
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, received{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
				mu.Unlock()
				fmt.Fprint(w, `{}`)
			}))
			defer srv.Close()
			c := client(t, file, setup.fields(srv.URL), setup.token)
			var out strings.Builder
			for _, id := range c.Template().ScenarioIDs() {
				if id == "Common" {
					continue
				}
				vars := callVars()
				vars["TicketId"], vars["ContactId"] = "4711", "17"
				res := c.Run(t.Context(), id, vars, engine.RunOptions{})
				require.NoError(t, res.Err, "%s %s", file, id)
				mu.Lock()
				fmt.Fprintf(&out, "== %s\n%s", id, describeRequests(srv.URL, got))
				got = nil
				mu.Unlock()
			}
			golden.Equal(t, filepath.Join("testdata", strings.TrimSuffix(file, ".xml")+".requests.golden"), []byte(out.String()))
		})
	}
}
