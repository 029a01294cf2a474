package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatecheck"
	"github.com/switchboard/switchboard/templates"
)

func newCheck() *cobra.Command {
	var (
		specs, fields, vars, scenarios, ignore []string
		asJSON                                 bool
	)
	cmd := &cobra.Command{
		Use:   "check FILE --openapi SPEC...",
		Short: "Check a template's requests and outputs against the vendor's OpenAPI documents; exit 1 on any error",
		Long: `check runs every scenario of the template that sends requests against a
stand-in for the vendor that answers from its OpenAPI documents, with sample
values for every variable (an E.164 number, ids from earlier answers, names and
subjects with quotes). It reports, at the template's line and column, each
request the contract refuses (method and path, query, headers, content type,
body schema), each body property the contract does not declare (a warning),
and each output whose path the operation's 2xx answer cannot have. Nothing is
sent anywhere.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("template check needs one template file")
			}
			if len(specs) == 0 {
				return usageErr("template check needs at least one --openapi document")
			}
			file := args[0]
			tmpl, err := loadTemplate(cmd, file, engine.Options{})
			if err != nil {
				return err
			}
			var contracts []*templatecheck.Contract
			for _, spec := range specs {
				raw, err := os.ReadFile(spec)
				if err != nil {
					return usageErr("reading %s: %w", spec, err)
				}
				c, err := templatecheck.LoadContract(spec, raw)
				if err != nil {
					return usageErr("%v", err)
				}
				contracts = append(contracts, c)
			}
			opts := templatecheck.Options{Scenarios: scenarios, IgnoreHeaders: ignore}
			if opts.Fields, err = pairs("--field", fields); err != nil {
				return err
			}
			if opts.Vars, err = pairs("--var", vars); err != nil {
				return err
			}
			found := templatecheck.Check(cmd.Context(), filepath.Clean(file), tmpl, contracts, opts)
			if found == nil {
				found = templates.Problems{}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(validateReport{File: file, Valid: !found.HasErrors(), Problems: found}); err != nil {
					return err
				}
			} else {
				for _, p := range found {
					fmt.Fprintln(out, p.String())
				}
				fmt.Fprintln(out, summary(file, found))
			}
			if found.HasErrors() {
				return &exitError{code: ExitFailed}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&specs, "openapi", nil, "the vendor's OpenAPI 3 document, YAML or JSON (repeatable: a request may match any)")
	fl.StringArrayVar(&fields, "field", nil, "custom field value name=value instead of the sample (repeatable)")
	fl.StringArrayVar(&vars, "var", nil, "call or scenario variable name=value instead of the sample (repeatable)")
	fl.StringArrayVar(&scenarios, "scenario", nil, "check only this scenario (repeatable)")
	fl.StringArrayVar(&ignore, "ignore-header", nil, "a header the document requires that the template need not send, e.g. User-Agent (repeatable)")
	fl.BoolVar(&asJSON, "json", false, "print {file, valid, problems} as JSON")
	return cmd
}
