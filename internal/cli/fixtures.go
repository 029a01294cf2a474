package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatetest"
)

// recordFixture saves a run as a fixture: to the file f.record names, or
// to SCENARIO.json in that directory.
func recordFixture(cmd *cobra.Command, f runFlags, fx *templatetest.Fixture) error {
	path := f.record
	if !strings.HasSuffix(path, ".json") {
		path = filepath.Join(path, f.scenario+".json")
	}
	if err := templatetest.Write(path, fx); err != nil {
		return usageErr("recording the fixture: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "recorded to %s (secrets masked); replay it with 'switchboard template test'\n", path)
	return nil
}

func newTemplateTest() *cobra.Command {
	var (
		dir    string
		update bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "test FILE [--fixtures DIR]",
		Short: "Replay the template's recorded fixtures and check it still sends the same requests and reads the same results",
		Long: `test replays each fixture (a run saved by 'template run --record') against
a local server that gives the recorded answers in order, and checks that the
template sends the same requests (method, URL, query, the headers the fixture
holds, body as JSON or form fields) and reads the same rows, variables and
errors. A difference is shown as a unified diff, recorded (-) against now (+).
Fixtures are plain JSON: drop a header from one to stop checking it.
--update rewrites each fixture's requests and results from the template as it
is now, keeping the recorded answers. Exit status 0 when every fixture passes,
1 when one does not, 2 for bad usage, an invalid template or no fixtures.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("template test needs one template file")
			}
			return testTemplate(cmd, args[0], dir, update, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "fixtures", "", "directory of the fixtures (default: NAME.tests beside the template)")
	fl.BoolVar(&update, "update", false, "rewrite the fixtures' requests and results from the template as it is now")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object per fixture")
	return cmd
}

type fixtureOutcome struct {
	Fixture string `json:"fixture"`
	*templatetest.Result
	Error string `json:"error,omitempty"`
}

func testTemplate(cmd *cobra.Command, file, dir string, update, asJSON bool) error {
	if _, err := loadTemplate(cmd, file, engine.Options{}); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return usageErr("reading %s: %w", file, err)
	}
	if dir == "" {
		dir = templatetest.DefaultDir(file)
	}
	files, err := templatetest.List(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErr("no fixtures: %s does not exist; record one with 'switchboard template run %s --scenario ID --record %s'", dir, file, dir)
	case err != nil:
		return usageErr("reading %s: %w", dir, err)
	case len(files) == 0:
		return usageErr("no fixtures in %s; record one with 'switchboard template run %s --scenario ID --record %s'", dir, file, dir)
	}
	out := cmd.OutOrStdout()
	failed := 0
	for _, path := range files {
		o := fixtureOutcome{Fixture: path}
		fx, err := templatetest.Read(path)
		if err == nil {
			o.Result, err = templatetest.Replay(cmd.Context(), file, data, fx)
		}
		switch {
		case err != nil:
			o.Error = err.Error()
			failed++
		case !o.Passed && update:
			if err := templatetest.Write(path, o.Now); err != nil {
				return usageErr("updating %s: %w", path, err)
			}
		case !o.Passed:
			failed++
		}
		if asJSON {
			if err := writeJSON(out, o); err != nil {
				return err
			}
			continue
		}
		printFixtureOutcome(out, o, update)
	}
	if !asJSON {
		fmt.Fprintf(out, "%d fixture(s), %d failed\n", len(files), failed)
	}
	if failed > 0 {
		return &exitError{code: ExitFailed}
	}
	return nil
}

func printFixtureOutcome(w io.Writer, o fixtureOutcome, update bool) {
	switch {
	case o.Error != "":
		fmt.Fprintf(w, "FAIL %s: %s\n", o.Fixture, o.Error)
		return
	case o.Passed:
		fmt.Fprintf(w, "ok   %s\n", o.Fixture)
	case update:
		fmt.Fprintf(w, "updated %s\n%s", o.Fixture, o.Diff)
	default:
		fmt.Fprintf(w, "FAIL %s: the template now sends or reads something else\n%s", o.Fixture, o.Diff)
	}
	for _, n := range o.Notes {
		fmt.Fprintf(w, "     note: %s\n", n)
	}
}
