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
