// Package templaterun runs one scenario of a template the way the service
// would, for the people writing templates: `switchboard template run` and
// the console's template workbench share it, so both show the same rows,
// variables, masked exchanges and errors. It fills in what the service
// gives a scenario (field defaults, GetGlobalInfo's outputs, a channel's
// challenge), runs contact lookups as the screen pop does, and reads a
// channel scenario's outcome.
//
// It must not read files or flags, serve HTTP, store anything, or choose
// how remote APIs are reached: the caller gives the outbound client
// (transport, timeouts) and where tokens are kept.
package templaterun

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/templates"
)

// InputError is a run that cannot start: an unknown scenario, request or
// field, missing credentials. Nothing was sent.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// Input is what to run.
type Input struct {
	// Scenario is the scenario Id, e.g. SyncContactAuto. Required.
	Scenario string
	// Requests, when set, are the only requests of the scenario run.
	Requests []string
	// Fields are custom field values; a field left empty takes its
	// default.
	Fields engine.Vars
	// Vars are the call or scenario variables, e.g. Phone.
	Vars engine.Vars
	// Token is an access token for oauth2 and bearertoken templates.
	Token string
	// NoGlobalInfo skips GetGlobalInfo, which otherwise runs first.
	NoGlobalInfo bool
}

// Env is how the run reaches the remote API.
type Env struct {
	// Client is the outbound client's configuration: Transport, Timeout,
	// Retry. Auth, Vars and Secrets are set by Run.
	Client engine.ClientConfig
	// Auth is where tokens are kept and fetched (Store, HTTPClient). Token
	// is set by Run. Default store: in memory, for this run only; an
	// oauth2 template then needs Input.Token.
	Auth auth.Options
}

// Row is a row of the result: the engine's row and, for a contact lookup,
// the contact's pop-up URL as the service computes it (ContactUrlType on
// SyncContactAuto).
type Row struct {
	Request    string            `json:"request"`
	Values     map[string]string `json:"values"`
	ContactURL string            `json:"contactUrl,omitempty"`
}

// ChannelOutcome is what a channel scenario's run means beyond its rows:
// the channel status VerifyChannel reads, or why SendMessage failed.
type ChannelOutcome struct {
	ChannelStatus string `json:"channelStatus,omitempty"`
	StatusReason  string `json:"statusReason,omitempty"`
	SendFailure   string `json:"sendFailure,omitempty"`
	FailureKind   string `json:"failureKind,omitempty"`
}

// Outcome is a run's result. Its JSON is the engine's result (scenario,
// vars, trace, warnings, error) with Rows in place of the engine's rows,
// and the channel outcome's fields.
type Outcome struct {
	*engine.Result
	// Rows shadows the result's own: the same rows, with contactUrl.
	Rows []Row `json:"rows"`
	*ChannelOutcome
}

// Failed reports whether the scenario failed: an error, a send that
// failed, or a channel that is not connected.
func (o *Outcome) Failed() bool {
	c := o.ChannelOutcome
	return o.Err != nil || (c != nil && (c.SendFailure != "" || (c.ChannelStatus != "" && c.ChannelStatus != messaging.StatusConnected)))
}

// CheckFields rejects field names the template does not define: a typo
// there would otherwise run with an empty field.
func CheckFields(t *templates.Template, fields engine.Vars) error {
	var names []string
	for _, f := range t.CustomFields() {
		names = append(names, f.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(names, k) {
			return inputErr("field %s: the template has no such custom field%s; its fields are %s", k, templates.DidYouMean(k, names), strings.Join(names, ", "))
		}
	}
	return nil
}

// Check reports, before anything is sent, why in cannot run on t.
func Check(t *engine.Template, in Input) error {
	if strings.TrimSpace(in.Scenario) == "" {
		return inputErr("pick a scenario to run; the template has %s", strings.Join(runnable(t), ", "))
	}
	if t.Scenario(in.Scenario) == nil || in.Scenario == templates.ScenarioAuth {
		return inputErr("the template has no runnable scenario %q; it has %s", in.Scenario, strings.Join(runnable(t), ", "))
	}
	if t.Source.IsChannel() && templates.ReadsWebhook(in.Scenario) {
		return inputErr("%s reads a webhook as the provider sent it and sends nothing: give the webhook to read (ReadWebhook)", in.Scenario)
	}
	if err := CheckFields(t.Source, in.Fields); err != nil {
		return err
	}
	sc := t.Scenario(in.Scenario)
	for _, r := range in.Requests {
		if sc.Request(r) == nil {
			return inputErr("scenario %s has no request %q; it has %s", in.Scenario, r, strings.Join(sc.RequestNames(), ", "))
		}
	}
	_, err := defaultRequests(sc, in.Scenario, in.Requests)
	return err
}

// runnable is every scenario but the authentication.
func runnable(t *engine.Template) []string {
	return slices.DeleteFunc(t.ScenarioIDs(), func(id string) bool { return id == templates.ScenarioAuth })
}

// Run runs one scenario of t against the remote API exactly as the
// service would: GetGlobalInfo first (unless in.NoGlobalInfo), its outputs
// as variables, contact lookups with their pop-up URLs. An *InputError
// when the run cannot start; otherwise the outcome, failed or not, with
// every exchange masked.
func Run(ctx context.Context, t *engine.Template, in Input, env Env) (*Outcome, error) {
	if err := Check(t, in); err != nil {
		return nil, err
	}
	fields := withDefaults(t, in.Fields)
	vars := engine.Vars{}
	maps.Copy(vars, in.Vars)
	requests, _ := defaultRequests(t.Scenario(in.Scenario), in.Scenario, in.Requests)

	opts := env.Auth
	opts.Token = in.Token
	if opts.Store == nil {
		if t.Source.AuthType == "oauth2" && in.Token == "" {
			return nil, inputErr("the template authorizes with oauth2 and no token is kept for this run: give an access token")
		}
		opts.Store = &auth.MemoryStore{}
	}
	authz, err := auth.New(t, fields, opts)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	cfg := env.Client
	cfg.Auth, cfg.Vars = authz, fields
	cfg.Secrets = slices.Clone(cfg.Secrets)
	if in.Token != "" {
		cfg.Secrets = append(cfg.Secrets, in.Token)
	}
	client := engine.NewClient(t, cfg)

	var pre []engine.Exchange
	if in.Scenario != templates.ScenarioGlobalInfo && !in.NoGlobalInfo {
		if gi := scenarios.GlobalInfo(ctx, client); gi != nil {
			pre = gi.Trace
			if gi.Err != nil {
				res := &engine.Result{Scenario: in.Scenario, Rows: []engine.Row{}, Vars: engine.Vars{}, Trace: gi.Trace,
					Err: gi.Err, Error: "GetGlobalInfo: " + gi.Error}
				return &Outcome{Result: res, Rows: rowsOf(res)}, nil
			}
			merged := engine.Vars{}
			maps.Copy(merged, fields)
			maps.Copy(merged, gi.Vars)
			cfg.Vars = merged
			client = engine.NewClient(t, cfg)
		}
	}
	if t.Source.IsChannel() {
		channelDefaults(in.Scenario, vars)
	}
	out := &Outcome{}
	if isLookup(in.Scenario) && !t.Source.IsChannel() {
		out.Result, out.Rows = runLookup(ctx, client, in.Scenario, vars, requests)
	} else {
		out.Result = client.Run(ctx, in.Scenario, vars, engine.RunOptions{Requests: requests})
		out.Rows = rowsOf(out.Result)
	}
	out.Trace = append(pre, out.Trace...)
	if t.Source.IsChannel() {
		if out.ChannelOutcome, err = channelResult(t, in.Scenario, out.Result, vars); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IsInput reports whether err is an *InputError.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// withDefaults is the fields given, with each custom field left empty set
// to its default, as the service saves them.
func withDefaults(t *engine.Template, given engine.Vars) engine.Vars {
	fields := engine.Vars{}
	maps.Copy(fields, given)
	for _, cf := range t.Source.CustomFields() {
		if d := cf.DefaultValue(); d != "" && strings.TrimSpace(fields[cf.Name]) == "" {
			fields[cf.Name] = d
		}
	}
	return fields
}
