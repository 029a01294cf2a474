package server_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// The service starts on a data directory the previous release wrote
// (store/testdata/schema12: see its README), migrated at start, and
// serves what it holds: the integration with its secret, the session's
// messages.
func TestServiceStartsOnPreviousReleaseDatabase(t *testing.T) {
	from := filepath.Join("..", "store", "testdata", "schema12")
	dir := t.TempDir()
	for _, name := range []string{store.SQLiteFile, store.KeyFileName} {
		data, err := os.ReadFile(filepath.Join(from, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(context.Background(), dir, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	e := newEnvOn(t, st, dir)

	in := e.expect(e.admin("GET", "/api/v1/integrations/int_zendesk", nil), 200)
	require.Equal(t, "builtin_zendesk", in["templateId"])
	got, err := st.GetIntegration(context.Background(), "int_zendesk")
	require.NoError(t, err)
	require.Equal(t, "zd-fixture-token-12", got.Secrets["api_token"], "the secret sealed by the previous release opens")

	sessions := e.expect(e.admin("GET", "/api/v1/sessions", nil), 200)["sessions"].([]any)
	require.Len(t, sessions, 1)
	var texts []any
	for _, m := range e.messages(adminToken, sessions[0].(map[string]any)["id"].(string)) {
		texts = append(texts, m.(map[string]any)["text"])
	}
	require.Equal(t, []any{"Hello, is my order shipped?", "It is order 4711."}, texts)
	e.expect(e.admin("GET", "/api/v1/calls/call-fixture-1", nil), 200)
}
