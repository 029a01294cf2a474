package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The integration's number settings: the PBX gives the caller as dialled
// through a dial-out prefix, in national form; the helpdesk is searched
// with the number as it stores them.
func TestCallerNumberIsFormattedForTheHelpdesk(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},"screenPop":{"trigger":"ringing"},
		"numbers":{"stripPrefix":"9","defaultCountry":"GB","format":"e164"}}`)
	ev := callEvent("num-1", "ringing", map[string]any{"external": map[string]string{"number": "9 01632 960961", "name": "Dana"}})
	e.expect(e.admin("POST", "/api/v1/events/calls", ev), 202)
	e.waitRuns("num-1", map[string]string{"lookup": "succeeded"})

	d.mu.Lock()
	defer d.mu.Unlock()
	var search string
	for _, u := range d.urls {
		if strings.HasPrefix(u, "/api/v2/search.json?") {
			search = u
		}
	}
	require.NotEmpty(t, search, "the caller was looked up")
	q, err := url.ParseQuery(strings.SplitN(search, "?", 2)[1])
	require.NoError(t, err)
	require.Equal(t, "role:end-user phone:*441632960961", q.Get("query"), "E.164 digits, the prefix gone")
}

// A caller the helpdesk does not know is created with the number as the
// helpdesk stores them, not as the PBX dialled it.
func TestCreatedContactHasTheFormattedNumber(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},
		"contactCreation":{"enabled":true,"contactType":"contacts","mode":"auto","callTypes":["inbound"]},
		"numbers":{"stripPrefix":"9","defaultCountry":"US","format":"e164"}}`)
	ev := callEvent("num-new", "ringing", map[string]any{"external": map[string]string{"number": "9 (415) 555-0126", "name": "Nia New"}})
	e.expect(e.admin("POST", "/api/v1/events/calls", ev), 202)
	e.waitRuns("num-new", map[string]string{"lookup": "succeeded", "createContact": "succeeded"})

	d.mu.Lock()
	defer d.mu.Unlock()
	require.Len(t, d.bodies["POST /api/v2/users.json"], 1)
	require.Contains(t, d.bodies["POST /api/v2/users.json"][0], `"phone":"+`+unknownCaller+`"`, "E.164, the prefix gone")
}
