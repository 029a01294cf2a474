package engine_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
)

// The lovable template (templates/testdata/README.md) must validate and run every
// scenario. Its URLs are fixed to https://{domain}.supabase.co, so the test
// dials every request to a local TLS server instead: the engine, headers,
// paths and bodies are exactly what would go to the real host.
func TestRealWorldLovableRunsEveryScenario(t *testing.T) {
	var mu sync.Mutex
	var seenHosts []string
	hosts := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seenHosts...)
	}
	helpdesk := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seenHosts = append(seenHosts, r.Host)
		mu.Unlock()
		body := map[string]string{
			"GET /functions/v1/yeastar-contacts":               `{"users":[{"id":"u1","name":"Ann Lee","phone":"+14155550100","email":"ann@x.test","notes":"vip"}]}`,
			"GET /functions/v1/yeastar-contacts/u1/identities": `{"identities":[{"type":"email","value":"ann@x.test"},{"type":"phone_number","value":"+14155550100"},{"type":"phone_number","value":"+14155550101"},{"type":"phone_number","value":"+14155550102"}]}`,
			"GET /functions/v1/yeastar-users":                  `{"users":[{"id":"a1","name":"Dana","email":"dana@x.test"}]}`,
			"POST /functions/v1/yeastar-contacts":              `{"user":{"id":"u9"}}`,
			"POST /functions/v1/yeastar-tickets":               `{"ticket":{"id":"t7"}}`,
			"PATCH /functions/v1/yeastar-tickets/t7.json":      `{"ticket":{"id":"t7"}}`,
			"PUT /functions/v1/yeastar-tickets/t7.json":        `{"ticket":{"id":"t7"}}`,
		}[r.Method+" "+r.URL.Path]
		if body == "" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"not_found"}`)
			return
		}
		fmt.Fprint(w, body)
	}))
	helpdesk.StartTLS()
	t.Cleanup(helpdesk.Close)

	et, problems := engine.Load("lovable-helpdesk.xml", readFile(t, "../templates/testdata/valid/lovable-helpdesk.xml"), engine.Options{Location: time.UTC})
	require.NotNil(t, et, "%v", problems)
	require.Len(t, problems.Warnings(), 1)

	fields := engine.Vars{"helpdesk_domain": "acme", "client_id": "cid-123456", "client_secret": "csecret-123456",
		"callback_url": "https://pbx.test/cb", "app_url": "https://app.test"}
	authz, err := auth.New(et, fields, auth.Options{Token: "lovable-access-token"})
	require.NoError(t, err)
	c := engine.NewClient(et, engine.ClientConfig{Auth: authz, Vars: fields, Transport: dialTo(helpdesk)})
	vars := engine.Vars{"CallerNumber": "+14155550100", "CalleeNumber": "1001", "SearchValue": "Ann",
		"Communication_Type": "Inbound", "Call_Status": "Completed", "Call_From": "Ann <+14155550100>", "Call_To": "1001",
		"DisplayName": "Ann Lee", "BusinessNumber": "+14155550100", "ContactId": "u1", "Time": "2026-11-21 10:00",
		"Talk_Duration": "00:01:30", "Talk_Duration_Sec": "90", "StartTimeUnix": "1795255200", "TicketId": "t7"}
	ctx := context.Background()

	res := c.Run(ctx, "SyncContactAuto", vars, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "+14155550101", res.Rows[0].Values["BusinessNumber2"], `identities.#(type=="phone_number")#|1.value`)
	require.Equal(t, "+14155550102", res.Rows[0].Values["MobileNumber"])
	require.Equal(t, "acme.supabase.co", hosts()[0])
	require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"])

	res = c.Run(ctx, "SearchContact", vars, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "u1", res.Rows[0].Values["ContactsId"])

	res = c.Run(ctx, "UserAssociation", vars, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "a1", res.Rows[0].Values["UserUniqueId"])

	res = c.Run(ctx, "CreateNewContact", vars, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "u9", res.Vars["ContactId"])

	ticketVars := vars
	delete(ticketVars, "TicketId")
	res = c.Run(ctx, "CreateNewTicket", ticketVars, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "t7", res.Vars["TicketId"])
	require.Equal(t, "PATCH", res.Trace[1].Method, "UpdateTicket uses the TicketId just created")
	require.Equal(t, "Inbound Completed - from Ann <+14155550100> to 1001", gjson.Get(res.Trace[0].RequestBody, "ticket.subject").String(),
		"Subject is the scenario's default rendered with the call")

	jv := engine.Vars{"TicketId": "t7", "RecordPath": "https://sb.test/rec/1", "Talk_Duration_Sec": "90", "StartTimeUnix": "1795255200"}
	res = c.Run(ctx, "CallJournal", jv, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Equal(t, "2026-11-21 10:00:00 +0000", gjson.Get(res.Trace[0].RequestBody, "ticket.voice_comment.started_at").String())
	delete(jv, "RecordPath")
	res = c.Run(ctx, "CallJournal", jv, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.True(t, res.Trace[0].Skipped, "{{if .RecordPath}} empty: the journal is skipped")
	for _, h := range hosts() {
		require.True(t, strings.HasSuffix(h, ".supabase.co"), h)
	}
}

// dialTo sends every connection to the test server, whatever the URL's
// host, trusting its certificate for any name.
func dialTo(srv *httptest.Server) http.RoundTripper {
	addr := srv.Listener.Addr().String()
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a local test server
	}
}
