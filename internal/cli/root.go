// Package cli is the switchboard command line: flags, output and exit
// codes. It composes the engine, auth and scenarios packages exactly as the
// service does and adds nothing of its own to how templates run: it must
// not hold rules the service would then lack.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

// Exit codes (DESIGN §8).
const (
	ExitOK       = 0 // success
	ExitFailed   = 1 // validation found errors, or the scenario failed
	ExitBadUsage = 2 // bad flags, unreadable files, or an invalid template for run
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitBadUsage, err: fmt.Errorf(format, args...)}
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return MainWithInput(args, os.Stdin, stdout, stderr)
}

// MainWithInput is Main reading stdin from stdin (a password given with
// --password-stdin).
func MainWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRoot(stdout, stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "switchboard:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown commands and flags.
	fmt.Fprintln(stderr, "switchboard:", err)
	return ExitBadUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "Switchboard connects a phone system to helpdesks, CRMs and messaging providers through integration templates",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	tmpl := &cobra.Command{
		Use:   "template",
		Short: "Check and try integration templates",
	}
	tmpl.AddCommand(newValidate(), newCheck(), newRun(), newTemplateTest(), newAuthorize(), newStarter())
	root.AddCommand(tmpl, newServe(), newMigrate(), newToken(), newUser())
	root.AddCommand(newBackup(), newRestore())
	root.AddCommand(newKey())
	root.AddCommand(newVersion(), newHealth())
	return bindEnv(root)
}
