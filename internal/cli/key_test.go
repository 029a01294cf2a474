package cli_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestKeyGenerate(t *testing.T) {
	t.Parallel()
	code, out, errOut := run("key", "generate")
	require.Equal(t, cli.ExitOK, code, errOut)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	require.NoError(t, err, "base64, as the key file holds it")
	require.Len(t, key, 32)
	_, again, _ := run("key", "generate")
	require.NotEqual(t, out, again)
	_, err = store.ParseKey(out)
	require.NoError(t, err, "the sealer takes it")
}

// A secret key that is not 32 random bytes is refused at start, from the
// environment or the key file, with how to make one.
func TestWeakKeyIsRefused(t *testing.T) {
	t.Run("SWITCHBOARD_SECRET_KEY", func(t *testing.T) {
		t.Setenv("SWITCHBOARD_SECRET_KEY", "hunter2")
		for _, args := range [][]string{
			{"serve", "--addr", "127.0.0.1:0", "--memory-limit", "off", "--data", t.TempDir()},
			{"token", "create", "--name", "x", "--init", "--data", t.TempDir()},
		} {
			code, _, errOut := run(args...)
			require.Equal(t, cli.ExitBadUsage, code, "%v", args)
			require.Contains(t, errOut, "SWITCHBOARD_SECRET_KEY: the key is 7 characters, not 32 random bytes")
			require.Contains(t, errOut, "switchboard key generate")
			require.NotContains(t, errOut, "hunter2")
		}
		// Hex and base64 of 32 bytes are keys.
		t.Setenv("SWITCHBOARD_SECRET_KEY", strings.Repeat("ab", 32))
		code, _, errOut := run("token", "create", "--name", "x", "--init", "--data", t.TempDir())
		require.Equal(t, cli.ExitOK, code, errOut)
	})
	t.Run("key file", func(t *testing.T) {
		t.Setenv("SWITCHBOARD_SECRET_KEY", "")
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, store.KeyFileName), []byte("hunter2\n"), 0o600))
		code, _, errOut := run("serve", "--addr", "127.0.0.1:0", "--memory-limit", "off", "--data", dir)
		require.Equal(t, cli.ExitBadUsage, code)
		require.Contains(t, errOut, "key file "+filepath.Join(dir, store.KeyFileName)+": the key is 7 characters")
		require.Contains(t, errOut, "switchboard key generate")
	})
}

// Commands other than serve work on data that exists: a directory without
// it is refused, by its absolute path, unless --init.
func TestDataDirectoryIsNotMadeUnlessAsked(t *testing.T) {
	t.Setenv("SWITCHBOARD_SECRET_KEY", "")
	t.Setenv("SWITCHBOARD_DATA", "")
	dir := filepath.Join(t.TempDir(), "data")
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	for _, c := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"token", "create", "--name", "x"}, ""},
		{[]string{"user", "create", "--role", "admin", "--name", "dana", "--password-stdin"}, "a long enough password"},
		{[]string{"migrate"}, ""},
		{[]string{"key", "rotate", "--new-key", store.GenerateKey()}, ""},
	} {
		code, _, errOut := runWithInput(c.stdin, append(c.args, "--data", dir)...)
		require.Equal(t, cli.ExitBadUsage, code, "%v", c.args)
		require.Contains(t, errOut, "no Switchboard data in "+abs+": run from the directory you serve from", "%v", c.args)
		_, err := os.Stat(dir)
		require.ErrorIs(t, err, os.ErrNotExist, "%v made the directory", c.args)
	}
	// An empty directory is no data either.
	require.NoError(t, os.Mkdir(dir, 0o700))
	code, _, errOut := run("token", "create", "--name", "x", "--data", dir)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "or --init to create one")

	code, out, errOut := run("token", "create", "--name", "x", "--data", dir, "--init")
	require.Equal(t, cli.ExitOK, code, errOut)
	require.NotEmpty(t, out)
	code, _, errOut = run("token", "create", "--name", "y", "--data", dir)
	require.Equal(t, cli.ExitOK, code, "the data is there now: %s", errOut)

	// SWITCHBOARD_DATA says where, and --data wins over it.
	t.Setenv("SWITCHBOARD_DATA", dir)
	code, _, errOut = run("migrate")
	require.Equal(t, cli.ExitOK, code, errOut)
	code, _, errOut = run("migrate", "--data", filepath.Join(t.TempDir(), "elsewhere"))
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "elsewhere")

	// A database whose key file is gone would be sealed with a new key:
	// refused.
	require.NoError(t, os.Remove(filepath.Join(dir, store.KeyFileName)))
	code, _, errOut = run("token", "create", "--name", "z")
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "holds a database but no key file")
	code, _, _ = run("serve", "--addr", "127.0.0.1:0", "--memory-limit", "off")
	require.Equal(t, cli.ExitBadUsage, code, "serve too")
}

func TestKeyRotateSQLite(t *testing.T) {
	t.Setenv("SWITCHBOARD_SECRET_KEY", "")
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, err := store.LoadKey("", dir)
	require.NoError(t, err)
	st := openWith(t, dir, "", oldKey)
	check := storetest.SealedValues(t, st)
	require.NoError(t, st.Close())

	// Refused: no new key, a weak one, the current one.
	for _, c := range []struct {
		args  []string
		stdin string
		err   string
	}{
		{nil, "", "give the new key with --new-key-stdin or --new-key"},
		{[]string{"--new-key", "hunter2"}, "", "--new-key: the key is 7 characters"},
		{[]string{"--new-key-stdin"}, "hunter2\n", "the new key on stdin: the key is 7 characters"},
		{[]string{"--new-key", base64.StdEncoding.EncodeToString(oldKey)}, "", "the new key is the current key"},
	} {
		code, _, errOut := runWithInput(c.stdin, append([]string{"key", "rotate", "--data", dir}, c.args...)...)
		require.Equal(t, cli.ExitBadUsage, code, "%v", c.args)
		require.Contains(t, errOut, c.err)
	}

	newKey := store.GenerateKey()
	code, out, errOut := runWithInput(newKey+"\n", "key", "rotate", "--data", dir, "--new-key-stdin")
	require.Equal(t, cli.ExitOK, code, errOut)
	require.Contains(t, out, "Re-sealed 4 secrets under the new key: 2 integrations' secrets, 1 channels' verify tokens, 1 OAuth tokens.")
	require.Contains(t, out, "The key file "+filepath.Join(dir, store.KeyFileName)+" holds the new key")

	// The service now runs with the new key: the key file holds it, and
	// every secret opens with it.
	got, err := store.LoadKey("", dir)
	require.NoError(t, err)
	want, err := store.ParseKey(newKey)
	require.NoError(t, err)
	require.Equal(t, want, got)
	check(t, openWith(t, dir, "", got))
	_, err = openWith(t, dir, "", oldKey).GetIntegration(ctx, "i1")
	require.ErrorIs(t, err, store.ErrWrongKey)

	// With the wrong current key nothing changes.
	t.Setenv("SWITCHBOARD_SECRET_KEY", store.GenerateKey())
	code, _, errOut = run("key", "rotate", "--data", dir, "--new-key", store.GenerateKey())
	require.Equal(t, cli.ExitFailed, code)
	require.Contains(t, errOut, "SWITCHBOARD_SECRET_KEY does not open every stored secret, so nothing was changed")
	check(t, openWith(t, dir, "", got))
}

// Data sealed under a passphrase, which earlier versions took, moves to a
// proper key; serve refuses the passphrase until then.
func TestKeyRotateFromAPassphrase(t *testing.T) {
	dir := t.TempDir()
	st := openWith(t, dir, "", []byte("hunter2"))
	check := storetest.SealedValues(t, st)
	require.NoError(t, st.Close())
	t.Setenv("SWITCHBOARD_SECRET_KEY", "hunter2")
	code, _, _ := run("token", "create", "--name", "x", "--data", dir)
	require.Equal(t, cli.ExitBadUsage, code, "a passphrase is no key")

	newKey := store.GenerateKey()
	t.Setenv("SWITCHBOARD_KEY_ROTATE_NEW_KEY", newKey) // the flag's variable
	code, out, errOut := run("key", "rotate", "--data", dir)
	require.Equal(t, cli.ExitOK, code, errOut)
	require.Contains(t, out, "Now set SWITCHBOARD_SECRET_KEY to the new key")
	_, err := os.Stat(filepath.Join(dir, store.KeyFileName))
	require.ErrorIs(t, err, os.ErrNotExist, "a key from the environment stays there")

	t.Setenv("SWITCHBOARD_SECRET_KEY", newKey)
	code, _, errOut = run("migrate", "--data", dir)
	require.Equal(t, cli.ExitOK, code, errOut)
	key, err := store.ParseKey(newKey)
	require.NoError(t, err)
	check(t, openWith(t, dir, "", key))
}

func TestKeyRotatePostgres(t *testing.T) {
	url := testpeers.PostgresSchema(t)
	oldText := store.GenerateKey()
	oldKey, err := store.ParseKey(oldText)
	require.NoError(t, err)
	st := openWith(t, "", url, oldKey)
	check := storetest.SealedValues(t, st)
	require.NoError(t, st.Close())

	t.Setenv("SWITCHBOARD_SECRET_KEY", "")
	code, _, errOut := run("key", "rotate", "--database", url, "--new-key", store.GenerateKey())
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "--database needs SWITCHBOARD_SECRET_KEY")

	t.Setenv("SWITCHBOARD_SECRET_KEY", store.GenerateKey())
	code, _, errOut = run("key", "rotate", "--database", url, "--new-key", store.GenerateKey())
	require.Equal(t, cli.ExitFailed, code, "a wrong current key")
	require.Contains(t, errOut, "nothing was changed")
	check(t, openWith(t, "", url, oldKey))

	t.Setenv("SWITCHBOARD_SECRET_KEY", oldText)
	newText := store.GenerateKey()
	code, out, errOut := runWithInput(newText, "key", "rotate", "--database", url, "--new-key-stdin")
	require.Equal(t, cli.ExitOK, code, errOut)
	require.Contains(t, out, "Re-sealed 4 secrets")
	newKey, err := store.ParseKey(newText)
	require.NoError(t, err)
	check(t, openWith(t, "", url, newKey))
}

// openWith opens the data of a directory or a PostgreSQL URL with key.
func openWith(t *testing.T, dir, url string, key []byte) store.Store {
	t.Helper()
	sl, err := store.NewSealer(key)
	require.NoError(t, err)
	var st store.Store
	if url != "" {
		st, err = store.OpenPostgres(context.Background(), url, sl)
	} else {
		st, err = store.OpenSQLite(context.Background(), dir, sl)
	}
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}
