package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/store"
)

func runWithInput(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.MainWithInput(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// openData opens the store of a data directory as the commands do.
func openData(t *testing.T, dir string) store.Store {
	t.Helper()
	key, err := store.LoadKey("", dir)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(context.Background(), dir, sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestUserCreate(t *testing.T) {
	t.Setenv("SWITCHBOARD_SECRET_KEY", "")
	dir := t.TempDir()
	const password = "a long enough password"

	code, out, errOut := runWithInput(password+"\n", "user", "create", "--data", dir, "--init", "--role", "admin", "--name", "Root", "--email", "root@acme.test", "--password-stdin")
	require.Equal(t, cli.ExitOK, code, errOut)
	require.Regexp(t, `^created user usr_[0-9a-f]+ \(Root, admin\)\n$`, out)

	st := openData(t, dir)
	svc, err := accounts.New(accounts.Config{Store: st})
	require.NoError(t, err)
	s, err := svc.SignIn(context.Background(), "root@acme.test", password, "test")
	require.NoError(t, err, "the password is stdin without its line ending")
	require.Equal(t, "admin", s.User.Role)
	require.NoError(t, st.PutExtension(context.Background(), store.Extension{Number: "1001"}))

	code, out, _ = runWithInput(password, "user", "create", "--data", dir, "--role", "agent", "--name", "Dana", "--extension", "1001", "--password-stdin")
	require.Equal(t, cli.ExitOK, code)
	require.Contains(t, out, "(Dana, agent)")

	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		err   string
	}{
		{password, []string{"--role", "admin", "--name", "Eli"}, cli.ExitBadUsage, "add --password-stdin"},
		{"", []string{"--role", "admin", "--name", "Eli", "--password-stdin"}, cli.ExitBadUsage, "stdin is empty"},
		{"short\n", []string{"--role", "admin", "--name", "Eli", "--password-stdin"}, cli.ExitBadUsage,
			"--password: the password is too short: it needs at least 10 characters (it has 5)"},
		{password, []string{"--role", "agent", "--name", "Eli", "--extension", "2002", "--password-stdin"}, cli.ExitBadUsage,
			"--extension: extension 2002 does not exist"},
		{password, []string{"--role", "boss", "--name", "Eli", "--password-stdin"}, cli.ExitBadUsage, `--role: role "boss" is not one of admin, agent`},
		{password, []string{"--role", "admin", "--name", "dana", "--password-stdin"}, cli.ExitFailed, `a user named "dana"`},
	} {
		code, _, errOut := runWithInput(c.stdin, append([]string{"user", "create", "--data", dir}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.err)
	}
	list, err := svc.ListUsers(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 2)
}
