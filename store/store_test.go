package store_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func sealer(t *testing.T) *store.Sealer {
	s, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenSQLite(context.Background(), t.TempDir(), sealer(t))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestPostgresConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(t), sealer(t))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// No file under the data directory holds a secret in clear: password
// fields and tokens are sealed before they are written.
func TestSQLiteNoSecretAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sl, err := store.NewSealer(key)
	require.NoError(t, err)
	s, err := store.OpenSQLite(ctx, dir, sl)
	require.NoError(t, err)
	secrets := []string{"field-secret-9f2c", "access-token-77ab", "refresh-token-31cd"}
	require.NoError(t, s.CreateTemplate(ctx, &store.Template{ID: "t", Key: "k", XML: []byte("<x/>"), CreatedAt: time.Now(), UpdatedAt: time.Now()}, 10))
	require.NoError(t, s.CreateIntegration(ctx, &store.Integration{ID: "i", TemplateID: "t", Status: "connected",
		Secrets: map[string]string{"api_key": secrets[0]}, CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	require.NoError(t, s.SaveToken(ctx, "i", []byte(`{"access_token":"`+secrets[1]+`","refresh_token":"`+secrets[2]+`"}`)))
	got, err := s.GetIntegration(ctx, "i")
	require.NoError(t, err)
	require.Equal(t, secrets[0], got.Secrets["api_key"])

	check := func() {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			for _, sec := range secrets {
				require.False(t, bytes.Contains(data, []byte(sec)), "%s holds %q in clear", path, sec)
			}
			return nil
		})
		require.NoError(t, err)
	}
	check() // WAL and database files while open
	require.NoError(t, s.Close())
	check() // after the WAL is checkpointed into the database

	// A wrong key cannot open the secrets.
	other, err := store.NewSealer([]byte("another key"))
	require.NoError(t, err)
	s2, err := store.OpenSQLite(ctx, dir, other)
	require.NoError(t, err)
	defer s2.Close()
	_, err = s2.GetIntegration(ctx, "i")
	require.ErrorContains(t, err, "cannot decrypt")
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := store.LoadKey("", dir)
	require.NoError(t, err)
	require.Len(t, k1, 32)
	info, err := os.Stat(filepath.Join(dir, store.KeyFileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	k2, err := store.LoadKey("", dir)
	require.NoError(t, err)
	require.Equal(t, k1, k2, "the generated key is kept")
	env := store.GenerateKey()
	k3, err := store.LoadKey(env, dir)
	require.NoError(t, err)
	require.NotEqual(t, k1, k3, "SWITCHBOARD_SECRET_KEY wins")
	k4, err := store.ParseKey(env)
	require.NoError(t, err)
	require.Equal(t, k4, k3, "it is decoded as the key file is")

	// A key that is not 32 random bytes is refused, from either place,
	// saying where it came from and never what it was.
	var ke *store.KeyError
	_, err = store.LoadKey("hunter2", dir)
	require.ErrorAs(t, err, &ke)
	require.Equal(t, "SWITCHBOARD_SECRET_KEY", ke.Source)
	require.NotContains(t, err.Error(), "hunter2")
	require.NoError(t, os.WriteFile(filepath.Join(dir, store.KeyFileName), []byte("hunter2\n"), 0o600))
	_, err = store.LoadKey("", dir)
	require.ErrorAs(t, err, &ke)
	require.Equal(t, "key file "+filepath.Join(dir, store.KeyFileName), ke.Source)

	// The key file is replaced whole.
	require.NoError(t, store.WriteKeyFile(dir, k4))
	k5, err := store.LoadKey("", dir)
	require.NoError(t, err)
	require.Equal(t, k4, k5)
	info, err = os.Stat(filepath.Join(dir, store.KeyFileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left")
}

// The pool's settings in the URL (pool_max_conns, as the README offers)
// are the pool's: the connection itself does not send them to PostgreSQL,
// which would refuse them.
func TestPostgresURLWithPoolSettings(t *testing.T) {
	url := testpeers.PostgresSchema(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	s, err := store.OpenPostgres(context.Background(), url+sep+"pool_max_conns=5", sealer(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.CountAccounts(context.Background())
	require.NoError(t, err)
}
