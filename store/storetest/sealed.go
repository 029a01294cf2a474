package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// SealedValues stores one of each kind of sealed value (an integration's
// secret fields, an integration without secrets, a channel's verify token,
// an OAuth token) in s, an empty store, and returns a check that a store
// opened on the same data reads them all back: for key rotation, which
// must leave no sealed value behind.
func SealedValues(t *testing.T, s store.Store) func(t *testing.T, s store.Store) {
	t.Helper()
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	sms := tmpl("tsms", "sms_k", false)
	sms.Provider = "sms"
	require.NoError(t, s.CreateTemplate(ctx, sms, 10))

	withSecrets := integration("i1")
	require.NoError(t, s.CreateIntegration(ctx, withSecrets))
	bare := integration("i2")
	bare.Secrets = map[string]string{}
	require.NoError(t, s.CreateIntegration(ctx, bare))
	chIn := integration("ch1")
	chIn.TemplateID = "tsms"
	chIn.Secrets = map[string]string{"api_token": "channel-api-token-5d1"}
	ch := &store.Channel{ID: "ch1", WebhookKey: "key-ch1", Name: "SMS", MessagesPerSecond: 1,
		VerifyToken: "verify-token-8e2", Settings: []byte(`{}`), CreatedAt: now(), UpdatedAt: now()}
	require.NoError(t, s.CreateChannel(ctx, chIn, ch))
	oauth := []byte(`{"access_token":"access-9a0","refresh_token":"refresh-4c3"}`)
	require.NoError(t, s.SaveToken(ctx, "i1", oauth))

	return func(t *testing.T, s store.Store) {
		t.Helper()
		in, err := s.GetIntegration(ctx, "i1")
		require.NoError(t, err)
		require.Equal(t, withSecrets.Secrets, in.Secrets)
		in, err = s.GetIntegration(ctx, "i2")
		require.NoError(t, err)
		require.Empty(t, in.Secrets)
		in, err = s.GetIntegration(ctx, "ch1")
		require.NoError(t, err)
		require.Equal(t, chIn.Secrets, in.Secrets)
		got, err := s.GetChannel(ctx, "ch1")
		require.NoError(t, err)
		require.Equal(t, ch.VerifyToken, got.VerifyToken)
		tok, err := s.LoadToken(ctx, "i1")
		require.NoError(t, err)
		require.Equal(t, oauth, tok)
	}
}
