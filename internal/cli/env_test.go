package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's table of flags from the commands")

// commandFlag is one flag of one command of the tree.
type commandFlag struct {
	cmd  *cobra.Command
	flag *pflag.Flag
}

// allFlags are the flags of every command of root's tree, in the order
// of the commands' paths and the flags' names.
func allFlags(root *cobra.Command) []commandFlag {
	var out []commandFlag
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" {
				out = append(out, commandFlag{cmd, f})
			}
		})
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	sort.SliceStable(out, func(i, j int) bool { return out[i].cmd.CommandPath() < out[j].cmd.CommandPath() })
	return out
}

// findCommand is the command of a fresh tree at path ("switchboard token
// create").
func findCommand(t *testing.T, path string) *cobra.Command {
	t.Helper()
	root := newRoot(io.Discard, io.Discard)
	cmd, _, err := root.Find(strings.Fields(path)[1:])
	require.NoError(t, err)
	require.Equal(t, path, cmd.CommandPath())
	return cmd
}

// samples are a value a variable gives and another the command line
// gives, by the flag's type. A new type of flag must be added here.
var samples = map[string][2]string{
	"string":      {"from-env", "from-flag"},
	"bool":        {"true", "false"},
	"int":         {"7", "9"},
	"duration":    {"7s", "9s"},
	"stringArray": {"from-env", "from-flag"},
}

// Every flag of every command has a SWITCHBOARD_ variable, named in its
// help; setting it sets the flag, unless the command line gives the flag.
func TestEveryFlagHasAVariable(t *testing.T) {
	t.Parallel()
	root := newRoot(io.Discard, io.Discard)
	reserved := map[string]bool{"SWITCHBOARD_SECRET_KEY": true, "SWITCHBOARD_ADMIN_TOKEN": true, "SWITCHBOARD_TEST_POSTGRES_URL": true}
	owner := map[string]string{} // variable → flag name
	flags := allFlags(root)
	require.NotEmpty(t, flags)
	for _, cf := range flags {
		path, f := cf.cmd.CommandPath(), cf.flag
		name := flagEnv(f)
		require.True(t, strings.HasPrefix(name, envPrefix), "%s --%s has no variable", path, f.Name)
		require.Contains(t, f.Usage, "(env "+name+")", "%s --%s: the help names the variable", path, f.Name)
		require.False(t, reserved[name], "%s --%s: %s is already the name of another setting", path, f.Name, name)
		if other, ok := owner[name]; ok {
			_, shared := f.Annotations[sharedEnvAnnotation]
			require.True(t, shared && other == f.Name, "%s --%s: %s is another flag's variable (--%s)", path, f.Name, name, other)
		}
		owner[name] = f.Name

		s, ok := samples[f.Value.Type()]
		require.True(t, ok, "%s --%s: add a sample of a %s to samples", path, f.Name, f.Value.Type())
		lookup := func(k string) (string, bool) {
			if k == name {
				return s[0], true
			}
			return "", false
		}
		// The variable sets the flag as the command line would.
		cmd := findCommand(t, path)
		require.NoError(t, cmd.ParseFlags(nil))
		require.NoError(t, applyEnv(cmd, lookup))
		want := findCommand(t, path)
		require.NoError(t, want.ParseFlags([]string{"--" + f.Name + "=" + s[0]}))
		require.Equal(t, want.Flags().Lookup(f.Name).Value.String(), cmd.Flags().Lookup(f.Name).Value.String(), "%s: %s sets --%s", path, name, f.Name)
		require.NotEqual(t, f.DefValue, cmd.Flags().Lookup(f.Name).Value.String(), "%s: %s changes --%s", path, name, f.Name)
		// The command line wins.
		cmd = findCommand(t, path)
		require.NoError(t, cmd.ParseFlags([]string{"--" + f.Name + "=" + s[1]}))
		require.NoError(t, applyEnv(cmd, lookup))
		want = findCommand(t, path)
		require.NoError(t, want.ParseFlags([]string{"--" + f.Name + "=" + s[1]}))
		require.Equal(t, want.Flags().Lookup(f.Name).Value.String(), cmd.Flags().Lookup(f.Name).Value.String(), "%s: --%s wins over %s", path, f.Name, name)
	}
	require.Equal(t, "SWITCHBOARD_ADDR", flagEnv(findCommand(t, "switchboard serve").Flags().Lookup("addr")))
	require.Equal(t, "SWITCHBOARD_DATA", flagEnv(findCommand(t, "switchboard token create").Flags().Lookup("data")))
	require.Equal(t, "SWITCHBOARD_TOKEN_CREATE_ROLE", flagEnv(findCommand(t, "switchboard token create").Flags().Lookup("role")))

	// Only the root's hook applies the variables: a command with a
	// PersistentPreRun of its own would shadow it.
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd != root {
			require.True(t, cmd.PersistentPreRun == nil && cmd.PersistentPreRunE == nil, "%s has a PersistentPreRun: the variables would not apply", cmd.CommandPath())
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
}

// A value a flag cannot take is refused, naming the variable and not
// repeating the value.
func TestVariableWithABadValue(t *testing.T) {
	t.Parallel()
	cmd := findCommand(t, "switchboard serve")
	require.NoError(t, cmd.ParseFlags(nil))
	err := applyEnv(cmd, func(k string) (string, bool) { return "secretish", k == "SWITCHBOARD_JOB_WORKERS" })
	require.ErrorContains(t, err, "SWITCHBOARD_JOB_WORKERS is not a valid --job-workers (int)")
	require.NotContains(t, err.Error(), "secretish")
	// An empty variable is unset.
	cmd = findCommand(t, "switchboard serve")
	require.NoError(t, cmd.ParseFlags(nil))
	require.NoError(t, applyEnv(cmd, func(k string) (string, bool) { return "", true }))
	require.Equal(t, DefaultAddr, cmd.Flags().Lookup("addr").Value.String())
}

func TestServeListensOnLoopbackByDefault(t *testing.T) {
	t.Parallel()
	f := findCommand(t, "switchboard serve").Flags().Lookup("addr")
	require.Equal(t, "127.0.0.1:8080", f.DefValue)
	require.Contains(t, f.Usage, "this machine only")
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "this machine only",
		"[::1]:8080":     "this machine only",
		"[::]:8080":      "every interface",
		"0.0.0.0:8080":   "every interface",
		"10.0.0.7:8080":  "this address only",
	} {
		require.Contains(t, reachOf(fakeAddr(addr)), want, addr)
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

const (
	docPath  = "../../docs/configuration.md"
	docBegin = "<!-- flags: generated by TestConfigurationDoc (go test ./internal/cli -run TestConfigurationDoc -update); do not edit -->"
	docEnd   = "<!-- end of flags -->"
)

// docs/configuration.md lists every flag of every command with its
// variable and default: this test fails when it lacks one, and -update
// rewrites the list.
func TestConfigurationDoc(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(docPath)
	require.NoError(t, err)
	doc := string(data)
	begin, end := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	require.True(t, begin >= 0 && end > begin, "docs/configuration.md has lost its markers:\n%s\n%s", docBegin, docEnd)
	want := doc[:begin+len(docBegin)] + "\n" + renderFlags(newRoot(io.Discard, io.Discard)) + doc[end:]
	if *update {
		require.NoError(t, os.WriteFile(docPath, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, doc, "docs/configuration.md is not the commands' flags: go test ./internal/cli -run TestConfigurationDoc -update")
}

// renderFlags is a section per command with flags: each flag, its
// variable, its default and its help.
func renderFlags(root *cobra.Command) string {
	var b strings.Builder
	var last *cobra.Command
	for _, cf := range allFlags(root) {
		if cf.cmd != last {
			last = cf.cmd
			fmt.Fprintf(&b, "\n### `%s`\n\n%s.\n\n", cf.cmd.CommandPath(), strings.TrimSuffix(cf.cmd.Short, "."))
			b.WriteString("| Flag | Variable | Default | Meaning |\n|---|---|---|---|\n")
		}
		f := cf.flag
		name := flagEnv(f)
		usage := strings.TrimSuffix(f.Usage, " (env "+name+")")
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", f.Name, name, docDefault(f), mdEscape.Replace(usage))
	}
	b.WriteString("\n")
	return b.String()
}

// mdEscape keeps help text text in a Markdown table: <addr> is not a tag.
var mdEscape = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;")

// docDefault is a flag's default as the table shows it: the same on every
// machine.
func docDefault(f *pflag.Flag) string {
	switch {
	case f.DefValue == auth.DefaultTokenFile():
		return "the user's config directory, `switchboard/tokens.json` in it"
	case f.DefValue == "" || f.DefValue == "[]":
		return "—"
	case f.Value.Type() == "bool" && f.DefValue == "false":
		return "off"
	}
	return "`" + f.DefValue + "`"
}
