package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// The demo helpdesk serves the Zendesk example through a whole call.
func TestDemoServesTheZendeskExample(t *testing.T) {
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

	res := c.Run(ctx, "SyncContactAuto", engine.Vars{"Phone": "+1 415 555 0100"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "+14155550101", res.Rows[0].Values["BusinessNumber2"])

	res = c.Run(ctx, "CreateNewContact", engine.Vars{"FirstName": "Cy", "BusinessNumber": "+15550001"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.NotEmpty(t, res.Vars["ContactId"])

	res = c.Run(ctx, "CreateNewTicket", engine.Vars{"ContactId": res.Vars["ContactId"], "Communication_Type": "Inbound"}, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.NotEmpty(t, res.Vars["TicketId"])
	require.Len(t, res.Trace, 2)

	res = c.Run(ctx, "UserAssociation", nil, engine.RunOptions{})
	require.NoError(t, res.Err)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "361", res.Rows[0].Values["UserUniqueId"])
}

// The demo SMS provider answers the generic SMS API template: the channel
// connects, and a message is sent.
func TestDemoServesTheGenericSMSAPI(t *testing.T) {
	srv := httptest.NewServer(newDesk(slog.New(slog.NewTextHandler(io.Discard, nil))).routes())
	defer srv.Close()
	data, err := os.ReadFile("../sms_generic.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("sms_generic.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	d, err := messaging.Define(tmpl)
	require.NoError(t, err)
	c := engine.NewClient(tmpl, engine.ClientConfig{Vars: engine.Vars{"api_key": "demo-key", "secret": "demo-secret",
		"send_url": srv.URL + "/sms/sendmessage", "verify_url": srv.URL + "/sms/verify"}})
	status, reason, _ := d.Verify(context.Background(), c, "+14155550100", "")
	require.Equal(t, messaging.StatusConnected, status, reason)
	id, _, fail := d.Send(context.Background(), c, messaging.Outgoing{From: "+14155550100", To: "+14155550123", Text: "Hi"}, "")
	require.Nil(t, fail)
	require.Equal(t, "demo-sms-1", id)
}
