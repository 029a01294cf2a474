package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// get fetches a page and returns its status, content type and body, its
// character references read (html/template writes + as &#43;).
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), html.UnescapeString(string(body))
}

// The screen pop's links open pages: the caller's, from the Zendesk
// example's URLFormat, and the call's ticket, from its TicketURLFormat,
// with what the journal added to it.
func TestDemoShowsTheScreenPopPages(t *testing.T) {
	srv := httptest.NewServer(newDesk(slog.New(slog.NewTextHandler(io.Discard, nil))).routes())
	defer srv.Close()
	data, err := os.ReadFile("../zendesk.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("zendesk.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	fields := engine.Vars{"base_url": srv.URL, "email": "demo@example.com", "api_token": "demo"}
	authz, err := auth.New(tmpl, fields, auth.Options{})
	require.NoError(t, err)
	c := engine.NewClient(tmpl, engine.ClientConfig{Auth: authz, Vars: fields})
	ctx := context.Background()

	contacts, res := scenarios.LookupContacts(ctx, c, engine.Vars{"Phone": "+14155550100"}, nil)
	require.NoError(t, res.Err)
	require.Len(t, contacts, 1)
	require.Equal(t, srv.URL+"/agent/users/17", contacts[0].URL)

	call := engine.Vars{"ContactId": "17", "CrmId": "361", "Communication_Type": "Inbound", "Call_Status": "Answered",
		"Call_From": "Ann Lee <+14155550100>", "Call_To": "Dana <1001>", "Time": "2026-11-22 10:00:00", "Talk_Duration": "00:02:00"}
	res = c.Run(ctx, "CreateNewTicket", call, engine.RunOptions{})
	require.NoError(t, res.Err)
	ticketURL, err := tmpl.Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(fields, call, engine.Vars{"TicketId": res.Vars["TicketId"]})
	require.NoError(t, err)
	require.Equal(t, srv.URL+"/agent/tickets/"+res.Vars["TicketId"], ticketURL)
	call["TicketId"] = res.Vars["TicketId"]
	res = c.Run(ctx, "CallJournal", call, engine.RunOptions{})
	require.NoError(t, res.Err)

	// The API shows the ticket with its comments, as Show Ticket and
	// List Comments would together.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v2/tickets/"+call["TicketId"]+".json", nil)
	req.SetBasicAuth("demo@example.com/token", "demo")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var shown struct{ Ticket map[string]any }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&shown))
	resp.Body.Close()
	require.NotContains(t, shown.Ticket, "comment", "a comment is added to the comments, not kept as a field")
	require.Len(t, shown.Ticket["comments"], 3)

	status, contentType, page := get(t, contacts[0].URL)
	require.Equal(t, 200, status)
	require.Equal(t, "text/html; charset=utf-8", contentType)
	for _, want := range []string{"<h1>Ann Lee</h1>", "ann@example.com", "+14155550101", "Prefers mornings",
		`<a href="/agent/tickets/` + call["TicketId"] + `">`} {
		require.Contains(t, page, want)
	}

	status, _, page = get(t, ticketURL)
	require.Equal(t, 200, status)
	for _, want := range []string{"Inbound call Answered - from Ann Lee <+14155550100> to Dana <1001>",
		`<a href="/agent/users/17">Ann Lee</a>`, "Dana Agent",
		"Inbound call Answered at 2026-11-22 10:00:00\nFrom: Ann Lee <+14155550100>", // the ticket's description
		"Inbound call Answered\nInbound call Answered at",                            // the journal's comment: subject, then description
		"Talk duration: 00:02:00"} {
		require.Contains(t, page, want)
	}
	require.Equal(t, 3, strings.Count(page, "<pre>"), "the description, the scenario's UpdateTicket comment and the journal's")

	status, _, page = get(t, srv.URL+"/agent/tickets/99999")
	require.Equal(t, 404, status)
	require.Contains(t, page, "No ticket 99999")
	status, _, _ = get(t, srv.URL+"/agent/users/99999")
	require.Equal(t, 404, status)
}

// A demo whose port is taken says so and ends with a failure, rather than
// leave the tour talking to whatever listens there.
func TestDemoRefusesATakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())

	var stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"-addr", taken.Addr().String()}, &stderr))
	require.Contains(t, stderr.String(), "port "+port+" is taken")
	require.NotContains(t, stderr.String(), "listening")
}
