package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
)

// Whole calls against json-server, a REST server no one here wrote: the
// known caller is found by ?phone=, the unknown one created, and tickets
// and call records are read back from the server afterwards.
func TestCallsAgainstJSONServer(t *testing.T) {
	base := testpeers.StartJSONServer(t, map[string]any{
		"contacts": []map[string]any{{"id": 1, "firstName": "Ann", "lastName": "Lee", "phone": "+14155550100"}},
		"tickets":  []any{},
		"calls":    []any{},
	})
	e := newEnv(t)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", readFile(t, "testdata/json-server.xml")), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base_url": base}}), 201)
	id := in["id"].(string)
	require.Equal(t, "connected", in["status"])
	// The template has no UserAssociation to sync users from: the agent
	// and the binding go straight into the store.
	require.NoError(t, e.store.ReplaceUsers(t.Context(), id, []store.HelpdeskUser{{UserID: "agent-1"}}))
	require.NoError(t, e.store.SetUserExtensions(t.Context(), id, "agent-1", []string{"1001"}))
	e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/settings", map[string]any{
		"contactSync":     map[string]any{"enabled": true, "alwaysQuery": true},
		"contactCreation": map[string]any{"enabled": true, "contactType": "contacts", "mode": "auto", "callTypes": []string{"inbound"}},
		"ticket":          map[string]any{"enabled": true, "when": "beforeCall", "callTypes": []string{"inbound"}},
		"callJournal":     map[string]any{"enabled": true},
	}), 200)

	known := map[string]any{"external": map[string]string{"number": "+14155550100", "name": "Ann Lee"}}
	unknown := map[string]any{"external": map[string]string{"number": "+4930901820", "name": "Bo Chen"}}
	for call, who := range map[string]map[string]any{"js-known": known, "js-unknown": unknown} {
		for _, ev := range []string{"ringing", "answered", "hangup"} {
			extra := map[string]any{"external": who["external"], "disposition": "ANSWERED",
				"startTime": "2026-11-21T10:00:00Z", "answerTime": "2026-11-21T10:00:05Z", "endTime": "2026-11-21T10:01:05Z"}
			e.expect(e.admin("POST", "/api/v1/events/calls", callEvent(call, ev, extra)), 202)
		}
	}
	all := map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"}
	e.waitRuns("js-known", withStep(all, "createContact", "skipped"))
	e.waitRuns("js-unknown", withStep(all, "createContact", "succeeded"))

	get := func(path string) []map[string]any {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out []map[string]any
		require.NoError(t, json.Unmarshal(b, &out), string(b))
		return out
	}
	created := get("/contacts?phone=%2B4930901820")
	require.Len(t, created, 1)
	require.Equal(t, "Bo", created[0]["firstName"])
	tickets := get("/tickets")
	require.Len(t, tickets, 2)
	for _, tk := range tickets {
		require.Equal(t, "Completed", tk["status"], "updated at hangup")
		require.Equal(t, "60", tk["talkSeconds"])
	}
	calls := get("/calls")
	require.Len(t, calls, 2)
	byContact := map[any]map[string]any{}
	for _, c := range calls {
		byContact[c["contactId"]] = c
	}
	require.Equal(t, "Incoming Call", byContact["1"]["status"])
	require.Equal(t, "00:01:00", byContact["1"]["duration"])
	require.Equal(t, "Ann Lee <+14155550100>", byContact["1"]["from"])
	require.Contains(t, byContact, fmt.Sprint(created[0]["id"]), "the created contact's call is journalled with its id")
}

func withStep(m map[string]string, step, status string) map[string]string {
	out := map[string]string{step: status}
	for k, v := range m {
		out[k] = v
	}
	return out
}
