package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templatetest"
)

type runFlags struct {
	scenario     string
	requests     []string
	fields       []string
	vars         []string
	token        string
	asJSON       bool
	timezone     string
	timeout      time.Duration
	noGlobalInfo bool
	tokenFile    string
	// Channel templates: a webhook to read, as the provider sent it.
	webhook    string
	headers    []string
	webhookURL string
	// record is where the run is saved as a template test fixture.
	record string
}

func newRun() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE --scenario ID",
		Short: "Run one scenario against the real remote API and print rows, variables and the trace",
		Long: `Run one scenario of a template against the remote API exactly as the service
would: same engine, same authentication, same limits. Exit status 0 on
success, 1 when the scenario failed (the result is still printed), 2 for bad
usage or an invalid template.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("template run needs exactly one template file")
			}
			return runScenario(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", "", "scenario Id to run, e.g. SyncContactAuto (required)")
	fl.StringArrayVar(&f.requests, "request", nil, "run only this request of the scenario (repeatable); CreateNewTicket runs UpdateTicket only when asked for")
	fl.StringArrayVar(&f.fields, "field", nil, "custom field value name=value (repeatable)")
	fl.StringArrayVar(&f.vars, "var", nil, "call or scenario variable name=value (repeatable)")
	fl.StringVar(&f.token, "token", "", "access token for oauth2 and bearertoken templates")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object: scenario, rows, vars, trace, error")
	fl.StringVar(&f.timezone, "timezone", "", "PBX time zone for TimeFormat, e.g. Asia/Shanghai (default: local)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit for each attempt of a request")
	fl.BoolVar(&f.noGlobalInfo, "no-global-info", false, "do not run GetGlobalInfo first")
	fl.StringVar(&f.tokenFile, "token-file", auth.DefaultTokenFile(), "where oauth2 tokens from 'template authorize' are kept and renewed")
	fl.StringVar(&f.webhook, "webhook", "", "channel templates, ReceiveMessage/DeliveryReport: a file with a webhook body as the provider sent it (- for standard input)")
	fl.StringArrayVar(&f.headers, "header", nil, "a header of that webhook, 'Name: value', to check its signature (repeatable)")
	fl.StringVar(&f.webhookURL, "url", "", "the webhook URL as configured at the provider (signatures over the URL, e.g. Twilio's)")
	fl.StringVar(&f.record, "record", "", "save the run as a fixture for 'template test': a directory (the file is SCENARIO.json) or a .json file; secrets are masked; runs in UTC unless --timezone is given")
	return cmd
}

func runScenario(cmd *cobra.Command, file string, f runFlags) error {
	if f.scenario == "" {
		return usageErr("--scenario is required")
	}
	opts := engine.Options{}
	if f.record != "" {
		// A fixture is replayed in UTC unless it names a zone.
		opts.Location = time.UTC
	}
	if f.timezone != "" {
		loc, err := time.LoadLocation(f.timezone)
		if err != nil {
			return usageErr("--timezone %q: %w", f.timezone, err)
		}
		opts.Location = loc
	}
	tmpl, err := loadTemplate(cmd, file, opts)
	if err != nil {
		return err
	}
	fields, err := pairs("--field", f.fields)
	if err != nil {
		return err
	}
	vars, err := pairs("--var", f.vars)
	if err != nil {
		return err
	}
	if templaterun.ReadsWebhook(tmpl, f.scenario) {
		return readWebhook(cmd, tmpl, f, fields, vars)
	}
	if f.webhook != "" {
		return usageErr("--webhook is for the ReceiveMessage and DeliveryReport scenarios of channel templates")
	}
	in := templaterun.Input{Scenario: f.scenario, Requests: f.requests, Fields: fields, Vars: vars, Token: f.token, NoGlobalInfo: f.noGlobalInfo}
	if err := templaterun.Check(tmpl, in); err != nil {
		return runInputErr(err)
	}
	if f.record != "" {
		// What the run would draw at random (a challenge) is drawn here,
		// so the fixture holds it and its replay sends the same.
		in = templatetest.Pin(tmpl, in)
	}
	// Only oauth2 tokens are kept between runs: they come from a browser
	// authorization. A bearer token is fetched again by each run.
	env := templaterun.Env{Client: engine.ClientConfig{Timeout: f.timeout}}
	if tmpl.Source.AuthType == "oauth2" && f.token == "" {
		store := &auth.FileStore{Path: f.tokenFile}
		tok, err := store.Load(cmd.Context(), tmpl.Source.Key)
		if err != nil {
			return usageErr("%w", err)
		}
		if tok == nil {
			return usageErr("oauth2: no token for %q in %s; run 'switchboard template authorize %s' first, or pass one with --token", tmpl.Source.Key, f.tokenFile, file)
		}
		env.Auth.Store = store
	}
	res, err := templaterun.Run(cmd.Context(), tmpl, in, env)
	if err != nil {
		return runInputErr(err)
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		if err := writeJSON(out, res); err != nil {
			return err
		}
	} else {
		printResult(out, res.Result, res.Rows)
		printChannel(out, res.ChannelOutcome)
	}
	if f.record != "" {
		if err := recordFixture(cmd, f, templatetest.FromRun(tmpl, in, f.timezone, res)); err != nil {
			return err
		}
	}
	if res.Failed() {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// runInputErr is a run that could not start: bad usage. Field errors name
// the flag.
func runInputErr(err error) error {
	if strings.HasPrefix(err.Error(), "field ") {
		return usageErr("--%w", err)
	}
	return usageErr("%w", err)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// pairs parses name=value flags.
func pairs(flag string, in []string) (engine.Vars, error) {
	out := engine.Vars{}
	for _, kv := range in {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErr("%s %q: expected name=value", flag, kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

func printResult(w io.Writer, res *engine.Result, rows []templaterun.Row) {
	status := "ok"
	if res.Err != nil {
		status = "failed"
	}
	fmt.Fprintf(w, "scenario %s: %s\n", res.Scenario, status)
	if len(rows) > 0 {
		fmt.Fprintln(w, "rows:")
		for i, r := range rows {
			fmt.Fprintf(w, "  %d. %s: %s\n", i+1, r.Request, sortedPairs(r.Values))
			if r.ContactURL != "" {
				fmt.Fprintf(w, "     contact URL: %s\n", r.ContactURL)
			}
		}
	}
	if len(res.Vars) > 0 {
		fmt.Fprintf(w, "vars: %s\n", sortedPairs(res.Vars))
	}
	if len(res.Trace) > 0 {
		fmt.Fprintln(w, "trace:")
		for i, e := range res.Trace {
			switch {
			case e.Skipped:
				fmt.Fprintf(w, "  %d. %s %s: skipped (%s)\n", i+1, e.Request, e.Method, e.SkipReason)
			case e.Error != "" && e.Status == 0:
				fmt.Fprintf(w, "  %d. %s %s %s: %s\n", i+1, e.Request, e.Method, e.URL, e.Error)
			default:
				fmt.Fprintf(w, "  %d. %s %s %s → %d (%d ms, %d attempt(s))\n", i+1, e.Request, e.Method, e.URL, e.Status, e.DurationMs, e.Attempts)
			}
		}
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if res.Err != nil {
		fmt.Fprintf(w, "error: %s\n", res.Error)
	}
}

func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}
