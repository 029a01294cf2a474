package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// callBindings: the integrations that take an extension's calls are those
// connected, or failed after having been connected, with a user bound to
// exactly that extension — a LIKE wildcard in an extension matches only
// itself.
func callBindings(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	now := time.UnixMilli(1_700_000_000_000).UTC()
	for id, st := range map[string]struct {
		status    string
		connected time.Time
	}{
		"connected":   {store.StatusConnected, now},
		"lapsed":      {store.StatusFailed, now},         // its calls wait for the credentials to be fixed
		"neverWorked": {store.StatusFailed, time.Time{}}, // never connected: takes no calls
		"authorizing": {store.StatusAuthorizing, time.Time{}},
	} {
		in := integration(id)
		in.Status, in.ConnectedAt = st.status, st.connected
		require.NoError(t, s.CreateIntegration(ctx, in))
		require.NoError(t, s.ReplaceUsers(ctx, id, []store.HelpdeskUser{{UserID: "a"}, {UserID: "b"}, {UserID: "c"}}))
		require.NoError(t, s.SetUserExtensions(ctx, id, "a", []string{"1001", "10%"}))
		require.NoError(t, s.SetUserExtensions(ctx, id, "b", []string{"10011"}))
		require.NoError(t, s.SetUserExtensions(ctx, id, "c", []string{"1001"}))
	}
	got, err := s.CallBindings(ctx, "1001")
	require.NoError(t, err)
	require.Equal(t, []store.CallBinding{{IntegrationID: "connected", UserID: "c"}, {IntegrationID: "lapsed", UserID: "c"}}, got,
		"the last user by id of each integration that takes calls")
	got, err = s.CallBindings(ctx, "10%")
	require.NoError(t, err)
	require.Equal(t, []store.CallBinding{{IntegrationID: "connected", UserID: "a"}, {IntegrationID: "lapsed", UserID: "a"}}, got)
	got, err = s.CallBindings(ctx, "1_01")
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = s.CallBindings(ctx, `1001"`)
	require.NoError(t, err)
	require.Empty(t, got)
}
