package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

type validateReport struct {
	File     string             `json:"file"`
	Valid    bool               `json:"valid"`
	Problems templates.Problems `json:"problems"`
}

func newValidate() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Report every error and warning in templates; exit 1 on any error",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("template validate needs at least one template file")
			}
			out := cmd.OutOrStdout()
			failed := false
			var reports []validateReport
			for _, file := range args {
				data, err := os.ReadFile(file)
				if err != nil {
					return usageErr("reading %s: %w", file, err)
				}
				_, problems := engine.Load(filepath.Clean(file), data, engine.Options{})
				if problems == nil {
					problems = templates.Problems{}
				}
				failed = failed || problems.HasErrors()
				if asJSON {
					reports = append(reports, validateReport{File: file, Valid: !problems.HasErrors(), Problems: problems})
					continue
				}
				for _, p := range problems {
					fmt.Fprintln(out, p.String())
				}
				fmt.Fprintln(out, summary(file, problems))
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(reports); err != nil {
					return err
				}
			}
			if failed {
				return &exitError{code: ExitFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {file, valid, problems}")
	return cmd
}

func summary(file string, ps templates.Problems) string {
	e, w := len(ps.Errors()), len(ps.Warnings())
	switch {
	case e == 0 && w == 0:
		return fmt.Sprintf("%s: ok", file)
	case e == 0:
		return fmt.Sprintf("%s: ok, %s", file, plural(w, "warning"))
	default:
		return fmt.Sprintf("%s: invalid, %s, %s", file, plural(e, "error"), plural(w, "warning"))
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// loadTemplate reads and compiles a template for a command that runs it:
// a template with errors prints them and is a usage error (exit 2).
func loadTemplate(cmd *cobra.Command, file string, opts engine.Options) (*engine.Template, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usageErr("reading %s: %w", file, err)
	}
	tmpl, problems := engine.Load(filepath.Clean(file), data, opts)
	if problems.HasErrors() {
		for _, p := range problems.Errors() {
			fmt.Fprintln(cmd.ErrOrStderr(), p.String())
		}
		return nil, usageErr("%s is not a valid template; run 'switchboard template validate %s'", file, file)
	}
	return tmpl, nil
}
