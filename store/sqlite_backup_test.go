package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// A snapshot taken while the store writes holds every row committed
// before it began, opens with the key and not with another.
func TestSnapshotSQLiteWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sl, err := store.NewSealer(key)
	require.NoError(t, err)
	s, err := store.OpenSQLite(ctx, dir, sl)
	require.NoError(t, err)
	defer s.Close()
	now := time.Now()
	require.NoError(t, s.CreateTemplate(ctx, &store.Template{ID: "t", Key: "k", XML: []byte("<x/>"), CreatedAt: now, UpdatedAt: now}, 10))
	require.NoError(t, s.CreateIntegration(ctx, &store.Integration{ID: "i", TemplateID: "t", Status: "connected",
		Secrets: map[string]string{"api_key": "snap-secret"}, CreatedAt: now, UpdatedAt: now}))
	require.NoError(t, s.SaveToken(ctx, "i", []byte(`{"access_token":"a"}`)))

	// Writes go on while the snapshot is taken.
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := s.PutExtension(ctx, store.Extension{Number: "ext" + itoa(int64(i))}); err != nil {
				done <- err
				return
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "copy.db")
	err = store.SnapshotSQLite(ctx, dir, dest)
	close(stop)
	require.NoError(t, <-done)
	require.NoError(t, err)

	check, err := store.CheckSQLite(ctx, dest, sl)
	require.NoError(t, err)
	require.Equal(t, store.SQLiteCheck{Schema: latestSQLite(t), Integrations: 1, Secrets: 2}, check)
	other, err := store.NewSealer([]byte("another key"))
	require.NoError(t, err)
	_, err = store.CheckSQLite(ctx, dest, other)
	require.ErrorContains(t, err, "integration:i: cannot decrypt")

	require.ErrorContains(t, store.SnapshotSQLite(ctx, t.TempDir(), filepath.Join(t.TempDir(), "x.db")), "no database at")
}

// A data directory written by the previous release (schema 12, see
// testdata/schema12/README.md) is migrated by this one and all of it is
// there: the integrations with their secrets, the call, the session with
// its messages.
func TestPreviousReleaseDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := copyDir(t, filepath.Join("testdata", "schema12"))
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sl, err := store.NewSealer(key)
	require.NoError(t, err)
	before, err := store.CheckSQLite(ctx, filepath.Join(dir, store.SQLiteFile), sl)
	require.NoError(t, err)
	require.Equal(t, int64(12), before.Schema, "the fixture is at schema 12")

	ch, err := store.MigrateSQLite(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, store.SchemaChange{Before: 12, After: ch.Known, Known: ch.Known}, ch)

	s, err := store.OpenSQLite(ctx, dir, sl)
	require.NoError(t, err)
	defer s.Close()
	zd, err := s.GetIntegration(ctx, "int_zendesk")
	require.NoError(t, err)
	require.Equal(t, "zd-fixture-token-12", zd.Secrets["api_token"])
	require.Equal(t, "https://acme.zendesk.test", zd.Fields["base_url"])
	sms, err := s.GetIntegration(ctx, "ch_sms")
	require.NoError(t, err)
	require.Equal(t, "sms-fixture-key-12", sms.Secrets["api_key"])
	channel, err := s.GetChannel(ctx, "ch_sms")
	require.NoError(t, err)
	require.Equal(t, "fixture-verify-token", channel.VerifyToken)
	tmpl, err := s.GetTemplate(ctx, zd.TemplateID)
	require.NoError(t, err)
	require.True(t, tmpl.BuiltIn)

	call, err := s.GetCall(ctx, "call-fixture-1")
	require.NoError(t, err)
	var data map[string]any
	require.NoError(t, json.Unmarshal(call, &data))
	require.Equal(t, "ended", data["state"])

	sessions, err := s.ListSessions(ctx, store.SessionFilter{})
	require.NoError(t, err)
	require.Len(t, sessions, 1)
	msgs, err := s.Messages(ctx, sessions[0].ID)
	require.NoError(t, err)
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	require.Equal(t, []string{"Hello, is my order shipped?", "It is order 4711."}, texts)

	// The schema's new parts work on the old rows: a revision is read,
	// the session can be journaled.
	_, err = s.Revisions(ctx, "int_zendesk")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, store.SQLiteFile))
	require.NoError(t, err)
}
