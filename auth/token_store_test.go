package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
)

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "tokens.json")
	s := &auth.FileStore{Path: path}
	tok, err := s.Load(ctx, "k")
	require.NoError(t, err)
	require.Nil(t, tok, "nothing saved yet")

	exp := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.Save(ctx, "k", &auth.Token{AccessToken: "a1", RefreshToken: "r1", Expiry: exp}))
	require.NoError(t, s.Save(ctx, "other", &auth.Token{AccessToken: "a2"}))
	tok, err = (&auth.FileStore{Path: path}).Load(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "r1", tok.RefreshToken)
	require.True(t, exp.Equal(tok.Expiry))

	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "tokens are readable by their owner only")
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files are left behind")

	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err = s.Load(ctx, "k")
	require.ErrorContains(t, err, "not valid JSON")
}
