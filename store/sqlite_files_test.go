package store_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// Every file in the data directory is the owner's alone (0600, the
// directory 0700), whatever the umask: the WAL and SHM files hold message
// text and secrets' ciphertext as much as the database does. Also for a
// data directory a previous version left readable.
func TestDataDirectoryIsPrivate(t *testing.T) {
	old := syscall.Umask(0) // the most permissive umask there is
	defer syscall.Umask(old)

	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	// What an older start left behind: readable by all.
	require.NoError(t, os.WriteFile(filepath.Join(dir, store.SQLiteFile+"-wal"), nil, 0o644))
	for range 2 { // created, then reopened
		key, err := store.LoadKey("", dir)
		require.NoError(t, err)
		sealer, err := store.NewSealer(key)
		require.NoError(t, err)
		st, err := store.OpenSQLite(context.Background(), dir, sealer)
		require.NoError(t, err)
		require.NoError(t, st.CreateAPIToken(context.Background(), &store.APIToken{ID: store.NewID("tok"), Name: "n", Role: store.RoleAdmin, Hash: []byte(store.NewID("h"))}))

		seen := 0
		require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			require.NoError(t, err)
			info, err := d.Info()
			require.NoError(t, err)
			if d.IsDir() {
				require.Equal(t, fs.FileMode(0o700), info.Mode().Perm(), path)
				return nil
			}
			seen++
			require.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), path)
			return nil
		}))
		require.GreaterOrEqual(t, seen, 4, "the key, the database and its -wal and -shm files")
		require.NoError(t, st.Close())
	}
}
