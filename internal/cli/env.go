package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every flag of every command can be set from the environment, the one
// way described here, so that a container or a unit file configures
// Switchboard without a command line:
//
//   - bindEnv, run once on the finished command tree, gives each flag its
//     variable (kept in the flag's annotations) and names it in the
//     flag's help;
//   - the root's PersistentPreRunE (applyEnv), run after the command line
//     is parsed, sets each flag the command line did not give from its
//     variable. A flag on the command line wins; an empty variable counts
//     as unset.
//
// Flags that configure the service or say where its data is (serve's, and
// --data, --database, --init) have short names, the same for every command
// that has them: SWITCHBOARD_ADDR, SWITCHBOARD_DATA. Every other command's
// flags are named with the command's path, SWITCHBOARD_TOKEN_CREATE_ROLE,
// since the same flag name means different things in different commands
// (--timeout, --json, --name).

// envAnnotation holds a flag's variable.
const envAnnotation = "switchboard_env"

// sharedEnvAnnotation marks a flag whose variable has the short name.
const sharedEnvAnnotation = "switchboard_env_shared"

// envPrefix begins every variable.
const envPrefix = "SWITCHBOARD_"

// shareEnv gives the named flags of fs (all of them when none are named)
// the short variable name, SWITCHBOARD_<FLAG>.
func shareEnv(fs *pflag.FlagSet, names ...string) {
	mark := func(f *pflag.Flag) {
		_ = fs.SetAnnotation(f.Name, sharedEnvAnnotation, []string{"true"}) // the flag exists
	}
	if len(names) == 0 {
		fs.VisitAll(mark)
		return
	}
	for _, n := range names {
		if f := fs.Lookup(n); f != nil {
			mark(f)
		}
	}
}

// bindEnv gives every flag of root's tree its variable and has root apply
// them before any command runs. It returns root.
func bindEnv(root *cobra.Command) *cobra.Command {
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{cmd.Flags(), cmd.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if _, done := f.Annotations[envAnnotation]; done {
					return
				}
				name := envName(cmd, f)
				_ = fs.SetAnnotation(f.Name, envAnnotation, []string{name}) // the flag exists
				f.Usage += " (env " + name + ")"
			})
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return applyEnv(cmd, os.LookupEnv)
	}
	return root
}

// envName is the variable of cmd's flag f.
func envName(cmd *cobra.Command, f *pflag.Flag) string {
	name := f.Name
	if _, shared := f.Annotations[sharedEnvAnnotation]; !shared {
		// "switchboard template run" → TEMPLATE_RUN_
		if path := strings.Fields(cmd.CommandPath()); len(path) > 1 {
			name = strings.Join(path[1:], "_") + "_" + name
		}
	}
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// flagEnv is the variable bindEnv gave f; "" for flags it did not see
// (cobra's own: --help, the completion commands').
func flagEnv(f *pflag.Flag) string {
	if v := f.Annotations[envAnnotation]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// applyEnv sets the flags of cmd that the command line did not give from
// their variables, looked up with lookup (os.LookupEnv).
func applyEnv(cmd *cobra.Command, lookup func(string) (string, bool)) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		name := flagEnv(f)
		if err != nil || f.Changed || name == "" {
			return
		}
		v, ok := lookup(name)
		if !ok || v == "" {
			return
		}
		if serr := cmd.Flags().Set(f.Name, v); serr != nil {
			// The value is not repeated: it may be a secret.
			err = usageErr("%s is not a valid --%s (%s): %v", name, f.Name, f.Value.Type(), unquoteSetError(serr))
		}
	})
	return err
}

// unquoteSetError is pflag's error without the value it quotes, which
// may be a secret: `invalid argument "x" for "--n" flag: why` → why.
func unquoteSetError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return "invalid value"
}
