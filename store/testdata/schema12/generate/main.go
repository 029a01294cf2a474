// Command generate writes store/testdata/schema12 with the Switchboard of
// commit 5d2a008^ (the last at schema 12): see ../README.md. It is kept
// under testdata so that the current tree never builds it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string) error {
	ctx := context.Background()
	key, err := store.LoadKey("", dir)
	if err != nil {
		return err
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return err
	}
	st, err := store.OpenSQLite(ctx, dir, sealer)
	if err != nil {
		return err
	}
	defer st.Close()
	// The service installs its built-in templates (Zendesk, the generic
	// SMS API) as it starts.
	if _, err := server.New(ctx, server.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TimeZone: time.UTC}); err != nil {
		return err
	}
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	if err := st.CreateIntegration(ctx, &store.Integration{ID: "int_zendesk", TemplateID: "builtin_zendesk", Status: store.StatusConnected,
		Fields:  map[string]string{"base_url": "https://acme.zendesk.test", "email": "agent@acme.test"},
		Secrets: map[string]string{"api_token": "zd-fixture-token-12"}, Settings: []byte(`{}`),
		CreatedAt: at, UpdatedAt: at, ConnectedAt: at}); err != nil {
		return err
	}
	if err := st.PutExtension(ctx, store.Extension{Number: "1001", FirstName: "Dana", LastName: "Agent", Email: "dana@acme.test"}); err != nil {
		return err
	}
	call, _ := json.Marshal(map[string]any{"callId": "call-fixture-1", "state": "ended", "extension": "1001", "direction": "inbound",
		"external": map[string]string{"number": "+14155550100", "name": "Ann Lee"}})
	if _, err := st.UpdateCall(ctx, "call-fixture-1", func([]byte) ([]byte, error) { return call, nil }); err != nil {
		return err
	}
	in := &store.Integration{ID: "ch_sms", TemplateID: "builtin_sms_generic", Status: store.StatusConnected,
		Fields:  map[string]string{"send_url": "https://sms.test/send", "verify_url": "https://sms.test/verify"},
		Secrets: map[string]string{"api_key": "sms-fixture-key-12"}, Settings: []byte(`{}`), CreatedAt: at, UpdatedAt: at}
	ch := &store.Channel{ID: "ch_sms", WebhookKey: "fixture-webhook-key", Name: "SMS", MessagesPerSecond: 1, VerifyToken: "fixture-verify-token",
		Settings: []byte(`{}`), CreatedAt: at, UpdatedAt: at,
		Numbers: []store.ChannelNumber{{Number: "+14155550199", DestType: store.DestExtension, DestID: "1001", AllowedExtensions: []string{"1001"}}}}
	if err := st.CreateChannel(ctx, in, ch); err != nil {
		return err
	}
	for i, text := range []string{"Hello, is my order shipped?", "It is order 4711."} {
		t := at.Add(time.Duration(i) * time.Minute)
		if _, err := st.ReceiveInbound(ctx, store.Inbound{ChannelID: "ch_sms", ProviderID: fmt.Sprintf("prov-%d", i), Number: "+14155550199",
			Customer: "+15551234", Route: store.Route{Assignee: "1001"}, Now: t,
			Message: &store.Message{ID: fmt.Sprintf("msg_fixture_%d", i), Text: text, CreatedAt: t}}); err != nil {
			return err
		}
	}
	return nil
}
