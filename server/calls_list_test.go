package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// callIDs are the ids of a GET /api/v1/calls answer, in order.
func callIDs(t *testing.T, r resp) []string {
	t.Helper()
	require.Equal(t, 200, r.Status, "%s", &r)
	ids := []string{}
	for _, c := range r.JSON(t)["calls"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return ids
}

// The calls list, newest first, with the contact found, the ticket (with
// its page, from the template's TicketURLFormat) and the steps counted;
// filtered by extension, number and state, paged. An agent sees only the
// calls of their own extension.
func TestCallsList(t *testing.T) {
	e, _, _ := newSignInEnv(t)
	d := newCallDesk(t)
	id := connectDesk(t, e, d, everything)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("call-a", "ringing", map[string]any{"startTime": "2026-11-21T10:00:00Z"})), 202)
	e.waitRuns("call-a", map[string]string{"lookup": "succeeded", "createTicket": "succeeded"})
	time.Sleep(2 * time.Millisecond) // the list orders by the millisecond a call was first heard of
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("call-b", "ringing", map[string]any{"extension": "1002",
		"external": map[string]string{"number": "+49 30 1234"}})), 202)

	all := callIDs(t, e.admin("GET", "/api/v1/calls", nil))
	require.Equal(t, []string{"call-b", "call-a"}, all)
	require.Equal(t, []string{"call-a"}, callIDs(t, e.admin("GET", "/api/v1/calls?extension=1001", nil)))
	require.Equal(t, []string{"call-b"}, callIDs(t, e.admin("GET", "/api/v1/calls?number=4930", nil)))
	require.Equal(t, []string{"call-a"}, callIDs(t, e.admin("GET", "/api/v1/calls?number=%2B1+415&state=ringing&extension=1001", nil)))
	require.Equal(t, []string{}, callIDs(t, e.admin("GET", "/api/v1/calls?state=hangup", nil)))
	require.Equal(t, []string{"call-a"}, callIDs(t, e.admin("GET", "/api/v1/calls?limit=1&offset=1", nil)))
	require.Equal(t, 400, e.admin("GET", "/api/v1/calls?state=weird", nil).Status)
	require.Equal(t, 400, e.admin("GET", "/api/v1/calls?limit=0", nil).Status)

	a := e.expect(e.admin("GET", "/api/v1/calls?extension=1001", nil), 200)["calls"].([]any)[0].(map[string]any)
	require.Equal(t, "ringing", a["state"])
	require.Equal(t, "+14155550100", a["number"])
	require.Equal(t, "1001", a["extension"])
	require.Equal(t, "2026-11-21T10:00:00Z", a["startTime"])
	require.Equal(t, map[string]any{"integrationId": id, "id": "17", "name": "Ann Lee", "url": d.URL + "/agent/users/17"}, a["contact"])
	require.Equal(t, map[string]any{"id": "4711", "url": d.URL + "/agent/tickets/4711"}, a["ticket"])
	require.Equal(t, map[string]any{"total": 2.0, "pending": 0.0, "running": 0.0, "succeeded": 2.0, "failed": 0.0, "skipped": 0.0}, a["steps"])

	// Dana, the agent of 1001, sees her extension's call only, whatever
	// extension she asks for.
	b := e.browser()
	require.Equal(t, 200, b.login("dana", password).Status)
	require.Equal(t, []string{"call-a"}, callIDs(t, b.do("GET", "/api/v1/calls", nil, false)))
	require.Equal(t, []string{"call-a"}, callIDs(t, b.do("GET", "/api/v1/calls?extension=1002", nil, false)))
	require.Equal(t, []string{}, callIDs(t, b.do("GET", "/api/v1/calls?state=hangup", nil, false)))
	// A PBX token is not a person: the list is not its business.
	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "pbx"}), 201)["token"].(string)
	require.Equal(t, 403, e.do("GET", "/api/v1/calls", pbx, nil).Status)
}

// A contact an agent creates for an unknown caller answers its page and
// becomes the call's contact in the list.
func TestCreatedContactShowsInTheList(t *testing.T) {
	e, _, _ := newSignInEnv(t)
	d := newCallDesk(t)
	id := connectDesk(t, e, d, `{"contactSync":{"enabled":false}}`)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("call-u", "ringing", map[string]any{
		"external": map[string]string{"number": "+15550009"}})), 202)
	b := e.browser()
	require.Equal(t, 200, b.login("dana", password).Status)
	require.Equal(t, []string{"call-u"}, callIDs(t, b.do("GET", "/api/v1/calls", nil, false)))
	r := b.do("POST", "/api/v1/integrations/"+id+"/contacts", map[string]string{"firstName": "Cy", "lastName": "New", "number": "+15550009", "callId": "call-u"}, true)
	require.Equal(t, 201, r.Status, "%s", &r)
	require.Equal(t, d.URL+"/agent/users/9001", r.JSON(t)["url"])
	c := b.do("GET", "/api/v1/calls", nil, false).JSON(t)["calls"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"integrationId": id, "id": "9001", "name": "Cy New", "url": d.URL + "/agent/users/9001"}, c["contact"])
}
