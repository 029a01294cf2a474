package examples_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// callCase is a finished call as the service knows it after its events,
// and the variables the service gives the ticket and journal steps.
type callCase struct {
	name string
	vars engine.Vars
	// start is the time the journal must carry: the call's start, else its
	// hangup; zero when the service knows neither.
	start time.Time
}

var (
	rang   = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	hungUp = rang.Add(95 * time.Second)
)

// finishedCalls are the calls the shipped templates journal: answered and
// missed, inbound and outbound, and the ones whose events left out times.
// Names hold what real caller ids hold ("…" and <…>), which the old
// "Name <number>" fields carried into number fields.
func finishedCalls() []callCase {
	ann := scenarios.Party{Number: "+14155550100", Name: `Ann "The Countess" Lee`}
	type event = scenarios.CallEvent
	calls := []struct {
		name   string
		events []event
		start  time.Time
	}{
		{"answered inbound", []event{
			{CallID: "c1", Event: scenarios.EventRinging, Direction: scenarios.Inbound, Extension: "1001", External: ann, StartTime: rang},
			{CallID: "c1", Event: scenarios.EventAnswered, Direction: scenarios.Inbound, Extension: "1001", External: ann, AnswerTime: rang.Add(5 * time.Second)},
			{CallID: "c1", Event: scenarios.EventHangup, Direction: scenarios.Inbound, Extension: "1001", External: ann, EndTime: hungUp, Disposition: "ANSWERED", Recording: "c1.wav"},
		}, rang},
		{"missed inbound, to voicemail", []event{
			{CallID: "c2", Event: scenarios.EventRinging, Direction: scenarios.Inbound, Extension: "1001", External: ann, StartTime: rang},
			{CallID: "c2", Event: scenarios.EventHangup, Direction: scenarios.Inbound, Extension: "1001", External: ann, EndTime: hungUp, Disposition: "VOICEMAIL", Recording: "c2-vm.wav"},
		}, rang},
		{"missed inbound, known only from its hangup", []event{
			{CallID: "c3", Event: scenarios.EventHangup, Direction: scenarios.Inbound, Extension: "1001", External: ann, EndTime: hungUp, Disposition: "NO ANSWER", Recording: "c3.wav"},
		}, hungUp},
		{"answered outbound", []event{
			{CallID: "c4", Event: scenarios.EventRinging, Direction: scenarios.Outbound, Extension: "1001", External: scenarios.Party{Number: "+442071838750"}, StartTime: rang},
			{CallID: "c4", Event: scenarios.EventHangup, Direction: scenarios.Outbound, Extension: "1001", External: scenarios.Party{Number: "+442071838750"}, EndTime: hungUp, Disposition: "ANSWERED", Recording: "c4.wav"},
		}, rang},
		{"unanswered outbound without times", []event{
			{CallID: "c5", Event: scenarios.EventHangup, Direction: scenarios.Outbound, Extension: "1001", External: scenarios.Party{Number: "+442071838750"}, Disposition: "NO ANSWER", Recording: "c5.wav"},
		}, time.Time{}},
	}
	out := make([]callCase, 0, len(calls))
	for _, c := range calls {
		var call scenarios.Call
		for _, e := range c.events {
			call.Apply(e)
		}
		v := call.Vars(scenarios.CallContext{Extension: scenarios.ExtensionInfo{Number: "1001", FirstName: "Bob", LastName: "Agent"},
			Location: time.UTC, RecordURL: "https://switchboard.test/recordings/" + call.ID})
		// What earlier steps of the call found and made.
		v["ContactId"], v["CrmId"], v["department_id"] = "17", "361", "1892000000006907"
		out = append(out, callCase{name: c.name, vars: v, start: c.start})
	}
	return out
}

var number = regexp.MustCompile(`^\+?[0-9]+$`)

// The journal of every call has a start (its hangup when the start is
// unknown) and, in Zendesk's voice comment, the numbers of both ends.
func TestJournalStartAndNumbers(t *testing.T) {
	t.Run("zendesk", func(t *testing.T) {
		c, hd := zendeskTicketDesk(t)
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["TicketId"] = "4711"
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1)
				vc := gjson.Get(got[0].Body, "ticket.voice_comment")
				require.True(t, vc.Exists(), "a call with a recording gets a voice comment: %s", got[0].Body)
				for _, end := range []string{"from", "to"} {
					require.Regexp(t, number, vc.Get(end).String(), "voice_comment.%s is a number", end)
				}
				require.Equal(t, call.vars["CallerNumber"], vc.Get("from").String())
				require.Equal(t, call.vars["CalleeNumber"], vc.Get("to").String())
				require.NotContains(t, vc.Get("transcription_text").String(), " at \n", "a call without a start says no time rather than an empty one")
				startedAt := vc.Get("started_at")
				if call.start.IsZero() {
					require.False(t, startedAt.Exists(), "no time known: left out, never sent empty")
					return
				}
				require.Equal(t, call.start.Format("2006-01-02T15:04:05.000Z"), startedAt.String())
			})
		}
	})
	t.Run("zohodesk", func(t *testing.T) {
		hd := newHelpdesk(t, map[string]reply{"POST /api/v1/calls": {200, `{"id":"call1"}`}})
		c := client(t, "zohodesk.xml", engine.Vars{"base_url": hd.URL, "accounts_url": hd.URL, "org_id": "60001234",
			"client_id": "1000.CLIENT", "client_secret": "zoho-client-secret"}, "zoho-access-token")
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				run(t, c, "CallJournal", call.vars)
				got := hd.take()
				require.Len(t, got, 1)
				startTime := gjson.Get(got[0].Body, "startTime")
				if call.start.IsZero() {
					require.False(t, startTime.Exists(), "no time known: left out, never sent empty")
					return
				}
				require.Equal(t, call.start.Format("2006-01-02T15:04:05.000Z"), startTime.String())
				require.Equal(t, map[string]string{scenarios.Inbound: "inbound", scenarios.Outbound: "outbound"}[directionOf(call)],
					gjson.Get(got[0].Body, "direction").String())
			})
		}
	})
}

func directionOf(c callCase) string {
	if c.vars["Communication_Type"] == "Outbound" {
		return scenarios.Outbound
	}
	return scenarios.Inbound
}

// zendeskTicketDesk is a client of the Zendesk example on a helpdesk that
// opens ticket 4711 and takes updates of it.
func zendeskTicketDesk(t *testing.T) (*engine.Client, *helpdesk) {
	hd := newHelpdesk(t, map[string]reply{
		"POST /api/v2/tickets.json":     {201, `{"ticket":{"id":4711}}`},
		"PUT /api/v2/tickets/4711.json": {200, `{"ticket":{"id":4711}}`},
	})
	return client(t, "zendesk.xml", engine.Vars{"base_url": hd.URL, "email": "agent@acme.test", "api_token": "zd-api-token-secret"}, ""), hd
}
