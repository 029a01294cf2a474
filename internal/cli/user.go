package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/accounts"
)

// maxPasswordInput bounds what --password-stdin reads.
const maxPasswordInput = 64 << 10

func newUser() *cobra.Command {
	var sf storeFlags
	var in accounts.NewUser
	var passwordStdin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Add a person who signs in to the web console, directly in the database",
		Long: `Add a person who signs in to the web console. The password is read from
stdin (--password-stdin), never from a flag, which ps and shell history
would show: e.g.

  printf '%s' "$PASSWORD" | switchboard user create --role admin --name dana --password-stdin`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !passwordStdin {
				return usageErr("the password is read from stdin: add --password-stdin and pipe it in (a flag would show in ps and shell history)")
			}
			password, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			in.Password = password
			st, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			svc, err := accounts.New(accounts.Config{Store: st})
			if err != nil {
				return err
			}
			u, err := svc.CreateUser(cmd.Context(), in)
			var invalid *accounts.InvalidError
			switch {
			case errors.As(err, &invalid):
				return usageErr("--%s: %s", invalid.Field, invalid.Message)
			case err != nil:
				return &exitError{code: ExitFailed, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %s (%s, %s)\n", u.ID, u.Name, u.Role)
			return nil
		},
	}
	sf.register(create)
	create.Flags().StringVar(&in.Role, "role", "", "admin or agent")
	create.Flags().StringVar(&in.Name, "name", "", "the name they sign in with")
	create.Flags().StringVar(&in.Email, "email", "", "their e-mail, which they may sign in with too")
	create.Flags().StringVar(&in.Extension, "extension", "", "an agent's extension (it must exist)")
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
	cmd := &cobra.Command{Use: "user", Short: "Manage the people who sign in to the web console"}
	cmd.AddCommand(create)
	return cmd
}

// readPassword reads a password from stdin, without the line ending
// echo or a terminal adds.
func readPassword(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPasswordInput+1))
	if err != nil {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	if len(data) > maxPasswordInput {
		return "", usageErr("stdin holds more than %d bytes: give just the password", maxPasswordInput)
	}
	password := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if password == "" {
		return "", usageErr("stdin is empty: pipe the password in")
	}
	return password, nil
}
