package integrations

import (
	"github.com/switchboard/switchboard/engine"
)

// RemoteError is an operation the remote API failed: Op says what was
// being done ("syncing users"), Err what went wrong, and Trace holds the
// masked exchanges, so whoever may see them can learn why.
type RemoteError struct {
	Op    string
	Err   error
	Trace []engine.Exchange
}

func (e *RemoteError) Error() string { return e.Op + " failed: " + e.Err.Error() }
func (e *RemoteError) Unwrap() error { return e.Err }

// NoScenarioError is an operation the integration's template has no
// scenario for: nothing was asked of the remote. It is
// engine.ErrNoScenario, so one check covers it and the engine's own.
type NoScenarioError struct{ Scenario string }

func (e *NoScenarioError) Error() string { return "the template has no " + e.Scenario + " scenario" }

// Is makes errors.Is(err, engine.ErrNoScenario) hold.
func (e *NoScenarioError) Is(target error) bool { return target == engine.ErrNoScenario }

// NotConnectedError is an operation refused because the integration is not
// connected: its status and the reason it has it.
type NotConnectedError struct{ Status, Reason string }

func (e *NotConnectedError) Error() string {
	return "the integration is " + e.Status + ": " + e.Reason
}

// InvalidError is a request to create or change an integration that
// cannot be done as asked (no such template, a channel template); the
// message says what to do instead.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return e.Message }
